"""The bureau's contract pages: record a contract or a handover on the community's
register page (its contract history, gaps included, is shown there), and import
a contracts sheet."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from red_property.communities.models import SELECTION_LABELS, Community
from red_property.core.forms import submit
from red_property.core.table_import import ImportRejected
from red_property.extensions import db
from red_property.onboarding.contracts import hand_over, record_contract, start_contracts_import
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("contracts", __name__, template_folder="templates")
FIELDS = ("company_credit_code", "contract_no", "starts_on", "ends_on", "selection")


class ContractForm(FlaskForm):
    company_credit_code = StringField(_l("企业统一社会信用代码"), validators=[DataRequired(), Length(max=18)])
    contract_no = StringField(_l("合同编号"), validators=[DataRequired(), Length(max=50)])
    starts_on = DateField(_l("开始日期"), validators=[DataRequired()])
    ends_on = DateField(_l("结束日期（可空）"), validators=[Optional()])
    selection = SelectField(_l("选聘方式"), choices=[SelectChoice(s.value, label) for s, label in SELECTION_LABELS.items()])


class ContractSheetForm(FlaskForm):
    file = FileField(_l("物业服务合同表（CSV 或 XLSX）"), validators=[FileRequired(_l("请选择文件"))])


def _save(community_id: int, service):
    from red_property.onboarding.register_views import _edit_page, _own

    require_kind(TenantKind.BUREAU)
    community: Community = _own(community_id)
    form = ContractForm()

    def save():
        contract = service(db.session, community, {name: getattr(form, name).data for name in FIELDS})
        flash(_("已备案合同 %(no)s。", no=contract.contract_no), "success")
        return redirect(url_for("register.edit", community_id=community_id))

    def again(status: int):
        db.session.refresh(community)
        return _edit_page(community, None, contract_form=form, status=status)

    return submit(form, save, again, aliases={"community_id": "contract_no"})


@bp.route("/<slug:tenant_slug>/register/<int:community_id>/contracts", methods=["POST"])
@login_required
def record(community_id: int):
    """Record a contract for the community (an overlap with another is refused)."""
    return _save(community_id, record_contract)


@bp.route("/<slug:tenant_slug>/register/<int:community_id>/handover", methods=["POST"])
@login_required
def handover(community_id: int):
    """A new company from the start day: the running contract ends the day before."""
    return _save(community_id, hand_over)


@bp.route("/<slug:tenant_slug>/register/contracts/import", methods=["GET", "POST"])
@login_required
def import_sheet():
    """Import a contracts sheet: every bad row listed by row and column; a good sheet is written by a job."""
    require_kind(TenantKind.BUREAU)
    form = ContractSheetForm()
    if request.method == "GET":
        return _page(ContractSheetForm(formdata=None))
    if not form.validate_on_submit():
        return _page(form, status=400)
    upload = form.file.data
    try:
        record = start_contracts_import(db.session, upload.filename or "", upload.read())
    except ImportRejected as exc:
        return _page(form, exc.errors, status=422)
    return redirect(url_for("core.job_page", job_id=record.id))


def _page(form, errors=None, status: int = 200):
    return render_template("onboarding/contracts_import.html", form=form, errors=errors or []), status
