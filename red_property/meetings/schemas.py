"""JSON shapes of the joint-meeting API."""
from marshmallow import Schema, fields, validate

from red_property.core.routing import MAX_ID
from red_property.core.schemas import PageArgs, id_field
from red_property.meetings.models import AttendeeParty, MatterCategory, MeetingKind, ReviewOpinion

MONTH = validate.Regexp(r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", error="月份格式应为 2026-10")


def optional_id() -> fields.Integer:
    return id_field(allow_none=True, load_default=None)


def text(max_length: int, *, required: bool = False) -> fields.String:
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=max_length))
    return fields.String(allow_none=True, load_default=None, validate=validate.Length(max=max_length))


def optional_date() -> fields.Date:
    return fields.Date(allow_none=True, load_default=None)


class AttendeeIn(Schema):
    party = fields.Enum(AttendeeParty, by_value=True, required=True)
    name = text(50)
    post = text(50)
    member_id = optional_id()


class ItemIn(Schema):
    title = text(200, required=True)
    category = fields.Enum(MatterCategory, by_value=True, required=True)
    reviewed_on = optional_date()
    review_opinion = fields.Enum(ReviewOpinion, by_value=True, allow_none=True, load_default=None)
    review_note = text(500)
    decision = text(500)
    responsible = text(50)
    due_on = optional_date()
    done_on = optional_date()


class MeetingUpdateIn(Schema):
    held_on = fields.Date(required=True)
    kind = fields.Enum(MeetingKind, by_value=True, required=True)
    place = text(100, required=True)
    organisation_id = optional_id()
    attendees = fields.List(fields.Nested(AttendeeIn), required=True, validate=validate.Length(min=1, max=50))


class MeetingIn(MeetingUpdateIn):
    community_id = id_field(required=True)
    items = fields.List(fields.Nested(ItemIn), load_default=list, validate=validate.Length(max=30))


class DecisionProgressIn(Schema):
    noted_on = optional_date()
    note = text(500)
    done_on = optional_date()


class MeetingListArgs(PageArgs):
    community_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    month = fields.String(validate=MONTH)


class DecisionListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(["open", "overdue", "done"]))
    community_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class CalendarArgs(PageArgs):
    community_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class AttendeeOut(Schema):
    id = fields.Integer()
    party = fields.String()
    name = fields.String()
    post = fields.String(allow_none=True)
    member_id = fields.Integer(allow_none=True)


class ProgressOut(Schema):
    noted_on = fields.Date()
    note = fields.String()


class ItemOut(Schema):
    id = fields.Integer()
    position = fields.Integer()
    title = fields.String()
    category = fields.String()
    major = fields.Boolean()
    reviewed_on = fields.Date(allow_none=True)
    review_opinion = fields.String(allow_none=True)
    review_note = fields.String(allow_none=True)
    needs_review = fields.Boolean(metadata={"description": "a major matter without the branch's pre-review"})
    decision = fields.String(allow_none=True)
    responsible = fields.String(allow_none=True)
    due_on = fields.Date(allow_none=True)
    done_on = fields.Date(allow_none=True)
    status = fields.String(allow_none=True, metadata={"description": "open, overdue or done; null without a decision"})
    progress = fields.List(fields.Nested(ProgressOut))


class _MeetingFields(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    community_name = fields.String()
    held_on = fields.Date()
    kind = fields.String()
    place = fields.String()
    organisation_id = fields.Integer(allow_none=True)
    minutes_file_id = fields.Integer(allow_none=True)
    parties_complete = fields.Boolean()


class MeetingOut(_MeetingFields):
    items = fields.Integer(metadata={"description": "number of agenda items"})
    unreviewed = fields.Integer(metadata={"description": "major matters without the branch's pre-review"})
    overdue = fields.Integer(metadata={"description": "decisions past their date and not done"})


class MeetingDetailOut(_MeetingFields):
    missing_parties = fields.List(fields.String())
    attendees = fields.List(fields.Nested(AttendeeOut))
    agenda = fields.List(fields.Nested(ItemOut))


class MeetingDecisionOut(ItemOut):
    meeting_id = fields.Integer()
    held_on = fields.Date()
    community_id = fields.Integer()
    community_name = fields.String()
    last_note = fields.String(allow_none=True)


class CalendarMeetingOut(Schema):
    id = fields.Integer()
    held_on = fields.Date()
    kind = fields.String()
    parties_complete = fields.Boolean()


class CalendarCellOut(Schema):
    month = fields.String()
    status = fields.String(metadata={"description": "met, incomplete, missed, due, partial or not_managed"})
    counted = fields.Boolean(metadata={"description": "a monthly meeting was required this month"})
    meetings = fields.List(fields.Nested(CalendarMeetingOut))


class CalendarRowOut(Schema):
    community_id = fields.Integer()
    community_name = fields.String()
    met = fields.Integer()
    required = fields.Integer()
    cadence = fields.String(allow_none=True, metadata={"description": "met / required, 4 decimals; null if nothing required"})
    cells = fields.List(fields.Nested(CalendarCellOut))


class CalendarOut(Schema):
    months = fields.List(fields.String())
    rows = fields.List(fields.Nested(CalendarRowOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
