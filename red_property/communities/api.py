"""Community register API: ``/api/v1/communities``."""

from flask import jsonify

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from red_property.communities.household_upload import upload_households
from red_property.communities.imports import ImportRejected
from red_property.communities.models import Community
from red_property.communities.presenters import detail_dict, register_json
from red_property.communities.schemas import CommunityDetailOut, CommunityListArgs, CommunityOut
from red_property.communities.services import NotManaged, get_community, register_rows
from red_property.core import clock
from red_property.core.jobs import JobRecord
from red_property.core.jobs_api import JobOut
from red_property.core.visibility import visible_or_404
from red_property.core.schemas import envelope, page_schema, prepared
from red_property.extensions import db
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Communities", __name__, url_prefix="/api/v1/communities",
                description="小区 register: the bureau's, as each tenant may see it")

CommunityPageOut = page_schema(CommunityOut, "CommunityPage")


@blp.route("")
class Communities(MethodView):
    @blp.arguments(CommunityListArgs, location="query")
    @blp.response(200, CommunityPageOut)
    def get(self, args):
        """List the communities this tenant may see.

        The bureau sees its whole register; a company the communities it
        manages or managed (with its own contract periods); an owners'
        committee its own community.
        """
        today = clock.today()
        result = register_rows(db.session, **args, on=today)
        return prepared(envelope(args, register_json(result, today), result.total))


@blp.route("/<int:community_id>")
class CommunityResource(MethodView):
    @blp.response(200, CommunityDetailOut)
    @blp.alt_response(404, description="No such community, or not visible to this tenant")
    def get(self, community_id):
        """One community with its contracts and this tenant's buildings."""
        detail = get_community(db.session, community_id)
        if detail is None:
            abort(404, message="小区不存在 (community not found)")
        return detail_dict(detail, clock.today())


class HouseholdFile(Schema):
    file = Upload(required=True, metadata={"description": "CSV (UTF-8 or GB18030) or XLSX; columns 楼栋, 单元, 室, 建筑面积, 业主姓名, 党员户"})


class ImportReport(Schema):
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()


@blp.route("/<int:community_id>/households/import")
class HouseholdImport(MethodView):
    # Companies keep their communities' households; other kinds get 404 before the upload is read.
    decorators = [visible_or_404(Community, "community_id"), for_kinds(TenantKind.COMPANY)]

    @blp.arguments(HouseholdFile, location="files")
    @blp.response(200, ImportReport)
    @blp.alt_response(202, schema=JobOut, description="A large file: follow the job")
    @blp.alt_response(422, description="Bad rows: errors.rows lists row, column and message; nothing was written")
    def post(self, files, community_id):
        """Import the community's households from CSV or XLSX (all rows or none)."""
        upload = files["file"]
        try:
            result = upload_households(db.session, community_id, upload.filename or "", upload.read())
        except ImportRejected as exc:
            abort(422, errors={"rows": [e.as_dict() for e in exc.errors]})
        except NotManaged as exc:
            abort(409, message=str(exc))
        if isinstance(result, JobRecord):
            response = jsonify(JobOut().dump(result))  # a ready response: smorest passes it through
            response.status_code = 202
            return response
        return result
