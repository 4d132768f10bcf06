"""JSON shapes of the activities API."""
from marshmallow import Schema, fields, validate

from red_property.activities.models import ActivityKind
from red_property.core.routing import MAX_ID
from red_property.core.schemas import PageArgs
from red_property.meetings.schemas import id_field, optional_date, optional_id, text


def hours_field(**kwargs) -> fields.Decimal:
    # The service checks the range (0 < hours <= 24, one decimal): a validate.Range
    # bound on a Decimal would be documented as a string by apispec.
    return fields.Decimal(metadata={"minimum": 0, "maximum": 24, "example": 1.5}, **kwargs)


class ParticipantIn(Schema):
    member_id = optional_id()
    name = text(50)
    hours = hours_field(required=True)


class ActivityIn(Schema):
    community_id = id_field(required=True)
    held_on = fields.Date(required=True)
    kind = fields.Enum(ActivityKind, by_value=True, required=True)
    title = text(100, required=True)
    place = text(100)
    organisation_id = optional_id()
    participants = fields.List(fields.Nested(ParticipantIn), required=True,
                               validate=validate.Length(min=1, max=500))


class ActivityListArgs(PageArgs):
    community_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    kind = fields.Enum(ActivityKind, by_value=True)


class ParticipantOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer(allow_none=True)
    name = fields.String()
    hours = fields.Decimal(as_string=True, metadata={"type": "string", "format": "decimal"})


class ActivityOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    community_name = fields.String()
    held_on = fields.Date()
    kind = fields.String()
    title = fields.String()
    place = fields.String(allow_none=True)
    organisation_id = fields.Integer(allow_none=True)
    participants = fields.Integer()
    members = fields.Integer(metadata={"description": "participants who are party members"})
    hours = fields.Decimal(as_string=True, metadata={"type": "string", "format": "decimal"})


class ActivityDetailOut(ActivityOut):
    participants = fields.List(fields.Nested(ParticipantOut))


class ReportIn(Schema):
    member_id = id_field(required=True)
    reported_on = fields.Date(required=True)
    claimed_items = fields.List(fields.String(validate=validate.Length(min=1, max=50)), required=True,
                                validate=validate.Length(min=1, max=10))


class ReportOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    reported_on = fields.Date()
    claimed_items = fields.List(fields.String())


class LedgerArgs(PageArgs):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    in_service_only = fields.Boolean(load_default=True)


class LedgerRowOut(Schema):
    member_id = fields.Integer()
    name = fields.String()
    community_name = fields.String()
    directly_managed = fields.Boolean()
    home_organisation = fields.String(allow_none=True)
    reported_on = fields.List(fields.Date())
    claimed_items = fields.List(fields.String())
    activities = fields.Integer()
    hours = fields.Decimal(as_string=True, metadata={"type": "string", "format": "decimal"})


class NegativeIn(Schema):
    member_id = id_field(required=True)
    occurred_on = fields.Date(required=True)
    description = text(500, required=True)
    rectify_by = fields.Date(required=True)


class NegativeFollowUpIn(Schema):
    rectified_on = optional_date()
    reported_on = optional_date()


class NegativeListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(["pending", "to_report", "closed"]))


class NegativeOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    member_name = fields.String()
    community_name = fields.String()
    home_organisation = fields.String(allow_none=True)
    occurred_on = fields.Date()
    description = fields.String()
    rectify_by = fields.Date()
    rectified_on = fields.Date(allow_none=True)
    reported_on = fields.Date(allow_none=True)
    status = fields.String(metadata={"description": "pending, rectified, to_report or reported"})
