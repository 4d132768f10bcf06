"""Payments: recorded by hand or imported from a bank statement.

No payment processor: the company records money it received.  A payment may
be partial; a payment above what is still owed is refused (the company pays
back or records only what is owed), so ``paid_fen`` never exceeds a bill's
amount.  Each payment gets a receipt number from the same gap-free counter
engine as invoices, in the same transaction.  The bill row is locked while a
payment is added, so two clerks cannot both take the last yuan.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.core import clock
from red_property.core.errors import InputError
from red_property.core.tenancy import current_actor_id
from red_property.fees.documents import yuan
from red_property.fees.models import Bill, Payment, PaymentMethod, Series, document_code
from red_property.fees.numbering import reserve_numbers

MAX_PAYMENT_FEN = 100_000_000   # 100 万元 per payment


@dataclass(frozen=True)
class PaymentData:
    bill_id: int
    amount_fen: int
    paid_on: dt.date
    method: PaymentMethod
    payer_name: str | None = None
    note: str | None = None
    bank_ref: str | None = None


def check_payment(bill: Bill | None, data: PaymentData, today: dt.date, already: int = 0) -> list[tuple[str, str]]:
    """Every rule a payment must pass, as (field, message); ``already``: fen taken by earlier rows of a file."""
    problems = []
    if bill is None:
        return [("bill_id", "账单不存在")]
    if not 0 < data.amount_fen <= MAX_PAYMENT_FEN:
        problems.append(("amount_fen", f"金额应大于 0 且不超过 {yuan(MAX_PAYMENT_FEN)} 元"))
    outstanding = bill.amount_fen - bill.paid_fen - already
    if outstanding <= 0:
        problems.append(("amount_fen", f"账单 {bill.invoice_code} 已缴清"))
    elif data.amount_fen > outstanding:
        problems.append(("amount_fen", f"超过账单 {bill.invoice_code} 未缴金额 {yuan(outstanding)} 元："
                                       "多缴部分不入账，请按未缴金额收款"))
    if data.paid_on > today:
        problems.append(("paid_on", "收款日期不能晚于今天"))
    elif data.paid_on < dt.date(2000, 1, 1):
        problems.append(("paid_on", "收款日期不正确"))
    return problems


def record_payment(session: Session, data: PaymentData, *, today: dt.date) -> Payment:
    """Record one payment for a bill, with its receipt number; commits."""
    # populate_existing: the page may have loaded this bill already; the locked read must
    # replace its paid_fen with the committed one, or a concurrent payment is overwritten.
    bill = session.scalars(select(Bill).where(Bill.id == data.bill_id).with_for_update()
                           .execution_options(populate_existing=True)).first()
    problems = check_payment(bill, data, today)
    if problems:
        raise InputError(*problems[0])
    payment = add_payments(session, [(bill, data)], today=today)[0]
    session.commit()
    return payment


def add_payments(session: Session, items: list[tuple[Bill, PaymentData]], *, today: dt.date) -> list[Payment]:
    """Add checked payments and their receipt numbers (one reservation); the caller commits."""
    first = reserve_numbers(session, Series.RECEIPT, today.year, len(items))
    payments = []
    for offset, (bill, data) in enumerate(items):
        number = first + offset
        payment = Payment(bill_id=bill.id, amount_fen=data.amount_fen, paid_on=data.paid_on, method=data.method,
                          payer_name=(data.payer_name or bill.payer_name)[:50], note=data.note, bank_ref=data.bank_ref,
                          receipt_year=today.year, receipt_number=number,
                          receipt_code=document_code(Series.RECEIPT, today.year, number),
                          recorded_by=current_actor_id(session), recorded_at=clock.now())
        bill.paid_fen += data.amount_fen
        session.add(payment)
        payments.append(payment)
    session.flush()
    return payments
