"""Property fees: schedules, billing runs, bills with their invoice numbers,
payments with their receipt numbers, commitment letters, and the platform's
subscription invoices to its tenants.

Money is integer fen (分).  A bill *is* the issued invoice: the bill row
carries its invoice number, so "a bill without its number" cannot exist.
Issued documents never change (see ``fees.guards``); only what happens
afterwards is recorded on them (``paid_fen``, the stored PDF's ``file_id``).
"""
from __future__ import annotations

import datetime as dt
import decimal
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (CheckConstraint, Enum, ForeignKey, ForeignKeyConstraint, Index, JSON, LargeBinary, Numeric,
                        String, UniqueConstraint, or_)
from sqlalchemy.orm import Mapped, mapped_column

from red_property.core import clock
from red_property.core.model import Base, BigId, TenantScoped


def _enum(cls, name):
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e], native_enum=False, length=20)


def _file_fk(column: str = "file_id") -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id", column], ["stored_file.tenant_id", "stored_file.id"])


class BuildingKind(str, enum.Enum):
    RESIDENTIAL = "residential"   # 住宅
    COMMERCIAL = "commercial"     # 商业
    MIXED = "mixed"               # 商住


class Series(str, enum.Enum):
    """Numbered document series; each is numbered per tenant and year from 1 without gaps."""

    FEE_INVOICE = "fee_invoice"       # 缴费通知单 (the tax 发票 is not ours)
    RECEIPT = "receipt"               # 收款收据
    SUBSCRIPTION = "subscription"     # 平台服务费发票


PREFIX = {Series.FEE_INVOICE: "WY", Series.RECEIPT: "SJ", Series.SUBSCRIPTION: "PT"}


def document_code(series: Series, year: int, number: int) -> str:
    """What is printed and what a bank memo names: ``WY2026-000123``."""
    return f"{PREFIX[series]}{year}-{number:06d}"


class PaymentMethod(str, enum.Enum):
    CASH = "cash"                     # 现金
    BANK_TRANSFER = "bank_transfer"   # 银行转账
    CARD = "card"                     # 刷卡
    MOBILE = "mobile"                 # 扫码（微信/支付宝到公司账户）
    CREDIT = "credit"                 # 预存余额抵扣: no money moves, the household's credit pays the bill


class SignerKind(str, enum.Enum):
    PARTY_MEMBER = "party_member"     # 党员
    CIVIL_SERVANT = "civil_servant"   # 公职人员


class FeeSchedule(TenantScoped, Base):
    """收费标准: fen per square metre per month for one kind of building, from a date
    until a later schedule of the same community and kind supersedes it."""

    __tablename__ = "fee_schedule"
    __label__ = _l("收费标准")
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "community_id", "building_kind", "effective_from"),
        CheckConstraint("rate_fen > 0", name="rate"),
    )

    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"), index=True)
    building_kind: Mapped[BuildingKind] = mapped_column(_enum(BuildingKind, "fee_building_kind"))
    rate_fen: Mapped[int]
    effective_from: Mapped[dt.date]
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class DocumentCounter(TenantScoped, Base):
    """The last number issued in a series and year; updated under its row lock
    in the same transaction as the documents it numbers."""

    __tablename__ = "fee_document_counter"
    __label__ = _l("票据编号计数")
    __audited__ = False  # the documents it numbers are the business records
    __extra_table_args__ = (UniqueConstraint("tenant_id", "series", "year"),)

    series: Mapped[Series] = mapped_column(_enum(Series, "fee_series"))
    year: Mapped[int]
    last_number: Mapped[int] = mapped_column(default=0)


class BillingRun(TenantScoped, Base):
    """One period billed for one community; the unit a re-run resumes."""

    __tablename__ = "fee_billing_run"
    __label__ = _l("开账批次")
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "community_id", "period"),
        CheckConstraint("period_end >= period_start", name="period"),
    )

    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))        # 2026-03 or 2026-Q1
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    months: Mapped[int]
    due_on: Mapped[dt.date]
    job_id: Mapped[int | None] = mapped_column(BigId)
    issued_complete: Mapped[bool] = mapped_column(default=False)  # every household has its bill
    finished_at: Mapped[dt.datetime | None]                       # ... and every invoice its PDF
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class Bill(TenantScoped, Base):
    """One household's fee for one period, issued as invoice ``invoice_code``."""

    __tablename__ = "fee_bill"
    __label__ = _l("物业费账单")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "run_id"], ["fee_billing_run.tenant_id", "fee_billing_run.id"]),
        ForeignKeyConstraint(["tenant_id", "household_id"], ["household.tenant_id", "household.id"]),
        _file_fk(),
        UniqueConstraint("tenant_id", "household_id", "period"),
        UniqueConstraint("tenant_id", "invoice_year", "invoice_number"),
        UniqueConstraint("tenant_id", "invoice_code"),
        CheckConstraint("amount_fen >= 0", name="amount"),
        CheckConstraint("paid_fen >= 0 AND paid_fen <= amount_fen", name="paid"),
        Index("ix_fee_bill_tenant_id_run_id", "tenant_id", "run_id"),
        Index("ix_fee_bill_tenant_id_community_id_due_on", "tenant_id", "community_id", "due_on"),
    )

    run_id: Mapped[int] = mapped_column(BigId)
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"))
    household_id: Mapped[int] = mapped_column(BigId, index=True)
    period: Mapped[str] = mapped_column(String(7))
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    months: Mapped[int]
    due_on: Mapped[dt.date]
    payer_name: Mapped[str] = mapped_column(String(50))          # the owner when issued
    address: Mapped[str] = mapped_column(String(200))            # 小区 楼栋 单元 室, when issued
    building_kind: Mapped[BuildingKind] = mapped_column(_enum(BuildingKind, "fee_building_kind"))
    floor_area: Mapped[decimal.Decimal] = mapped_column(Numeric(10, 2))
    lines: Mapped[list] = mapped_column(JSON)                    # [{"from": "2026-01", "months": 3, "rate_fen": 185}]
    amount_fen: Mapped[int]
    paid_fen: Mapped[int] = mapped_column(default=0)
    invoice_year: Mapped[int]
    invoice_number: Mapped[int]
    invoice_code: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    file_id: Mapped[int | None] = mapped_column(BigId)           # the PDF, rendered once ...
    file_page: Mapped[int | None]                                # ... its page there, when a batch of invoices


class Payment(TenantScoped, Base):
    """Money received for a bill (recorded by hand or from a bank statement), with its receipt number.

    The household's credit ledger (预存余额) is this table's ``credit_fen``: what
    a payment put on the balance (the part above what the bill still owed) or
    took from it (a bill paid from credit).  So ``amount_fen + credit_fen`` is
    the money that changed hands, and ``amount_fen`` alone what the bill got.

    A payment is never changed or deleted (``fees.guards``).  A mistake is
    corrected by a reversal (红冲): a new row with the opposite amounts that
    ``reverses`` the original, dated the day it is made, with its reason, its
    own number from the receipt series, who and when.
    """

    __tablename__ = "fee_payment"
    __label__ = _l("缴费记录")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "bill_id"], ["fee_bill.tenant_id", "fee_bill.id"]),
        ForeignKeyConstraint(["tenant_id", "reverses_id"], ["fee_payment.tenant_id", "fee_payment.id"]),
        _file_fk(),
        UniqueConstraint("tenant_id", "receipt_year", "receipt_number"),
        UniqueConstraint("tenant_id", "bank_ref"),   # a statement line is imported once
        UniqueConstraint("tenant_id", "reverses_id"),   # a payment is reversed once
        CheckConstraint("amount_fen <> 0 OR credit_fen <> 0", name="amount"),
        CheckConstraint("reverses_id IS NULL OR reason IS NOT NULL", name="reversal_reason"),
        # the composite foreign key's own index: payments are always looked up by their bill
        Index("ix_fee_payment_tenant_id_bill_id", "tenant_id", "bill_id"),
    )

    bill_id: Mapped[int] = mapped_column(BigId)
    amount_fen: Mapped[int]                                       # what the bill got (negative: a reversal)
    credit_fen: Mapped[int] = mapped_column(default=0, server_default="0")   # to (+) or from (-) the credit
    paid_on: Mapped[dt.date]
    method: Mapped[PaymentMethod] = mapped_column(_enum(PaymentMethod, "fee_payment_method"))
    payer_name: Mapped[str] = mapped_column(String(50))
    bank_ref: Mapped[str | None] = mapped_column(String(64))     # 交易流水号, for imported lines
    note: Mapped[str | None] = mapped_column(String(200))
    reverses_id: Mapped[int | None] = mapped_column(BigId)       # the payment this row reverses (红冲)
    reason: Mapped[str | None] = mapped_column(String(200))      # why it was reversed
    receipt_year: Mapped[int]
    receipt_number: Mapped[int]
    receipt_code: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[int | None] = mapped_column(BigId)           # the receipt PDF, rendered once
    recorded_by: Mapped[int | None] = mapped_column(BigId)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    @property
    def received_fen(self) -> int:
        """The money that changed hands (0 for a bill paid from credit; negative for a reversal)."""
        return self.amount_fen + self.credit_fen


class PayeeAccount(TenantScoped, Base):
    """The company's bank account for fees (收款账户), printed on payment and arrears notices."""

    __tablename__ = "fee_payee_account"
    __label__ = _l("收款账户")
    __extra_table_args__ = (UniqueConstraint("tenant_id"),)

    account_name: Mapped[str] = mapped_column(String(100))      # 户名
    bank_name: Mapped[str] = mapped_column(String(100))         # 开户行
    account_number: Mapped[str] = mapped_column(String(34))     # 账号 (digits; IBAN length at most)
    contact_phone: Mapped[str | None] = mapped_column(String(30))   # 收费咨询电话
    updated_by: Mapped[int | None] = mapped_column(BigId)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class CommitmentLetter(TenantScoped, Base):
    """承诺书: a party member or civil servant living here promises to pay (and clear arrears)."""

    __tablename__ = "fee_commitment_letter"
    __label__ = _l("缴费承诺书")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "household_id"], ["household.tenant_id", "household.id"]),
        _file_fk(),
        Index("ix_fee_commitment_letter_tenant_id_household_id", "tenant_id", "household_id"),
    )

    household_id: Mapped[int] = mapped_column(BigId)
    signer_name: Mapped[str] = mapped_column(String(50))
    signer_kind: Mapped[SignerKind] = mapped_column(_enum(SignerKind, "fee_signer_kind"))
    organisation: Mapped[str | None] = mapped_column(String(100))   # 工作单位 / 所在党组织
    signed_on: Mapped[dt.date]
    pay_by: Mapped[dt.date | None]                                    # promised date to clear arrears
    file_id: Mapped[int | None] = mapped_column(BigId)               # the signed letter, scanned
    recorded_by: Mapped[int | None] = mapped_column(BigId)


class SubscriptionInvoice(TenantScoped, Base):
    """The platform's invoice to one of its tenants.

    Owned by the platform (the issuer); the billed tenant may read its own and
    nothing else (``visible_to``; the migration gives RLS the same rule).  The
    PDF is kept in the row: the billed tenant cannot read the issuer's files.
    """

    __tablename__ = "fee_subscription_invoice"
    __label__ = _l("平台服务费发票")
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "invoice_year", "invoice_number"),
        UniqueConstraint("tenant_id", "invoice_code"),
        CheckConstraint("amount_fen > 0", name="amount"),
    )

    billed_tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id"), index=True)
    billed_name: Mapped[str] = mapped_column(String(200))    # the tenant's name when issued
    description: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int]
    due_on: Mapped[dt.date]
    invoice_year: Mapped[int]
    invoice_number: Mapped[int]
    invoice_code: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    issued_by: Mapped[int | None] = mapped_column(BigId)
    # bytes: kept out of the audit log's JSON copy (the "secret" mark excludes a column there)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, info={"secret": True})

    @classmethod
    def visible_to(cls, tenant_id: int):
        return or_(cls.tenant_id == tenant_id, cls.billed_tenant_id == tenant_id)
