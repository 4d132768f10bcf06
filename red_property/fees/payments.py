"""Payments: recorded by hand or imported from a bank statement.

No payment processor: the company records money it received.  A payment may
be partial; what is paid above what the bill still owes becomes the
household's credit (预存余额, ``fees.credit``), applied to its next bills when
they are issued, so ``paid_fen`` never exceeds a bill's amount and no money
received is turned away.  Each payment gets a receipt number from the same
gap-free counter engine as invoices, in the same transaction.  The bill row is
locked while a payment is added, so two clerks cannot both take the last yuan.

A payment is never deleted: ``reverse_payment`` records a reversal (红冲) with
its reason, and the bill reopens by what the payment had paid.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from red_property.core import clock
from red_property.core.audit import record_event
from red_property.core.errors import InputError
from red_property.core.tenancy import current_actor_id
from red_property.core.transactions import commit_keeping_loaded
from red_property.fees.credit import credit_balances, lock_households
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


def check_payment(bill: Bill | None, data: PaymentData, today: dt.date) -> list[tuple[str, str]]:
    """Every rule a payment must pass, as (field, message).  More than is owed is no fault: it becomes credit."""
    problems = []
    if bill is None:
        return [("bill_id", "账单不存在")]
    if not 0 < data.amount_fen <= MAX_PAYMENT_FEN:
        problems.append(("amount_fen", f"金额应大于 0 且不超过 {yuan(MAX_PAYMENT_FEN)} 元"))
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
    commit_keeping_loaded(session)  # the caller answers with the payment as written
    return payment


def add_payments(session: Session, items: list[tuple[Bill, PaymentData]], *, today: dt.date) -> list[Payment]:
    """Add checked payments and their receipt numbers (one reservation); the caller commits.

    Each pays its bill up to what the bill still owes (the bills are locked and
    current, and several items may name one bill); the rest goes to the
    household's credit on the same row.
    """
    first = reserve_numbers(session, Series.RECEIPT, today.year, len(items))
    payments = []
    for offset, (bill, data) in enumerate(items):
        applied = min(data.amount_fen, bill.amount_fen - bill.paid_fen)
        payment = _payment(session, bill, first + offset, today, amount_fen=applied,
                           credit_fen=data.amount_fen - applied, paid_on=data.paid_on, method=data.method,
                           payer_name=data.payer_name, note=data.note, bank_ref=data.bank_ref)
        payments.append(payment)
    session.flush()
    return payments


def _payment(session: Session, bill: Bill, number: int, today: dt.date, *, amount_fen: int, credit_fen: int,
             payer_name: str | None = None, **values) -> Payment:
    """A new payment row numbered ``number`` in ``today``'s receipt series; moves the bill's ``paid_fen``."""
    payment = Payment(bill_id=bill.id, amount_fen=amount_fen, credit_fen=credit_fen,
                      payer_name=(payer_name or bill.payer_name)[:50], receipt_year=today.year,
                      receipt_number=number, receipt_code=document_code(Series.RECEIPT, today.year, number),
                      recorded_by=current_actor_id(session), recorded_at=clock.now(), **values)
    bill.paid_fen += amount_fen
    session.add(payment)
    return payment


def pay_from_credit(session: Session, pairs: list[tuple[Bill, int]], *, today: dt.date) -> list[Payment]:
    """Pay each bill ``fen`` from its household's credit (method 预存抵扣); the caller locked the
    households, checked the balances and commits."""
    pairs = [(bill, fen) for bill, fen in pairs if fen > 0]
    if not pairs:
        return []
    first = reserve_numbers(session, Series.RECEIPT, today.year, len(pairs))
    payments = [_payment(session, bill, first + offset, today, amount_fen=fen, credit_fen=-fen, paid_on=today,
                         method=PaymentMethod.CREDIT, note="预存余额抵扣")
                for offset, (bill, fen) in enumerate(pairs)]
    session.flush()
    return payments


MAX_REASON = 200


def reverse_payment(session: Session, payment_id: int, reason: str | None, *, today: dt.date) -> Payment:
    """Reverse (红冲) a payment: a new row with the opposite amounts, its reason, who and when; commits.

    The original stays as it was; the bill reopens by what the payment paid on
    it, and what it put on the household's credit is taken back (refused when
    that credit was already spent on another bill: reverse that use first).
    A reversal cannot itself be reversed, and a payment is reversed once (a
    unique key under the check, for two clerks at once).
    """
    reason = (reason or "").strip()
    if not reason:
        raise InputError("reason", "请填写红冲原因")
    if len(reason) > MAX_REASON:
        raise InputError("reason", f"红冲原因不能超过 {MAX_REASON} 个字")
    original = session.get(Payment, payment_id)
    if original is None:
        raise InputError("payment_id", "缴费记录不存在")
    if original.reverses_id is not None:
        raise InputError("payment_id", f"{original.receipt_code} 是红冲记录，不能再红冲")
    bill = session.scalars(select(Bill).where(Bill.id == original.bill_id).with_for_update()
                           .execution_options(populate_existing=True)).one()
    lock_households(session, [bill.household_id])
    if session.scalar(select(Payment.receipt_code).where(Payment.reverses_id == original.id)) is not None:
        raise InputError("payment_id", f"收据 {original.receipt_code} 已红冲，不能重复红冲")
    if original.credit_fen > 0:
        balance = credit_balances(session, [bill.household_id]).get(bill.household_id, 0)
        if balance < original.credit_fen:
            raise InputError("payment_id", f"这笔收款转入预存余额的 {yuan(original.credit_fen)} 元已抵扣其他账单"
                                            f"（余额仅 {yuan(balance)} 元），请先红冲那笔抵扣")
    number = reserve_numbers(session, Series.RECEIPT, today.year, 1)
    reversal = _payment(session, bill, number, today, amount_fen=-original.amount_fen,
                        credit_fen=-original.credit_fen, payer_name=original.payer_name, paid_on=today,
                        method=original.method, reverses_id=original.id, reason=reason,
                        note=f"红冲 {original.receipt_code}")
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        session.rollback()
        raise InputError("payment_id", f"收据 {original.receipt_code} 已红冲，不能重复红冲") from None
    record_event(session, action="reverse", entity="fee_payment", entity_id=original.id,
                 after={"reversal_id": reversal.id, "reversal_code": reversal.receipt_code, "reason": reason,
                        "amount_fen": original.amount_fen, "credit_fen": original.credit_fen,
                        "bill_id": bill.id, "bill_paid_fen": bill.paid_fen})
    session.commit()
    return reversal


def reversed_ids(session: Session, payment_ids: list[int]) -> dict[int, str]:
    """{payment id: the receipt code of its reversal} for those of ``payment_ids`` reversed already."""
    if not payment_ids:
        return {}
    return dict(session.execute(select(Payment.reverses_id, Payment.receipt_code)
                                .where(Payment.reverses_id.in_(payment_ids))).all())
