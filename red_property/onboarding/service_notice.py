"""The bureau's "no longer served here" notice for a suspended company.

Suspending a tenant is the platform operator's act and says nothing to the public:
a company may be suspended for an unpaid invoice while it still manages its
communities.  Only the bureau, which keeps the register, may tell residents that a
company no longer serves their community; it does so per company, from the
company's directory page, and only while the company's tenant is suspended.  The
public community page shows the notice while both hold (``public.services``).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import BooleanField

from red_property.core.audit import record_event
from red_property.core.errors import InputError
from red_property.extensions import db
from red_property.onboarding.models import Company
from red_property.tenants.access import require_kind
from red_property.tenants.models import Tenant, TenantKind

bp = Blueprint("service_notice", __name__)


def set_not_served_notice(session: Session, company: Company, shown: bool) -> Company:
    """Show (or withdraw) the notice on the public pages of the company's communities (commits; audited).

    Showing it needs the company's tenant to be suspended; withdrawing is always allowed.
    """
    if shown:
        tenant = session.get(Tenant, company.company_tenant_id) if company.company_tenant_id else None
        if tenant is None or tenant.suspended_at is None:
            raise InputError("not_served_notice", "只能为已被暂停的企业公告 (only for a suspended company)")
    if company.not_served_notice != shown:
        company.not_served_notice = shown  # the row change is audited with before and after
        record_event(session, action="not_served_notice_shown" if shown else "not_served_notice_withdrawn",
                     entity="company", entity_id=company.id, after={"company_tenant_id": company.company_tenant_id})
    session.commit()
    return company


def render_notice_error(company: Company, message: str, page):
    """The company page again, 422, with the refusal beside the notice form."""
    from flask import g

    g.not_served_notice_error = message
    return page()


class NoticeForm(FlaskForm):
    not_served_notice = BooleanField()


@bp.route("/<slug:tenant_slug>/companies/<int:company_id>/not-served-notice", methods=["POST"])
@login_required
def update(company_id: int):
    """Show or withdraw the "no longer served here" notice for a suspended company."""
    require_kind(TenantKind.BUREAU)
    if not current_user.can_write:
        abort(403)
    company = db.session.get(Company, company_id)
    if company is None:
        abort(404)
    form = NoticeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        set_not_served_notice(db.session, company, form.not_served_notice.data)
    except InputError as exc:
        from red_property.onboarding.directory_views import CompanyForm, TenantForm, _show_page

        db.session.rollback()
        db.session.refresh(company)
        return render_notice_error(company, str(exc), lambda: _show_page(
            company, CompanyForm(obj=company, formdata=None), TenantForm(formdata=None), 422))
    flash(_("已公告：该企业不再为其小区提供服务。") if form.not_served_notice.data else _("已撤回公告。"), "success")
    return redirect(url_for("directory.show", company_id=company_id))
