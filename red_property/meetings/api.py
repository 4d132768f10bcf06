"""Joint-meeting API: ``/api/v1/meetings`` (property companies)."""

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema

from red_property.core import clock
from red_property.core.schemas import page_schema
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.meetings import presenters
from red_property.meetings.calendar import meeting_calendar
from red_property.meetings.models import AgendaItem, JointMeeting
from red_property.meetings.queries import list_decisions, list_meetings, meeting_detail, progress_of
from red_property.meetings.schemas import (CalendarArgs, CalendarOut, DecisionListArgs, ItemIn, ItemOut,
                                           MeetingDecisionOut, MeetingDetailOut, MeetingIn, MeetingListArgs, MeetingOut, MeetingUpdateIn,
                                           DecisionProgressIn)
from red_property.meetings.services import add_item, attach_minutes, follow_up, log_meeting, update_meeting
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Meetings", __name__, url_prefix="/api/v1/meetings",
                description="三位一体联席会议: joint meetings, decisions and their follow-up, the monthly calendar")
COMPANIES = [for_kinds(TenantKind.COMPANY)]
MeetingPage = page_schema(MeetingOut, "JointMeetingPage")
DecisionPage = page_schema(MeetingDecisionOut, "MeetingDecisionPage")


class MinutesIn(Schema):
    file = Upload(required=True, metadata={"description": "the minutes: PDF, PNG or JPEG, at most 10 MB"})


def _detail(meeting_id: int) -> dict:
    today = clock.today()
    return presenters.detail_dict(meeting_detail(db.session, meeting_id), today)


@blp.route("")
class Meetings(MethodView):
    decorators = COMPANIES

    @blp.arguments(MeetingListArgs, location="query")
    @blp.response(200, MeetingPage)
    def get(self, args):
        """Joint meetings, newest first, with their flags; filter by community and month (2026-10)."""
        month = args.get("month")
        page = list_meetings(db.session, today=clock.today(), page=args["page"], per_page=args["per_page"],
                             community_id=args.get("community_id"),
                             period=int(month.replace("-", "")) if month else None)
        return {"items": [presenters.meeting_dict(r) for r in page.items], "page": page.page,
                "per_page": page.per_page, "total": page.total}

    @blp.arguments(MeetingIn)
    @blp.response(201, MeetingDetailOut)
    def post(self, data):
        """Log a joint meeting with its attendees and agenda items (all or nothing).

        Refused: a future date, a date the company did not manage the
        community, a second monthly meeting in a month, a major-matter decision
        without the branch's pre-review on or before the meeting, a decision
        without a responsible person or a due date on or after the meeting.
        Flagged, not refused: a meeting without all three parties.
        """
        meeting = log_meeting(db.session, data, today=clock.today())
        return _detail(meeting.id)


@blp.route("/<int:meeting_id>")
class MeetingResource(MethodView):
    decorators = [visible_or_404(JointMeeting, "meeting_id")] + COMPANIES

    @blp.response(200, MeetingDetailOut)
    def get(self, meeting_id):
        """One meeting with its attendees, agenda, pre-reviews, decisions and follow-up."""
        return _detail(meeting_id)

    @blp.arguments(MeetingUpdateIn)
    @blp.response(200, MeetingDetailOut)
    def put(self, data, meeting_id):
        """Correct a meeting's date, kind, place, convening branch and attendees (replaced as a whole)."""
        update_meeting(db.session, db.session.get(JointMeeting, meeting_id), data, today=clock.today())
        return _detail(meeting_id)


@blp.route("/<int:meeting_id>/minutes")
class Minutes(MethodView):
    decorators = [visible_or_404(JointMeeting, "meeting_id")] + COMPANIES

    @blp.arguments(MinutesIn, location="files")
    @blp.response(200, MeetingDetailOut)
    def post(self, files, meeting_id):
        """Attach or replace the meeting's minutes (the file is then at /api/v1/files/<minutes_file_id>)."""
        upload = files["file"]
        attach_minutes(db.session, db.session.get(JointMeeting, meeting_id), upload.filename or "", upload.read())
        return _detail(meeting_id)


@blp.route("/<int:meeting_id>/items")
class Items(MethodView):
    decorators = [visible_or_404(JointMeeting, "meeting_id")] + COMPANIES

    @blp.arguments(ItemIn)
    @blp.response(201, ItemOut)
    def post(self, data, meeting_id):
        """Add an agenda item (and the decision taken on it) to a logged meeting."""
        today = clock.today()
        item = add_item(db.session, db.session.get(JointMeeting, meeting_id), data, today=today)
        return presenters.item_dict(item, today)


@blp.route("/items/<int:item_id>/progress")
class Progress(MethodView):
    decorators = [visible_or_404(AgendaItem, "item_id")] + COMPANIES

    @blp.arguments(DecisionProgressIn)
    @blp.response(200, ItemOut)
    def post(self, data, item_id):
        """Follow up a decision: a progress note (dated today unless noted_on) and/or the date it was done."""
        today = clock.today()
        item = follow_up(db.session, db.session.get(AgendaItem, item_id), today=today, **data)
        return presenters.item_dict(item, today, progress_of(db.session, item_id))


@blp.route("/decisions")
class Decisions(MethodView):
    decorators = COMPANIES

    @blp.arguments(DecisionListArgs, location="query")
    @blp.response(200, DecisionPage)
    def get(self, args):
        """Decisions to follow up: open, overdue (past the date, not done) or done; soonest due first."""
        today = clock.today()
        page = list_decisions(db.session, today=today, status=args.get("status"),
                              community_id=args.get("community_id"), page=args["page"], per_page=args["per_page"])
        return {"items": [presenters.decision_dict(r, today) for r in page.items], "page": page.page,
                "per_page": page.per_page, "total": page.total}


@blp.route("/calendar")
class Calendar(MethodView):
    decorators = COMPANIES

    @blp.arguments(CalendarArgs, location="query")
    @blp.response(200, CalendarOut)
    def get(self, args):
        """Each managed community's last twelve months: met, incomplete, missed, due, partial or not managed."""
        page = meeting_calendar(db.session, today=clock.today(), page=args["page"], per_page=args["per_page"],
                                community_id=args.get("community_id"))
        return presenters.calendar_dict(page)
