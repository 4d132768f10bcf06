"""The bureau's register pages: add a community, import the register (a job),
correct an entry with its history, retire it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from red_property.accounts.models import User
from red_property.communities.models import SELECTION_LABELS, Community
from red_property.core.audit import AuditEntry
from red_property.core.forms import submit
from red_property.core.job_links import import_done, links_for
from red_property.core.table_import import ImportRejected
from red_property.extensions import db
from red_property.onboarding.committees import committee_terms
from red_property.onboarding.contracts import contract_history
from red_property.onboarding.register import (create_community, retire_community, start_register_import,
                                              update_community)
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("register", __name__, template_folder="templates")
FIELDS = ("name", "address", "district", "street", "neighbourhood", "household_count", "floor_area", "year_built")


class CommunityForm(FlaskForm):
    # Numbers as text: the service checks them and names the field (a 422 beside it).
    name = StringField(_l("小区名称"), validators=[DataRequired(), Length(max=100)])
    address = StringField(_l("地址"), validators=[DataRequired(), Length(max=200)])
    district = StringField(_l("区"), validators=[DataRequired(), Length(max=50)])
    street = StringField(_l("街道"), validators=[DataRequired(), Length(max=50)])
    neighbourhood = StringField(_l("社区"), validators=[DataRequired(), Length(max=50)])
    household_count = StringField(_l("户数"), validators=[Optional(), Length(max=10)])
    floor_area = StringField(_l("建筑面积（㎡）"), validators=[Optional(), Length(max=20)])
    year_built = StringField(_l("建成年份"), validators=[Optional(), Length(max=4)])


class RegisterSheetForm(FlaskForm):
    file = FileField(_l("小区登记簿（CSV 或 XLSX）"), validators=[FileRequired(_l("请选择文件"))])


class RetireForm(FlaskForm):
    retired_on = DateField(_l("撤销日期"), validators=[Optional()])


def _values(form) -> dict:
    return {name: getattr(form, name).data for name in FIELDS}


@bp.route("/<slug:tenant_slug>/register/new", methods=["GET", "POST"])
@login_required
def new():
    """Add a community to the register, or import the whole register."""
    require_kind(TenantKind.BUREAU)
    form = CommunityForm()
    if request.method == "GET":
        return _new_page(form)

    def save():
        community = create_community(db.session, _values(form))
        flash(_("已登记 %(name)s。", name=community.name), "success")
        return redirect(url_for("register.edit", community_id=community.id))

    return submit(form, save, lambda status: _new_page(form, status=status))


def _new_page(form, sheet=None, errors=None, status: int = 200):
    return render_template("onboarding/register_new.html", form=form,
                           sheet=sheet or RegisterSheetForm(formdata=None), errors=errors or []), status


@bp.route("/<slug:tenant_slug>/register/import", methods=["POST"])
@login_required
def import_sheet():
    """Check the sheet now (bad rows listed, nothing written), then write it in a job with progress."""
    require_kind(TenantKind.BUREAU)
    sheet = RegisterSheetForm()
    if not sheet.validate_on_submit():
        return _new_page(CommunityForm(formdata=None), sheet, status=400)
    upload = sheet.file.data
    try:
        record = start_register_import(db.session, upload.filename or "", upload.read())
    except ImportRejected as exc:
        return _new_page(CommunityForm(formdata=None), sheet, exc.errors, status=422)
    return redirect(url_for("core.job_page", job_id=record.id))


@bp.route("/<slug:tenant_slug>/register/<int:community_id>", methods=["GET", "POST"])
@login_required
def edit(community_id: int):
    """Correct a register entry; its history is the audit log's."""
    require_kind(TenantKind.BUREAU)
    community = _own(community_id)
    if request.method == "GET":
        return _edit_page(community, CommunityForm(obj=community))
    form = CommunityForm()

    def save():
        update_community(db.session, community, _values(form))
        flash(_("已保存。"), "success")
        return redirect(url_for("register.edit", community_id=community_id))

    return submit(form, save, lambda status: _edit_page(community, form, status=status))


@bp.route("/<slug:tenant_slug>/register/<int:community_id>/retire", methods=["POST"])
@login_required
def retire(community_id: int):
    """Take a community off the register (it stays, marked retired)."""
    require_kind(TenantKind.BUREAU)
    community = _own(community_id)
    form = RetireForm()

    def save():
        retire_community(db.session, community, form.retired_on.data)
        flash(_("已撤销 %(name)s。", name=community.name), "success")
        return redirect(url_for("register.edit", community_id=community_id))

    def again(status: int):
        db.session.refresh(community)
        return _edit_page(community, CommunityForm(obj=community, formdata=None), form, status)

    return submit(form, save, again)


def _own(community_id: int) -> Community:
    """A community of this bureau's register (the bureau owns it: not merely visible)."""
    community = db.session.get(Community, community_id)
    if community is None:
        abort(404)
    return community


def _edit_page(community: Community, form, retire_form=None, status: int = 200, contract_form=None,
               committee_form=None):
    from red_property.onboarding.committee_views import CommitteeForm
    from red_property.onboarding.contract_views import ContractForm

    form = form if form is not None else CommunityForm(obj=community, formdata=None)
    history = db.session.execute(
        select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.entity == "community", AuditEntry.entity_id == community.id)
        .order_by(AuditEntry.id.desc()).limit(100)).all()
    return render_template("onboarding/register_edit.html", community=community, form=form,
                           retire_form=retire_form or RetireForm(formdata=None), history=history,
                           contracts=contract_history(db.session, community.id), selections=SELECTION_LABELS,
                           contract_form=contract_form or ContractForm(formdata=None),
                           committees=committee_terms(db.session, community.id),
                           committee_form=committee_form or CommitteeForm(formdata=None)), status


@links_for("onboarding.import_register")
@links_for("onboarding.import_contracts")
def _job_made_register(record) -> list[tuple[str, str]]:
    """A register or contracts import links to the register it filled (which shows who manages each)."""
    return [(_("小区名册"), url_for("communities.index"))] if import_done(record) else []
