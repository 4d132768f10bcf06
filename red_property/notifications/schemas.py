"""JSON shapes of notifications: rendered in the request's language, with the path to act on."""
from marshmallow import Schema, fields

from red_property.core.schemas import PageArgs, page_schema


class NotificationListArgs(PageArgs):
    unread = fields.Boolean(metadata={"description": "only unread (true) or only read (false) notifications"})


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "demand_assigned, demand_overdue, appeal_decided, "
                                                  "rating_published or statement_due"})
    subject_id = fields.Integer(metadata={"description": "the demand, rating run or appeal it is about (0: none)"})
    params = fields.Dict(metadata={"description": "what the text is made of, per kind"})
    title = fields.String(metadata={"description": "in the request's language"})
    body = fields.String(metadata={"description": "in the request's language"})
    link = fields.String(metadata={"description": "the web page to act on (a path)"})
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


NotificationPage = page_schema(NotificationOut, "NotificationPage")


class ReadAllOut(Schema):
    marked = fields.Integer(metadata={"description": "how many notifications were unread"})
