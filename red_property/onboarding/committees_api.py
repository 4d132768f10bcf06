"""Owners' committees through the API: the bureau sets one up for a community (one term at a time)."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from red_property.communities.models import Community
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.onboarding.committees import committee_terms, set_up_committee
from red_property.onboarding.schemas import InvitationOut
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Committees", __name__, url_prefix="/api/v1/register/communities",
                description="The bureau sets up owners' committees (业主委员会), with term and filing day")


class CommitteeTermOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    committee_tenant_id = fields.Integer()
    term_starts_on = fields.Date()
    term_ends_on = fields.Date()
    filed_on = fields.Date(metadata={"description": "备案日期"})


class CommitteeIn(Schema):
    term_starts_on = fields.Date(required=True)
    term_ends_on = fields.Date(required=True)
    filed_on = fields.Date(required=True, metadata={"description": "备案日期, not in the future"})
    admin_email = fields.Email(required=True, validate=validate.Length(max=254))
    admin_name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    name = fields.String(validate=validate.Length(max=200), metadata={"description": "default: <小区>业主委员会"})
    slug = fields.String(validate=validate.Length(max=64))


class CommitteeSetUpOut(Schema):
    committee = fields.Nested(CommitteeTermOut)
    invitation = fields.Nested(InvitationOut, metadata={"description": "the first admin's link, shown once"})


@blp.route("/<int:community_id>/committees")
class CommunityCommittees(MethodView):
    decorators = [for_kinds(TenantKind.BUREAU), visible_or_404(Community, "community_id")]

    @blp.response(200, CommitteeTermOut(many=True))
    def get(self, community_id):
        """The community's committees, latest term first."""
        return committee_terms(db.session, community_id)

    @blp.arguments(CommitteeIn)
    @blp.response(201, CommitteeSetUpOut)
    def post(self, data, community_id):
        """Set up the committee for a term: its tenant and first admin's invitation; the running term ends the day
        before and the old committee loses access to the community (its records stay its own)."""
        committee, issued = set_up_committee(db.session, db.session.get(Community, community_id), data)
        return {"committee": committee, "invitation": issued}
