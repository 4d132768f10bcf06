"""A household's fee account (户账): its bills, payments, reversals (红冲) and credit, as entered.

Every row moves one running balance, what the household has paid less what it was
billed: a bill takes its amount off; a payment adds what was received (the part
its bill got plus the part put on the credit); a reversal adds the opposite; a
bill paid from credit (预存抵扣) moves money from the credit to the bill and leaves
the balance as it was.  So the last balance is the credit less what is still
owed, and a second running column follows the credit alone (``fees.credit``).
Integer fen throughout; rows are read, never changed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from red_property.communities.models import Building, Community, Household
from red_property.core.clock import local_date
from red_property.fees.models import Bill, Payment, PaymentMethod


@dataclass(frozen=True)
class LedgerRow:
    day: dt.date
    kind: str                   # "bill", "payment", "credit_applied" (预存抵扣) or "reversal" (红冲)
    bill: Bill
    payment: Payment | None
    billed_fen: int             # what the bill charged (bills only)
    received_fen: int           # money in (negative: a reversal gives it back)
    credit_fen: int             # to (+) or from (-) the credit
    balance_fen: int            # paid less billed, after this row
    credit_balance_fen: int     # the credit, after this row


@dataclass
class HouseholdLedger:
    household: Household
    community: str
    building: str
    rows: list[LedgerRow] = field(default_factory=list)

    @property
    def owed_fen(self) -> int:
        """What the household's bills still owe (each bill's amount less what it got)."""
        return sum(r.bill.amount_fen - r.bill.paid_fen for r in self.rows if r.kind == "bill")

    @property
    def credit_fen(self) -> int:
        return self.rows[-1].credit_balance_fen if self.rows else 0

    @property
    def balance_fen(self) -> int:
        return self.rows[-1].balance_fen if self.rows else 0


def _kind(payment: Payment) -> str:
    if payment.reverses_id is not None:
        return "reversal"
    return "credit_applied" if payment.method == PaymentMethod.CREDIT else "payment"


def household_ledger(session: Session, household: Household) -> HouseholdLedger:
    """The household's account in the order it was entered: three queries (its address, its bills, their payments).

    Rows follow the moment each was written (a bill issued, a payment recorded), so a
    payment always follows its bill and a reversal what it reverses, even when a bank
    line is entered days after it was paid; the date shown is the bill's day of issue
    (Beijing time) or the payment's day paid.  A bill and the credit it took at issue
    are written together: the bill comes first."""
    community, building = session.execute(
        select(Community.name, Building.name)
        .join(Building, and_(Building.community_id == Community.id, Building.id == household.building_id))
        .where(Community.id == household.community_id)).one()
    bills = {b.id: b for b in session.scalars(select(Bill).where(Bill.household_id == household.id)
                                              .order_by(Bill.issued_at, Bill.id))}
    events: list[tuple[tuple, Bill, Payment | None]] = [((b.issued_at, 0, b.id), b, None) for b in bills.values()]
    if bills:
        for payment in session.scalars(select(Payment).where(Payment.bill_id.in_(list(bills)))
                                       .order_by(Payment.id)):
            events.append(((payment.recorded_at, 1, payment.id), bills[payment.bill_id], payment))
    ledger = HouseholdLedger(household, community, building)
    balance = credit = 0
    for _when, bill, payment in sorted(events, key=lambda e: e[0]):
        if payment is None:
            balance -= bill.amount_fen
            ledger.rows.append(LedgerRow(local_date(bill.issued_at), "bill", bill, None, bill.amount_fen, 0, 0,
                                         balance, credit))
            continue
        received = payment.amount_fen + payment.credit_fen   # a payment from credit receives nothing
        balance += received
        credit += payment.credit_fen
        ledger.rows.append(LedgerRow(payment.paid_on, _kind(payment), bill, payment, 0, received,
                                     payment.credit_fen, balance, credit))
    return ledger
