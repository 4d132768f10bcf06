"""The company's compliance dashboard pages and exports."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from red_property.compliance.sources import Source
from red_property.compliance.dashboard import Dashboard, chart_value, company_dashboard, display
from red_property.core import clock
from red_property.core.charts import line_chart
from red_property.core.tabular import csv_response, xlsx_response
from red_property.extensions import db
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("compliance", __name__, template_folder="templates")


# "查看相关记录" opens the list already filtered to the records that pull the value down
# (the list's own filter arguments), beside the community when there is one.
RECORDS_FILTER: dict[str, dict[str, str]] = {
    "demands_on_time": {"overdue": "1"},           # flagged overdue: resolved late or still open past due
    "demands_resolved": {"status": "unresolved"},  # closed without a solution
    "fee_collection_rate": {"status": "overdue"},  # the arrears
}


def _records_url(source: Source, community_id: int | None) -> str | None:
    if community_id and source.community_records:
        return url_for(source.community_records, community_id=community_id)
    if source.records is None:
        return None
    return url_for(source.records, **RECORDS_FILTER.get(source.metric, {}),
                   **({"community_id": community_id} if community_id else {}))


def _charts(board: Dashboard) -> dict[str, object]:
    return {i.metric.key: line_chart([(label[2:], chart_value(i.metric, v)) for label, v in i.trend],
                                     title=_(i.metric.name), unit="%" if i.metric.unit == "ratio" else "",
                                     high=100 if i.metric.unit == "ratio" else None, width=480, height=170)
            for i in board.indicators}


@bp.route("/<slug:tenant_slug>/compliance")
@login_required
def index():
    """Every indicator for the whole company, and each community's values."""
    require_kind(TenantKind.COMPANY)
    board = company_dashboard(db.session, clock.today())
    return render_template("compliance/index.html", board=board, charts=_charts(board), display=display,
                           records_url=_records_url)


@bp.route("/<slug:tenant_slug>/compliance/communities/<int:community_id>")
@login_required
def community(community_id: int):
    """One managed community's indicators and trends."""
    require_kind(TenantKind.COMPANY)
    board = company_dashboard(db.session, clock.today(), community_id=community_id)
    if not board.communities:
        abort(404)
    return render_template("compliance/community.html", board=board, community=board.communities[0],
                           charts=_charts(board), display=display, records_url=_records_url)


@bp.route("/<slug:tenant_slug>/compliance/export.<any(csv, xlsx):fmt>")
@login_required
def export(fmt: str):
    """Each community's indicator values (and the company's) as CSV or XLSX."""
    require_kind(TenantKind.COMPANY)
    board = company_dashboard(db.session, clock.today())
    header = [_("小区")] + [_(i.metric.name) for i in board.indicators]
    rows = [[c.name] + [display(i.metric, i.by_community.get(c.id)) for i in board.indicators]
            for c in board.communities]
    rows.append([_("全企业（按面积加权）")] + [display(i.metric, i.value) for i in board.indicators])
    name = f"compliance-{board.window.end:%Y%m%d}.{fmt}"
    return csv_response(name, header, rows) if fmt == "csv" else xlsx_response(name, header, rows, _("合规指标"))
