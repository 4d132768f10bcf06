"""Metrics from activity records (see ``compliance.sources``)."""
from __future__ import annotations

from fractions import Fraction

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from red_property.activities.models import Activity as A
from red_property.activities.models import ActivityParticipant as P
from red_property.communities.models import ManagementContract as C
from red_property.compliance.sources import (EvidenceRow, Values, Window, by_window, measures_many, source,
                                             statement_cache, windows_table)
from red_property.party.models import PartyMember as Member


def activities_evidence(session: Session, window: Window, company_id: int, community_id: int) -> list[EvidenceRow]:
    """The community's activities in the window with how many party members took part."""
    members = func.count(func.distinct(P.member_id))
    rows = session.execute(
        select(A.id, A.held_on, A.title, members).outerjoin(P, and_(P.activity_id == A.id, P.tenant_id == A.tenant_id))
        .where(A.tenant_id == company_id, A.community_id == community_id, A.held_on >= window.start,
               A.held_on <= window.end)
        .group_by(A.id, A.held_on, A.title).order_by(A.held_on, A.id)).all()
    return [EvidenceRow(held_on, title, f"党员 {count} 人参加", record=f"#{activity_id}",
                        link=("activities.show", (("activity_id", activity_id),)))
            for activity_id, held_on, title, count in rows]


@source("activity_participation", absent=None, records="activities.index", evidence=activities_evidence)
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


@measures_many("activity_participation")
def activity_participation_many(session: Session, windows: list[Window]) -> list[Values]:
    """``activity_participation`` for every window in one statement: members × windows."""
    rows = session.execute(_participation_many(tuple(windows))).all()
    return by_window(windows, rows, lambda members, active: Fraction(active, members))


@statement_cache
def _participation_many(windows: tuple[Window, ...]):
    w = windows_table(windows)
    took_part = (select(P.id).join(A, and_(A.id == P.activity_id, A.tenant_id == P.tenant_id))
                 .where(P.member_id == Member.id, P.tenant_id == Member.tenant_id,
                        A.held_on >= w.c.start, A.held_on <= w.c.end).exists())
    managed = (select(C.id).where(C.company_tenant_id == Member.tenant_id, C.community_id == Member.community_id,
                                  C.starts_on <= w.c.end, or_(C.ends_on.is_(None), C.ends_on >= w.c.start))
               .exists())
    return (select(w.c.idx, Member.tenant_id, Member.community_id, func.count(Member.id),
                   func.count(case((took_part, Member.id))))
            .select_from(Member).join(w, true())
            .where(managed)
            .group_by(w.c.idx, Member.tenant_id, Member.community_id))
