"""Where each rating metric comes from: one set-based query per metric.

Every domain that keeps the records behind a metric registers a *source*
for it (``@source("meeting_cadence")`` in ``meetings/metrics.py``).  A source
takes the session and a ``Window`` of dates and returns
``{(company tenant id, community id): Fraction}`` for the records the session
can see.  The same function serves both readers:

- a company's dashboard, in the company's own scope: the tenant filter limits
  the query to its own records, so the result holds its communities only;
- the bureau's rating run, inside ``bureau_cross_tenant_read``: the same query
  over every company at once (never one query per company).

``absent`` says what a managed community with no entry means: ``0`` when the
records exist and their absence is a real zero (no branch covers it, no
meeting was held), ``None`` when there is nothing to measure (no demands were
made, no fees were billed): missing, never zero.
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Callable, Hashable, TypeVar

from sqlalchemy import Date, Integer, Select, literal, or_, select, union_all
from sqlalchemy.orm import Session

T = TypeVar("T")

Pair = tuple[int, int]
Values = dict[Pair, Fraction]


@dataclass(frozen=True)
class Window:
    """The dates a measurement covers, both ends included."""

    start: dt.date
    end: dt.date

    @classmethod
    def month(cls, year: int, month: int) -> "Window":
        return cls(dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def months_ending(cls, end: dt.date, months: int = 12) -> "Window":
        """The ``months`` whole-or-partial months up to ``end``: e.g. 2025-12-01 .. 2026-11-25."""
        year, month = end.year, end.month - months + 1
        while month < 1:
            year, month = year - 1, month + 12
        return cls(dt.date(year, month, 1), end)

    def months(self) -> list[tuple[int, int]]:
        """Every (year, month) the window touches, in order."""
        out, (year, month) = [], (self.start.year, self.start.month)
        while (year, month) <= (self.end.year, self.end.month):
            out.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


@dataclass(frozen=True)
class EvidenceRow:
    """One record behind a value, as the bureau's drill-down lists it."""

    on: dt.date | None
    title: str
    detail: str = ""
    record: str | None = None        # the record's number as people quote it ("#123", an invoice period)
    # where the record (or the list of them) is: (endpoint, ((arg, value), ...)) in the company's pages
    link: tuple[str, tuple] | None = None
    source: str | None = None        # where the record came from (a demand's channel), for the drill-down's filter


Evidence = Callable[[Session, Window, int, int], list[EvidenceRow]]


@dataclass(frozen=True)
class Source:
    metric: str
    measure: Callable[[Session, Window], Values]
    absent: Fraction | None
    records: str | None = None            # endpoint listing the company's records (takes ?community_id=)
    community_records: str | None = None  # endpoint of one community's records (takes community_id)
    evidence: Evidence | None = None      # fn(session, window, company id, community id) -> rows
    many: Callable[[Session, list[Window]], list[Values]] | None = None  # every window in one statement
    # A ratio of sums (paid fen / billed fen): its parts per window, so that a company's value is the
    # sum of its numerators over the sum of its denominators, as the domain page shows it.
    parts: Callable[[Session, list[Window]], list[dict[Pair, tuple[int, int]]]] | None = None


SOURCES: dict[str, Source] = {}


def source(metric: str, *, absent: int | None, records: str | None = None, community_records: str | None = None,
           evidence: Evidence | None = None):
    """Register ``fn(session, window) -> {(company, community): value}`` as the source of ``metric``.

    ``records`` names the web endpoint that lists the records behind the
    value; the dashboard links to it with ``community_id`` as a query argument,
    or to ``community_records`` (which takes ``community_id``) on a community's page.
    ``evidence(session, window, company_id, community_id)`` lists those
    records for the bureau's drill-down (run inside its audited cross-tenant read).
    """
    from red_property.rating.metrics import METRICS

    if metric not in METRICS:
        raise KeyError(f"unknown metric {metric!r}: add it to rating/metrics.py")

    def register(fn):
        SOURCES[metric] = Source(metric, fn, None if absent is None else Fraction(absent), records,
                                 community_records, evidence)
        return fn

    return register


def measures_many(metric: str):
    """Register ``fn(session, windows) -> [values of each window]`` for ``metric``'s source: the
    same definition as its one-window function, measured over many windows in one statement
    (a dashboard's twelve months).  The one-window function stays what the rating runs; a test
    holds the two equal, window by window."""
    def register(fn):
        SOURCES[metric] = replace(SOURCES[metric], many=fn)
        return fn

    return register


def pooled_parts(metric: str):
    """Register ``fn(session, windows) -> [{pair: (numerator, denominator)} of each window]`` for
    ``metric``: a ratio of sums whose company value pools its communities' parts (the fee collection
    rate: the company's paid fen over its billed fen) instead of weighting their ratios by floor area."""
    def register(fn):
        SOURCES[metric] = replace(SOURCES[metric], parts=fn)
        return fn

    return register


def statement_cache(build):
    """Keep the last few statements ``build(windows: tuple, ...)`` made, for the same windows.

    A dashboard asks for the same thirteen windows all day; building a statement of
    thirteen literal rows cost more than running it.  Anything that changes between
    requests (now) must be a bind parameter, not part of the statement."""
    return functools.lru_cache(maxsize=8)(build)


def windows_table(windows, start=None, end=None, type_=Date):
    """The windows as rows (idx, start, end), idx their position in ``windows``: a portable inline table.

    ``start``/``end`` map an item of ``windows`` to its bounds (default a Window's dates), of type ``type_``
    (give a column's own type so that values are bound exactly as that column's are)."""
    start = start or (lambda w: w.start)
    end = end or (lambda w: w.end)
    rows = [select(literal(i, Integer).label("idx"), literal(start(w), type_).label("start"),
                   literal(end(w), type_).label("end")) for i, w in enumerate(windows)]
    return (union_all(*rows) if len(rows) > 1 else rows[0]).cte("measured_window")


def by_window(windows: list[Window], rows, convert, keep_none: bool = False) -> list[Values]:
    """Rows of (idx, company, community, ...) -> one ``{pair: convert(*rest)}`` per window,
    leaving out pairs whose converted value is None unless ``keep_none``."""
    out: list[Values] = [{} for _ in windows]
    for idx, company, community, *rest in rows:
        value = convert(*rest)
        if keep_none or value is not None:
            out[idx][(company, community)] = value
    return out


def managed_during(window: Window) -> Select:
    """(company tenant id, community id) of every contract that overlaps the window.

    Sources join their records to it, so that a company's records count only
    for communities it managed at the time.
    """
    from red_property.communities.models import ManagementContract as C

    return select(C.company_tenant_id.label("company_id"), C.community_id.label("community_id")).where(
        C.starts_on <= window.end, or_(C.ends_on.is_(None), C.ends_on >= window.start)).distinct()


def measure(session: Session, window: Window, metrics: list[str] | None = None) -> dict[str, Values]:
    """Every registered source (or only ``metrics``) over the window: one query each
    (sources derived from the same query share it, see ``shared``)."""
    load_sources()
    keys = sorted(SOURCES) if metrics is None else [m for m in metrics if m in SOURCES]
    session.info[_MEMO] = {}
    try:
        return {key: SOURCES[key].measure(session, window) for key in keys}
    finally:
        del session.info[_MEMO]


def measure_windows(session: Session, windows: list[Window], metrics: list[str] | None = None,
                    parts: dict[str, list[dict[Pair, tuple[int, int]]]] | None = None) -> list[dict[str, Values]]:
    """``[measure(session, w, metrics) for w in windows]``, with one statement per source for all
    the windows when the source can (``measures_many``), else one per window.  A source with
    ``pooled_parts`` is measured from its parts (the same statement), which go into ``parts``."""
    load_sources()
    keys = sorted(SOURCES) if metrics is None else [m for m in metrics if m in SOURCES]
    out: list[dict[str, Values]] = [{} for _ in windows]
    session.info[_MEMO] = {}
    try:
        for key in keys:
            src = SOURCES[key]
            if src.parts and parts is not None:
                parts[key] = src.parts(session, windows)
                values = [{pair: Fraction(n, d) for pair, (n, d) in found.items()} for found in parts[key]]
            else:
                values = src.many(session, windows) if src.many else [src.measure(session, w) for w in windows]
            for measured, value in zip(out, values):
                measured[key] = value
    finally:
        del session.info[_MEMO]
    return out


_MEMO = "compliance.sources.memo"


def shared(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per ``measure`` call: for sources that read the same query
    (the owners' committee share and the cross-appointment checks).  Outside
    ``measure`` it simply computes."""
    memo = session.info.get(_MEMO)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def value_for(metric: str, measured: dict[str, Values], pair: Pair) -> Fraction | None:
    """A managed community's value: measured, else what absence means for this metric."""
    if metric not in measured:
        return None  # nothing registered: the records do not exist in this product yet
    values = measured[metric]
    return values[pair] if pair in values else SOURCES[metric].absent


_loaded = False


def load_sources() -> None:
    """Import every domain's ``metrics`` module so that its sources are registered.

    Once per process: walking the package on every call cost the dashboard
    about 30 ms a request (13 ``measure`` calls, each listing the directory)."""
    global _loaded
    if _loaded:
        return
    import importlib
    import pkgutil

    import red_property

    for module in pkgutil.iter_modules(red_property.__path__):
        if module.ispkg:
            try:
                importlib.import_module(f"red_property.{module.name}.metrics")
            except ModuleNotFoundError as exc:
                if exc.name != f"red_property.{module.name}.metrics":
                    raise
    _loaded = True
