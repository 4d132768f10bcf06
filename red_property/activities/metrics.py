"""Metrics from activity records (see ``compliance.sources``)."""
from __future__ import annotations

from fractions import Fraction

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from red_property.activities.models import Activity as A
from red_property.activities.models import ActivityParticipant as P
from red_property.communities.models import ManagementContract as C
from red_property.compliance.sources import Values, Window, source
from red_property.party.models import PartyMember as Member


@source("activity_participation", absent=None)
def activity_participation(session: Session, window: Window) -> Values:
    """Share of a community's party members who took part in at least one activity in the window.

    Members are those the company records as living in the community (directly
    managed and in-service alike), for communities it managed during the
    window.  A community with no members recorded has nothing to measure:
    missing, never zero.
    """
    took_part = (select(P.id).join(A, and_(A.id == P.activity_id, A.tenant_id == P.tenant_id))
                 .where(P.member_id == Member.id, P.tenant_id == Member.tenant_id,
                        A.held_on >= window.start, A.held_on <= window.end).exists())
    managed = (select(C.id).where(C.company_tenant_id == Member.tenant_id, C.community_id == Member.community_id,
                                  C.starts_on <= window.end, or_(C.ends_on.is_(None), C.ends_on >= window.start))
               .exists())
    rows = session.execute(
        select(Member.tenant_id, Member.community_id, func.count(Member.id),
               func.count(case((took_part, Member.id))))
        .where(managed)
        .group_by(Member.tenant_id, Member.community_id)).all()
    return {(company, community): Fraction(active, members) for company, community, members, active in rows}
