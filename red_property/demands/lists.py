"""The three lists (三个清单) and the monthly figures, as views over the demand records.

- needs (需求清单): what residents are waiting for now: open demands by
  community and category, with how many are overdue and the oldest one;
- tasks (任务清单): routed demands in progress, with who handles each and by when;
- resources (资源清单): who the company can call on, and for what: each handler
  (a team, a worker, a unit such as the joint law-enforcement station) that
  resolved demands in the last twelve months, by route and category, with how
  often on time and how residents rated them.

Each is one or two set-based queries.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from red_property.communities.models import Community
from red_property.core import clock
from red_property.demands.models import CLOSED, OPEN, Category, Demand, Route, Status
from red_property.demands.queries import DemandPage


@dataclass
class Need:
    community_id: int
    community: str
    category: Category
    open: int
    overdue: int
    oldest: dt.datetime


def needs(session: Session) -> list[Need]:
    """Open demands by community and category, most waiting first: one query."""
    rows = session.execute(
        select(Demand.community_id, Community.name, Demand.category, func.count(Demand.id),
               func.count(Demand.overdue_at), func.min(Demand.received_at))
        .join(Community, Community.id == Demand.community_id)
        .where(Demand.status.in_(OPEN))
        .group_by(Demand.community_id, Community.name, Demand.category)).all()
    items = [Need(*row) for row in rows]
    return sorted(items, key=lambda n: (-n.open, n.community, n.category.value))


def tasks(session: Session, *, page: int = 1, per_page: int = 30) -> DemandPage:
    """Routed demands in progress, soonest due first: two queries."""
    total = session.scalar(select(func.count(Demand.id)).where(Demand.status == Status.IN_PROGRESS))
    rows = session.execute(select(Demand, Community.name).join(Community, Community.id == Demand.community_id)
                           .where(Demand.status == Status.IN_PROGRESS)
                           .order_by(Demand.due_at, Demand.id).limit(per_page).offset((page - 1) * per_page)
                           ).tuples().all()
    return DemandPage(list(rows), total or 0, page, per_page)


@dataclass
class Resource:
    handler: str
    route: Route
    resolved: int = 0
    on_time: int = 0
    rated: int = 0
    rating_sum: int = 0
    last: dt.datetime | None = None
    categories: dict[Category, int] = field(default_factory=dict)

    @property
    def mean_rating(self) -> float | None:
        return round(self.rating_sum / self.rated, 1) if self.rated else None

    @property
    def on_time_share(self) -> int:
        return round(100 * self.on_time / self.resolved) if self.resolved else 0


def resources(session: Session, today: dt.date) -> list[Resource]:
    """Handlers that resolved demands in the last twelve months: one query, folded per handler."""
    since = clock.day_start(_month_starts(today)[0])
    rows = session.execute(
        select(Demand.handler, Demand.route, Demand.category, func.count(Demand.id),
               func.sum(case((Demand.closed_at <= Demand.due_at, 1), else_=0)),
               func.count(Demand.rating), func.coalesce(func.sum(Demand.rating), 0), func.max(Demand.closed_at))
        .where(Demand.status == Status.RESOLVED, Demand.handler.is_not(None), Demand.closed_at >= since)
        .group_by(Demand.handler, Demand.route, Demand.category)).all()
    by_handler: dict[tuple[str, Route], Resource] = {}
    for handler, route, category, resolved, on_time, rated, rating_sum, last in rows:
        item = by_handler.setdefault((handler, route), Resource(handler, route))
        item.resolved += resolved
        item.on_time += on_time or 0
        item.rated += rated
        item.rating_sum += rating_sum or 0
        item.last = last if item.last is None or (last and last > item.last) else item.last
        item.categories[category] = resolved
    return sorted(by_handler.values(), key=lambda r: (-r.resolved, r.handler))


@dataclass
class MonthRates:
    month: dt.date
    due: int          # demands due that month (and closed, or already past due)
    on_time: int      # of which resolved by their due time
    closed: int       # demands closed that month
    resolved: int     # of which resolved

    @property
    def on_time_rate(self) -> float | None:
        return float(Fraction(100 * self.on_time, self.due)) if self.due else None

    @property
    def resolved_rate(self) -> float | None:
        return float(Fraction(100 * self.resolved, self.closed)) if self.closed else None


def _month_starts(today: dt.date, months: int = 12) -> list[dt.date]:
    """The first days of the ``months`` months up to ``today``'s, plus the next month's (an end bound)."""
    year, month = today.year, today.month - months + 1
    while month < 1:
        year, month = year - 1, month + 12
    out = []
    for _ in range(months + 1):
        out.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _bucket(column, starts: list[dt.datetime]):
    """The index of the month ``column`` falls in (starts are month bounds in UTC)."""
    return case(*[(column < bound, n) for n, bound in enumerate(starts[1:])], else_=None)


def monthly_rates(session: Session, today: dt.date, now: dt.datetime | None = None) -> list[MonthRates]:
    """On-time and resolved rates of the last twelve local months: two queries."""
    now = now or clock.now()
    months = _month_starts(today)
    starts = [clock.day_start(m) for m in months]
    due_month = _bucket(Demand.due_at, starts)
    due = session.execute(
        select(due_month, func.count(Demand.id),
               func.sum(case(((Demand.status == Status.RESOLVED) & (Demand.closed_at <= Demand.due_at), 1),
                             else_=0)))
        .where(Demand.due_at >= starts[0], Demand.due_at < starts[-1],
               or_(Demand.status.in_(CLOSED), Demand.due_at < now))
        .group_by(due_month)).all()
    closed_month = _bucket(Demand.closed_at, starts)
    closed = session.execute(
        select(closed_month, func.count(Demand.id), func.sum(case((Demand.status == Status.RESOLVED, 1), else_=0)))
        .where(Demand.closed_at >= starts[0], Demand.closed_at < starts[-1])
        .group_by(closed_month)).all()
    out = [MonthRates(m, 0, 0, 0, 0) for m in months[:-1]]
    for n, count, on_time in due:
        out[n].due, out[n].on_time = count, on_time or 0
    for n, count, resolved in closed:
        out[n].closed, out[n].resolved = count, resolved or 0
    return out


def route_shares(session: Session, today: dt.date) -> dict[Route, int]:
    """Demands received in the last twelve months by route (the 721 shares): one query."""
    since = clock.day_start(_month_starts(today)[0])
    counts = dict(session.execute(select(Demand.route, func.count(Demand.id)).where(Demand.received_at >= since)
                                  .group_by(Demand.route)).tuples().all())
    return {route: counts.get(route, 0) for route in Route}

