"""Activity pages (property companies): activities, 双报到, the service-hours ledger, negative records."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from red_property.activities import presenters
from red_property.activities.forms import (ActivityForm, NegativeFollowUpForm, NegativeForm, ReportForm,
                                           member_choices, participants, show_error, split_items)
from red_property.activities.metrics import activity_participation
from red_property.activities.models import Activity, ActivityKind, NegativeRecord
from red_property.activities.queries import (activity_detail, all_members, in_service_members, list_activities,
                                             list_negative, service_ledger)
from red_property.activities.services import (delete_activity, follow_up_negative, record_activity, record_negative,
                                              record_report)
from red_property.compliance.sources import Window
from red_property.core import clock
from red_property.core.charts import bar_chart
from red_property.core.formatting import pct_value
from red_property.core.tabular import csv_response, xlsx_response
from red_property.extensions import db
from red_property.meetings.queries import branches_of, company_communities, members_of
from red_property.meetings.views import arg_id, arg_page, picked_community, submit
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("activities", __name__, template_folder="templates")
PER_PAGE = 30


def _company() -> None:
    require_kind(TenantKind.COMPANY)


def _year() -> int:
    year = request.args.get("year", type=int)
    return year if year is not None and 2000 <= year <= 2100 else clock.today().year


@bp.route("/<slug:tenant_slug>/activities")
@login_required
def index():
    """Activities, newest first, and each community's member participation over twelve months."""
    _company()
    kind = request.args.get("kind")
    kind = ActivityKind(kind) if kind in {k.value for k in ActivityKind} else None
    community_id = arg_id("community_id")
    result = list_activities(db.session, page=arg_page(), per_page=PER_PAGE, community_id=community_id, kind=kind)
    communities = company_communities(db.session)
    shares = activity_participation(db.session, Window.months_ending(clock.today()))
    names = dict(communities)
    measured = sorted((names[c], pct_value(v)) for (_t, c), v in shares.items() if c in names)
    chart = bar_chart(measured, title=_("近十二个月党员活动参与率"), unit="%", max_value=100) if measured else None
    return render_template("activities/index.html", result=result, communities=communities, chart=chart,
                           community_id=community_id, kind=kind, labels=presenters)


@bp.route("/<slug:tenant_slug>/activities/new", methods=["GET", "POST"])
@login_required
def new():
    """Record an activity: pick the community, then tick its members and add other volunteers."""
    _company()
    community = picked_community()
    if community is None:
        return render_template("activities/pick.html", communities=company_communities(db.session))
    members = members_of(db.session, community.id)
    form = ActivityForm()
    form.organisation_id.choices = [SelectChoice("", _("（不指定）"))] + [
        SelectChoice(i, n) for i, n in branches_of(db.session, community.id)]
    status = 200
    if not form.is_submitted():
        for member_id, _name in members:
            form.members.append_entry({"member_id": str(member_id)})
    else:
        where: list = []

        def save():
            return record_activity(db.session, {
                "community_id": community.id, "held_on": form.held_on.data, "kind": ActivityKind(form.kind.data),
                "title": form.title.data, "place": form.place.data, "organisation_id": form.organisation_id.data,
                "participants": participants(form, where)}, today=clock.today())

        activity, status = submit(form, save, show=lambda f, exc: show_error(f, exc, where))
        if activity is not None:
            flash(_("活动已登记。"), "success")
            return redirect(url_for("activities.show", activity_id=activity.id))
    return render_template("activities/form.html", form=form, community=community, names=dict(members)), status


@bp.route("/<slug:tenant_slug>/activities/<int:activity_id>")
@login_required
def show(activity_id: int):
    _company()
    detail = activity_detail(db.session, activity_id)
    if detail is None:
        abort(404)
    return render_template("activities/show.html", detail=detail, labels=presenters,
                           minutes_to_hours=presenters.minutes_to_hours)


@bp.route("/<slug:tenant_slug>/activities/<int:activity_id>/delete", methods=["POST"])
@login_required
def delete(activity_id: int):
    """Remove an activity logged by mistake."""
    _company()
    activity = db.get_or_404(Activity, activity_id)
    delete_activity(db.session, activity)
    flash(_("活动已删除。"), "success")
    return redirect(url_for("activities.index"))


@bp.route("/<slug:tenant_slug>/activities/reports", methods=["GET", "POST"])
@login_required
def reports():
    """双报到: in-service members, their report-ins and claimed items, and a form to record one."""
    _company()
    form = ReportForm()
    form.member_id.choices = member_choices(in_service_members(db.session))
    status = 200
    if form.is_submitted():
        saved, status = submit(form, lambda: record_report(db.session, {
            "member_id": form.member_id.data, "reported_on": form.reported_on.data,
            "claimed_items": split_items(form.claimed_items.data)}, today=clock.today()))
        if saved is not None:
            flash(_("报到已登记。"), "success")
            return redirect(url_for("activities.reports"))
    ledger = service_ledger(db.session, clock.today().year, page=arg_page(), per_page=PER_PAGE)
    return render_template("activities/reports.html", form=form, ledger=ledger), status


@bp.route("/<slug:tenant_slug>/activities/ledger")
@login_required
def ledger():
    """The year's service-hours ledger per member."""
    _company()
    year, everyone = _year(), request.args.get("scope") == "all"
    result = service_ledger(db.session, year, in_service_only=not everyone, page=arg_page(), per_page=PER_PAGE)
    return render_template("activities/ledger.html", result=result, year=year, everyone=everyone,
                           this_year=clock.today().year)


@bp.route("/<slug:tenant_slug>/activities/ledger/export")
@login_required
def ledger_export():
    """The year's ledger as CSV or XLSX, for the members' own organisations."""
    _company()
    year, everyone = _year(), request.args.get("scope") == "all"
    rows = service_ledger(db.session, year, in_service_only=not everyone, page=None).items
    header, body = presenters.ledger_table(rows)
    name = f"service-hours-{year}"
    if request.args.get("fmt") == "xlsx":
        return xlsx_response(f"{name}.xlsx", header, body, sheet=_("服务时长"))
    return csv_response(f"{name}.csv", header, body)


@bp.route("/<slug:tenant_slug>/activities/negative", methods=["GET", "POST"])
@login_required
def negative():
    """Negative-behaviour records: the list (to report first) and a form to record one."""
    _company()
    form = NegativeForm()
    form.member_id.choices = member_choices(all_members(db.session))
    status = 200
    if form.is_submitted():
        saved, status = submit(form, lambda: record_negative(db.session, {
            k: form[k].data for k in ("member_id", "occurred_on", "description", "rectify_by")},
            today=clock.today()))
        if saved is not None:
            flash(_("已记录。"), "success")
            return redirect(url_for("activities.negative"))
    return _negative_page(form, status=status)


def _negative_page(form, follow_ups: dict | None = None, status: int = 200):
    today = clock.today()
    which = request.args.get("status")
    which = which if which in ("pending", "to_report", "closed") else None
    result = list_negative(db.session, today=today, status=which, page=arg_page(), per_page=PER_PAGE)
    forms = {r.record.id: (follow_ups or {}).get(r.record.id) or NegativeFollowUpForm(prefix=f"n{r.record.id}")
             for r in result.items if r.record.status(today) in ("pending", "to_report")}
    return render_template("activities/negative.html", form=form, result=result, forms=forms, today=today,
                           status=which or "all", labels=presenters), status


@bp.route("/<slug:tenant_slug>/activities/negative/<int:record_id>/follow-up", methods=["POST"])
@login_required
def negative_follow_up(record_id: int):
    """The member rectified, or the record was reported to their own organisation."""
    _company()
    record = db.get_or_404(NegativeRecord, record_id)
    form = NegativeFollowUpForm(prefix=f"n{record_id}")
    new_form = NegativeForm()
    new_form.member_id.choices = member_choices(all_members(db.session))
    saved, status = submit(form, lambda: follow_up_negative(
        db.session, record, today=clock.today(), rectified_on=form.rectified_on.data,
        reported_on=form.reported_on.data))
    if saved is None:
        return _negative_page(new_form, {record_id: form}, status=status)
    flash(_("已保存。"), "success")
    return redirect(url_for("activities.negative"))
