"""Activities API: ``/api/v1/activities`` (property companies)."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from red_property.activities import presenters
from red_property.activities.models import Activity, NegativeRecord
from red_property.activities.queries import (activity_detail, list_activities, list_negative, list_reports,
                                             service_ledger)
from red_property.activities.schemas import (ActivityDetailOut, ActivityIn, ActivityListArgs, ActivityOut, LedgerArgs,
                                             LedgerRowOut, NegativeFollowUpIn, NegativeIn, NegativeListArgs,
                                             NegativeOut, ReportIn, ReportOut)
from red_property.activities.services import (delete_activity, follow_up_negative, record_activity, record_negative,
                                              record_report)
from red_property.core import clock
from red_property.core.routing import MAX_ID
from red_property.core.schemas import PageArgs, page_schema
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Activities", __name__, url_prefix="/api/v1/activities",
                description="党员活动与服务: activities, 双报到, the service-hours ledger, negative-behaviour records")
COMPANIES = [for_kinds(TenantKind.COMPANY)]
ActivityPage = page_schema(ActivityOut, "ActivityPage")
LedgerPage = page_schema(LedgerRowOut, "ServiceLedgerPage")
NegativePage = page_schema(NegativeOut, "NegativeRecordPage")
ReportPage = page_schema(ReportOut, "ServiceReportPage")


class ReportListArgs(PageArgs):
    member_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


def _page(page, dump) -> dict:
    return {"items": [dump(r) for r in page.items], "page": page.page, "per_page": page.per_page,
            "total": page.total}


def _negative(record_id: int) -> dict:
    today = clock.today()
    row = next(r for r in list_negative(db.session, today=today, record_id=record_id).items)
    return presenters.negative_dict(row, today)


@blp.route("")
class Activities(MethodView):
    decorators = COMPANIES

    @blp.arguments(ActivityListArgs, location="query")
    @blp.response(200, ActivityPage)
    def get(self, args):
        """Activities, newest first, with participant counts and hours; filter by community and kind."""
        return _page(list_activities(db.session, **args), presenters.activity_dict)

    @blp.arguments(ActivityIn)
    @blp.response(201, ActivityDetailOut)
    def post(self, data):
        """Record an activity with its participants (party members by id, volunteers by name) and hours."""
        activity = record_activity(db.session, data, today=clock.today())
        return presenters.activity_detail_dict(activity_detail(db.session, activity.id))


@blp.route("/<int:activity_id>")
class ActivityResource(MethodView):
    decorators = [visible_or_404(Activity, "activity_id")] + COMPANIES

    @blp.response(200, ActivityDetailOut)
    def get(self, activity_id):
        """One activity with its participants and their hours."""
        return presenters.activity_detail_dict(activity_detail(db.session, activity_id))

    @blp.response(204)
    def delete(self, activity_id):
        """Remove an activity logged by mistake (the audit log keeps it)."""
        delete_activity(db.session, db.session.get(Activity, activity_id))


@blp.route("/reports")
class Reports(MethodView):
    decorators = COMPANIES

    @blp.arguments(ReportListArgs, location="query")
    @blp.response(200, ReportPage)
    def get(self, args):
        """In-service members' report-ins (双报到), newest first."""
        return _page(list_reports(db.session, **args), lambda row: row[0])

    @blp.arguments(ReportIn)
    @blp.response(201, ReportOut)
    def post(self, data):
        """An in-service member reports in where they live and claims service items."""
        return record_report(db.session, data, today=clock.today())


@blp.route("/ledger")
class Ledger(MethodView):
    decorators = COMPANIES

    @blp.arguments(LedgerArgs, location="query")
    @blp.response(200, LedgerPage)
    def get(self, args):
        """The year's service-hours ledger per member (in-service members unless in_service_only=false)."""
        page = service_ledger(db.session, args["year"], in_service_only=args["in_service_only"],
                              page=args["page"], per_page=args["per_page"])
        return _page(page, presenters.ledger_dict)


@blp.route("/negative-records")
class NegativeRecords(MethodView):
    decorators = COMPANIES

    @blp.arguments(NegativeListArgs, location="query")
    @blp.response(200, NegativePage)
    def get(self, args):
        """Negative-behaviour records; status=to_report lists members past the deadline, not rectified, not reported."""
        today = clock.today()
        return _page(list_negative(db.session, today=today, **args), lambda r: presenters.negative_dict(r, today))

    @blp.arguments(NegativeIn)
    @blp.response(201, NegativeOut)
    def post(self, data):
        """Record a member's breach of community rules with a deadline to rectify it."""
        return _negative(record_negative(db.session, data, today=clock.today()).id)


@blp.route("/negative-records/<int:record_id>/follow-up")
class NegativeFollowUp(MethodView):
    decorators = [visible_or_404(NegativeRecord, "record_id")] + COMPANIES

    @blp.arguments(NegativeFollowUpIn)
    @blp.response(200, NegativeOut)
    def post(self, data, record_id):
        """Record the rectification, and/or the date the record was reported to the member's own organisation."""
        follow_up_negative(db.session, db.session.get(NegativeRecord, record_id), today=clock.today(), **data)
        return _negative(record_id)
