"""Compliance indicators through the API: ``/api/v1/compliance`` (property companies)."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from red_property.compliance.dashboard import Dashboard, company_dashboard
from red_property.core import clock
from red_property.extensions import db
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Compliance", __name__, url_prefix="/api/v1/compliance",
                description="合规指标: the indicators the bureau rates, from the company's own records")


def _ratio(value):
    return None if value is None else f"{float(value):.4f}"


class PointOut(Schema):
    month = fields.String()
    value = fields.String(allow_none=True)


class CommunityValueOut(Schema):
    community_id = fields.Integer()
    value = fields.String(allow_none=True)


class IndicatorOut(Schema):
    metric = fields.String()
    name = fields.String()
    unit = fields.String(metadata={"description": "ratio (0..1) or score (0..100)"})
    goal = fields.String(allow_none=True)
    value = fields.String(allow_none=True, metadata={"description": "null: nothing to measure (missing, not zero)"})
    communities = fields.List(fields.Nested(CommunityValueOut))
    trend = fields.List(fields.Nested(PointOut))


class DashboardOut(Schema):
    start = fields.Date()
    end = fields.Date()
    indicators = fields.List(fields.Nested(IndicatorOut))


def _dump(board: Dashboard) -> dict:
    return {"start": board.window.start, "end": board.window.end, "indicators": [
        {"metric": i.metric.key, "name": i.metric.name, "unit": i.metric.unit, "goal": _ratio(i.metric.goal),
         "value": _ratio(i.value),
         "communities": [{"community_id": cid, "value": _ratio(v)} for cid, v in i.by_community.items()],
         "trend": [{"month": month, "value": _ratio(v)} for month, v in i.trend]}
        for i in board.indicators]}


@blp.route("")
class CompanyIndicators(MethodView):
    decorators = [for_kinds(TenantKind.COMPANY)]

    @blp.response(200, DashboardOut)
    def get(self):
        """Every indicator for the company over the last twelve months, per community and per month."""
        return _dump(company_dashboard(db.session, clock.today()))


@blp.route("/communities/<int:community_id>")
class CommunityIndicators(MethodView):
    decorators = [for_kinds(TenantKind.COMPANY)]

    @blp.response(200, DashboardOut)
    @blp.alt_response(404, description="Not a community this company managed in the last twelve months")
    def get(self, community_id):
        """One managed community's indicators and monthly trend."""
        board = company_dashboard(db.session, clock.today(), community_id=community_id)
        if not board.communities:
            abort(404, message="小区不存在或近一年未在管 (community not managed)")
        return _dump(board)
