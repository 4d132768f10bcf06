"""The bureau's appeal inbox and the decision page: reject or uphold with a reason, choosing the
correction, after a confirmation step that says the decision is final."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DecimalField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from red_property.communities.models import Community
from red_property.core.errors import InputError
from red_property.core.forms import show_error
from red_property.extensions import db
from red_property.rating.appeals import APPEAL_STATUSES, BUREAU_METRICS, appeal_inbox, decide_appeal
from red_property.rating.models import Appeal, AppealDecision, BranchOpinion, Inspection, RatingEvent, RatingRun
from red_property.rating.presenters import result_rows
from red_property.rating.scoring import add_months
from red_property.rating.snapshot import event_kind_names
from red_property.rating.versions import latest_version, parsed
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("rating_appeals", __name__, template_folder="templates")
STATUS_NAMES = {"pending": _l("待处理"), "upheld": _l("申诉成立"), "rejected": _l("维持原评分"), "all": _l("全部")}


class DecisionForm(FlaskForm):
    outcome = RadioField(_l("处理结果"), choices=[SelectChoice("reject", _l("维持原评分（申诉不成立）")),
                                               SelectChoice("uphold", _l("申诉成立（更正后新建更正评价）"))],
                         validators=[DataRequired(message=_l("请选择维持原评分或申诉成立"))])
    reason = TextAreaField(_l("处理理由"), validators=[DataRequired(), Length(min=2, max=1000)])
    correction = SelectField(_l("更正方式（申诉成立时必选）"), choices=[], validate_choice=False)
    new_value = DecimalField(_l("更正后的数值（更正分数或替换企业记录时填写）"), places=4, validators=[Optional()])
    confirm = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.outcome.data == "uphold":
            if self.correction.data not in {c.value for c in self.correction.choices if c.value}:
                self.correction.errors = [*self.correction.errors, _("申诉成立时须选择更正方式")]
                ok = False
            elif self.correction.data.split(":")[0] in ("correct", "replace") and self.new_value.data is None:
                self.new_value.errors = [*self.new_value.errors, _("请填写更正后的数值")]
                ok = False
        return ok


@bp.route("/<slug:tenant_slug>/rating/appeals")
@login_required
def inbox():
    """Every appeal on the bureau's runs, pending first; filtered by status."""
    require_kind(TenantKind.BUREAU)
    status = request.args.get("status", "all")
    if status not in APPEAL_STATUSES:
        status = "all"
    version = latest_version(db.session)
    names = {i.id: i.name for i in parsed(version).indicators} if version else {}
    return render_template("rating/appeals.html", rows=appeal_inbox(db.session, status), status=status,
                           statuses=STATUS_NAMES, indicator_names={**names, "events": _("加减分事项")})


def _choices(appeal: Appeal, run: RatingRun, row: dict) -> tuple[list[SelectChoice], dict | None]:
    """What upholding may correct: the bureau's records behind the indicator, or the company's
    record of it in each community (two or three queries)."""
    indicator = next((i for i in row["breakdown"]["indicators"] if i["id"] == appeal.indicator_id), None)
    metric = indicator["metric"] if indicator else None
    company, choices = appeal.tenant_id, [SelectChoice("", _("（请选择）"))]
    names = dict(db.session.execute(select(Community.id, Community.name)).all())
    if appeal.indicator_id == "events":
        kinds = event_kind_names(db.session)
        for e in db.session.scalars(select(RatingEvent).where(
                RatingEvent.company_tenant_id == company, RatingEvent.occurred_on <= run.as_of,
                RatingEvent.voided_at.is_(None)).order_by(RatingEvent.occurred_on)):
            choices.append(SelectChoice(f"void:event:{e.id}", _("作废本局记录：%(what)s %(ref)s（%(on)s）",
                                                                 what=kinds.get(e.kind, e.kind), ref=e.reference,
                                                                 on=e.occurred_on)))
    elif metric == "inspection_score":
        for i in db.session.scalars(select(Inspection).where(
                Inspection.company_tenant_id == company, Inspection.voided_at.is_(None),
                Inspection.inspected_on > add_months(run.as_of, -12), Inspection.inspected_on <= run.as_of)
                .order_by(Inspection.inspected_on)):
            what = _("检查 %(on)s %(community)s %(score)s 分", on=i.inspected_on,
                     community=names.get(i.community_id, ""), score=i.score)
            choices += [SelectChoice(f"correct:inspection:{i.id}", _("更正本局记录的分数：%(what)s", what=what)),
                        SelectChoice(f"void:inspection:{i.id}", _("作废本局记录：%(what)s", what=what))]
    elif metric == "branch_opinion":
        for o in db.session.scalars(select(BranchOpinion).where(
                BranchOpinion.company_tenant_id == company, BranchOpinion.voided_at.is_(None),
                BranchOpinion.year == run.as_of.year)):
            what = _("%(year)s 年度党支部评价 %(community)s %(score)s 分", year=o.year,
                     community=names.get(o.community_id, ""), score=o.score)
            choices += [SelectChoice(f"correct:opinion:{o.id}", _("更正本局记录的分数：%(what)s", what=what)),
                        SelectChoice(f"void:opinion:{o.id}", _("作废本局记录：%(what)s", what=what))]
    elif indicator is not None and metric not in BUREAU_METRICS:
        for cid, value in indicator["communities"]:
            where = _("%(community)s（本次取值 %(value)s）", community=names.get(cid, f"#{cid}"),
                      value=value if value is not None else "—")
            choices += [SelectChoice(f"exclude:community:{cid}", _("排除企业记录：%(where)s", where=where)),
                        SelectChoice(f"replace:community:{cid}", _("以更正后的数值替换企业记录：%(where)s",
                                                                   where=where))]
    return choices, indicator


def _correction(form: DecisionForm) -> dict | None:
    if form.outcome.data != "uphold" or not form.correction.data:
        return None
    kind, what, ident = (form.correction.data.split(":") + ["", "", ""])[:3]
    value = form.new_value.data
    if kind in ("void", "correct"):
        return {"kind": kind, "record_kind": what, "record_id": int(ident) if ident.isdigit() else 0,
                "new_value": value}
    return {"kind": kind, "community_id": int(ident) if ident.isdigit() else 0, "new_value": value}


@bp.route("/<slug:tenant_slug>/rating/appeals/<int:appeal_id>", methods=["GET", "POST"])
@login_required
def appeal_page(appeal_id: int):
    """One appeal: what the company says, and the decision (two steps: choose, then confirm)."""
    require_kind(TenantKind.BUREAU)
    appeal = db.get_or_404(Appeal, appeal_id)
    run = db.get_or_404(RatingRun, appeal.run_id)
    decision = db.session.scalar(select(AppealDecision).where(AppealDecision.appeal_id == appeal.id))
    rows = result_rows(db.session, run, appeal.tenant_id)
    if not rows:
        abort(404)
    form = DecisionForm()
    form.correction.choices, indicator = _choices(appeal, run, rows[0])
    status, confirming = 200, False
    if decision is None and request.method == "POST" and current_user.can_write:
        if not form.validate_on_submit():
            status = 400
        elif form.confirm.data != "yes":
            confirming = True  # the summary and "this cannot be undone", then the same values again
        else:
            try:
                made = decide_appeal(db.session, appeal, upheld=form.outcome.data == "uphold",
                                     reason=form.reason.data, correction=_correction(form))
                if made.correction_run_id:
                    return redirect(url_for("rating.run", run_id=made.correction_run_id))
                return redirect(url_for("rating_appeals.appeal_page", appeal_id=appeal.id))
            except InputError as exc:
                db.session.rollback()
                show_error(form, exc, {"record_id": "correction", "community_id": "correction",
                                       "appeal_id": "outcome"})
                status = 422
    chosen = {c.value: c.label for c in form.correction.choices}.get(form.correction.data or "", "")
    return render_template("rating/appeal.html", appeal=appeal, run=run, row=rows[0], decision=decision,
                           form=form, confirming=confirming, chosen=chosen, indicator=indicator,
                           indicator_name=indicator["name"] if indicator else _("加减分事项")), status
