"""Fee pages of a property company: the dashboard, schedules, billing runs, commitment letters.

Bills, payments and PDFs are in ``bill_views``; the platform's subscription
invoices in ``subscription_views``.  All on this blueprint.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import and_, func, select

from red_property.communities.models import Community, ManagementContract
from red_property.core import clock
from red_property.core.charts import bar_chart, line_chart
from red_property.core.errors import InputError
from red_property.core.job_links import links_for
from red_property.core.formatting import pct_value
from red_property.core.tabular import csv_response, xlsx_response
from red_property.core.tenancy import current_tenant_id
from red_property.extensions import db
from red_property.fees.billing import add_schedule, community_households, run_progress, run_states, start_billing_run
from red_property.fees.documents import yuan
from red_property.fees.forms import KIND_NAMES, RunForm, ScheduleForm, choices, fen_of
from red_property.fees.models import BillingRun, BuildingKind, FeeSchedule
from red_property.fees.reports import (arrears_summary, by_community, collection_by_community, collection_window, commitment_rows,
                                       company_total, monthly_trend)
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("fees", __name__, template_folder="templates")
PER_PAGE = 30
COMPANY = TenantKind.COMPANY


def company_page() -> None:
    require_kind(COMPANY)


def managed_communities(on: dt.date) -> list[tuple[int, str]]:
    """(id, name) of the communities the company manages on ``on``: for the forms' choices."""
    return db.session.execute(
        select(Community.id, Community.name)
        .join(ManagementContract, and_(ManagementContract.community_id == Community.id,
                                       ManagementContract.tenant_id == Community.tenant_id))
        .where(ManagementContract.company_tenant_id == current_tenant_id(db.session),
               ManagementContract.starts_on <= on,
               (ManagementContract.ends_on.is_(None)) | (ManagementContract.ends_on >= on))
        .distinct().order_by(Community.name)).all()


# Services name money in fen; the forms take yuan under another name.
FORM_FIELD = {"amount_fen": "amount", "rate_fen": "rate"}


def field_error(form, exc: InputError, fallback: str) -> None:
    """Show a service's InputError beside the form field it names."""
    name = FORM_FIELD.get(exc.field, exc.field)
    field = getattr(form, name, None) or getattr(form, fallback)
    field.errors = list(field.errors) + [str(exc)]


def export_format() -> str:
    fmt = request.args.get("fmt", "csv")
    if fmt not in ("csv", "xlsx"):
        abort(404)
    return fmt


def page_arg() -> int:
    return max(1, min(request.args.get("page", 1, type=int), 1_000_000))


@bp.route("/<slug:tenant_slug>/fees")
@login_required
def dashboard():
    """Arrears and the collection rate: the company, each community, the monthly trend."""
    company_page()
    today = clock.today()
    rows = collection_by_community(db.session, today)
    total = company_total(rows)
    trend = monthly_trend(db.session, today)
    trend_chart = line_chart([(p.month[2:], pct_value(p.rate)) for p in trend],
                             title=_("收缴率走势（每月末，近 12 个月到期的账单）"), unit="%", high=100)
    community_chart = bar_chart([(name, pct_value(c.rate) or 0) for _, name, c in rows], title=_("各小区收缴率"),
                                unit="%", max_value=100) if rows else None
    return render_template("fees/dashboard.html", rows=rows, total=total, trend=trend, trend_chart=trend_chart,
                           community_chart=community_chart, yuan=yuan, today=today,
                           window=collection_window(today), arrears=arrears_summary(db.session, today),
                           owed={cid: c for cid, _, c in by_community(db.session, today)})


@bp.route("/<slug:tenant_slug>/fees/collection/export")
@login_required
def collection_export():
    """The collection rate per community as a spreadsheet (``?fmt=csv`` or ``xlsx``)."""
    company_page()
    fmt = export_format()
    header = [_("小区"), _("应收（元）"), _("实收（元）"), _("欠费（元）"), _("收缴率（%）"), _("欠费账单数")]
    rows = [[name, c.billed_fen / 100, c.paid_fen / 100, c.arrears_fen / 100, c.percent(), c.in_arrears]
            for _, name, c in collection_by_community(db.session, clock.today())]
    name = f"collection-{clock.today():%Y%m%d}.{fmt}"
    return csv_response(name, header, rows) if fmt == "csv" else xlsx_response(name, header, rows, _("收缴率"))


@bp.route("/<slug:tenant_slug>/fees/schedules", methods=["GET", "POST"])
@login_required
def schedules():
    """Fee schedules, newest first, and a form to add one."""
    company_page()
    today = clock.today()
    form = ScheduleForm()
    form.community_id.choices = choices(managed_communities(today))
    status = 200
    if form.validate_on_submit():
        try:
            add_schedule(db.session, community_id=form.community_id.data,
                         building_kind=BuildingKind(form.building_kind.data), rate_fen=fen_of(form.rate.data),
                         effective_from=form.effective_from.data, today=today)
            flash(_("收费标准已保存。"), "success")
            return redirect(url_for("fees.schedules"))
        except InputError as exc:
            field_error(form, exc, "rate")
            status = 422
    elif form.is_submitted():
        status = 400
    page = page_arg()
    total = db.session.scalar(select(func.count(FeeSchedule.id)))
    items = db.session.execute(
        select(FeeSchedule, Community.name).join(Community, Community.id == FeeSchedule.community_id)
        .order_by(Community.name, FeeSchedule.building_kind, FeeSchedule.effective_from.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template("fees/schedules.html", form=form, items=items, kinds=KIND_NAMES, yuan=yuan, page=page,
                           pages=max(1, -(-total // PER_PAGE))), status


@bp.route("/<slug:tenant_slug>/fees/runs", methods=["GET", "POST"])
@login_required
def runs():
    """Billing runs with their progress, and a form to bill a period."""
    company_page()
    today = clock.today()
    form = RunForm()
    form.community_id.choices = choices(managed_communities(today))
    status = 200
    if form.validate_on_submit():
        try:
            run = start_billing_run(db.session, community_id=form.community_id.data, period=form.period.data,
                                    due_on=form.due_on.data, today=today)
            return redirect(url_for("core.job_page", job_id=run.job_id))
        except InputError as exc:
            field_error(form, exc, "period")
            status = 422
    elif form.is_submitted():
        status = 400
    page = page_arg()
    total = db.session.scalar(select(func.count(BillingRun.id)))
    items = db.session.execute(
        select(BillingRun, Community.name).join(Community, Community.id == BillingRun.community_id)
        .order_by(BillingRun.period_start.desc(), Community.name).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    progress = run_progress(db.session, [run.id for run, _ in items])
    return render_template("fees/runs.html", form=form, items=items, progress=progress, yuan=yuan, page=page,
                           states=run_states(db.session, [run for run, _ in items]),
                           pages=max(1, -(-total // PER_PAGE))), status


@bp.route("/<slug:tenant_slug>/fees/runs/<int:billing_run_id>")
@login_required
def run(billing_run_id: int):
    """One billing run: households, bills issued, PDFs rendered, money billed and received."""
    company_page()
    billing_run = db.get_or_404(BillingRun, billing_run_id)
    name = db.session.scalar(select(Community.name).where(Community.id == billing_run.community_id))
    return render_template("fees/run.html", run=billing_run, community=name, yuan=yuan,
                           progress=run_progress(db.session, [billing_run.id])[billing_run.id],
                           state=run_states(db.session, [billing_run])[billing_run.id],
                           households=community_households(db.session, billing_run.community_id))


@bp.route("/<slug:tenant_slug>/fees/runs/<int:billing_run_id>/resume", methods=["POST"])
@login_required
def resume_run(billing_run_id: int):
    """Run the period again: finishes an interrupted run, bills households added since."""
    company_page()
    billing_run = db.get_or_404(BillingRun, billing_run_id)
    try:
        billing_run = start_billing_run(db.session, community_id=billing_run.community_id, period=billing_run.period,
                                        today=clock.today())
    except InputError as exc:
        flash(str(exc), "error")
        return redirect(url_for("fees.run", billing_run_id=billing_run_id))
    return redirect(url_for("core.job_page", job_id=billing_run.job_id))


@bp.route("/<slug:tenant_slug>/fees/commitments")
@login_required
def commitments():
    """Commitment letters of party members and civil servants, with their households' arrears."""
    company_page()
    page = page_arg()
    arrears_only = request.args.get("arrears") == "1"
    total, rows = commitment_rows(db.session, clock.today(), page=page, per_page=PER_PAGE,
                                  in_arrears_only=arrears_only)
    return render_template("fees/commitments.html", rows=rows, yuan=yuan, page=page, arrears_only=arrears_only,
                           pages=max(1, -(-total // PER_PAGE)), total=total)


from red_property.fees import bill_views as _bill_views, subscription_views as _subscription_views  # noqa: E402,F401


@links_for("fees.bill_run")
@links_for("fees.render_invoices")
def _job_made_bills(record) -> list[tuple[str, str]]:
    """A billing job's page links to the run's bills and to the run."""
    run_id = (record.params or {}).get("billing_run_id")
    billing_run = db.session.get(BillingRun, run_id) if run_id is not None else None
    if billing_run is None:
        return []
    return [(_("本期账单"), url_for("fees.bills", community_id=billing_run.community_id, period=billing_run.period)),
            (_("开票批次"), url_for("fees.run", billing_run_id=billing_run.id))]
from red_property.fees import correction_views as _correction_views  # noqa: E402,F401
