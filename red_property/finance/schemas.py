"""JSON shapes of the committee finance API.  Money is integer fen; areas are decimal strings."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from red_property.core.money import MAX_FEN
from red_property.core.schemas import DECIMAL_TEXT, PageArgs, id_field, one_of
from red_property.finance.models import Category, Direction, DistributionMethod, StatementKind

FEN = validate.Range(min=1, max=MAX_FEN)


class OwnerIn(Schema):
    building = fields.String(required=True, validate=validate.Length(min=1, max=50))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=10))
    room = fields.String(required=True, validate=validate.Length(min=1, max=10))
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    # A string ("88.50") or a number; at most two decimals, checked by the service (no silent rounding).
    floor_area = fields.Decimal(required=True, metadata=DECIMAL_TEXT)


class OwnerOut(Schema):
    id = fields.Integer()
    building = fields.String()
    unit = fields.String()
    room = fields.String()
    name = fields.String()
    floor_area = fields.Decimal(as_string=True, metadata=DECIMAL_TEXT)


class OwnerListArgs(PageArgs):
    q = fields.String(validate=validate.Length(min=1, max=50))


class RollImportReport(Schema):
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()


class BookIn(Schema):
    opened_on = fields.Date(required=True)
    opening_balance_fen = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_FEN))


class BookOut(Schema):
    opened_on = fields.Date(allow_none=True)
    opening_balance_fen = fields.Integer()
    balance_fen = fields.Integer()


class EntryIn(Schema):
    category = fields.String(required=True, validate=one_of(Category))
    amount_fen = fields.Integer(required=True, strict=True, validate=FEN)
    occurred_on = fields.Date(required=True)
    counterparty = fields.String(required=True, validate=validate.Length(min=1, max=100))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class ReceiptOut(Schema):
    id = fields.Integer()
    name = fields.String()
    content_type = fields.String()
    sha256 = fields.String()


class EntryOut(Schema):
    id = fields.Integer()
    direction = fields.Enum(Direction, by_value=True)
    category = fields.Enum(Category, by_value=True)
    amount_fen = fields.Integer()
    occurred_on = fields.Date()
    counterparty = fields.String()
    note = fields.String()
    receipts = fields.List(fields.Nested(ReceiptOut))


class EntryListArgs(PageArgs):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    category = fields.String(validate=one_of(Category))


class QuarterArgs(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class QuarterOut(Schema):
    quarter = fields.String()
    income_fen = fields.Integer()
    expense_fen = fields.Integer()


class StatementIn(Schema):
    kind = fields.String(load_default=StatementKind.QUARTER.value, validate=one_of(StatementKind))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    quarter = fields.Integer(strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1, max=4))

    @validates_schema
    def _quarter(self, data, **kwargs):
        if data.get("kind") == StatementKind.QUARTER.value and data.get("quarter") is None:
            raise ValidationError("季度公示需要填写季度（1 到 4）", field_name="quarter")
        if data.get("kind") == StatementKind.YEAR.value and data.get("quarter") is not None:
            raise ValidationError("年度公示不填季度", field_name="quarter")


class StatementOut(Schema):
    id = fields.Integer()
    period = fields.String()
    kind = fields.Enum(StatementKind, by_value=True)
    version = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    status = fields.String(metadata={"enum": ["draft", "published"]})
    supersedes_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    fingerprint = fields.String(allow_none=True)
    published_at = fields.DateTime(allow_none=True)


class StatementDetail(StatementOut):
    content = fields.Dict(metadata={"description": "What the statement shows (frozen once published)"})
    ledger_changes = fields.List(fields.Dict(), metadata={
        "description": "For a published statement: how the ledger now differs from it (empty: it matches)"})


class StatementCorrectionIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))


class FingerprintArgs(Schema):
    fingerprint = fields.String(required=True, validate=validate.Length(min=1, max=200))


class DistributionIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=100))
    method = fields.String(required=True, validate=one_of(DistributionMethod))
    total_fen = fields.Integer(required=True, strict=True, validate=FEN)


class DistributionOut(Schema):
    id = fields.Integer()
    title = fields.String()
    method = fields.Enum(DistributionMethod, by_value=True)
    total_fen = fields.Integer()
    owners = fields.Integer()
    total_area = fields.Decimal(as_string=True, metadata=DECIMAL_TEXT)
    entry_id = fields.Integer(allow_none=True)
    vote_id = fields.Integer(allow_none=True)
    decision = fields.String(allow_none=True)
    created_at = fields.DateTime()


class ShareOut(Schema):
    owner_id = fields.Integer()
    name = fields.String()
    building = fields.String()
    unit = fields.String()
    room = fields.String()
    floor_area = fields.Decimal(as_string=True, metadata=DECIMAL_TEXT)
    amount_fen = fields.Integer()


class DistributionDetail(DistributionOut):
    shares = fields.List(fields.Nested(ShareOut))


class RecordIn(Schema):
    paid_on = fields.Date(required=True)
    decision = fields.String(load_default="", validate=validate.Length(max=200))
    vote_id = id_field(allow_none=True, load_default=None)
