"""JSON shapes of demands: what the API accepts (strict) and answers."""
from marshmallow import Schema, fields, validate

from red_property.core import clock
from red_property.core.schemas import PageArgs, id_field
from red_property.demands.models import MAX_HOURS, MIN_HOURS, Category, EventKind, Route, Source, Status
from red_property.demands.queries import OPEN_FILTER


def _enum(enum_cls, **kwargs):
    return fields.Enum(enum_cls, by_value=True, **kwargs)


def _when(**kwargs):
    """A timestamp; without an offset it is read as local (Beijing) time."""
    return fields.AwareDateTime(default_timezone=clock.local_zone(), **kwargs)


STAFF_SOURCES = [s.value for s in Source if s != Source.PUBLIC_PAGE]


class DemandListArgs(PageArgs):
    community_id = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))
    status = fields.String(validate=validate.OneOf([s.value for s in Status] + [OPEN_FILTER]),
                           metadata={"description": "a status, or 'open' (received or in progress)"})
    category = _enum(Category)
    route = _enum(Route)
    overdue = fields.Boolean(metadata={"description": "flagged overdue (true) or not (false)"})
    source = _enum(Source)
    assignee_id = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1),
                                 metadata={"description": "assigned to this user"})
    mine = fields.Boolean(metadata={"description": "assigned to the token's user (true); overrides assignee_id"})
    q = fields.String(validate=validate.Length(max=50),
                      metadata={"description": "search: words of the description, a phone (full or partial), "
                                               "a 12345 ticket number, the demand's number, or a room/address"})


ASSIGNEE_DOC = "a colleague: an active admin or staff user of the company, who is notified"


def _assignee():
    return fields.Integer(strict=True, allow_none=True, load_default=None,
                          validate=validate.Range(min=1, max=2**63 - 1), metadata={"description": ASSIGNEE_DOC})


class BulkAssignIn(Schema):
    demand_ids = fields.List(id_field(), required=True, validate=validate.Length(min=1, max=200))
    handler = fields.String(allow_none=True, load_default=None, validate=validate.Length(min=2, max=100),
                            metadata={"description": "a team or unit; optional with an assignee_id"})
    assignee_id = _assignee()


class BulkCloseIn(Schema):
    demand_ids = fields.List(id_field(), required=True, validate=validate.Length(min=1, max=200))
    outcome = fields.String(required=True, validate=validate.OneOf(["resolved", "unresolved"]))
    resolution = fields.String(required=True, validate=validate.Length(min=4, max=2000),
                               metadata={"description": "the result, or why unresolved: one text for every row"})


class BulkOut(Schema):
    demand_ids = fields.List(fields.Integer(), metadata={"description": "the demands changed, all of them"})


class DemandIn(Schema):
    community_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**63 - 1))
    source = fields.String(required=True, validate=validate.OneOf(STAFF_SOURCES))
    category = _enum(Category, required=True)
    description = fields.String(required=True, validate=validate.Length(min=5, max=2000))
    received_at = _when(load_default=None, allow_none=True,
                        metadata={"description": "when it was received (default: now)"})
    building_id = fields.Integer(strict=True, allow_none=True, load_default=None,
                                 validate=validate.Range(min=1, max=2**63 - 1))
    household_id = fields.Integer(strict=True, allow_none=True, load_default=None,
                                  validate=validate.Range(min=1, max=2**63 - 1))
    location = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))
    hotline_ticket = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=30),
                                   metadata={"description": "the 12345 ticket number (hotline demands only)"})
    contact_name = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=50))
    contact_phone = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=30))


class DemandOut(Schema):
    """A demand as lists show it: the contact phone masked."""

    id = fields.Integer()
    community_id = fields.Integer()
    community = fields.String()
    source = _enum(Source)
    hotline_ticket = fields.String(allow_none=True)
    category = _enum(Category)
    route = _enum(Route)
    handler = fields.String(allow_none=True)
    assignee_id = fields.Integer(allow_none=True)
    assignee = fields.String(allow_none=True, metadata={"description": "the assignee's name"})
    status = _enum(Status)
    received_at = fields.AwareDateTime()
    due_at = fields.AwareDateTime()
    closed_at = fields.AwareDateTime(allow_none=True)
    overdue = fields.Boolean()
    overdue_at = fields.AwareDateTime(allow_none=True)
    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(metadata={"description": "masked: 138****5678"})
    rating = fields.Integer(allow_none=True)


class EventOut(Schema):
    kind = _enum(EventKind)
    at = fields.AwareDateTime()
    actor = fields.String(allow_none=True, metadata={"description": "who; null for the system"})
    from_status = _enum(Status, allow_none=True)
    to_status = _enum(Status, allow_none=True)
    route = _enum(Route, allow_none=True)
    category = _enum(Category, allow_none=True)
    note = fields.String(allow_none=True)


class MediationOut(Schema):
    id = fields.Integer()
    held_on = fields.Date()
    mediator = fields.String()
    parties = fields.String()
    agreed = fields.Boolean()
    summary = fields.String()


class DemandDetailOut(DemandOut):
    """One demand in full, with its history and mediations: the phone unmasked."""

    description = fields.String()
    location = fields.String(allow_none=True)
    building_id = fields.Integer(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    place = fields.String()
    route_reason = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    informed_at = fields.AwareDateTime(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    rated_at = fields.AwareDateTime(allow_none=True)
    events = fields.List(fields.Nested(EventOut))
    mediations = fields.List(fields.Nested(MediationOut))


class RouteIn(Schema):
    route = _enum(Route, required=True)
    handler = fields.String(allow_none=True, load_default=None, validate=validate.Length(min=2, max=100),
                            metadata={"description": "who handles it: a worker, a team, a unit; "
                                                     "optional with an assignee_id (then their name)"})
    assignee_id = _assignee()
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200),
                           metadata={"description": "required when the route is not the category's default"})
    category = _enum(Category, allow_none=True, load_default=None,
                     metadata={"description": "a corrected category (the due time follows it)"})


class ProgressIn(Schema):
    note = fields.String(required=True, validate=validate.Length(min=2, max=1000))


class CloseIn(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(["resolved", "unresolved"]))
    resolution = fields.String(required=True, validate=validate.Length(min=4, max=2000),
                               metadata={"description": "what was done, or why it could not be resolved"})


class InformIn(Schema):
    informed_at = _when(load_default=None, allow_none=True, metadata={"description": "default: now"})


class RatingIn(Schema):
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))


class MediationIn(Schema):
    held_on = fields.Date(required=True)
    mediator = fields.String(required=True, validate=validate.Length(min=1, max=50))
    parties = fields.String(required=True, validate=validate.Length(min=2, max=200))
    agreed = fields.Boolean(required=True, truthy={True}, falsy={False})
    summary = fields.String(required=True, validate=validate.Length(min=4, max=2000))


TimeLimitsIn = Schema.from_dict(
    {c.value: fields.Integer(strict=True, validate=validate.Range(min=MIN_HOURS, max=MAX_HOURS)) for c in Category},
    name="DemandTimeLimitsIn")


class TimeLimitOut(Schema):
    category = _enum(Category)
    hours = fields.Integer()
    default_hours = fields.Integer()
    default_route = _enum(Route)
