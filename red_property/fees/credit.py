"""A household's credit balance (预存余额): money paid above what its bills owed.

The ledger is the payments themselves: each payment's ``credit_fen`` is what
it put on the balance (the part above what its bill still owed) or took from
it (a bill paid from credit, method 预存抵扣), and a reversal carries the
opposite.  Rows are never changed, so the balance is their sum and every fen
of it can be traced to a receipt.  Integer fen throughout.

Spending credit (paying a new bill from it, reversing the payment that made
it) locks the household rows first, so two transactions cannot spend the
same credit twice.  Adding credit needs no lock.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from red_property.communities.models import Household
from red_property.fees.models import Bill, Payment


def credit_balances(session: Session, household_ids: list[int]) -> dict[int, int]:
    """{household id: credit in fen} for those of ``household_ids`` with a balance other than zero; one query."""
    if not household_ids:
        return {}
    rows = session.execute(
        select(Bill.household_id, func.sum(Payment.credit_fen))
        .join(Bill, and_(Bill.id == Payment.bill_id, Bill.tenant_id == Payment.tenant_id))
        .where(Bill.household_id.in_(household_ids), Payment.credit_fen != 0)
        .group_by(Bill.household_id)).all()
    return {household: int(total) for household, total in rows if total}


def credit_entries(session: Session, household_id: int) -> list[tuple[Payment, str]]:
    """The household's ledger: (payment, invoice code of its bill) for every row that moved its credit, oldest first."""
    return session.execute(
        select(Payment, Bill.invoice_code)
        .join(Bill, and_(Bill.id == Payment.bill_id, Bill.tenant_id == Payment.tenant_id))
        .where(Bill.household_id == household_id, Payment.credit_fen != 0)
        .order_by(Payment.id)).all()


def lock_households(session: Session, household_ids: list[int]) -> None:
    """Lock the households' rows until the transaction ends (PostgreSQL; SQLite has one writer)."""
    if household_ids and session.get_bind().dialect.name == "postgresql":
        session.execute(select(Household.id).where(Household.id.in_(sorted(set(household_ids))))
                        .with_for_update())


def apply_credit(session: Session, bill_ids: list[int], *, today: dt.date) -> int:
    """Pay the bills (just issued) from their households' credit, oldest bill first; returns fen applied.

    Each bill takes what it owes or what is left of the balance, whichever is
    less, as a payment of method 预存抵扣 with its receipt number.  Does not commit.
    """
    from red_property.fees.payments import pay_from_credit

    if not bill_ids:
        return 0
    households = list(session.scalars(select(Bill.household_id).where(Bill.id.in_(bill_ids)).distinct()))
    if not credit_balances(session, households):   # the common case: one query, no lock
        return 0
    lock_households(session, households)
    balances = {h: fen for h, fen in credit_balances(session, households).items() if fen > 0}   # under the lock
    bills = session.scalars(select(Bill).where(Bill.id.in_(bill_ids), Bill.household_id.in_(balances))
                            .order_by(Bill.period_start, Bill.id).with_for_update()
                            .execution_options(populate_existing=True)).all()
    pairs = []
    for bill in bills:
        fen = min(balances[bill.household_id], bill.amount_fen - bill.paid_fen)
        if fen > 0:
            balances[bill.household_id] -= fen
            pairs.append((bill, fen))
    pay_from_credit(session, pairs, today=today)
    return sum(fen for _, fen in pairs)
