"""Rating pages: the bureau's runs and league tables; a company's own published results."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp

from red_property.core import clock
from red_property.core.charts import bar_chart, line_chart
from red_property.core.confirm import Irreversible
from red_property.core.job_links import links_for
from red_property.core.pdf import pdf_response
from red_property.core.tabular import csv_response, xlsx_response
from red_property.core.files import send_named_file
from red_property.extensions import db
from red_property.core.errors import InputError
from red_property.core.forms import show_error, submit, uploaded
from red_property.rating.changes import correction_changes
from red_property.rating.evidence import indicator_evidence
from red_property.rating.evidence_filters import evidence_filter_args
from red_property.rating.appeals import appeals_of_run, attachment_path, file_appeal, pending_appeals
from red_property.rating.model import ModelError, parse_model
from red_property.rating.preview import preview_model, preview_token
from red_property.rating.models import Appeal, RatingRun
from red_property.rating.presenters import (UNPUBLISHED, company_trend, grade_distribution, has_missing, metric_value,
                                            rank_band, result_rows)
from red_property.rating.runs import (RunError, correct_run, discard_run, publish_run, rerun, start_run,
                                     sync_run_status)
from red_property.rating.versions import latest_version, parsed, save_version
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("rating", __name__, template_folder="templates")
bp.add_app_template_filter(metric_value, "metric_value")
BUREAU, COMPANY = TenantKind.BUREAU, TenantKind.COMPANY
PUBLISH_RUN = Irreversible("rating.publish", _l("发布评价结果"),
                           _l("发布后所有物业企业和公众都能看到这次评价结果，不能撤回，也不能修改；"
                              "如有错误只能新建更正评价。"), _l("确认发布"))
DISCARD_RUN = Irreversible("rating.discard", _l("放弃这次评价"),
                           _l("这次未发布的评价和它的计算结果将被删除，不能恢复；需要时可以重新开始一次评价。"),
                           _l("确认放弃"))
PREVIEWED = "rating_model_previewed"   # the digest of the text last previewed in this browser
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
    return render_template("rating/company_index.html", trend=trend, latest=latest, chart=chart, now=clock.now(),
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
    appeals = [(a, d, names.get(a.tenant_id, "")) for a, d in appeals_of_run(db.session, rating_run)]
    changes = correction_changes(db.session, rating_run)
    return render_template("rating/run.html", run=rating_run, rows=[r for r in rows if has_missing(r)] if missing_only
                           else rows, chart=chart, correction=correction, model=model, appeals=appeals,
                           changes=changes, changes_chart=_changes_chart(changes), missing_only=missing_only,
                           indicator_names=_indicator_names((i.id, i.name) for i in model.indicators))


@bp.route("/<slug:tenant_slug>/rating/runs/<int:run_id>/publish", methods=["POST"])
@login_required
def publish(run_id: int):
    """Publish a finished run, once the user has confirmed that it is final."""
    require_kind(BUREAU)
    rating_run = _run(run_id)
    if not PUBLISH_RUN.confirmed():
        return PUBLISH_RUN.ask(back=url_for("rating.run", run_id=run_id))
    try:
        publish_run(db.session, rating_run)
        flash(_("已发布。发布后的评价结果不可修改，如需更正请新建更正评价。"), "success")
    except RunError as exc:
        flash(str(exc), "error")
    return redirect(url_for("rating.run", run_id=run_id))


@bp.route("/<slug:tenant_slug>/rating/runs/<int:run_id>/discard", methods=["POST"])
@login_required
def discard(run_id: int):
    """Delete an unpublished run, once the user has confirmed it (a published run is final)."""
    require_kind(BUREAU)
    rating_run = _run(run_id)
    if not DISCARD_RUN.confirmed():
        return DISCARD_RUN.ask(back=url_for("rating.run", run_id=run_id))
    try:
        discard_run(db.session, rating_run)
    except RunError as exc:
        flash(str(exc), "error")
        return redirect(url_for("rating.run", run_id=run_id))
    flash(_("评价第 %(n)s 号已放弃。", n=run_id), "success")
    return redirect(url_for("rating.index"))


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
    return _company_result_page(run_id, company_id)


def _company_result_page(run_id: int, company_id: int, form: AppealForm | None = None, status: int = 200):
    """The page, with the company's appeal form as typed (its errors beside the fields) when one is given."""
    kind, rating_run, row, chart = _company_view(run_id, company_id)
    appeals = [(a, d) for a, d in appeals_of_run(db.session, rating_run) if a.tenant_id == company_id]
    if form is None and kind == COMPANY:
        form = _appeal_form(row)
    return render_template("rating/company_result.html", run=rating_run, row=row, chart=chart, appeals=appeals,
                           form=form, band=_(rank_band(row["rank"], rating_run.rated_companies)),
                           indicator_names=_indicator_names((i["id"], i["name"])
                                                            for i in row["breakdown"]["indicators"])), status


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
    flt, errors = evidence_filter_args()
    items = indicator_evidence(db.session, rating_run, row["breakdown"], company_id, metric,
                               is_bureau=kind == BUREAU)  # the bureau's read ends this transaction
    return render_template("rating/evidence.html", run=run_info, row=row, indicator=indicator,
                           items=flt.apply(items), communities=[(i.community_id, i.name) for i in items],
                           sources=sorted({r.source for i in items for r in i.records if r.source}),
                           flt=flt, errors=errors, linked=kind != BUREAU), 400 if errors else 200


def _changes_chart(changes) -> str | None:
    """Each changed company's score before and after the correction (the first 15), as bars."""
    items = [(f"{c.company_name[:6]}·{label}", float(score))  # the chart's label column holds ~10 characters
             for c in (changes or [])[:15]
             for label, score in ((_("更正前"), c.score_before), (_("更正后"), c.score_after)) if score is not None]
    return bar_chart(items, title=_("更正前后得分"), unit=_(" 分"), max_value=100) if items else None


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

    def save():
        file_appeal(db.session, rating_run, indicator_id=form.indicator_id.data, explanation=form.explanation.data,
                    upload=uploaded(form.attachment))
        flash(_("申诉已提交，主管部门将在处理后告知结果。"), "success")
        return redirect(url_for("rating.company_result", run_id=run_id, company_id=current_user.tenant_id))

    # a refused file or reason re-renders the form as typed, the message beside its field
    return submit(form, save, lambda status: _company_result_page(run_id, current_user.tenant_id, form, status))


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
    """View and edit the rating model.  "预览" grades the latest run's companies under the edited
    text; "保存" makes a new version, and only of the text just previewed."""
    require_kind(BUREAU)
    version = latest_version(db.session)
    form = ModelForm(source=version.source if version else "")
    issues, status, preview = [], 200, None
    if form.validate_on_submit():
        if not current_user.can_write:
            abort(403)
        source = form.source.data.replace("\r\n", "\n")
        saving = request.form.get("action") == "save"
        # a preview holds for this text on top of this version: another save in between asks again
        previewed = preview_token(current_app.config["SECRET_KEY"], current_user.tenant_id,
                                  version.version if version else 0, source)
        try:
            edited = parse_model(source)
            if saving and session.get(PREVIEWED) == previewed:
                saved = save_version(db.session, source, form.note.data or "")
                session.pop(PREVIEWED, None)
                flash(_("已保存为第 %(n)s 版。", n=saved.version), "success")
                return redirect(url_for("rating.model"))
            current = parsed(version) if version else edited
            preview = preview_model(db.session, current, edited)
            session[PREVIEWED] = previewed
            if saving:   # edited after the preview, or never previewed: show what it changes first
                flash(_("保存前请先看预览：下面是这次修改对等级的影响，确认后再保存。"), "error")
                status = 409
            form.source.data = source
        except ModelError as exc:
            issues, status = exc.issues, 422
            session.pop(PREVIEWED, None)
        version = latest_version(db.session)  # the preview's audited read ended the transaction
    elif form.is_submitted():
        status = 400
    bad_lines = {issue.line for issue in issues if issue.line}
    return render_template("rating/model.html", form=form, version=version, issues=issues, preview=preview,
                           bad_lines=bad_lines, line_count=(form.source.data or "").count("\n") + 1), status


@links_for("rating.execute_run")
def _job_made_run(record) -> list[tuple[str, str]]:
    """A rating job's page links to its run (gone once the run was discarded)."""
    run_id = (record.params or {}).get("run_id")
    if run_id is None or db.session.get(RatingRun, run_id) is None:
        return []
    return [(_("评价结果（第 %(n)s 号）", n=run_id), url_for("rating.run", run_id=run_id))]
