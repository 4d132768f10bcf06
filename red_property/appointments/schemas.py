"""Schemas of the cross-appointment API."""
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from red_property.appointments.models import Body, PostRole, Procedure
from red_property.core.schemas import PageArgs, page_schema
from red_property.core.schemas import one_of
from red_property.party.schemas import enum_value

ID = validate.Range(min=1, max=2**63 - 1)


class PersonIn(Schema):
    community_id = fields.Integer(required=True, strict=True, validate=ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    phone = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=20))
    party_member_id = fields.Integer(strict=True, allow_none=True, load_default=None, validate=ID)


class PersonOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    name = fields.String()
    phone = fields.String(allow_none=True)
    party_member_id = fields.Integer(allow_none=True)
    party_member = fields.Function(lambda p: p.party_member_id is not None)


class ListArgs(PageArgs):
    community_id = fields.Integer(validate=ID)


class PostListArgs(ListArgs):
    person_id = fields.Integer(validate=ID)
    body = fields.String(validate=one_of(Body))
    on = fields.Date(metadata={"description": "Only posts held on this day"})


class PostIn(Schema):
    person_id = fields.Integer(required=True, strict=True, validate=ID)
    body = fields.String(required=True, validate=one_of(Body))
    role = fields.String(required=True, validate=one_of(PostRole))
    organisation_id = fields.Integer(strict=True, allow_none=True, load_default=None, validate=ID,
                                     metadata={"description": "The branch, for a party-branch seat only"})
    term_start = fields.Date(required=True)
    term_end = fields.Date(allow_none=True, load_default=None)
    procedure = fields.String(required=True, validate=one_of(Procedure))
    procedure_on = fields.Date(required=True, metadata={"description": "The election or appointment date"})


class PostOut(Schema):
    id = fields.Integer()
    person_id = fields.Integer()
    body = enum_value("body")
    role = enum_value("role")
    organisation_id = fields.Integer(allow_none=True)
    term_start = fields.Date()
    term_end = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True)
    end_reason = fields.String(allow_none=True)
    procedure = enum_value("procedure")
    procedure_on = fields.Date()
    record_file_id = fields.Integer(allow_none=True)


class EndIn(Schema):
    ended_on = fields.Date(required=True, metadata={"description": "The last day in office"})
    reason = fields.String(required=True, validate=validate.Length(min=2, max=200))


class RecordFile(Schema):
    file = Upload(required=True, metadata={"description": "Election minutes or letter of appointment: PDF, PNG or JPEG"})


class CheckOut(Schema):
    key = fields.String()
    met = fields.Boolean(allow_none=True)
    message = fields.String()


class IndicatorsOut(Schema):
    community_id = fields.Integer()
    committee_members = fields.Integer()
    committee_party_members = fields.Integer()
    party_share = fields.Float(allow_none=True, metadata={"description": "0..1; null without an owners' committee"})
    score = fields.Float(allow_none=True, metadata={"description": "share of the applicable checks met, 0..1"})
    checks = fields.List(fields.Nested(CheckOut))


PersonPage = page_schema(PersonOut, "PersonPage")
PostPage = page_schema(PostOut, "PostPage")
