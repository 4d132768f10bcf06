"""Metrics from party records (see ``compliance.sources``)."""
from __future__ import annotations

from fractions import Fraction

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from red_property.compliance.sources import Values, Window, source
from red_property.party.models import OrganisationCommunity, PartyOrganisation
from red_property.party.rules import BRANCH_LEVELS


@source("party_coverage", absent=0)
def party_coverage(session: Session, window: Window) -> Values:
    """1 for a community covered by a branch or joint branch founded by the window's end.

    An uncovered community is a real 0: the records exist, the branch does not.
    """
    rows = session.execute(
        select(OrganisationCommunity.tenant_id, OrganisationCommunity.community_id)
        .join(PartyOrganisation, (PartyOrganisation.id == OrganisationCommunity.organisation_id)
              & (PartyOrganisation.tenant_id == OrganisationCommunity.tenant_id))
        .where(PartyOrganisation.level.in_(BRANCH_LEVELS),
               or_(PartyOrganisation.founded_on.is_(None), PartyOrganisation.founded_on <= window.end))
        .distinct()).all()
    return {(tenant, community): Fraction(1) for tenant, community in rows}
