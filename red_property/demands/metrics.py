"""Metrics from demand records (see ``compliance.sources``).

All three are ``absent=None``: a community without demands in the window has
nothing to measure, which is not the same as handling them badly.  A window's
dates are local days (``times.bounds``).
"""
from __future__ import annotations

from fractions import Fraction

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from red_property.compliance.sources import Values, Window, source
from red_property.core.model import utcnow
from red_property.demands.models import CLOSED, Demand, Status
from red_property.demands.times import bounds


@source("demands_on_time", absent=None)
def demands_on_time(session: Session, window: Window) -> Values:
    """Of the demands due in the window, the share resolved by their due time.

    A demand still open and not yet due is left out (it may still be on time);
    one closed unresolved, or resolved late, counts against.
    """
    start, end = bounds(window.start, window.end)
    on_time = case(((Demand.status == Status.RESOLVED) & (Demand.closed_at <= Demand.due_at), 1), else_=0)
    rows = session.execute(
        select(Demand.tenant_id, Demand.community_id, func.count(Demand.id), func.sum(on_time))
        .where(Demand.due_at >= start, Demand.due_at < end,
               or_(Demand.status.in_(CLOSED), Demand.due_at < utcnow()))
        .group_by(Demand.tenant_id, Demand.community_id)).all()
    return {(tenant, community): Fraction(done or 0, total) for tenant, community, total, done in rows}


@source("demands_resolved", absent=None)
def demands_resolved(session: Session, window: Window) -> Values:
    """Of the demands closed in the window, the share resolved (not closed unresolved)."""
    start, end = bounds(window.start, window.end)
    resolved = case((Demand.status == Status.RESOLVED, 1), else_=0)
    rows = session.execute(
        select(Demand.tenant_id, Demand.community_id, func.count(Demand.id), func.sum(resolved))
        .where(Demand.closed_at >= start, Demand.closed_at < end)
        .group_by(Demand.tenant_id, Demand.community_id)).all()
    return {(tenant, community): Fraction(done or 0, total) for tenant, community, total, done in rows}


@source("demand_satisfaction", absent=None)
def demand_satisfaction(session: Session, window: Window) -> Values:
    """The mean rating of demands closed in the window, 1-5 stars scaled to 0-100 (1 star: 0, 5 stars: 100)."""
    start, end = bounds(window.start, window.end)
    rows = session.execute(
        select(Demand.tenant_id, Demand.community_id, func.count(Demand.rating), func.sum(Demand.rating))
        .where(Demand.closed_at >= start, Demand.closed_at < end, Demand.rating.is_not(None))
        .group_by(Demand.tenant_id, Demand.community_id)).all()
    return {(tenant, community): Fraction(25 * (stars - count), count) for tenant, community, count, stars in rows}
