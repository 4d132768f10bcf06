"""A company's compliance dashboard: every indicator the bureau rates, measured
from the company's own records, with its twelve-month trend.

It runs in the company's own scope, so the sources (``compliance.sources``)
see only its records; the bureau's rating runs the very same sources across
all companies.  A company value is the floor-area-weighted mean of its
communities' values (the register's floor area, as the rating's default), over
the communities that have one: a missing value is left out, never counted as 0.

Cost: one query for the register, then one per source for the window and its
twelve months together (``measure_windows``; a source that cannot measure many
windows at once costs one per window): fixed, whatever the number of records or
communities.  Those measurements are kept in the process until the company's
records, the register or the minute change (``core.generations``); the pages,
the community pages, the exports and the API all assemble theirs from them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from red_property.communities.models import Community, ManagementContract
from red_property.compliance.sources import SOURCES, Source, Values, Window, load_sources, measure_windows, value_for
from red_property.core.formatting import measure, pct_value
from red_property.core.generations import kept
from red_property.core.tenancy import current_tenant_id
from red_property.rating.metrics import METRICS, Metric


@dataclass(frozen=True)
class ManagedCommunity:
    id: int
    name: str
    floor_area: Fraction
    periods: tuple[tuple[dt.date, dt.date | None], ...]   # this company's contracts

    def managed_during(self, window: Window) -> bool:
        return any(start <= window.end and (end is None or end >= window.start) for start, end in self.periods)


@dataclass(frozen=True)
class Indicator:
    metric: Metric
    source: Source
    value: Fraction | None                      # the company's (or the one community's) value
    by_community: dict[int, Fraction | None]
    trend: list[tuple[str, Fraction | None]]    # ("2026-03", value) oldest first

    @property
    def meets_goal(self) -> bool | None:
        if self.metric.goal is None or self.value is None:
            return None
        return self.value >= self.metric.goal


@dataclass(frozen=True)
class Dashboard:
    window: Window
    communities: list[ManagedCommunity]
    indicators: list[Indicator]


def managed_communities(session: Session, window: Window) -> list[ManagedCommunity]:
    """The communities the current company managed at any time in the window: one query."""
    rows = session.execute(
        select(Community.id, Community.name, Community.floor_area, ManagementContract.starts_on,
               ManagementContract.ends_on)
        .join(ManagementContract, and_(ManagementContract.community_id == Community.id,
                                       ManagementContract.tenant_id == Community.tenant_id))
        .where(ManagementContract.company_tenant_id == current_tenant_id(session),
               ManagementContract.starts_on <= window.end,
               or_(ManagementContract.ends_on.is_(None), ManagementContract.ends_on >= window.start))
        .order_by(Community.name, Community.id, ManagementContract.starts_on)).all()
    found: dict[int, tuple[str, Fraction, list]] = {}
    for community_id, name, area, starts_on, ends_on in rows:
        found.setdefault(community_id, (name, Fraction(str(area or 0)), []))[2].append((starts_on, ends_on))
    return [ManagedCommunity(cid, name, area, tuple(periods)) for cid, (name, area, periods) in found.items()]


def weighted(values: dict[int, Fraction | None], areas: dict[int, Fraction]) -> Fraction | None:
    """Floor-area-weighted mean of the values that exist (equal weights when no area is known)."""
    present = {cid: v for cid, v in values.items() if v is not None}
    if not present:
        return None
    total_area = sum(areas.get(cid, Fraction(0)) for cid in present)
    if total_area == 0:
        return sum(present.values(), Fraction(0)) / len(present)
    return sum(v * areas.get(cid, Fraction(0)) for cid, v in present.items()) / total_area


def pooled(parts: list[tuple[int, int] | None]) -> Fraction | None:
    """Sum of numerators over sum of denominators (a ratio of sums, as the fee collection rate)."""
    present = [p for p in parts if p is not None]
    denominator = sum(d for _, d in present)
    return Fraction(sum(n for n, _ in present), denominator) if denominator else None


@dataclass(frozen=True)
class Measurements:
    """What the database says for the dashboard: the window, the managed communities and each
    source's values for the window and each of its months (the costly part; kept, see below)."""
    window: Window
    communities: list[ManagedCommunity]
    metrics: list[str]                  # the registered indicators measured, in the rating's order
    months: list[Window]
    overall: dict[str, Values]
    by_month: list[dict[str, Values]]
    parts: dict


def measurements(session: Session, today: dt.date) -> Measurements:
    """The current company's measurements, kept per process until its records, the register or
    the minute change (``core.generations``): a look that follows no write costs no query."""
    def measure() -> Measurements:
        window = Window.months_ending(today)
        communities = managed_communities(session, window)
        # Each month's point is the card's measure on that month's last day (today for this month):
        # the chart's last point is the card, never a different quantity under it.
        months = [Window.months_ending(min(today, Window.month(y, m).end)) for y, m in window.months()]
        parts: dict = {}
        metrics = [key for key in METRICS if key in SOURCES]
        overall, *by_month = measure_windows(session, [window, *months], metrics, parts)
        return Measurements(window, communities, metrics, months, overall, by_month, parts)

    return kept(session, "compliance.measurements", (today,), measure)


def company_dashboard(session: Session, today: dt.date, community_id: int | None = None) -> Dashboard:
    """Every registered indicator for the current company (or one of its communities)."""
    load_sources()
    measured = measurements(session, today)
    window, parts = measured.window, measured.parts
    communities = measured.communities
    if community_id is not None:
        communities = [c for c in communities if c.id == community_id]
    company = current_tenant_id(session)
    areas = {c.id: c.floor_area for c in communities}
    monthly = [(f"{w.end:%Y-%m}", w, values) for w, values in zip(measured.months, measured.by_month)]

    def values_in(values: dict[str, Values], metric: str, during: Window) -> dict[int, Fraction | None]:
        return {c.id: value_for(metric, values, (company, c.id)) for c in communities if c.managed_during(during)}

    def company_value(key: str, n: int, values: dict[int, Fraction | None]) -> Fraction | None:
        if key not in parts:
            return weighted(values, areas)
        return pooled([parts[key][n].get((company, cid)) for cid in values])

    indicators = []
    for key in measured.metrics:
        by_community = values_in(measured.overall, key, window)
        trend = [(label, company_value(key, n, values_in(values, key, w)))
                 for n, (label, w, values) in enumerate(monthly, start=1)]
        indicators.append(Indicator(METRICS[key], SOURCES[key], company_value(key, 0, by_community), by_community,
                                    trend))
    return Dashboard(window, communities, indicators)


def display(metric: Metric, value: Fraction | None) -> str:
    """A value as people read it (``core.formatting``): ratios in per cent, scores with one decimal."""
    return measure(value, metric.unit)


def chart_value(metric: Metric, value: Fraction | None) -> float | None:
    """The number the chart labels: what ``display`` shows, without its sign."""
    if value is None:
        return None
    return pct_value(value) if metric.unit == "ratio" else round(float(value), 1)
