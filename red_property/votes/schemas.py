"""JSON shapes of the owner-vote API."""
from marshmallow import Schema, fields, validate

from red_property.core.schemas import DECIMAL_TEXT, PageArgs, id_field, one_of
from red_property.votes.models import Choice, ProposalKind, VoteStatus


class VoteIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    kind = fields.String(required=True, validate=one_of(ProposalKind))
    description = fields.String(load_default="", validate=validate.Length(max=5000))


class VoteOut(Schema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.Enum(ProposalKind, by_value=True)
    description = fields.String()
    status = fields.Enum(VoteStatus, by_value=True)
    total_owners = fields.Integer(allow_none=True)
    total_area = fields.Decimal(as_string=True, allow_none=True, metadata=DECIMAL_TEXT)
    passed = fields.Boolean(allow_none=True)
    created_at = fields.DateTime()
    opened_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class ConditionOut(Schema):
    code = fields.String()
    met = fields.Boolean()
    numerator = fields.String()
    denominator = fields.String()
    threshold = fields.String()
    strict = fields.Boolean()
    share = fields.Float(allow_none=True, metadata={"description": "for charts; the decision uses exact fractions"})
    message = fields.String()


class TallyOut(Schema):
    kind = fields.String()
    total_owners = fields.Integer()
    total_area = fields.String()
    counts = fields.Dict()
    participating_owners = fields.Integer()
    participating_area = fields.String()
    conditions = fields.List(fields.Nested(ConditionOut))
    passed = fields.Boolean()
    failed = fields.List(fields.String(), metadata={"description": "the conditions not met, in plain words"})


class VoteDetail(VoteOut):
    tally = fields.Nested(TallyOut, allow_none=True)


class BallotIn(Schema):
    owner_id = id_field(required=True)
    choice = fields.String(required=True, validate=one_of(Choice))


class BallotOut(Schema):
    owner_id = fields.Integer()
    name = fields.String()
    building = fields.String()
    unit = fields.String()
    room = fields.String()
    floor_area = fields.Decimal(as_string=True, metadata=DECIMAL_TEXT)
    choice = fields.Enum(Choice, by_value=True, allow_none=True)
    cast_at = fields.DateTime(allow_none=True)


class BallotListArgs(PageArgs):
    cast = fields.Boolean(metadata={"description": "true: ballots cast; false: not yet"})
    q = fields.String(validate=validate.Length(min=1, max=50))


class BallotImportReport(Schema):
    ballots = fields.Integer()
    for_ = fields.Integer(data_key="for", attribute="for")
    against = fields.Integer()
    abstain = fields.Integer()
