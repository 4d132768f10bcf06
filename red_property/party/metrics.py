"""Metrics from party records (see ``compliance.sources``)."""
from __future__ import annotations

from fractions import Fraction

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from red_property.compliance.sources import (EvidenceRow, Values, Window, by_window, measures_many, source,
                                             statement_cache, windows_table)
from red_property.party.models import OrganisationCommunity, PartyOrganisation
from red_property.party.rules import BRANCH_LEVELS


def _covering_branches(window: Window):
    return (select(PartyOrganisation.tenant_id, OrganisationCommunity.community_id, PartyOrganisation.name,
                   PartyOrganisation.level, PartyOrganisation.founded_on)
            .join(OrganisationCommunity, (PartyOrganisation.id == OrganisationCommunity.organisation_id)
                  & (PartyOrganisation.tenant_id == OrganisationCommunity.tenant_id))
            .where(PartyOrganisation.level.in_(BRANCH_LEVELS),
                   or_(PartyOrganisation.founded_on.is_(None), PartyOrganisation.founded_on <= window.end)))


def coverage_evidence(session: Session, window: Window, company_id: int, community_id: int) -> list[EvidenceRow]:
    """The branches that cover the community."""
    rows = session.execute(_covering_branches(window).where(PartyOrganisation.tenant_id == company_id,
                                                            OrganisationCommunity.community_id == community_id)
                           .order_by(PartyOrganisation.founded_on, PartyOrganisation.name)).all()
    labels = {"community": "小区党支部", "joint": "联合党支部"}
    return [EvidenceRow(r.founded_on, r.name, labels.get(r.level.value, r.level.value)) for r in rows]


@source("party_coverage", absent=0, records="party.overview", community_records="party.community",
        evidence=coverage_evidence)
def party_coverage(session: Session, window: Window) -> Values:
    """1 for a community covered by a branch or joint branch founded by the window's end.

    An uncovered community is a real 0: the records exist, the branch does not.
    """
    covered = _covering_branches(window).subquery()
    rows = session.execute(select(covered.c.tenant_id, covered.c.community_id).distinct()).all()
    return {(tenant, community): Fraction(1) for tenant, community in rows}


@measures_many("party_coverage")
def party_coverage_many(session: Session, windows: list[Window]) -> list[Values]:
    """``party_coverage`` at the end of every window in one statement."""
    return by_window(windows, session.execute(_coverage_many(tuple(windows))).all(), lambda: Fraction(1))


@statement_cache
def _coverage_many(windows: tuple[Window, ...]):
    w = windows_table(windows)
    return (select(w.c.idx, PartyOrganisation.tenant_id, OrganisationCommunity.community_id).distinct()
            .join(OrganisationCommunity, (PartyOrganisation.id == OrganisationCommunity.organisation_id)
                  & (PartyOrganisation.tenant_id == OrganisationCommunity.tenant_id))
            .join(w, or_(PartyOrganisation.founded_on.is_(None), PartyOrganisation.founded_on <= w.c.end))
            .where(PartyOrganisation.level.in_(BRANCH_LEVELS)))
