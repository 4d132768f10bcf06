"""Party organisation API: ``/api/v1/party`` (property companies)."""
import datetime as dt

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from red_property.communities.models import Community
from red_property.core.schemas import CreatedOut, PageArgs, page_schema
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.party.models import Body, Level, PartyMember, PartyOrganisation, Post, ReviewKind
from red_property.party.rules import check_formation
from red_property.party.services import (add_committee_member, add_member, create_organisation,
                                         organisations_of, record_review)
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Party", __name__, url_prefix="/api/v1/party", description="小区党组织: organisations, members, rules")
COMPANIES = [for_kinds(TenantKind.COMPANY)]


def _values(enum_cls):
    return validate.OneOf([m.value for m in enum_cls])


class FindingOut(Schema):
    code = fields.String()
    severity = fields.String()
    message = fields.String()


class OrganisationIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    level = fields.String(required=True, validate=_values(Level))
    community_ids = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(min=1, max=50))
    parent_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    building_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    founded_on = fields.Date(allow_none=True, load_default=None)


class OrganisationOut(Schema):
    id = fields.Integer()
    name = fields.String()
    level = fields.Function(lambda o: o.level.value)
    parent_id = fields.Integer(allow_none=True)
    building_id = fields.Integer(allow_none=True)
    founded_on = fields.Date(allow_none=True)


class CommitteeIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    post = fields.String(required=True, validate=_values(Post))
    from_body = fields.String(allow_none=True, load_default=None, validate=_values(Body))
    term_start = fields.Date(required=True)
    term_end = fields.Date(required=True)


class ReviewIn(Schema):
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    kind = fields.String(required=True, validate=_values(ReviewKind))
    done_on = fields.Date(required=True)


class MemberIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    community_id = fields.Integer(required=True, strict=True)
    building_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    room = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=20))
    formal = fields.Boolean(load_default=True, truthy={True}, falsy={False})
    directly_managed = fields.Boolean(load_default=True, truthy={True}, falsy={False})
    home_organisation = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))
    building_head = fields.Boolean(load_default=False, truthy={True}, falsy={False})


class MemberOut(Schema):
    id = fields.Integer()
    name = fields.String()
    community_id = fields.Integer()
    building_id = fields.Integer(allow_none=True)
    formal = fields.Boolean()
    directly_managed = fields.Boolean()
    building_head = fields.Boolean()


class MemberListArgs(PageArgs):
    community_id = fields.Integer()


MemberPage = page_schema(MemberOut, "PartyMemberPage")


@blp.route("/organisations")
class Organisations(MethodView):
    decorators = COMPANIES

    @blp.arguments(OrganisationIn)
    @blp.response(201, OrganisationOut)
    def post(self, data):
        """Create a party organisation for communities the company manages now."""
        return create_organisation(db.session, **{**data, "level": Level(data["level"])}, today=dt.date.today())


def _organisation(organisation_id: int) -> PartyOrganisation:
    return db.session.get(PartyOrganisation, organisation_id)  # visible_or_404 ran first


@blp.route("/organisations/<int:organisation_id>/committee")
class Committee(MethodView):
    decorators = [visible_or_404(PartyOrganisation, "organisation_id")] + COMPANIES

    @blp.arguments(CommitteeIn)
    @blp.response(201, CreatedOut)
    def post(self, data, organisation_id):
        """Add a committee seat with its term."""
        return add_committee_member(db.session, _organisation(organisation_id),
                                    {**data, "post": Post(data["post"]),
                                     "from_body": Body(data["from_body"]) if data["from_body"] else None})


@blp.route("/organisations/<int:organisation_id>/reviews")
class Reviews(MethodView):
    decorators = [visible_or_404(PartyOrganisation, "organisation_id")] + COMPANIES

    @blp.arguments(ReviewIn)
    @blp.response(201, CreatedOut)
    def post(self, data, organisation_id):
        """Record a yearly member assessment or secretary's report."""
        return record_review(db.session, _organisation(organisation_id), {**data, "kind": ReviewKind(data["kind"])})


@blp.route("/members")
class Members(MethodView):
    decorators = COMPANIES

    @blp.arguments(MemberListArgs, location="query")
    @blp.response(200, MemberPage)
    def get(self, args):
        """Party members of the company's communities, paged."""
        stmt = select(PartyMember)
        if args.get("community_id"):
            stmt = stmt.where(PartyMember.community_id == args["community_id"])
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
        items = db.session.scalars(stmt.order_by(PartyMember.id).limit(args["per_page"])
                                   .offset((args["page"] - 1) * args["per_page"])).all()
        return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}

    @blp.arguments(MemberIn)
    @blp.response(201, CreatedOut)
    def post(self, data):
        """Add a party member living in one of the company's communities."""
        return add_member(db.session, data)


@blp.route("/communities/<int:community_id>")
class CommunityParty(MethodView):
    decorators = [visible_or_404(Community, "community_id")] + COMPANIES

    @blp.response(200, Schema.from_dict({"organisations": fields.List(fields.Nested(OrganisationOut)),
                                         "findings": fields.List(fields.Nested(FindingOut))},
                                        name="CommunityParty"))
    def get(self, community_id):
        """The organisations covering a community and what the formation rules say."""
        return {"organisations": [o for o, _ in organisations_of(db.session, community_id)],
                "findings": check_formation(db.session, community_id, dt.date.today())}
