"""The bureau enters its rating inputs: inspections, awards and deductions, branch opinions."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from red_property.communities.models import Community, ManagementContract
from red_property.extensions import db
from red_property.core.errors import InputError
from red_property.core.forms import show_error, submit
from red_property.rating import records
from red_property.rating.models import BranchOpinion, Inspection, RatingEvent
from red_property.rating.snapshot import event_kind_names
from red_property.rating.versions import latest_version, parsed
from red_property.tenants.access import require_kind
from red_property.tenants.models import Tenant, TenantKind

bp = Blueprint("rating_inputs", __name__, template_folder="templates")
RECENT = 30


class _Target(FlaskForm):
    company_tenant_id = SelectField(_l("物业服务企业"), coerce=int)
    community_id = SelectField(_l("所在小区"), coerce=int)


class InspectionForm(_Target):
    inspected_on = DateField(_l("检查日期"), validators=[DataRequired()])
    score = DecimalField(_l("得分"), places=2, validators=[DataRequired(), NumberRange(min=0, max=100)])
    note = StringField(_l("备注"), validators=[Length(max=500)])


class OpinionForm(_Target):
    year = IntegerField(_l("年度"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    score = DecimalField(_l("评价分"), places=2, validators=[DataRequired(), NumberRange(min=0, max=100)])
    comment = StringField(_l("评价意见"), validators=[Length(max=500)])


class EventForm(_Target):
    kind = SelectField(_l("类别"))
    occurred_on = DateField(_l("发生日期"), validators=[DataRequired()])
    rectified_on = DateField(_l("整改完成日期"), validators=[Optional()])
    authority = SelectField(_l("认定部门"), choices=[SelectChoice("city", _l("市级")), SelectChoice("district", _l("区级")),
                                                  SelectChoice("street", _l("街道"))])
    reference = StringField(_l("文号 / 工单号"), validators=[DataRequired(), Length(max=100)])
    note = StringField(_l("备注"), validators=[Length(max=500)])


FORMS = {"inspection": (InspectionForm, records.add_inspection), "opinion": (OpinionForm, records.add_opinion),
         "event": (EventForm, records.add_event)}


def _choices(form: _Target) -> None:
    """Companies and communities of the register (two queries); event kinds from the current model."""
    managed = select(ManagementContract.company_tenant_id)
    companies = db.session.execute(select(Tenant.id, Tenant.name).where(Tenant.kind == TenantKind.COMPANY,
                                                                        Tenant.id.in_(managed))
                                   .order_by(Tenant.name)).all()
    form.company_tenant_id.choices = [SelectChoice(i, name) for i, name in companies]
    communities = db.session.execute(select(Community.id, Community.name).order_by(Community.name)).all()
    form.community_id.choices = [SelectChoice(i, name) for i, name in communities]
    if isinstance(form, EventForm):
        form.community_id.choices = [SelectChoice(0, _("（不限小区）"))] + form.community_id.choices
        version = latest_version(db.session)
        model = parsed(version) if version else None
        items = list(model.bonuses.values()) + list(model.deductions.values()) if model else []
        form.kind.choices = [SelectChoice(i.kind, f"{i.name}（{'+' if i.kind in model.bonuses else '-'}{i.points}）")
                             for i in items]


@bp.route("/<slug:tenant_slug>/rating/inputs", methods=["GET", "POST"])
@login_required
def inputs():
    """Enter and review the bureau's own rating inputs."""
    require_kind(TenantKind.BUREAU)
    which = request.args.get("form", "inspection")
    forms = {name: cls(prefix=name) for name, (cls, _add) in FORMS.items()}
    for form in forms.values():
        _choices(form)
    status = 200
    if request.method == "POST" and which in FORMS:
        form, add = forms[which], FORMS[which][1]
        if form.validate_on_submit():
            data = {k: v for k, v in form.data.items() if k not in ("csrf_token",)}
            if which == "event" and not data["community_id"]:
                data["community_id"] = None
            try:
                add(db.session, data)
                flash(_("已保存。"), "success")
                return redirect(url_for("rating_inputs.inputs"))
            except InputError as exc:
                db.session.rollback()
                show_error(form, exc)
                status = 422
        status = status if status == 422 else 400
    recent = {
        "inspections": db.session.execute(select(Inspection, Tenant.name, Community.name)
                                          .join(Tenant, Tenant.id == Inspection.company_tenant_id)
                                          .join(Community, Community.id == Inspection.community_id)
                                          .order_by(Inspection.id.desc()).limit(RECENT)).all(),
        "opinions": db.session.execute(select(BranchOpinion, Tenant.name, Community.name)
                                       .join(Tenant, Tenant.id == BranchOpinion.company_tenant_id)
                                       .join(Community, Community.id == BranchOpinion.community_id)
                                       .order_by(BranchOpinion.id.desc()).limit(RECENT)).all(),
        "events": db.session.execute(select(RatingEvent, Tenant.name)
                                     .join(Tenant, Tenant.id == RatingEvent.company_tenant_id)
                                     .order_by(RatingEvent.id.desc()).limit(RECENT)).all(),
    }
    return render_template("rating/inputs.html", forms=forms, recent=recent,
                           kind_names=event_kind_names(db.session)), status


class _Reason(FlaskForm):
    reason = TextAreaField(_l("更正原因"), validators=[DataRequired(), Length(min=2, max=500)])


class InspectionCorrection(_Reason):
    inspected_on = InspectionForm.inspected_on
    score = InspectionForm.score
    note = InspectionForm.note


class OpinionCorrection(_Reason):
    year = OpinionForm.year
    score = OpinionForm.score
    comment = OpinionForm.comment


class EventCorrection(_Reason):
    occurred_on = EventForm.occurred_on
    rectified_on = EventForm.rectified_on
    authority = EventForm.authority
    reference = EventForm.reference
    note = EventForm.note


class VoidForm(FlaskForm):
    void_reason = TextAreaField(_l("作废原因"), validators=[DataRequired(), Length(min=2, max=500)])


CORRECTIONS = {"inspection": InspectionCorrection, "opinion": OpinionCorrection, "event": EventCorrection}


@bp.route("/<slug:tenant_slug>/rating/inputs/<any(inspection, opinion, event):kind>/<int:input_id>",
          methods=["GET", "POST"])
@login_required
def record(kind: str, input_id: int):
    """Correct one of the bureau's records (with a reason) or void it (with a reason)."""
    require_kind(TenantKind.BUREAU)
    try:
        row = records.get_record(db.session, kind, input_id)
    except InputError:
        abort(404)
    fields = records.EDITABLE[kind]
    correct = CORRECTIONS[kind](prefix="c", data={f: getattr(row, f) for f in fields})
    void = VoidForm(prefix="v")
    action = request.args.get("action", "correct")
    target = url_for("rating_inputs.record", kind=kind, input_id=input_id)

    def rerender(status: int):
        return render_template("rating/record.html", kind=kind, row=row, correct=correct, void=void,
                               kind_names=event_kind_names(db.session)), status

    if request.method == "GET" or row.voided_at is not None:
        return rerender(200)
    if action == "void":
        def save_void():
            records.void_record(db.session, kind, input_id, void.void_reason.data)
            flash(_("已作废：该记录保留在列表中，不再计入评价。"), "success")
            return redirect(target)
        return submit(void, save_void, rerender, aliases={"reason": "void_reason"})

    def save_correction():
        records.correct_record(db.session, kind, input_id, {f: correct[f].data for f in fields}, correct.reason.data)
        flash(_("已更正，原值保留在审计记录中。"), "success")
        return redirect(target)
    return submit(correct, save_correction, rerender, aliases={"record_id": "reason"})
