"""The bureau's register through the API: ``/api/v1/register/communities``
(reading the register stays at ``/api/v1/communities``, for every tenant)."""
from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from red_property.communities.models import Community
from red_property.communities.schemas import CommunityEntryOut
from red_property.core.jobs_api import JobOut
from red_property.core.table_import import ImportRejected
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.onboarding.register import (create_community, retire_community, start_register_import,
                                              update_community)
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Register", __name__, url_prefix="/api/v1/register/communities",
                description="The bureau's community register: add, correct, retire, import")


class RegisterIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    address = fields.String(required=True, validate=validate.Length(min=1, max=200))
    district = fields.String(required=True, validate=validate.Length(min=1, max=50))
    street = fields.String(required=True, validate=validate.Length(min=1, max=50))
    neighbourhood = fields.String(required=True, validate=validate.Length(min=1, max=50))
    household_count = fields.Integer(strict=True, validate=validate.Range(min=0, max=100_000))
    # Square metres as a decimal string ("25000.50"): the service checks it (≥ 0, two decimals at most).
    floor_area = fields.String(validate=validate.Length(max=20), metadata={"format": "decimal"})
    year_built = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1800, max=2200))


class RetireIn(Schema):
    retired_on = fields.Date(metadata={"description": "default: today"})


class RegisterSheetIn(Schema):
    file = Upload(required=True, metadata={"description": "CSV or XLSX; columns 小区名称, 地址, 区, 街道, 社区, 户数, "
                                                          "建筑面积, 建成年份"})


@blp.route("")
class RegisterCommunities(MethodView):
    decorators = [for_kinds(TenantKind.BUREAU)]

    @blp.arguments(RegisterIn)
    @blp.response(201, CommunityEntryOut)
    def post(self, data):
        """Add a community to the register (a duplicate name and address is refused)."""
        return create_community(db.session, data)


@blp.route("/<int:community_id>")
class RegisterCommunity(MethodView):
    decorators = [for_kinds(TenantKind.BUREAU), visible_or_404(Community, "community_id")]

    @blp.arguments(RegisterIn)
    @blp.response(200, CommunityEntryOut)
    def put(self, data, community_id):
        """Correct a register entry (each change is in the audit log with before and after)."""
        return update_community(db.session, db.session.get(Community, community_id), data)


@blp.route("/<int:community_id>/retire")
class RetireCommunity(MethodView):
    decorators = [for_kinds(TenantKind.BUREAU), visible_or_404(Community, "community_id")]

    @blp.arguments(RetireIn)
    @blp.response(200, CommunityEntryOut)
    def post(self, data, community_id):
        """Retire a community (kept, marked with the day); refused while a contract runs."""
        return retire_community(db.session, db.session.get(Community, community_id), data.get("retired_on"))


@blp.route("/import")
class RegisterImport(MethodView):
    decorators = [for_kinds(TenantKind.BUREAU)]

    @blp.arguments(RegisterSheetIn, location="files")
    @blp.response(202, JobOut)
    @blp.alt_response(422, description="Bad rows (duplicates included): errors.rows lists row, column and message")
    def post(self, files):
        """Import the register: every row is checked first, then a job writes them all (follow its progress).

        The job checks again; rows that went bad meanwhile are in its result's ``errors`` and nothing is written."""
        upload = files["file"]
        try:
            record = start_register_import(db.session, upload.filename or "", upload.read())
        except ImportRejected as exc:
            abort(422, errors={"rows": [e.as_dict() for e in exc.errors]})
        response = jsonify(JobOut().dump(record))
        response.status_code = 202
        return response
