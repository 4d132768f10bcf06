"""Arrears and the collection rate (收缴率), per community and for the company.

Collection rate = fen paid / fen billed, over bills already due (due date on
or before the day asked about): a bill not yet due is not in arrears.  Paid
never exceeds billed (overpayment is refused), so the rate is 0..1.  Every
function here is a fixed number of grouped queries, whatever the number of
bills.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from red_property.communities.models import Building, Community, Household
from red_property.fees.models import Bill, CommitmentLetter


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


def company_total(rows: list[tuple[int, str, Collection]]) -> Collection:
    total = Collection()
    for _, _, c in rows:
        total.billed_fen += c.billed_fen
        total.paid_fen += c.paid_fen
        total.bills += c.bills
        total.in_arrears += c.in_arrears
    return total


def monthly_trend(session: Session, as_of: dt.date, months: int = 12,
                  community_id: int | None = None) -> list[tuple[str, Collection]]:
    """Collection by billing month (the month a bill's period starts) for the last ``months`` months; one query."""
    year, month = as_of.year, as_of.month - months + 1
    while month < 1:
        year, month = year - 1, month + 12
    start = dt.date(year, month, 1)
    stmt = _sums(select(Bill.period_start)).where(Bill.period_start >= start, Bill.period_start <= as_of,
                                                  Bill.due_on <= as_of).group_by(Bill.period_start)
    if community_id is not None:
        stmt = stmt.where(Bill.community_id == community_id)
    found: dict[str, Collection] = {}
    for period_start, b, p, n, a in session.execute(stmt):
        found[f"{period_start:%Y-%m}"] = Collection(int(b), int(p), n, a)
    out, (y, m) = [], (start.year, start.month)
    for _ in range(months):
        label = f"{y}-{m:02d}"
        out.append((label, found.get(label, Collection())))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


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
