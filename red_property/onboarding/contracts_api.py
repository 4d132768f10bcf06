"""Management contracts through the API: the bureau records, hands over and imports
contracts; a community's contract history shows the gaps between them."""
from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from red_property.communities.models import Community, ContractSelection
from red_property.core.jobs_api import JobOut
from red_property.core.table_import import ImportRejected
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.onboarding.contracts import contract_history, hand_over, record_contract, start_contracts_import
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Contracts", __name__, url_prefix="/api/v1/register",
                description="The bureau's management contracts (物业服务合同): record, hand over, import")
SELECTIONS = [s.value for s in ContractSelection]


class RecordedContractOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    company_tenant_id = fields.Integer()
    contract_no = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    selection = fields.Function(lambda c: c.selection.value if c.selection else None, allow_none=True,
                                metadata={"enum": SELECTIONS})


class RecordedContractIn(Schema):
    company_credit_code = fields.String(required=True, validate=validate.Length(min=1, max=18),
                                        metadata={"description": "统一社会信用代码 of a company that has its tenant"})
    contract_no = fields.String(required=True, validate=validate.Length(min=1, max=50))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True, metadata={"description": "none: open-ended"})
    selection = fields.String(required=True, validate=validate.OneOf(SELECTIONS),
                              metadata={"description": "tender 招投标, agreement 协议选聘, owners_assembly 业主大会选聘"})


class ContractHistoryLineOut(Schema):
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    gap = fields.Boolean(attribute="is_gap", metadata={"description": "no contract in this period"})
    company_name = fields.String(allow_none=True)
    contract = fields.Nested(RecordedContractOut, allow_none=True)


class ContractsSheetIn(Schema):
    file = Upload(required=True, metadata={"description": "CSV or XLSX; columns 小区编号 (or 小区名称 and 地址), "
                                                          "统一社会信用代码, 合同编号, 开始日期, 结束日期, 选聘方式"})


@blp.route("/communities/<int:community_id>/contracts")
class CommunityContracts(MethodView):
    decorators = [for_kinds(TenantKind.BUREAU), visible_or_404(Community, "community_id")]

    @blp.response(200, ContractHistoryLineOut(many=True))
    def get(self, community_id):
        """The community's contracts in order, with a line for each gap between them."""
        return contract_history(db.session, community_id)

    @blp.arguments(RecordedContractIn)
    @blp.response(201, RecordedContractOut)
    def post(self, data, community_id):
        """Record a contract; one overlapping another of the community is refused (use a handover)."""
        return record_contract(db.session, db.session.get(Community, community_id), data)


@blp.route("/communities/<int:community_id>/handover")
class Handover(MethodView):
    decorators = [for_kinds(TenantKind.BUREAU), visible_or_404(Community, "community_id")]

    @blp.arguments(RecordedContractIn)
    @blp.response(201, RecordedContractOut)
    def post(self, data, community_id):
        """A new company from starts_on: the running contract ends the day before, in the same transaction."""
        return hand_over(db.session, db.session.get(Community, community_id), data)


@blp.route("/contracts/import")
class ContractsImport(MethodView):
    decorators = [for_kinds(TenantKind.BUREAU)]

    @blp.arguments(ContractsSheetIn, location="files")
    @blp.response(202, JobOut)
    @blp.alt_response(422, description="Bad rows: errors.rows lists row, column and message; nothing written")
    def post(self, files):
        """Import a contracts sheet: every row is checked first, then a job writes them all (all or nothing).

        A company must be in the directory; one without its tenant gets it (no users: invite its first
        admin from its directory entry).  The job's result counts rows, created and tenants_opened, or lists
        ``errors`` (nothing written) when its second check finds any."""
        upload = files["file"]
        try:
            record = start_contracts_import(db.session, upload.filename or "", upload.read())
        except ImportRejected as exc:
            abort(422, errors={"rows": [e.as_dict() for e in exc.errors]})
        response = jsonify(JobOut().dump(record))
        response.status_code = 202
        return response
