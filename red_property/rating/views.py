"""Rating pages: the bureau's runs and league tables; a company's own published results."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp

from red_property.core import clock
from red_property.core.charts import bar_chart, line_chart
from red_property.core.pdf import pdf_response
from red_property.core.tabular import csv_response, xlsx_response
from red_property.core.files import send_named_file
from red_property.extensions import db
from red_property.core.errors import InputError
from red_property.core.forms import show_error, uploaded
from red_property.rating.evidence import indicator_evidence
from red_property.rating.appeals import appeals_of_run, attachment_path, decide_appeal, file_appeal, pending_appeals
from red_property.rating.model import ModelError
from red_property.rating.models import Appeal, RatingRun
from red_property.rating.presenters import (UNPUBLISHED, company_trend, grade_distribution, has_missing, metric_value,
                                            rank_band, result_rows)
from red_property.rating.runs import RunError, correct_run, publish_run, rerun, start_run, sync_run_status
from red_property.rating.versions import latest_version, parsed, save_version
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("rating", __name__, template_folder="templates")
bp.add_app_template_filter(metric_value, "metric_value")
BUREAU, COMPANY = TenantKind.BUREAU, TenantKind.COMPANY
RUN_STATUSES = {"queued": _l("排队中"), "running": _l("计算中"), "ready": _l("待发布"), "failed": _l("计算失败")}


class RunForm(FlaskForm):
    period = StringField(_l("评价期间"), validators=[DataRequired(), Regexp(r"^\d{4}(-(Q[1-4]|H[12]))?$",
                                                                          message=_l("格式如 2026 或 2026-Q3"))])
    as_of = DateField(_l("截止日期"), validators=[DataRequired()])


class CorrectionForm(FlaskForm):
    reason = StringField(_l("更正原因"), validators=[DataRequired(), Length(min=2, max=500)])


class AppealForm(FlaskForm):
    indicator_id = SelectField(_l("申诉的指标"), choices=[])
    explanation = TextAreaField(_l("申诉理由"), validators=[DataRequired(), Length(min=10, max=5000)])
    attachment = FileField(_l("证明材料（PDF、PNG 或 JPEG，不超过 10 MB）"))


class DecisionForm(FlaskForm):
    upheld = BooleanField(_l("申诉成立（将新建更正评价）"))
    reason = StringField(_l("处理理由"), validators=[DataRequired(), Length(min=2, max=1000)])


class ModelForm(FlaskForm):
    source = TextAreaField(_l("模型定义 (TOML)"), validators=[DataRequired(), Length(max=200_000)])
    note = StringField(_l("修改说明"), validators=[Length(max=500)])


def _run(run_id: int) -> RatingRun:
    return db.get_or_404(RatingRun, run_id)


@bp.route("/<slug:tenant_slug>/rating", methods=["GET", "POST"])
@login_required
def index():
    """The bureau: runs and a form to start one.  A company: its own published results."""
    kind = require_kind(BUREAU, COMPANY)
    if kind == COMPANY:
        return _company_page()
    form = RunForm(period=str(clock.today().year), as_of=clock.today())
    status = 200
    if form.validate_on_submit():
        try:
            run = start_run(db.session, period=form.period.data, as_of=form.as_of.data)
            return redirect(url_for("rating.run", run_id=run.id))
        except RunError as exc:
            flash(str(exc), "error")
        except InputError as exc:
            db.session.rollback()
            show_error(form, exc)
    if form.is_submitted():
        status = 400
    listed = select(RatingRun).order_by(RatingRun.id.desc()).limit(50)
    unpublished = request.args.get("show") == "unpublished"
    if unpublished:   # the home page's task: runs computed and waiting to be checked and published
        listed = listed.where(*UNPUBLISHED)
    runs = [sync_run_status(db.session, run) if run.status in ("queued", "running") else run
            for run in db.session.scalars(listed).all()]
    return render_template("rating/bureau_index.html", form=form, runs=runs, version=latest_version(db.session),
                           run_statuses=RUN_STATUSES, unpublished=unpublished,
                           pending=pending_appeals(db.session)), status


def _company_page():
    from red_property.rating.snapshot import input_snapshot

    trend = company_trend(db.session, current_user.tenant_id)
    latest = trend[-1] if trend else None
    chart = line_chart([(run.period, float(result.score) if result.score is not None else None)
                        for run, result in trend], title=_("历年信用评价得分"), high=100) if trend else None
    return render_template("rating/company_index.html", trend=trend, latest=latest, chart=chart,
                           snapshot=input_snapshot(db.session, clock.today()), pending=pending_appeals(db.session),
                           band=_(rank_band(latest[1].rank, latest[0].rated_companies)) if latest else "—")


@bp.route("/<slug:tenant_slug>/rating/runs/<int:run_id>", methods=["GET", "POST"])
@login_required
def run(run_id: int):
    """A run's league table, grade distribution, publication and correction (the bureau)."""
    require_kind(BUREAU)
    rating_run = sync_run_status(db.session, _run(run_id))
    correction = CorrectionForm()
    if correction.validate_on_submit():
        try:
            new = correct_run(db.session, rating_run, correction.reason.data)
            return redirect(url_for("rating.run", run_id=new.id))
        except RunError as exc:
            flash(str(exc), "error")
    rows = result_rows(db.session, rating_run)
    missing_only = request.args.get("missing") == "1"   # the home page's task: companies missing data
    from red_property.rating.models import ModelVersion

    model = parsed(db.session.get(ModelVersion, rating_run.model_version_id))
    distribution = grade_distribution(rows, [b.grade for b in model.bands] + [model.missing_records_grade])
    chart = bar_chart([(g, n) for g, n in distribution], title=_("等级分布"), unit=_(" 家"))
    names = {r["company_tenant_id"]: r["company_name"] for r in rows}
    appeals = [(a, d, names.get(a.tenant_id, ""), DecisionForm(prefix=f"a{a.id}"))
               for a, d in appeals_of_run(db.session, rating_run)]
    return render_template("rating/run.html", run=rating_run, rows=[r for r in rows if has_missing(r)] if missing_only
                           else rows, chart=chart, correction=correction, model=model, appeals=appeals,
                           missing_only=missing_only,
                           indicator_names=_indicator_names((i.id, i.name) for i in model.indicators))


@bp.route("/<slug:tenant_slug>/rating/runs/<int:run_id>/publish", methods=["POST"])
@login_required
def publish(run_id: int):
    require_kind(BUREAU)
    try:
        publish_run(db.session, _run(run_id))
        flash(_("已发布。发布后的评价结果不可修改，如需更正请新建更正评价。"), "success")
    except RunError as exc:
        flash(str(exc), "error")
    return redirect(url_for("rating.run", run_id=run_id))


@bp.route("/<slug:tenant_slug>/rating/runs/<int:run_id>/rerun", methods=["POST"])
@login_required
def rerun_failed(run_id: int):
    """Run a failed draft again (its job died or failed)."""
    require_kind(BUREAU)
    try:
        rerun(db.session, _run(run_id))
    except RunError as exc:
        flash(str(exc), "error")
    return redirect(url_for("rating.run", run_id=run_id))


@bp.route("/<slug:tenant_slug>/rating/runs/<int:run_id>/companies/<int:company_id>")
@login_required
def company_result(run_id: int, company_id: int):
    """One company's breakdown in a run, with its trend (the bureau, or the company itself)."""
    kind, rating_run, row, chart = _company_view(run_id, company_id)
    appeals = [(a, d) for a, d in appeals_of_run(db.session, rating_run) if a.tenant_id == company_id]
    form = _appeal_form(row) if kind == COMPANY else None
    return render_template("rating/company_result.html", run=rating_run, row=row, chart=chart, appeals=appeals,
                           form=form, band=_(rank_band(row["rank"], rating_run.rated_companies)),
                           indicator_names=_indicator_names((i["id"], i["name"])
                                                            for i in row["breakdown"]["indicators"]))


def _company_view(run_id: int, company_id: int):
    """(kind, run, the company's result row, its trend chart) for the bureau or the company itself."""
    kind = require_kind(BUREAU, COMPANY)
    if kind == COMPANY and company_id != current_user.tenant_id:
        abort(404)
    rating_run = _run(run_id)
    rows = result_rows(db.session, rating_run, company_id)
    if not rows:
        abort(404)
    trend = company_trend(db.session, company_id)
    chart = line_chart([(r.period, float(x.score) if x.score is not None else None) for r, x in trend],
                       title=_("历年信用评价得分"), high=100) if trend else None
    return kind, rating_run, rows[0], chart


@bp.route("/<slug:tenant_slug>/rating/runs/<int:run_id>/companies/<int:company_id>/evidence/<metric>")
@login_required
def evidence(run_id: int, company_id: int, metric: str):
    """The records behind one indicator: each community's value and what it was measured from."""
    kind, rating_run, row, _chart = _company_view(run_id, company_id)
    indicator = next((i for i in row["breakdown"]["indicators"] if i["metric"] == metric), None)
    if indicator is None:
        abort(404)
    run_info = {"id": rating_run.id, "period": rating_run.period, "as_of": rating_run.as_of}
    items = indicator_evidence(db.session, rating_run, row["breakdown"], company_id, metric,
                               is_bureau=kind == BUREAU)  # the bureau's read ends this transaction
    return render_template("rating/evidence.html", run=run_info, row=row, indicator=indicator, items=items)


def _indicator_names(pairs) -> dict:
    """What an appeal's ``indicator_id`` is called (the same choices as the appeal form offers)."""
    return {**dict(pairs), "events": _("加减分事项")}


def _appeal_form(row: dict) -> AppealForm:
    form = AppealForm()
    form.indicator_id.choices = ([SelectChoice(i["id"], i["name"]) for i in row["breakdown"]["indicators"]]
                                 + [SelectChoice("events", _("加减分事项"))])
    return form


@bp.route("/<slug:tenant_slug>/rating/runs/<int:run_id>/appeals", methods=["POST"])
@login_required
def appeal(run_id: int):
    """A company appeals one indicator of its published result."""
    require_kind(COMPANY)
    rating_run = _run(run_id)
    rows = result_rows(db.session, rating_run, current_user.tenant_id)
    if not rows:
        abort(404)
    form = _appeal_form(rows[0])
    target = url_for("rating.company_result", run_id=run_id, company_id=current_user.tenant_id)
    if not form.validate_on_submit():
        flash(_("申诉理由至少 10 个字。"), "error")
        return redirect(target)
    try:
        file_appeal(db.session, rating_run, indicator_id=form.indicator_id.data, explanation=form.explanation.data,
                    upload=uploaded(form.attachment))
        flash(_("申诉已提交，主管部门将在处理后告知结果。"), "success")
    except InputError as exc:
        flash(str(exc), "error")
    return redirect(target)


@bp.route("/<slug:tenant_slug>/rating/appeals/<int:appeal_id>/decide", methods=["POST"])
@login_required
def decide(appeal_id: int):
    """The bureau upholds or rejects an appeal."""
    require_kind(BUREAU)
    appeal_row = db.get_or_404(Appeal, appeal_id)
    form = DecisionForm(prefix=f"a{appeal_id}")
    if form.validate_on_submit():
        try:
            decision = decide_appeal(db.session, appeal_row, upheld=form.upheld.data, reason=form.reason.data)
            if decision.correction_run_id:
                return redirect(url_for("rating.run", run_id=decision.correction_run_id))
        except InputError as exc:
            flash(str(exc), "error")
    else:
        flash(_("请写明处理理由。"), "error")
    return redirect(url_for("rating.run", run_id=appeal_row.run_id))


@bp.route("/<slug:tenant_slug>/rating/appeals/<int:appeal_id>/attachment")
@login_required
def appeal_attachment(appeal_id: int):
    """An appeal's evidence, for the company that filed it and the bureau that rated it."""
    require_kind(BUREAU, COMPANY)
    appeal_row = db.session.get(Appeal, appeal_id)
    path = attachment_path(appeal_row) if appeal_row else None
    if path is None or not path.exists():
        abort(404)
    return send_named_file(path, appeal_row.attachment_name or path.name, as_attachment=True)


@bp.route("/<slug:tenant_slug>/rating/runs/<int:run_id>/companies/<int:company_id>/report.pdf")
@login_required
def report(run_id: int, company_id: int):
    """A company's rating report as PDF (Chinese), for the bureau or the company itself."""
    kind, rating_run, row, chart = _company_view(run_id, company_id)
    html = render_template("rating/report.html", run=rating_run, row=row, chart=chart,
                           band=rank_band(row["rank"], rating_run.rated_companies),
                           model_name=_model_name(rating_run, kind))
    return pdf_response(html, f"信用评价报告-{row['company_name']}-{rating_run.period}.pdf")


def _model_name(rating_run: RatingRun, kind: TenantKind) -> str:
    if kind != BUREAU:
        return "住建局信用评价办法"  # companies do not read the bureau's model document
    from red_property.rating.models import ModelVersion

    return db.session.get(ModelVersion, rating_run.model_version_id).name


@bp.route("/<slug:tenant_slug>/rating/runs/<int:run_id>/export.<any(csv, xlsx):fmt>")
@login_required
def export(run_id: int, fmt: str):
    """The league table as CSV or XLSX (the bureau)."""
    require_kind(BUREAU)
    rating_run = _run(run_id)
    header = [_("名次"), _("物业服务企业"), _("得分"), _("等级")]
    rows = [[r["rank"], r["company_name"], r["score"], r["grade"]] for r in result_rows(db.session, rating_run)]
    name = f"rating-{rating_run.period}-run{rating_run.id}.{fmt}"
    return csv_response(name, header, rows) if fmt == "csv" else xlsx_response(name, header, rows, _("信用评价"))


@bp.route("/<slug:tenant_slug>/rating/model", methods=["GET", "POST"])
@login_required
def model():
    """View and edit the rating model; saving makes a new version."""
    require_kind(BUREAU)
    version = latest_version(db.session)
    form = ModelForm(source=version.source if version else "")
    issues, status = [], 200
    if form.validate_on_submit():
        try:
            saved = save_version(db.session, form.source.data, form.note.data or "")
            flash(_("已保存为第 %(n)s 版。", n=saved.version), "success")
            return redirect(url_for("rating.model"))
        except ModelError as exc:
            issues, status = exc.issues, 422
    elif form.is_submitted():
        status = 400
    return render_template("rating/model.html", form=form, version=version, issues=issues), status
