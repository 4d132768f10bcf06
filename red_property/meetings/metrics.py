"""Metrics from joint-meeting records (see ``compliance.sources``)."""
from __future__ import annotations

import calendar as cal
import datetime as dt
from fractions import Fraction

from sqlalchemy import Date, Integer, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from red_property.communities.models import ManagementContract as C
from red_property.compliance.sources import (EvidenceRow, Values, Window, by_window, measures_many, source,
                                             statement_cache, windows_table)
from red_property.core import clock
from red_property.meetings.models import JointMeeting as M


def months_table(window: Window, name: str = "window_month"):
    """The window's months as rows (period yyyymm, first day, last day): a portable inline table."""
    rows = []
    for year, month in window.months():
        first, last = dt.date(year, month, 1), dt.date(year, month, cal.monthrange(year, month)[1])
        rows.append(select(literal(year * 100 + month, Integer).label("period"), literal(first, Date).label("first"),
                           literal(last, Date).label("last")))
    return (union_all(*rows) if len(rows) > 1 else rows[0]).cte(name)


def meetings_evidence(session: Session, window: Window, company_id: int, community_id: int) -> list[EvidenceRow]:
    """The community's joint meetings in the window; a monthly one counts only with all three parties."""
    rows = session.execute(select(M.id, M.held_on, M.kind, M.place, M.parties_complete).where(
        M.tenant_id == company_id, M.community_id == community_id, M.held_on >= window.start,
        M.held_on <= window.end).order_by(M.held_on, M.id)).all()
    kinds = {"monthly": "月度联席会议", "ad_hoc": "临时联席会议"}
    return [EvidenceRow(r.held_on, kinds.get(r.kind.value, r.kind.value),
                        f"{r.place}；{'三方到齐' if r.parties_complete else '三方未到齐，不计入当月'}",
                        record=f"#{r.id}", link=("meetings.show", (("meeting_id", r.id),))) for r in rows]


@source("meeting_cadence", absent=0, records="meetings.calendar", evidence=meetings_evidence)
def meeting_cadence(session: Session, window: Window) -> Values:
    """Share of the months a monthly joint meeting was required that had one with all three parties.

    A month is required when the company managed the community the whole
    month and the month is over, inside the window; a month taken over or handed
    over part-way, or still running, counts only if the meeting was held
    (``calendar.month_status`` is the same rule, month by month).  No meeting
    held is a real 0; a community taken over too recently for any month to be
    required has nothing to measure yet (``None``: missing, never zero).
    """
    # A month not over yet is never required: a window may reach past today (a dashboard's current month).
    today = clock.today()
    month = months_table(window)
    held = (select(M.id).where(
        M.tenant_id == C.company_tenant_id, M.community_id == C.community_id, M.monthly_period == month.c.period,
        M.parties_complete, M.held_on >= C.starts_on, or_(C.ends_on.is_(None), M.held_on <= C.ends_on),
        M.held_on >= window.start, M.held_on <= window.end).exists())
    required = and_(C.starts_on <= month.c.first, or_(C.ends_on.is_(None), C.ends_on >= month.c.last),
                    month.c.first >= window.start, month.c.last <= window.end, month.c.last < today)
    rows = session.execute(
        select(C.company_tenant_id, C.community_id,
               func.count(func.distinct(case((held, month.c.period)))),
               func.count(func.distinct(case((or_(held, required), month.c.period)))))
        .select_from(C)
        .join(month, and_(C.starts_on <= month.c.last, or_(C.ends_on.is_(None), C.ends_on >= month.c.first)))
        .where(C.starts_on <= window.end)
        .group_by(C.company_tenant_id, C.community_id)).all()
    return {(company, community): Fraction(met, due) if due else None for company, community, met, due in rows}


def window_months_table(windows: list[Window]):
    """Every window's months as rows (idx, window start, window end, period, first day, last day).

    The windows (13 rows) join the calendar months they span (a month touches a window when it
    starts by the window's end and ends on or after its start, as ``Window.months``): a dashboard's
    thirteen overlapping windows span 24 months, where listing each window's months literally took
    156 rows of six parameters, a 33 kB statement that PostgreSQL planned on every measurement."""
    window = windows_table(windows)
    month = months_table(Window(min(w.start for w in windows), max(w.end for w in windows)), "calendar_month")
    return (select(window.c.idx, window.c.start, window.c.end, month.c.period, month.c.first, month.c.last)
            .select_from(window).join(month, and_(month.c.first <= window.c.end, month.c.last >= window.c.start))
            .cte("window_month"))


@measures_many("meeting_cadence")
def meeting_cadence_many(session: Session, windows: list[Window]) -> list[Values]:
    """``meeting_cadence`` for every window in one statement: the same months, tagged with their window."""
    rows = session.execute(_cadence_many(tuple(windows), clock.today())).all()
    return by_window(windows, rows, lambda met, due: Fraction(met, due) if due else None, keep_none=True)


@statement_cache
def _cadence_many(windows: tuple[Window, ...], today: dt.date):
    month = window_months_table(windows)
    held = (select(M.id).where(
        M.tenant_id == C.company_tenant_id, M.community_id == C.community_id, M.monthly_period == month.c.period,
        M.parties_complete, M.held_on >= C.starts_on, or_(C.ends_on.is_(None), M.held_on <= C.ends_on),
        M.held_on >= month.c.start, M.held_on <= month.c.end).exists())
    required = and_(C.starts_on <= month.c.first, or_(C.ends_on.is_(None), C.ends_on >= month.c.last),
                    month.c.first >= month.c.start, month.c.last <= month.c.end, month.c.last < today)
    return (select(month.c.idx, C.company_tenant_id, C.community_id,
                   func.count(func.distinct(case((held, month.c.period)))),
                   func.count(func.distinct(case((or_(held, required), month.c.period)))))
            .select_from(C)
            .join(month, and_(C.starts_on <= month.c.last, or_(C.ends_on.is_(None), C.ends_on >= month.c.first),
                              C.starts_on <= month.c.end))
            .group_by(month.c.idx, C.company_tenant_id, C.community_id))
