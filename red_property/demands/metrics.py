"""Metrics from demand records (see ``compliance.sources``).

All three are ``absent=None``: a community without demands in the window has
nothing to measure, which is not the same as handling them badly.  A window's
dates are local days (``clock.bounds``).

Each metric also has an ``*_evidence(session, window, company_id, community_id)``
function listing the demands behind a value (one query) for the bureau's drill-down.
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from red_property.compliance.sources import EvidenceRow as Evidence
from red_property.compliance.sources import (Values, Window, by_window, measures_many, source, statement_cache,
                                             windows_table)
from red_property.core import clock
from red_property.demands.models import CLOSED, Demand, Status


def _due_in(window: Window):
    start, end = clock.bounds(window.start, window.end)
    return (Demand.due_at >= start, Demand.due_at < end, or_(Demand.status.in_(CLOSED), Demand.due_at < clock.now()))


def _closed_in(window: Window):
    start, end = clock.bounds(window.start, window.end)
    return Demand.closed_at >= start, Demand.closed_at < end


def _rows(session: Session, company_id: int, community_id: int, *where, order) -> list[Demand]:
    return list(session.scalars(select(Demand).where(Demand.tenant_id == company_id,
                                                     Demand.community_id == community_id, *where)
                                .order_by(order, Demand.id)))


def _title(demand: Demand) -> str:
    from red_property.demands.labels import CATEGORY

    return f"#{demand.id} {CATEGORY[demand.category]}"


def _ref(demand: Demand) -> dict:
    """The demand's number, its page and its channel, for the drill-down's link and filter."""
    from red_property.demands.labels import SOURCE

    return {"record": f"#{demand.id}", "link": ("demands.show", (("demand_id", demand.id),)),
            "source": str(SOURCE[demand.source])}


def on_time_evidence(session: Session, window: Window, company_id: int, community_id: int) -> list[Evidence]:
    """The demands due in the window, each with whether it was resolved by its due time."""
    def outcome(d: Demand) -> str:
        if d.status == Status.RESOLVED:
            return "按时解决" if d.closed_at <= d.due_at else "逾期解决"
        return "未解决" if d.status == Status.UNRESOLVED else "超期未办结"

    return [Evidence(clock.local_date(d.due_at), _title(d), outcome(d), **_ref(d))
            for d in _rows(session, company_id, community_id, *_due_in(window), order=Demand.due_at)]


def resolved_evidence(session: Session, window: Window, company_id: int, community_id: int) -> list[Evidence]:
    """The demands closed in the window: resolved, or unresolved with the reason."""
    return [Evidence(clock.local_date(d.closed_at), _title(d),
                     "已解决" if d.status == Status.RESOLVED else f"未解决：{d.resolution}", **_ref(d))
            for d in _rows(session, company_id, community_id, *_closed_in(window), order=Demand.closed_at)]


def satisfaction_evidence(session: Session, window: Window, company_id: int, community_id: int) -> list[Evidence]:
    """The ratings of demands closed in the window."""
    return [Evidence(clock.local_date(d.closed_at), _title(d), f"{d.rating} 星" + (f"：{d.rating_comment}"
                                                                          if d.rating_comment else ""), **_ref(d))
            for d in _rows(session, company_id, community_id, *_closed_in(window), Demand.rating.is_not(None),
                           order=Demand.closed_at)]


@source("demands_on_time", absent=None, records="demands.index", evidence=on_time_evidence)
def demands_on_time(session: Session, window: Window) -> Values:
    """Of the demands due in the window, the share resolved by their due time.

    A demand still open and not yet due is left out (it may still be on time);
    one closed unresolved, or resolved late, counts against.
    """
    on_time = case(((Demand.status == Status.RESOLVED) & (Demand.closed_at <= Demand.due_at), 1), else_=0)
    rows = session.execute(
        select(Demand.tenant_id, Demand.community_id, func.count(Demand.id), func.sum(on_time))
        .where(*_due_in(window)).group_by(Demand.tenant_id, Demand.community_id)).all()
    return {(tenant, community): Fraction(done or 0, total) for tenant, community, total, done in rows}


@source("demands_resolved", absent=None, records="demands.index", evidence=resolved_evidence)
def demands_resolved(session: Session, window: Window) -> Values:
    """Of the demands closed in the window, the share resolved (not closed unresolved)."""
    resolved = case((Demand.status == Status.RESOLVED, 1), else_=0)
    rows = session.execute(
        select(Demand.tenant_id, Demand.community_id, func.count(Demand.id), func.sum(resolved))
        .where(*_closed_in(window)).group_by(Demand.tenant_id, Demand.community_id)).all()
    return {(tenant, community): Fraction(done or 0, total) for tenant, community, total, done in rows}


@source("demand_satisfaction", absent=None, records="demands.index",
        evidence=satisfaction_evidence)
def demand_satisfaction(session: Session, window: Window) -> Values:
    """The mean rating of demands closed in the window, 1-5 stars scaled to 0-100 (1 star: 0, 5 stars: 100)."""
    rows = session.execute(
        select(Demand.tenant_id, Demand.community_id, func.count(Demand.rating), func.sum(Demand.rating))
        .where(*_closed_in(window), Demand.rating.is_not(None))
        .group_by(Demand.tenant_id, Demand.community_id)).all()
    return {(tenant, community): Fraction(25 * (stars - count), count) for tenant, community, count, stars in rows}


# The same three over many windows in one statement each (``compliance.sources.measures_many``).

def _bounds(windows: list[Window]) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """Each window's local days as UTC instants: computed per call (they depend on the app's
    zone), and the key of the cached statement, never inside it."""
    return tuple(clock.bounds(w.start, w.end) for w in windows)


def _bounds_table(bounds: tuple[tuple[dt.datetime, dt.datetime], ...], column):
    return windows_table(bounds, start=lambda b: b[0], end=lambda b: b[1], type_=column.type)


@statement_cache
def _on_time_many(bounds: tuple[tuple[dt.datetime, dt.datetime], ...]):
    w = _bounds_table(bounds, Demand.due_at)
    on_time = case(((Demand.status == Status.RESOLVED) & (Demand.closed_at <= Demand.due_at), 1), else_=0)
    return (select(w.c.idx, Demand.tenant_id, Demand.community_id, func.count(Demand.id), func.sum(on_time))
            .join(w, (Demand.due_at >= w.c.start) & (Demand.due_at < w.c.end))
            .where(or_(Demand.status.in_(CLOSED), Demand.due_at < bindparam("now", type_=Demand.due_at.type)))
            .group_by(w.c.idx, Demand.tenant_id, Demand.community_id))


@measures_many("demands_on_time")
def demands_on_time_many(session: Session, windows: list[Window]) -> list[Values]:
    rows = session.execute(_on_time_many(_bounds(windows)), {"now": clock.now()}).all()
    return by_window(windows, rows, lambda total, done: Fraction(done or 0, total))


@statement_cache
def _resolved_many(bounds: tuple[tuple[dt.datetime, dt.datetime], ...]):
    w = _bounds_table(bounds, Demand.closed_at)
    resolved = case((Demand.status == Status.RESOLVED, 1), else_=0)
    return (select(w.c.idx, Demand.tenant_id, Demand.community_id, func.count(Demand.id), func.sum(resolved))
            .join(w, (Demand.closed_at >= w.c.start) & (Demand.closed_at < w.c.end))
            .group_by(w.c.idx, Demand.tenant_id, Demand.community_id))


@measures_many("demands_resolved")
def demands_resolved_many(session: Session, windows: list[Window]) -> list[Values]:
    rows = session.execute(_resolved_many(_bounds(windows))).all()
    return by_window(windows, rows, lambda total, done: Fraction(done or 0, total))


@statement_cache
def _satisfaction_many(bounds: tuple[tuple[dt.datetime, dt.datetime], ...]):
    w = _bounds_table(bounds, Demand.closed_at)
    return (select(w.c.idx, Demand.tenant_id, Demand.community_id, func.count(Demand.rating), func.sum(Demand.rating))
            .join(w, (Demand.closed_at >= w.c.start) & (Demand.closed_at < w.c.end))
            .where(Demand.rating.is_not(None))
            .group_by(w.c.idx, Demand.tenant_id, Demand.community_id))


@measures_many("demand_satisfaction")
def demand_satisfaction_many(session: Session, windows: list[Window]) -> list[Values]:
    rows = session.execute(_satisfaction_many(_bounds(windows))).all()
    return by_window(windows, rows, lambda count, stars: Fraction(25 * (stars - count), count))
