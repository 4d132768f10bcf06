"""Demand overviews: the three lists (三个清单), the monthly charts, the company's
time limits, and checking for overdue demands now."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from red_property.core import clock
from red_property.core.charts import bar_chart, line_chart
from red_property.core.errors import InputError
from red_property.core.jobs import enqueue
from red_property.core.job_links import links_for
from red_property.demands import labels
from red_property.demands.forms import limits_form
from red_property.demands.limits import effective_limits, set_time_limits
from red_property.demands import assignees
from red_property.demands.lists import monthly_rates, needs, resources, route_shares, tasks
from red_property.demands.models import DEFAULTS, Category, Demand, Status
from red_property.demands.views import attach
from red_property.extensions import db
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("demand_overview", __name__, template_folder="templates")
PER_PAGE = 30


@bp.before_request
def _companies_only():
    require_kind(TenantKind.COMPANY)


@bp.route("/<slug:tenant_slug>/demands/needs")
@login_required
def needs_list():
    """需求清单: open demands by community and category."""
    items = needs(db.session)
    totals: dict[Category, int] = {}
    for item in items:
        totals[item.category] = totals.get(item.category, 0) + item.open
    return render_template("demands/needs.html", items=items, totals=totals)


@bp.route("/<slug:tenant_slug>/demands/tasks")
@login_required
def tasks_list():
    """任务清单: routed demands in progress, who handles each and by when."""
    page = max(1, min(request.args.get("page", 1, type=int), 1_000_000))
    waiting = db.session.scalar(select(func.count(Demand.id)).where(Demand.status == Status.RECEIVED))
    result = tasks(db.session, page=page, per_page=PER_PAGE)
    return render_template("demands/tasks.html", result=result, waiting=waiting or 0,
                           assignees=assignees.names(db.session, (d.assignee_id for d, _c in result.items)))


@bp.route("/<slug:tenant_slug>/demands/resources")
@login_required
def resources_list():
    """资源清单: who resolved demands in the last twelve months, by route and category."""
    return render_template("demands/resources.html", items=resources(db.session, clock.today()))


@bp.route("/<slug:tenant_slug>/demands/stats")
@login_required
def stats():
    """On-time and resolved rates by month, and the 721 shares of the last twelve months."""
    today = clock.today()
    months = monthly_rates(db.session, today)
    shares = route_shares(db.session, today)
    total = sum(shares.values())

    def label(month: dt.date) -> str:
        return format_date(month, "yy.M")

    on_time = line_chart([(label(m.month), m.on_time_rate) for m in months], title=_("按时办结率（按到期月份）"),
                         unit="%", high=100)
    resolved = line_chart([(label(m.month), m.resolved_rate) for m in months], title=_("解决率（按办结月份）"),
                          unit="%", high=100)
    routes = bar_chart([(_("%(route)s（目标 %(t)s%%）", route=labels.ROUTE_SHORT[r], t=labels.ROUTE_TARGET[r]),
                         round(100 * n / total, 1) if total else 0) for r, n in shares.items()],
                       title=_("721 分流占比"), unit="%", max_value=100)
    return render_template("demands/stats.html", months=months, shares=shares, total=total, on_time=on_time,
                           resolved=resolved, routes=routes)


@bp.route("/<slug:tenant_slug>/demands/settings", methods=["GET", "POST"])
@login_required
def settings():
    """The company's time limit per category (hours from receipt)."""
    form = limits_form(effective_limits(db.session))
    status = 200
    if form.validate_on_submit():
        try:
            set_time_limits(db.session, {c: form[c.value].data for c in Category})
            flash(_("已保存。新的时限适用于此后受理的诉求。"), "success")
            return redirect(url_for("demand_overview.settings"))
        except InputError as exc:
            attach(form, exc)
            status = 422
    elif form.is_submitted():
        status = 400
    return render_template("demands/settings.html", form=form, defaults=DEFAULTS), status


@bp.route("/<slug:tenant_slug>/demands/check-overdue", methods=["POST"])
@login_required
def check_overdue():
    """Run the overdue check now (it also runs every hour)."""
    record = enqueue(db.session, "demands.flag_overdue")
    return redirect(url_for("core.job_page", job_id=record.id))


@links_for("demands.flag_overdue")
def _job_made_flags(record) -> list[tuple[str, str]]:
    """The overdue check links to the demands it flagged."""
    return [(_("居民诉求"), url_for("demands.index"))] if record.status == "done" else []
