"""The filters of the bill and payment lists (and of their exports), read from the query string.

A filter that cannot be read (a date that is not one, a range the wrong way round)
is reported at its field and the list answers 400: it never silently shows
everything.  Lists are in natural room order within a period (101 before 1001);
payments stay newest first.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import request
from flask_babel import gettext as _
from sqlalchemy import Select, or_, select

from red_property.core.natural import natural
from red_property.core.urls import query_int
from red_property.fees.billing import PERIOD
from red_property.fees.models import Bill, Payment, PaymentMethod
from red_property.fees.reports import bill_filters

BILL_STATUSES = ("unpaid", "partial", "paid", "overdue")


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _date(name: str, errors: dict) -> dt.date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        errors[name] = _("日期格式应为 2026-03-01")
        return None


def _range(start: str, end: str, errors: dict) -> tuple[dt.date | None, dt.date | None]:
    low, high = _date(start, errors), _date(end, errors)
    if low and high and low > high:
        errors[end] = _("结束日期不能早于开始日期")
    return low, high


@dataclass
class BillListFilter:
    community_id: int | None = None
    period: str | None = None
    status: str | None = None
    q: str | None = None           # invoice number, payer or room/address
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls) -> BillListFilter:
        errors: dict = {}
        period = (request.args.get("period") or "").strip() or None
        if period and not PERIOD.match(period):
            errors["period"] = _("期间格式应为 2026-03 或 2026-Q1")
        status = request.args.get("status") or None
        if status and status not in BILL_STATUSES:
            errors["status"] = _("不是可选的状态")
        due_from, due_to = _range("due_from", "due_to", errors)
        return cls(community_id=query_int("community_id"), period=period, status=status,
                   q=(request.args.get("q") or "").strip()[:50] or None, due_from=due_from, due_to=due_to,
                   errors=errors)

    def statement(self, as_of: dt.date) -> Select:
        stmt = bill_filters(select(Bill), community_id=self.community_id, period=self.period, status=self.status,
                            as_of=as_of)
        if self.q:
            like = _like(self.q)
            stmt = stmt.where(or_(Bill.invoice_code.ilike(like, escape="\\"), Bill.payer_name.ilike(like, escape="\\"),
                                  Bill.address.ilike(like, escape="\\")))
        if self.due_from:
            stmt = stmt.where(Bill.due_on >= self.due_from)
        if self.due_to:
            stmt = stmt.where(Bill.due_on <= self.due_to)
        return stmt

    @staticmethod
    def order() -> tuple:
        """Newest period first, then rooms in natural order."""
        return Bill.period_start.desc(), natural(Bill.address), Bill.id


@dataclass
class PaymentListFilter:
    community_id: int | None = None
    method: PaymentMethod | None = None
    q: str | None = None           # receipt or invoice number, payer or room/address
    paid_from: dt.date | None = None
    paid_to: dt.date | None = None
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls) -> PaymentListFilter:
        errors: dict = {}
        method = request.args.get("method") or None
        if method and method not in {m.value for m in PaymentMethod}:
            errors["method"] = _("不是可选的收款方式")
            method = None
        paid_from, paid_to = _range("paid_from", "paid_to", errors)
        return cls(community_id=query_int("community_id"), method=PaymentMethod(method) if method else None,
                   q=(request.args.get("q") or "").strip()[:50] or None, paid_from=paid_from, paid_to=paid_to,
                   errors=errors)

    def statement(self) -> Select:
        """(payment, invoice code, address, household id) rows the filter keeps."""
        stmt = select(Payment, Bill.invoice_code, Bill.address, Bill.household_id).join(
            Bill, (Bill.id == Payment.bill_id) & (Bill.tenant_id == Payment.tenant_id))
        if self.community_id:
            stmt = stmt.where(Bill.community_id == self.community_id)
        if self.method:
            stmt = stmt.where(Payment.method == self.method)
        if self.paid_from:
            stmt = stmt.where(Payment.paid_on >= self.paid_from)
        if self.paid_to:
            stmt = stmt.where(Payment.paid_on <= self.paid_to)
        if self.q:
            like = _like(self.q)
            stmt = stmt.where(or_(*(c.ilike(like, escape="\\") for c in (
                Payment.receipt_code, Payment.payer_name, Bill.invoice_code, Bill.address))))
        return stmt

    @staticmethod
    def order() -> tuple:
        """Newest first (the day paid, then as recorded)."""
        return Payment.paid_on.desc(), Payment.id.desc()
