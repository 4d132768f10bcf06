"""What a visitor may read about a community, through ``tenancy.public_read`` only.

Every function takes the public session (read-only, filtered to published
rows by each model's ``public_criteria``, and on PostgreSQL running as the
SELECT-only public role), so nothing unpublished can reach a public page even
if a query here forgets a condition.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session

from red_property.communities.models import Community, ManagementContract
from red_property.onboarding.models import Company
from red_property.finance.public import PublishedStatement, published_statements
from red_property.party.models import OrganisationCommunity
from red_property.public.models import BranchProfile, CommitteeProfile
from red_property.rating.models import RatingResult, RatingRun
from red_property.tenants.models import Tenant


@dataclass(frozen=True)
class PublishedGrade:
    period: str
    grade: str
    score: object
    published_at: dt.datetime
    corrected: bool


@dataclass(frozen=True)
class PublicCommunity:
    community: Community
    company: Tenant | None
    managed_since: dt.date | None
    grade: PublishedGrade | None
    committee: Tenant | None
    branches: list[BranchProfile]
    committee_card: CommitteeProfile | None
    statements: list[PublishedStatement]
    not_served: bool = False  # the bureau's notice: the (suspended) company no longer serves here


# A resident knows the road (玉林北路) as often as the name: the address holds it.
SEARCHED = (Community.name, Community.address, Community.district, Community.street, Community.neighbourhood)


def search_communities(session: Session, q: str | None, page: int, per_page: int) -> tuple[list[Community], int]:
    """Communities by name, address (road and number), district, street or neighbourhood: one page and
    the total (two queries).  Every word of ``q`` must appear in one of them, so "锦江区 玉林北路" narrows."""
    found = and_(true(), *(or_(*(column.like(f"%{word}%") for column in SEARCHED)) for word in (q or "").split()[:5]))
    stmt = select(Community).where(found)
    total = session.scalar(select(func.count(Community.id)).where(found))   # the public role reads no whole row
    items = session.scalars(stmt.order_by(Community.district, Community.street, Community.name, Community.id)
                            .limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


def latest_grade(session: Session, bureau_id: int, company_id: int) -> PublishedGrade | None:
    """The company's grade in the bureau's latest published rating (a correction replaces what it corrects)."""
    rows = session.execute(
        select(RatingRun.id, RatingRun.period, RatingRun.published_at, RatingRun.supersedes_id,
               RatingResult.grade, RatingResult.score)
        .join(RatingResult, (RatingResult.run_id == RatingRun.id) & (RatingResult.tenant_id == RatingRun.tenant_id))
        .where(RatingRun.tenant_id == bureau_id, RatingResult.company_tenant_id == company_id)
        .order_by(RatingRun.as_of.desc(), RatingRun.id.desc())).all()
    superseded = {row.supersedes_id for row in rows if row.supersedes_id}
    for row in rows:
        if row.id not in superseded:
            return PublishedGrade(row.period, row.grade, row.score, row.published_at, row.supersedes_id is not None)
    return None


def community_page(session: Session, community_id: int, today: dt.date) -> PublicCommunity | None:
    """The register entry, its managing company today with its published grade, and its committee."""
    community = session.get(Community, community_id)
    if community is None:
        return None
    current = session.execute(
        select(ManagementContract.starts_on, Tenant)
        .join(Tenant, Tenant.id == ManagementContract.company_tenant_id)
        .where(ManagementContract.community_id == community_id, ManagementContract.starts_on <= today,
               or_(ManagementContract.ends_on.is_(None), ManagementContract.ends_on >= today))
        .order_by(ManagementContract.starts_on.desc())).first()
    company = current[1] if current else None
    committee = _committee(session, community)
    card, statements = _committee_cards(session, committee)
    if company is not None and not_served(session, community.tenant_id, company):
        # no grade, no branches, no demand form: residents are told to turn to the bureau
        return PublicCommunity(community, company, current[0], None, committee, [], card, statements, True)
    return PublicCommunity(
        community, company, current[0] if current else None,
        latest_grade(session, community.tenant_id, company.id) if company else None, committee,
        branches_of(session, community_id, company.id) if company else [], card, statements)


def _committee(session: Session, community: Community) -> Tenant | None:
    # The register's committee (communities.services.has_committee): the one answer, which the
    # company's records of committee members follow (appointments.demo records none elsewhere).
    return session.get(Tenant, community.committee_tenant_id) if community.committee_tenant_id else None


def _committee_cards(session: Session, committee: Tenant | None) -> tuple:
    if committee is None:
        return None, []
    return (session.scalar(select(CommitteeProfile).where(CommitteeProfile.tenant_id == committee.id)),
            published_statements(session, committee.id))


def not_served(session: Session, bureau_id: int, company: Tenant) -> bool:
    """Whether the bureau tells the public that this suspended company no longer serves its communities.

    A suspension alone says nothing to the public (``onboarding.service_notice``)."""
    if company.suspended_at is None:
        return False
    return session.scalar(select(Company.id).where(
        Company.tenant_id == bureau_id, Company.company_tenant_id == company.id,
        Company.not_served_notice.is_(True))) is not None


def branches_of(session: Session, community_id: int, company_id: int) -> list[BranchProfile]:
    """The published cards of the managing company's branches that cover the community."""
    covering = select(OrganisationCommunity.organisation_id).where(OrganisationCommunity.community_id == community_id,
                                                                   OrganisationCommunity.tenant_id == company_id)
    return list(session.scalars(select(BranchProfile).where(BranchProfile.tenant_id == company_id,
                                                           BranchProfile.organisation_id.in_(covering))
                                .order_by(BranchProfile.public_name)))


def managing_company_id(session: Session, community_id: int, today: dt.date) -> int | None:
    """Which company manages the community today (the one a resident's demand goes to); None when
    there is none, or when the bureau has said that the suspended company no longer serves here."""
    row = session.execute(select(ManagementContract.tenant_id, Tenant).join(
        Tenant, Tenant.id == ManagementContract.company_tenant_id).where(
        ManagementContract.community_id == community_id, ManagementContract.starts_on <= today,
        or_(ManagementContract.ends_on.is_(None), ManagementContract.ends_on >= today))
        .order_by(ManagementContract.starts_on.desc()).limit(1)).first()
    if row is None or not_served(session, row[0], row[1]):
        return None
    return row[1].id
