"""The bureau's company directory pages: list, register, correct, import, and
create a company's tenant (whose first admin gets the invitation letter)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from red_property.core.forms import submit
from red_property.core.job_links import import_done, links_for
from red_property.core.table_import import ImportRejected
from red_property.core.urls import query_int
from red_property.extensions import db
from red_property.onboarding.directory import (create_company_tenant, list_companies, register_company,
                                               start_directory_import, update_company)
from red_property.onboarding.invitation_views import letter
from red_property.onboarding.models import Company
from red_property.onboarding.provisioning import has_users
from red_property.tenants.access import require_kind
from red_property.tenants.models import Tenant, TenantKind

bp = Blueprint("directory", __name__, template_folder="templates")
PER_PAGE = 50


class CompanyForm(FlaskForm):
    credit_code = StringField(_l("统一社会信用代码"), validators=[DataRequired(), Length(max=18)])
    name = StringField(_l("企业名称"), validators=[DataRequired(), Length(max=200)])
    legal_representative = StringField(_l("法定代表人"), validators=[DataRequired(), Length(max=50)])
    contact_name = StringField(_l("联系人"), validators=[DataRequired(), Length(max=50)])
    contact_phone = StringField(_l("联系电话"), validators=[DataRequired(), Length(max=30)])
    contact_email = EmailField(_l("联系邮箱"), validators=[Optional(), Length(max=254)])


class SheetForm(FlaskForm):
    file = FileField(_l("企业名录（CSV 或 XLSX）"), validators=[FileRequired(_l("请选择文件"))])


class TenantForm(FlaskForm):
    admin_email = EmailField(_l("首位管理员邮箱"), validators=[DataRequired(), Email(), Length(max=254)])
    admin_name = StringField(_l("首位管理员姓名"), validators=[DataRequired(), Length(max=100)])
    slug = StringField(_l("网址名（可不填）"), validators=[Optional(), Length(max=63)])


def _values(form: CompanyForm) -> dict:
    return {name: getattr(form, name).data for name in
            ("credit_code", "name", "legal_representative", "contact_name", "contact_phone", "contact_email")}


@bp.route("/<slug:tenant_slug>/companies", methods=["GET", "POST"])
@login_required
def index():
    """The directory; the bureau registers a company here."""
    require_kind(TenantKind.BUREAU)
    form = CompanyForm()
    if request.method == "GET":
        return _index_page(form=form)

    def save():
        company = register_company(db.session, _values(form))
        flash(_("已登记 %(name)s。", name=company.name), "success")
        return redirect(url_for("directory.show", company_id=company.id))

    return submit(form, save, lambda status: _index_page(form=form, status=status))


def _index_page(*, form: CompanyForm | None = None, sheet: SheetForm | None = None, errors=None, status: int = 200):
    q = (request.args.get("q") or "").strip()[:100] or None
    page = query_int("page", 1, maximum=1_000_000)
    result = list_companies(db.session, q=q, page=page, per_page=PER_PAGE)
    return render_template("onboarding/companies.html", result=result, form=form or CompanyForm(formdata=None),
                           sheet=sheet or SheetForm(formdata=None), errors=errors or [], q=q or "", page=page,
                           pages=max(1, -(-result.total // PER_PAGE))), status


@bp.route("/<slug:tenant_slug>/companies/import", methods=["POST"])
@login_required
def import_sheet():
    """Import the directory from a sheet: checked now (bad rows listed), then written by a job, every row or none."""
    require_kind(TenantKind.BUREAU)
    sheet = SheetForm()
    if not sheet.validate_on_submit():
        return _index_page(sheet=sheet, status=400)
    upload = sheet.file.data
    try:
        record = start_directory_import(db.session, upload.filename or "", upload.read())
    except ImportRejected as exc:
        return _index_page(sheet=sheet, errors=exc.errors, status=422)
    return redirect(url_for("core.job_page", job_id=record.id))


@bp.route("/<slug:tenant_slug>/companies/<int:company_id>", methods=["GET", "POST"])
@login_required
def show(company_id: int):
    """One directory entry: correct it; create the company's tenant."""
    require_kind(TenantKind.BUREAU)
    company = db.get_or_404(Company, company_id)
    if request.method == "GET":
        return _show_page(company, CompanyForm(obj=company), TenantForm(formdata=None), 200)
    form = CompanyForm()

    def save():
        update_company(db.session, company, _values(form))
        flash(_("已保存。"), "success")
        return redirect(url_for("directory.show", company_id=company_id))

    return submit(form, save, lambda status: _show_page(company, form, TenantForm(formdata=None), status))


def _show_page(company: Company, form, tenant_form, status: int):
    tenant = db.session.get(Tenant, company.company_tenant_id) if company.company_tenant_id else None
    return render_template("onboarding/company.html", company=company, form=form, tenant_form=tenant_form,
                           tenant=tenant, awaiting_admin=tenant is not None and not has_users(tenant.id)), status


@bp.route("/<slug:tenant_slug>/companies/<int:company_id>/tenant", methods=["POST"])
@login_required
def create_tenant(company_id: int):
    """Invite the company's admin (creating its tenant first if it has none) and show the
    invitation letter (once)."""
    require_kind(TenantKind.BUREAU)
    company = db.session.get(Company, company_id)
    if company is None:
        abort(404)
    tenant_form = TenantForm()

    def save():
        _, issued = create_company_tenant(db.session, company, admin_email=tenant_form.admin_email.data,
                                          admin_name=tenant_form.admin_name.data, slug=tenant_form.slug.data)
        return letter(issued, back=url_for("directory.show", company_id=company_id))

    def again(status: int):
        db.session.refresh(company)  # the failed attempt rolled back: read the entry again
        return _show_page(company, CompanyForm(obj=company, formdata=None), tenant_form, status)

    return submit(tenant_form, save, again, aliases={"company_id": "admin_email"})


@links_for("onboarding.import_directory")
def _job_made_directory(record) -> list[tuple[str, str]]:
    """A directory import links to the directory."""
    return [(_("企业名录"), url_for("directory.index"))] if import_done(record) else []
