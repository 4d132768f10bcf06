"""The platform operator's tenant list: suspend (after a confirmation page) and reactivate."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from red_property.accounts.models import Role
from red_property.core.errors import InputError
from red_property.extensions import db
from red_property.tenants.access import require_kind
from red_property.tenants.models import Tenant, TenantKind
from red_property.tenants.suspension import list_tenants, reactivate_tenant, suspend_tenant

bp = Blueprint("tenants", __name__, template_folder="templates")
KIND_NAMES = {TenantKind.COMPANY: _l("物业服务企业"), TenantKind.BUREAU: _l("住建局"),
              TenantKind.COMMITTEE: _l("业主委员会"), TenantKind.PLATFORM: _l("平台运营方")}


def _platform_admin() -> None:
    require_kind(TenantKind.PLATFORM)
    if current_user.role != Role.ADMIN:
        abort(403)


def _tenant(target_id: int) -> Tenant:
    tenant = db.session.get(Tenant, target_id)
    if tenant is None:
        abort(404)
    return tenant


@bp.route("/<slug:tenant_slug>/tenants")
@login_required
def index():
    """Every tenant with its state, and the buttons to suspend or reactivate it."""
    _platform_admin()
    return render_template("tenants/index.html", tenants=list_tenants(db.session), form=FlaskForm(), kinds=KIND_NAMES)


@bp.route("/<slug:tenant_slug>/tenants/<int:target_id>/suspend", methods=["GET", "POST"])
@login_required
def suspend(target_id: int):
    """Confirm, then suspend: the tenant's users are logged out and cannot log in; its data stays."""
    _platform_admin()
    tenant = _tenant(target_id)
    form = FlaskForm()
    if request.method == "GET" or not form.validate_on_submit():  # the confirmation page
        return render_template("tenants/confirm.html", tenant=tenant, form=form), 200 if request.method == "GET" else 400
    return _apply(suspend_tenant, tenant, _("已暂停 %(name)s。", name=tenant.name))


@bp.route("/<slug:tenant_slug>/tenants/<int:target_id>/reactivate", methods=["POST"])
@login_required
def reactivate(target_id: int):
    """Let the tenant's users in again."""
    _platform_admin()
    tenant = _tenant(target_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    return _apply(reactivate_tenant, tenant, _("已恢复 %(name)s。", name=tenant.name))


def _apply(service, tenant: Tenant, done: str):
    try:
        service(db.session, tenant.id)
    except InputError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return render_template("tenants/index.html", tenants=list_tenants(db.session), form=FlaskForm(), kinds=KIND_NAMES), 422
    flash(done, "success")
    return redirect(url_for("tenants.index"))
