"""Marshmallow schemas of the fee API.  Money is integer fen (strict: a float is refused)."""
import datetime as dt

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from red_property.core import clock
from red_property.core.schemas import PageArgs, page_schema
from red_property.fees.models import BuildingKind, PaymentMethod, SignerKind
from red_property.fees.reports import bill_status

PERIOD = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$", error="期间格式应为 2026-03 或 2026-Q1")


def _id():
    return fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=2**63 - 1))


def _date(**kwargs):
    """A date this century: outside it, a date is a typo (and year 1 breaks month arithmetic)."""
    return fields.Date(validate=validate.Range(min=dt.date(2000, 1, 1), max=dt.date(2100, 12, 31)), **kwargs)


def _values(enum_cls):
    return validate.OneOf([m.value for m in enum_cls])


def _enum_out(attr):
    def value(obj):
        member = obj[attr] if isinstance(obj, dict) else getattr(obj, attr)
        return member.value
    return fields.Function(value)


class FeeScheduleIn(Schema):
    community_id = _id()
    building_kind = fields.String(required=True, validate=_values(BuildingKind))
    rate_fen = fields.Integer(strict=True, required=True, metadata={"description": "分/㎡/月"},
                              validate=validate.Range(min=1, max=10_000))
    effective_from = _date(required=True, metadata={"description": "the first day of a month"})


class FeeScheduleOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    building_kind = _enum_out("building_kind")
    rate_fen = fields.Integer()
    effective_from = fields.Date()


class FeeScheduleArgs(PageArgs):
    community_id = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))


class FeeRunIn(Schema):
    community_id = _id()
    period = fields.String(required=True, validate=PERIOD)
    due_on = _date(allow_none=True, load_default=None)


class FeeRunOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    period = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    months = fields.Integer()
    due_on = fields.Date()
    job_id = fields.Integer(allow_none=True)
    issued_complete = fields.Boolean()
    finished_at = fields.DateTime(allow_none=True)
    bills = fields.Integer()
    rendered = fields.Integer()
    amount_fen = fields.Integer()
    paid_fen = fields.Integer()


class FeeBillArgs(PageArgs):
    community_id = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))
    period = fields.String(validate=PERIOD)
    status = fields.String(validate=validate.OneOf(["unpaid", "partial", "paid", "overdue"]))
    q = fields.String(validate=validate.Length(max=50))


class FeeBillOut(Schema):
    id = fields.Integer()
    run_id = fields.Integer()
    community_id = fields.Integer()
    household_id = fields.Integer()
    period = fields.String()
    due_on = fields.Date()
    payer_name = fields.String()
    address = fields.String()
    building_kind = _enum_out("building_kind")
    floor_area = fields.Decimal(as_string=True)
    lines = fields.List(fields.Dict())
    amount_fen = fields.Integer()
    paid_fen = fields.Integer()
    invoice_code = fields.String()
    issued_at = fields.DateTime()
    status = fields.Function(lambda bill: bill_status(bill, clock.today()),
                             metadata={"description": "unpaid, partial, paid or overdue"})


class FeePaymentIn(Schema):
    bill_id = _id()
    amount_fen = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=100_000_000))
    paid_on = _date(required=True)
    # 预存抵扣 is the system's own: money does not change hands
    method = fields.String(required=True, validate=validate.OneOf([m.value for m in PaymentMethod
                                                                   if m is not PaymentMethod.CREDIT]))
    payer_name = fields.String(allow_none=True, load_default=None, validate=validate.Length(min=1, max=50))
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))


class FeePaymentOut(Schema):
    id = fields.Integer()
    bill_id = fields.Integer()
    amount_fen = fields.Integer(metadata={"description": "what the bill got (negative: a reversal)"})
    credit_fen = fields.Integer(metadata={"description": "put on (+) or taken from (-) the household's credit"})
    paid_on = fields.Date()
    method = _enum_out("method")
    payer_name = fields.String()
    bank_ref = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    receipt_code = fields.String()
    reverses_id = fields.Integer(allow_none=True, metadata={"description": "the payment this row reverses (红冲)"})
    reason = fields.String(allow_none=True)
    recorded_by = fields.Integer(allow_none=True)
    recorded_at = fields.DateTime()


class FeeReversalIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class FeeCreditOut(Schema):
    household_id = fields.Integer()
    balance_fen = fields.Integer()
    entries = fields.List(fields.Nested(FeePaymentOut), metadata={"description": "every payment that moved it"})


class FeePayeeAccountIn(Schema):
    account_name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    bank_name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    account_number = fields.String(required=True, validate=validate.Length(min=8, max=40))
    contact_phone = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=30))


class FeePayeeAccountOut(Schema):
    account_name = fields.String()
    bank_name = fields.String()
    account_number = fields.String()
    contact_phone = fields.String(allow_none=True)
    updated_at = fields.DateTime()


class FeeArrearsNoticesIn(Schema):
    community_id = _id()


class FeeStatementFile(Schema):
    file = Upload(required=True, metadata={"description": "CSV (UTF-8 or GB18030) or XLSX; columns 交易日期, 交易流水号, "
                                                          "收入金额, 付款人, 摘要 (naming the invoice number)"})


class FeeStatementReport(Schema):
    rows = fields.Integer()
    recorded = fields.Integer()
    skipped = fields.Integer()
    amount_fen = fields.Integer()
    credit_fen = fields.Integer(metadata={"description": "of it, paid above what the bills owed: households' credit"})


class FeeCollectionArgs(Schema):
    as_of = _date()


class FeeCollectionOut(Schema):
    billed_fen = fields.Integer()
    paid_fen = fields.Integer()
    arrears_fen = fields.Integer()
    bills = fields.Integer()
    in_arrears = fields.Integer()
    rate = fields.String(allow_none=True, metadata={"description": "paid / billed, 4 decimals; null: nothing due"})


class FeeCommunityCollectionOut(FeeCollectionOut):
    community_id = fields.Integer()
    name = fields.String()


class FeeMonthCollectionOut(Schema):
    month = fields.String()
    billed_fen = fields.Integer()
    paid_fen = fields.Integer()
    rate = fields.String(allow_none=True)


CollectionReport = Schema.from_dict({
    "as_of": fields.Date(), "company": fields.Nested(FeeCollectionOut),
    "communities": fields.List(fields.Nested(FeeCommunityCollectionOut)),
    "trend": fields.List(fields.Nested(FeeMonthCollectionOut))}, name="FeeCollectionReport")


class FeeCommitmentIn(Schema):
    household_id = _id()
    signer_name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    signer_kind = fields.String(required=True, validate=_values(SignerKind))
    organisation = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))
    signed_on = _date(required=True)
    pay_by = _date(allow_none=True, load_default=None)


class FeeCommitmentOut(Schema):
    id = fields.Integer()
    household_id = fields.Integer()
    signer_name = fields.String()
    signer_kind = _enum_out("signer_kind")
    organisation = fields.String(allow_none=True)
    signed_on = fields.Date()
    pay_by = fields.Date(allow_none=True)
    file_id = fields.Integer(allow_none=True)
    arrears_fen = fields.Integer(metadata={"description": "the household's arrears now (bills due, not paid)"})


class FeeCommitmentArgs(PageArgs):
    in_arrears = fields.Boolean(load_default=False)


class FeeSubscriptionIn(Schema):
    billed_tenant_id = _id()
    description = fields.String(required=True, validate=validate.Length(min=2, max=200))
    period = fields.String(required=True, validate=validate.Length(min=1, max=20))
    amount_fen = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=100_000_000))
    due_on = _date(required=True)


class FeeSubscriptionOut(Schema):
    id = fields.Integer()
    billed_tenant_id = fields.Integer()
    billed_name = fields.String()
    description = fields.String()
    period = fields.String()
    amount_fen = fields.Integer()
    due_on = fields.Date()
    invoice_code = fields.String()
    issued_at = fields.DateTime()


SchedulePage = page_schema(FeeScheduleOut, "FeeSchedulePage")
RunPage = page_schema(FeeRunOut, "BillingRunPage")
BillPage = page_schema(FeeBillOut, "BillPage")
PaymentPage = page_schema(FeePaymentOut, "PaymentPage")
CommitmentPage = page_schema(FeeCommitmentOut, "CommitmentLetterPage")
SubscriptionPage = page_schema(FeeSubscriptionOut, "SubscriptionInvoicePage")
