"""Demand API: ``/api/v1/demands`` (property companies)."""
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from red_property.core.visibility import visible_or_404
from red_property.core.tenancy import current_actor_id
from red_property.demands import services
from red_property.demands.bulk import BulkRejected, assign_demands, close_demands
from red_property.demands.intake import create_demand
from red_property.demands.limits import effective_limits, set_time_limits
from red_property.demands.models import DEFAULTS, Category, Demand
from red_property.demands.presenters import full, summary_json
from red_property.demands.queries import DemandFilter, demand_detail, demand_rows
from red_property.demands.schemas import (BulkAssignIn, BulkCloseIn, BulkOut, CloseIn, DemandDetailOut, DemandIn, DemandListArgs, DemandOut, InformIn,
                                          MediationIn, ProgressIn, RatingIn, RouteIn, TimeLimitOut, TimeLimitsIn)
from red_property.core.schemas import page_schema, prepared
from red_property.extensions import db
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Demands", __name__, url_prefix="/api/v1/demands",
                description="居民诉求: intake, 721 routing, time limits, closing, the resident's rating")
COMPANIES = [for_kinds(TenantKind.COMPANY)]
ONE = [visible_or_404(Demand, "demand_id")] + COMPANIES
DemandPage = page_schema(DemandOut, "DemandPage")


def _detail(demand_id: int) -> dict:
    return full(demand_detail(db.session, demand_id))


def _demand(demand_id: int) -> Demand:
    return db.session.get(Demand, demand_id)  # visible_or_404 ran first


@blp.route("")
class Demands(MethodView):
    decorators = COMPANIES

    @blp.arguments(DemandListArgs, location="query")
    @blp.response(200, DemandPage)
    def get(self, args):
        """Demands, newest first, filtered by community, status, category, route, overdue flag, source,
        assignee (``mine=true``: the token's user) and a search."""
        page, per_page = args.pop("page"), args.pop("per_page")
        if args.pop("mine", False):
            args["assignee_id"] = current_actor_id(db.session)
        rows, total = demand_rows(db.session, DemandFilter(**args), page=page, per_page=per_page)
        return prepared({"items": summary_json(rows), "page": page, "per_page": per_page, "total": total})

    @blp.arguments(DemandIn)
    @blp.response(201, DemandDetailOut)
    def post(self, data):
        """Receive a demand (walk-in, phone, 12345 hotline with its ticket, 夜话, 坝坝会).

        The due time follows the category's time limit; the route is the
        category's default until the demand is routed.
        """
        return _detail(create_demand(db.session, **data).id)


@blp.route("/<int:demand_id>")
class DemandResource(MethodView):
    decorators = ONE

    @blp.response(200, DemandDetailOut)
    def get(self, demand_id):
        """One demand with its history (who, when, what) and mediation sessions."""
        return _detail(demand_id)


def _transition(path: str, schema, status: int, apply, summary: str) -> None:
    """``POST /<id>/<path>``: parse ``schema``, ``apply(demand, data)`` through a service, answer the demand."""

    @blp.arguments(schema)
    @blp.response(status, DemandDetailOut)
    def post(self, data, demand_id):
        apply(_demand(demand_id), data)
        return _detail(demand_id)

    post.__doc__ = summary
    name = "Demand" + path.title().replace("-", "")
    blp.route(f"/<int:demand_id>/{path}")(type(name, (MethodView,), {"post": post, "decorators": ONE}))


for _path, _schema, _status, _apply, _summary in (
    ("route", RouteIn, 200, lambda d, data: services.route_demand(db.session, d, **data),
     "Route the demand (服务/管理/执法解决) to a colleague (assignee_id, notified) and/or a handler (a team, "
     "a unit); another route than the default needs a reason."),
    ("progress", ProgressIn, 200, lambda d, data: services.add_progress(db.session, d, data["note"]),
     "Note how a demand in progress is getting on."),
    ("mediations", MediationIn, 201, lambda d, data: services.record_mediation(db.session, d, **data),
     "Record a mediation session of a dispute (矛盾调解)."),
    ("close", CloseIn, 200, lambda d, data: services.close_demand(
        db.session, d, resolved=data["outcome"] == "resolved", resolution=data["resolution"]),
     "Close the demand: resolved, or unresolved with the reason."),
    ("inform", InformIn, 200, lambda d, data: services.inform_resident(db.session, d, data["informed_at"]),
     "Record when the resident was told the outcome."),
    ("rating", RatingIn, 200, lambda d, data: services.rate_demand(db.session, d, data["rating"], data["comment"]),
     "The resident's rating, 1 to 5, once, after the demand is closed."),
):
    _transition(_path, _schema, _status, _apply, _summary)


def _bulk(run) -> dict:
    """Run a bulk action; rows that cannot change answer 422 with each row's reason (nothing written)."""
    try:
        return {"demand_ids": [d.id for d in run()]}
    except BulkRejected as exc:
        abort(422, errors={"json": {"demand_ids": {str(p.demand_id): [p.message] for p in exc.problems}}})


@blp.route("/bulk/assign")
class BulkAssign(MethodView):
    decorators = COMPANIES

    @blp.arguments(BulkAssignIn)
    @blp.response(200, BulkOut)
    def post(self, data):
        """Assign several open demands to one colleague and/or handler (each keeps its route): all or none."""
        return _bulk(lambda: assign_demands(db.session, data["demand_ids"], handler=data["handler"],
                                            assignee_id=data["assignee_id"]))


@blp.route("/bulk/close")
class BulkClose(MethodView):
    decorators = COMPANIES

    @blp.arguments(BulkCloseIn)
    @blp.response(200, BulkOut)
    def post(self, data):
        """Close several demands with one result or reason: all or none."""
        return _bulk(lambda: close_demands(db.session, data["demand_ids"], resolved=data["outcome"] == "resolved",
                                           resolution=data["resolution"]))


def _limits() -> list[dict]:
    hours = effective_limits(db.session)
    return [{"category": c, "hours": hours[c], "default_hours": p.hours, "default_route": p.route}
            for c, p in DEFAULTS.items()]


@blp.route("/time-limits")
class TimeLimits(MethodView):
    decorators = COMPANIES

    @blp.response(200, TimeLimitOut(many=True))
    def get(self):
        """The company's time limit per category (hours), beside the default."""
        return _limits()

    @blp.arguments(TimeLimitsIn)
    @blp.response(200, TimeLimitOut(many=True))
    def put(self, data):
        """Set the company's own limits: ``{"repair": 48, ...}`` (1 to 720 hours); applies to new demands."""
        set_time_limits(db.session, {Category(key): value for key, value in data.items()})
        return _limits()
