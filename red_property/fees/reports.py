"""Arrears and the collection rate (收缴率), per community and for the company.

The collection rate on a day D, one definition for the fees page, the
compliance dashboard's card and its chart, and the rating's per-community value
(``fees.metrics.fee_collection_rate``):

    fen paid by D / fen billed, over the bills falling due in the collection
    window: the twelve calendar months up to D (``collection_window``: from the
    1st of the month eleven months back, to D itself).

A company's rate is its paid fen over its billed fen in all its communities
(each yuan counts once, so the rate is the 实收 / 应收 shown beside it).  A
month's point on a trend is the same measure on that month's last day (or on D
for the current month): the chart's last point is the card.  Paid never
exceeds billed (money above what a bill owes is the household's credit,
``fees.credit``), so the rate is 0..1.  A reversed payment (红冲) is netted out
from the day of its reversal: the reversal is a payment row with the opposite
amount, dated that day, so sums of payments by a day need no special case.

Arrears are different: every bill due before D and not fully paid, however old
(``arrears_summary``).  Every function here is a fixed number of grouped
queries, whatever the number of bills.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from red_property.communities.models import Building, Community, Household
from red_property.fees.models import Bill, CommitmentLetter, Payment


@dataclass
class Collection:
    billed_fen: int = 0
    paid_fen: int = 0
    bills: int = 0
    in_arrears: int = 0            # bills due and not fully paid

    @property
    def arrears_fen(self) -> int:
        return self.billed_fen - self.paid_fen

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.paid_fen, self.billed_fen) if self.billed_fen else None

    def percent(self) -> float | None:
        return None if self.rate is None else round(float(self.rate) * 100, 1)


def _sums(stmt: Select) -> Select:
    return stmt.add_columns(func.coalesce(func.sum(Bill.amount_fen), 0), func.coalesce(func.sum(Bill.paid_fen), 0),
                            func.count(Bill.id),
                            func.count(Bill.id).filter(Bill.paid_fen < Bill.amount_fen))


def by_community(session: Session, as_of: dt.date, since: dt.date | None = None) -> list[tuple[int, str, Collection]]:
    """(community id, name, collection) for every community with bills due by ``as_of``; one query."""
    stmt = _sums(select(Bill.community_id, Community.name)).join(Community, Community.id == Bill.community_id) \
        .where(Bill.due_on <= as_of).group_by(Bill.community_id, Community.name).order_by(Community.name)
    if since is not None:
        stmt = stmt.where(Bill.due_on >= since)
    return [(cid, name, Collection(int(b), int(p), n, a)) for cid, name, b, p, n, a in session.execute(stmt)]


def collection_window(as_of: dt.date):
    """The bills whose collection the rate on ``as_of`` measures: due in the twelve months up to it."""
    from red_property.compliance.sources import Window

    return Window.months_ending(as_of)


def collection_by_community(session: Session, as_of: dt.date) -> list[tuple[int, str, Collection]]:
    """The collection rate on ``as_of`` per community (see the module's definition): bills due in the
    collection window and what was paid on them by ``as_of`` (a later payment does not count); one query."""
    window = collection_window(as_of)
    paid = (select(Payment.tenant_id, Payment.bill_id, func.sum(Payment.amount_fen).label("paid"))
            .where(Payment.paid_on <= as_of).group_by(Payment.tenant_id, Payment.bill_id).subquery())
    paid_fen = func.coalesce(paid.c.paid, 0)
    stmt = (select(Bill.community_id, Community.name, func.coalesce(func.sum(Bill.amount_fen), 0),
                   func.coalesce(func.sum(paid_fen), 0), func.count(Bill.id),
                   func.count(Bill.id).filter(paid_fen < Bill.amount_fen))
            .join(Community, Community.id == Bill.community_id)
            .outerjoin(paid, and_(paid.c.bill_id == Bill.id, paid.c.tenant_id == Bill.tenant_id))
            .where(Bill.due_on >= window.start, Bill.due_on <= as_of)
            .group_by(Bill.community_id, Community.name).order_by(Community.name))
    return [(cid, name, Collection(int(b), int(p), n, a)) for cid, name, b, p, n, a in session.execute(stmt)]


def company_total(rows: list[tuple[int, str, Collection]]) -> Collection:
    total = Collection()
    for _, _, c in rows:
        total.billed_fen += c.billed_fen
        total.paid_fen += c.paid_fen
        total.bills += c.bills
        total.in_arrears += c.in_arrears
    return total


@dataclass(frozen=True)
class TrendPoint:
    month: str             # 2026-03: measured at the month's end (or at ``as_of`` for the current month)
    billed_fen: int        # bills falling due in the twelve months up to then
    paid_fen: int          # ... and what was paid on them by then

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.paid_fen, self.billed_fen) if self.billed_fen else None

    def percent(self) -> float | None:
        return None if self.rate is None else round(float(self.rate) * 100, 1)


def monthly_trend(session: Session, as_of: dt.date, months: int = 12,
                  community_id: int | None = None) -> list[TrendPoint]:
    """The collection rate at each of the last ``months`` month ends (``as_of`` for the current month);
    two queries.

    The same measure as the page's and the rating's (``collection_window``), whatever the
    billing period (month, quarter): the last point is the rate on ``as_of``.
    """
    ends = []
    year, month = as_of.year, as_of.month
    for _ in range(months):
        ends.append(min(as_of, _month_end(year, month)))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    ends.reverse()
    since = collection_window(ends[0]).start
    where = [Bill.due_on >= since, Bill.due_on <= as_of]
    if community_id is not None:
        where.append(Bill.community_id == community_id)
    billed = session.execute(select(Bill.due_on, func.sum(Bill.amount_fen)).where(*where)
                             .group_by(Bill.due_on)).all()
    paid = session.execute(select(Bill.due_on, Payment.paid_on, func.sum(Payment.amount_fen))
                           .join(Bill, and_(Bill.id == Payment.bill_id, Bill.tenant_id == Payment.tenant_id))
                           .where(*where, Payment.paid_on <= as_of)
                           .group_by(Bill.due_on, Payment.paid_on)).all()
    points = []
    for end in ends:
        start = collection_window(end).start
        points.append(TrendPoint(
            f"{end:%Y-%m}", sum(int(a) for due, a in billed if start <= due <= end),
            sum(int(a) for due, on, a in paid if start <= due <= end and on <= end)))
    return points


def _month_end(year: int, month: int) -> dt.date:
    import calendar

    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Arrears:
    households: int
    bills: int
    fen: int


def arrears_summary(session: Session, as_of: dt.date) -> Arrears:
    """Bills due before ``as_of`` and not fully paid (the bill list's 'overdue'), their households and
    amount; one query."""
    households, bills, fen = session.execute(
        select(func.count(func.distinct(Bill.household_id)), func.count(Bill.id),
               func.coalesce(func.sum(Bill.amount_fen - Bill.paid_fen), 0))
        .where(Bill.paid_fen < Bill.amount_fen, Bill.due_on < as_of)).one()
    return Arrears(households or 0, bills or 0, int(fen or 0))


def household_arrears(household_ids: Select | list[int], as_of: dt.date) -> Select:
    """(household id, arrears fen, bills in arrears) for the given households: a grouped subquery."""
    return (select(Bill.household_id, func.sum(Bill.amount_fen - Bill.paid_fen).label("arrears"),
                   func.count(Bill.id).label("bills"))
            .where(Bill.household_id.in_(household_ids), Bill.due_on <= as_of, Bill.paid_fen < Bill.amount_fen)
            .group_by(Bill.household_id))


def commitment_rows(session: Session, as_of: dt.date, *, page: int = 1, per_page: int = 30,
                    in_arrears_only: bool = False) -> tuple[int, list]:
    """Commitment letters with the signer's household and its arrears; two queries."""
    arrears = household_arrears(select(CommitmentLetter.household_id), as_of).subquery()
    base = (select(CommitmentLetter, Household.unit, Household.room, Building.name.label("building"),
                   Community.name.label("community"), func.coalesce(arrears.c.arrears, 0), func.coalesce(arrears.c.bills, 0))
            .join(Household, and_(Household.id == CommitmentLetter.household_id,
                                  Household.tenant_id == CommitmentLetter.tenant_id))
            .join(Building, and_(Building.id == Household.building_id, Building.tenant_id == Household.tenant_id))
            .join(Community, Community.id == Household.community_id)
            .outerjoin(arrears, arrears.c.household_id == CommitmentLetter.household_id))
    if in_arrears_only:
        base = base.where(arrears.c.arrears > 0)
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    rows = session.execute(base.order_by(func.coalesce(arrears.c.arrears, 0).desc(), CommitmentLetter.id)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return total, rows


def bill_filters(stmt: Select, *, community_id: int | None = None, period: str | None = None,
                 status: str | None = None, q: str | None = None, as_of: dt.date) -> Select:
    """The bill list's filters: status is unpaid, partial, paid or overdue (due and not fully paid)."""
    if community_id:
        stmt = stmt.where(Bill.community_id == community_id)
    if period:
        stmt = stmt.where(Bill.period == period)
    if status == "paid":
        stmt = stmt.where(Bill.paid_fen == Bill.amount_fen)
    elif status == "unpaid":
        stmt = stmt.where(Bill.paid_fen == 0, Bill.amount_fen > 0)
    elif status == "partial":
        stmt = stmt.where(Bill.paid_fen > 0, Bill.paid_fen < Bill.amount_fen)
    elif status == "overdue":
        stmt = stmt.where(Bill.paid_fen < Bill.amount_fen, Bill.due_on < as_of)
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(Bill.invoice_code.like(like), Bill.payer_name.like(like), Bill.address.like(like)))
    return stmt


def bill_status(bill: Bill, as_of: dt.date) -> str:
    if bill.paid_fen >= bill.amount_fen:
        return "paid"
    if bill.due_on < as_of:
        return "overdue"
    return "partial" if bill.paid_fen else "unpaid"
