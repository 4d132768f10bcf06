"""Keeping what a tenant publishes about itself: a party branch's contact card
(by the company that keeps the branch's records) and the owners' committee's.

A profile may be saved as a draft; publishing stamps ``published_at`` and only
then does it appear on the public pages.  A published card must say how to
reach the branch or committee (a phone or a place).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.communities.models import Community
from red_property.core import clock
from red_property.core.errors import InputError
from red_property.core.fields import phone, text
from red_property.party.models import OrganisationCommunity, PartyOrganisation
from red_property.party.rules import BRANCH_LEVELS
from red_property.public.models import BranchProfile, CommitteeProfile

CONTACT_FIELDS = ("contact_name", "phone", "place", "hours", "note")


@dataclass(frozen=True)
class BranchCard:
    organisation: PartyOrganisation
    profile: BranchProfile | None
    communities: list[tuple[int, str]]   # (id, name): a joint branch covers several


def _contact(data: dict, publish: bool) -> dict:
    values = {
        "contact_name": text("contact_name", data.get("contact_name"), required=False, max_len=50) or "",
        "phone": phone("phone", data.get("phone"), required=False) or "",
        "place": text("place", data.get("place"), required=False, max_len=200) or "",
        "hours": text("hours", data.get("hours"), required=False, max_len=100) or "",
        "note": text("note", data.get("note"), required=False, max_len=1000) or "",
    }
    if publish and not (values["phone"] or values["place"]):
        raise InputError("phone", "公开前请至少填写联系电话或办公地点，让居民找得到")
    return values


def branch_cards(session: Session) -> list[BranchCard]:
    """The company's branches and joint branches with their profiles and communities: two queries."""
    rows = session.execute(
        select(PartyOrganisation, BranchProfile)
        .outerjoin(BranchProfile, (BranchProfile.organisation_id == PartyOrganisation.id)
                   & (BranchProfile.tenant_id == PartyOrganisation.tenant_id))
        .where(PartyOrganisation.level.in_(BRANCH_LEVELS)).order_by(PartyOrganisation.name, PartyOrganisation.id)).all()
    covers: dict[int, list[tuple[int, str]]] = {}
    for organisation_id, community_id, name in session.execute(
            select(OrganisationCommunity.organisation_id, OrganisationCommunity.community_id, Community.name)
            .join(Community, Community.id == OrganisationCommunity.community_id)
            .where(OrganisationCommunity.organisation_id.in_([o.id for o, _ in rows]))):
        covers.setdefault(organisation_id, []).append((community_id, name))
    return [BranchCard(o, p, sorted(covers.get(o.id, []))) for o, p in rows]


def save_branch_profile(session: Session, organisation_id: int, data: dict, *, publish: bool) -> BranchProfile:
    """Save (and publish, or withdraw) a branch's public card."""
    organisation = session.get(PartyOrganisation, organisation_id)
    if organisation is None or organisation.level not in BRANCH_LEVELS:
        raise InputError("organisation_id", "只有小区党支部或联合党支部可以公开联系方式")
    values = _contact(data, publish)
    values["public_name"] = text("public_name", data.get("public_name") or organisation.name, required=True,
                                 max_len=100)
    profile = session.scalar(select(BranchProfile).where(BranchProfile.organisation_id == organisation_id))
    if profile is None:
        profile = BranchProfile(organisation_id=organisation_id)
        session.add(profile)
    _apply(profile, values, publish)
    session.commit()
    return profile


def committee_profile(session: Session) -> CommitteeProfile | None:
    return session.scalar(select(CommitteeProfile))


def save_committee_profile(session: Session, data: dict, *, publish: bool) -> CommitteeProfile:
    """Save (and publish, or withdraw) the owners' committee's public card."""
    values = _contact(data, publish)
    values["members"] = text("members", data.get("members"), required=False, max_len=2000) or ""
    profile = committee_profile(session)
    if profile is None:
        profile = CommitteeProfile()
        session.add(profile)
    _apply(profile, values, publish)
    session.commit()
    return profile


def _apply(profile, values: dict, publish: bool) -> None:
    for key, value in values.items():
        setattr(profile, key, value)
    if not publish:
        profile.published_at = None
    elif profile.published_at is None:
        profile.published_at = clock.now()
