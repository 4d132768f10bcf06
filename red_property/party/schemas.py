"""Schemas of the party API."""
from marshmallow import Schema, fields, validate
from flask_smorest.fields import Upload

from red_property.core.schemas import PageArgs, id_field, one_of, page_schema
from red_property.party.models import Level, ReviewKind, SiteItem, SiteStatus


def enum_value(attribute: str):
    return fields.Function(lambda o: getattr(o, attribute).value)


class FindingOut(Schema):
    code = fields.String()
    severity = fields.String()
    message = fields.String()


class OrganisationIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    level = fields.String(required=True, validate=one_of(Level))
    community_ids = fields.List(id_field(), required=True, validate=validate.Length(min=1, max=50))
    parent_id = id_field(allow_none=True, load_default=None)
    building_id = id_field(allow_none=True, load_default=None)
    founded_on = fields.Date(allow_none=True, load_default=None)


class OrganisationOut(Schema):
    id = fields.Integer()
    name = fields.String()
    level = enum_value("level")
    parent_id = fields.Integer(allow_none=True)
    building_id = fields.Integer(allow_none=True)
    founded_on = fields.Date(allow_none=True)


class SeatOut(Schema):
    """A branch committee seat: a post in the party-branch body (see /api/v1/appointments)."""

    post_id = fields.Integer(attribute="id")
    person_id = fields.Integer()
    name = fields.String()
    role = fields.String()
    term_start = fields.Date()
    term_end = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True)
    in_office = fields.Boolean()


class ReviewIn(Schema):
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    kind = fields.String(required=True, validate=one_of(ReviewKind))
    done_on = fields.Date(required=True)


class MemberIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    community_id = id_field(required=True)
    building_id = id_field(allow_none=True, load_default=None)
    room = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=20))
    formal = fields.Boolean(load_default=True, truthy={True}, falsy={False})
    directly_managed = fields.Boolean(load_default=True, truthy={True}, falsy={False})
    home_organisation = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))
    reported_on = fields.Date(allow_none=True, load_default=None)
    building_head = fields.Boolean(load_default=False, truthy={True}, falsy={False})


class MemberOut(Schema):
    id = fields.Integer()
    name = fields.String()
    community_id = fields.Integer()
    building_id = fields.Integer(allow_none=True)
    room = fields.String(allow_none=True)
    formal = fields.Boolean()
    directly_managed = fields.Boolean()
    home_organisation = fields.String(allow_none=True)
    reported_on = fields.Date(allow_none=True)
    building_head = fields.Boolean()


class MemberListArgs(PageArgs):
    community_id = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))


MemberPage = page_schema(MemberOut, "PartyMemberPage")


class CommunityPartyOut(Schema):
    organisations = fields.List(fields.Nested(OrganisationOut))
    findings = fields.List(fields.Nested(FindingOut))


class OverviewRowOut(Schema):
    community_id = fields.Integer()
    community_name = fields.String()
    direct_members = fields.Integer()
    branches = fields.List(fields.Nested(OrganisationOut))
    findings = fields.List(fields.Nested(FindingOut))


class SiteCheckIn(Schema):
    item = fields.String(required=True, validate=one_of(SiteItem))
    status = fields.String(required=True, validate=one_of(SiteStatus))
    checked_on = fields.Date(required=True)
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))


class EvidenceArgs(Schema):
    item = fields.String(required=True, validate=one_of(SiteItem))
    caption = fields.String(load_default=None, validate=validate.Length(max=100))


class EvidenceFile(Schema):
    file = Upload(required=True, metadata={"description": "A photo or document: PDF, PNG or JPEG, at most 10 MB"})


class EvidenceOut(Schema):
    file_id = fields.Integer()
    caption = fields.String(allow_none=True)


class SiteRowOut(Schema):
    item = fields.String()
    status = fields.String(allow_none=True)
    checked_on = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)
    evidence = fields.List(fields.Nested(EvidenceOut))
