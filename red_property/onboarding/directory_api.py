"""The company directory through the API: ``/api/v1/companies`` (the bureau's)."""
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from red_property.core.schemas import PageArgs, page_schema
from red_property.core.table_import import ImportRejected, read_table
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.onboarding.directory import (check_company_rows, create_company_tenant, import_companies,
                                               list_companies, register_company, update_company)
from red_property.onboarding.directory_views import MAX_BYTES
from red_property.onboarding.models import Company
from red_property.onboarding.schemas import InvitationOut
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Companies", __name__, url_prefix="/api/v1/companies",
                description="物业服务企业名录: the bureau's company directory")


class CompanyOut(Schema):
    id = fields.Integer()
    credit_code = fields.String()
    name = fields.String()
    legal_representative = fields.String()
    contact_name = fields.String()
    contact_phone = fields.String()
    contact_email = fields.String(allow_none=True)
    company_tenant_id = fields.Integer(allow_none=True)


class CompanyIn(Schema):
    credit_code = fields.String(required=True, validate=validate.Length(min=1, max=18),
                                metadata={"description": "统一社会信用代码 (GB 32100-2015, check character verified)"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    legal_representative = fields.String(required=True, validate=validate.Length(min=1, max=50))
    contact_name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    contact_phone = fields.String(required=True, validate=validate.Length(min=1, max=30))
    contact_email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))


class CompanyListArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=100))


class CompanyTenantIn(Schema):
    admin_email = fields.Email(required=True, validate=validate.Length(max=254))
    admin_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    slug = fields.String(validate=validate.Length(max=63), metadata={"description": "default: co-<credit code>"})


class CompanyTenantOut(Schema):
    tenant_id = fields.Integer(required=True)
    invitation = fields.Nested(InvitationOut, required=True)


class CompanySheetIn(Schema):
    file = Upload(required=True, metadata={"description": "CSV or XLSX; columns 统一社会信用代码, 企业名称, 法定代表人, "
                                                          "联系人, 联系电话, 联系邮箱"})


class CompanyImportOut(Schema):
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()


CompanyPageOut = page_schema(CompanyOut, "CompanyPage")


@blp.route("")
class Companies(MethodView):
    decorators = [for_kinds(TenantKind.BUREAU, TenantKind.COMPANY)]

    @blp.arguments(CompanyListArgs, location="query")
    @blp.response(200, CompanyPageOut)
    def get(self, args):
        """The directory (the bureau), or a company's own entry."""
        result = list_companies(db.session, **args)
        return {"items": result.items, "page": result.page, "per_page": result.per_page, "total": result.total}

    @for_kinds(TenantKind.BUREAU)  # outermost: a company gets 404 before its body is parsed
    @blp.arguments(CompanyIn)
    @blp.response(201, CompanyOut)
    def post(self, data):
        """Register a company (the bureau)."""
        return register_company(db.session, data)


@blp.route("/<int:company_id>")
class CompanyResource(MethodView):
    decorators = [for_kinds(TenantKind.BUREAU, TenantKind.COMPANY), visible_or_404(Company, "company_id")]

    @blp.response(200, CompanyOut)
    def get(self, company_id):
        """One directory entry."""
        return db.session.get(Company, company_id)

    @for_kinds(TenantKind.BUREAU)
    @blp.arguments(CompanyIn)
    @blp.response(200, CompanyOut)
    def put(self, data, company_id):
        """Correct a directory entry (the bureau; the audit log keeps the old values)."""
        return update_company(db.session, db.session.get(Company, company_id), data)


@blp.route("/<int:company_id>/tenant")
class CompanyTenant(MethodView):
    decorators = [for_kinds(TenantKind.BUREAU), visible_or_404(Company, "company_id")]

    @blp.arguments(CompanyTenantIn)
    @blp.response(201, CompanyTenantOut)
    def post(self, data, company_id):
        """Invite an admin of the company, creating its tenant first if it has none (the
        link is in the answer, once).  A company has one tenant: a second call invites
        another admin into it."""
        tenant_id, issued = create_company_tenant(db.session, db.session.get(Company, company_id),
                                                  admin_email=data["admin_email"], admin_name=data["admin_name"],
                                                  slug=data.get("slug"))
        return {"tenant_id": tenant_id, "invitation": issued}


@blp.route("/import")
class CompanyImport(MethodView):
    decorators = [for_kinds(TenantKind.BUREAU)]

    @blp.arguments(CompanySheetIn, location="files")
    @blp.response(200, CompanyImportOut)
    @blp.alt_response(422, description="Bad rows: errors.rows lists row, column and message; nothing was written")
    def post(self, files):
        """Import the directory from CSV or XLSX (every row or none; known codes are updated)."""
        upload = files["file"]
        try:
            rows = check_company_rows(read_table(upload.filename or "", upload.read(), max_bytes=MAX_BYTES))
        except ImportRejected as exc:
            abort(422, errors={"rows": [e.as_dict() for e in exc.errors]})
        return import_companies(db.session, rows)

