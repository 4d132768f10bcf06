"""The meeting calendar: each managed community's last twelve months.

A month is
- ``met``: a monthly meeting with all three parties was held;
- ``incomplete``: a monthly meeting was held without all three parties;
- ``missed``: the company managed the community the whole month, the month is
  over, and no monthly meeting with the three parties was held;
- ``due``: the current month, no monthly meeting yet;
- ``partial``: managed for part of the month only (taken over or handed over
  mid-month) and nothing held: not required;
- ``not_managed``: the company did not manage the community that month.

The ``meeting_cadence`` metric counts the same months: met over met + the
months that were required (managed the whole month, and over).  One
definition, two readers: ``month_status`` here and the SQL in ``metrics.py``;
a test holds them together.
"""
from __future__ import annotations

import calendar as cal
import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from red_property.communities.models import Community, ManagementContract
from red_property.compliance.sources import Window
from red_property.core.tenancy import current_tenant_id
from red_property.meetings.models import JointMeeting, MeetingKind
from red_property.meetings.queries import Page

MONTHS = 12


@dataclass(frozen=True)
class MeetingRef:
    id: int
    held_on: dt.date
    kind: MeetingKind
    complete: bool


@dataclass
class Cell:
    year: int
    month: int
    status: str
    counted: bool                      # required this month (the metric's denominator)
    meetings: list[MeetingRef] = field(default_factory=list)

    @property
    def period(self) -> int:
        return self.year * 100 + self.month

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"


@dataclass
class CalendarRow:
    community_id: int
    name: str
    cells: list[Cell]

    @property
    def met(self) -> int:
        return sum(c.status == "met" for c in self.cells)

    @property
    def required(self) -> int:
        return sum(c.counted for c in self.cells)

    @property
    def cadence(self) -> Fraction | None:
        """Share of required months met; None when nothing was required yet."""
        return Fraction(self.met, self.required) if self.required else None


@dataclass
class CalendarPage(Page):
    months: list[tuple[int, int]] = field(default_factory=list)

    @property
    def rows(self) -> list[CalendarRow]:
        return self.items


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, cal.monthrange(year, month)[1])


def month_status(contracts: list[tuple[dt.date, dt.date | None]], meetings: list[MeetingRef], year: int, month: int,
                 today: dt.date) -> tuple[str, bool]:
    """(status, counted) of one community's month, from its contract periods and that month's meetings."""
    first, last = month_bounds(year, month)
    if not any(start <= min(last, today) and (end is None or end >= first) for start, end in contracts):
        return "not_managed", False
    monthly = [m for m in meetings if m.kind == MeetingKind.MONTHLY]
    whole = any(start <= first and (end is None or end >= last) for start, end in contracts)
    required = whole and last < today       # the month is over (its last day too)
    if any(m.complete for m in monthly):
        return "met", True
    if monthly:
        return "incomplete", required
    if last >= today:
        return "due", False
    return ("missed", True) if whole else ("partial", False)


def missing_this_month(session: Session, today: dt.date):
    """Ids (a subquery) of the communities the company manages today whose monthly meeting with the
    three parties has not been held this month: the calendar's ``due`` and ``incomplete`` this month."""
    company = current_tenant_id(session)
    managed = select(ManagementContract.community_id).where(
        ManagementContract.company_tenant_id == company, ManagementContract.starts_on <= today,
        or_(ManagementContract.ends_on.is_(None), ManagementContract.ends_on >= today))
    held = select(JointMeeting.community_id).where(
        JointMeeting.kind == MeetingKind.MONTHLY, JointMeeting.monthly_period == today.year * 100 + today.month,
        JointMeeting.parties_complete.is_(True), JointMeeting.held_on <= today)
    return select(Community.id).where(Community.id.in_(managed), Community.id.not_in(held))


def meeting_calendar(session: Session, *, today: dt.date, page: int = 1, per_page: int = 30,
                     community_id: int | None = None, months: int = MONTHS,
                     missing_only: bool = False) -> CalendarPage:
    """The company's communities × the last ``months`` months: four queries whatever the size.

    ``missing_only`` keeps the communities still owing this month's meeting (``missing_this_month``)."""
    window = Window.months_ending(today, months)
    company = current_tenant_id(session)
    overlapping = select(ManagementContract.community_id).where(
        ManagementContract.company_tenant_id == company, ManagementContract.starts_on <= today,
        or_(ManagementContract.ends_on.is_(None), ManagementContract.ends_on >= window.start))
    stmt = select(Community.id, Community.name).where(Community.id.in_(overlapping))
    if community_id is not None:
        stmt = stmt.where(Community.id == community_id)
    if missing_only:
        stmt = stmt.where(Community.id.in_(missing_this_month(session, today)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    communities = session.execute(stmt.order_by(Community.name, Community.id)
                                  .limit(per_page).offset((page - 1) * per_page)).all()
    ids = [c.id for c in communities]
    contracts: dict[int, list] = {i: [] for i in ids}
    for cid, start, end in session.execute(
            select(ManagementContract.community_id, ManagementContract.starts_on, ManagementContract.ends_on)
            .where(ManagementContract.company_tenant_id == company, ManagementContract.community_id.in_(ids))):
        contracts[cid].append((start, end))
    by_month: dict[tuple[int, int], list[MeetingRef]] = {}
    for row in session.execute(
            select(JointMeeting.id, JointMeeting.community_id, JointMeeting.held_on, JointMeeting.kind,
                   JointMeeting.parties_complete)
            .where(JointMeeting.community_id.in_(ids), JointMeeting.held_on >= window.start,
                   JointMeeting.held_on <= today)
            .order_by(JointMeeting.held_on, JointMeeting.id)):
        by_month.setdefault((row.community_id, row.held_on.year * 100 + row.held_on.month), []).append(
            MeetingRef(row.id, row.held_on, row.kind, row.parties_complete))
    rows = []
    for cid, name in communities:
        cells = []
        for year, month in window.months():
            meetings = by_month.get((cid, year * 100 + month), [])
            status, counted = month_status(contracts[cid], meetings, year, month, today)
            cells.append(Cell(year, month, status, counted, meetings))
        rows.append(CalendarRow(cid, name, cells))
    return CalendarPage(rows, total, page, per_page, window.months())
