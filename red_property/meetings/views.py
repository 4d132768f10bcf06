"""Joint-meeting pages (property companies): log a meeting, follow up decisions, the calendar."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from red_property.communities.models import Community
from red_property.core import clock
from red_property.core.charts import bar_chart
from red_property.core.formatting import pct_value
from red_property.core.errors import InputError
from red_property.core.forms import uploaded
from red_property.core.routing import MAX_ID
from red_property.extensions import db
from red_property.meetings import presenters
from red_property.meetings.calendar import meeting_calendar
from red_property.meetings.forms import (FollowUpForm, ItemForm, MeetingEditForm, MeetingForm, attendee_rows,
                                         item_data, item_rows, positions, preset_parties, set_choices, show_error)
from red_property.meetings.models import AgendaItem, JointMeeting, MeetingKind
from red_property.meetings.queries import (STATUSES, branches_of, company_communities, list_decisions, list_meetings,
                                           meeting_detail, members_of)
from red_property.meetings.services import add_item, follow_up, log_meeting, update_meeting
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("meetings", __name__, template_folder="templates")
PER_PAGE = 30


def arg_id(name: str) -> int | None:
    """A row id from the query string; anything else is ignored."""
    value = request.args.get(name, type=int)
    return value if value is not None and 1 <= value <= MAX_ID else None


def arg_page() -> int:
    return min(max(1, request.args.get("page", 1, type=int)), 1_000_000)


def arg_month() -> int | None:
    """``month=2026-10`` as 202610; anything else (or a year past 2100) is ignored."""
    try:
        day = dt.datetime.strptime(request.args.get("month", ""), "%Y-%m").date()  # noqa: DTZ007 (a month)
    except ValueError:
        return None
    return day.year * 100 + day.month if 1900 <= day.year <= 2100 else None


def _company() -> None:
    require_kind(TenantKind.COMPANY)


def submit(form, save, show=show_error):
    """Validate ``form`` (CSRF included), then ``save()``.

    Returns (what save returned, None), or (None, status) for re-rendering the
    form: 400 for input the form refuses, 422 for a service's ``InputError``,
    which ``show`` puts beside its field.
    """
    if not form.validate():
        return None, 400
    try:
        return save(), None
    except InputError as exc:
        db.session.rollback()
        show(form, exc)
        return None, 422


def picked_community() -> Community | None:
    """The community named by ``?community_id=`` if the company can see it (else the picker is shown)."""
    community_id = arg_id("community_id")
    return db.session.get(Community, community_id) if community_id else None


@bp.route("/<slug:tenant_slug>/meetings")
@login_required
def index():
    """Meetings, newest first, with what needs attention."""
    _company()
    community_id, period = arg_id("community_id"), arg_month()
    result = list_meetings(db.session, today=clock.today(), page=arg_page(), per_page=PER_PAGE,
                           community_id=community_id, period=period)
    return render_template("meetings/index.html", result=result, communities=company_communities(db.session),
                           community_id=community_id, month=request.args.get("month", "") if period else "",
                           labels=presenters)


@bp.route("/<slug:tenant_slug>/meetings/new", methods=["GET", "POST"])
@login_required
def new():
    """Log a meeting: pick the community, then the whole meeting in one form."""
    _company()
    community = picked_community()
    if community is None:
        return render_template("meetings/pick.html", communities=company_communities(db.session),
                               month=request.args.get("month", "")[:7])
    form = MeetingForm()
    set_choices(form, branches_of(db.session, community.id), members_of(db.session, community.id))
    status = 200
    if not form.is_submitted():
        preset_parties(form)
    else:
        where = positions(form)

        def save():
            data = {"community_id": community.id, "held_on": form.held_on.data, "kind": MeetingKind(form.kind.data),
                    "place": form.place.data, "organisation_id": form.organisation_id.data,
                    "attendees": attendee_rows(form, where), "items": item_rows(form, where)}
            return log_meeting(db.session, data, today=clock.today(), minutes=uploaded(form.minutes))

        meeting, status = submit(form, save, show=lambda f, exc: show_error(f, exc, where))
        if meeting is not None:
            flash(_("联席会议已登记。"), "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, community=community, meeting=None,
                           month=request.args.get("month", "")[:7]), status


@bp.route("/<slug:tenant_slug>/meetings/<int:meeting_id>")
@login_required
def show(meeting_id: int):
    """A meeting: attendees, agenda, pre-reviews, decisions and their follow-up."""
    _company()
    return _show(meeting_id)


def _show(meeting_id: int, item_form: ItemForm | None = None, follow_ups: dict | None = None, status: int = 200):
    detail = meeting_detail(db.session, meeting_id)
    if detail is None:
        abort(404)
    forms = {i.id: (follow_ups or {}).get(i.id) or FollowUpForm(prefix=f"f{i.id}")
             for i in detail.items if i.decision and i.done_on is None}
    return render_template("meetings/show.html", detail=detail, item_form=item_form or ItemForm(prefix="item"),
                           follow_ups=forms, today=clock.today(), labels=presenters), status


@bp.route("/<slug:tenant_slug>/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    """Correct a meeting's date, kind, place, branch, minutes and attendees."""
    _company()
    detail = meeting_detail(db.session, meeting_id)
    if detail is None:
        abort(404)
    meeting = detail.meeting
    if request.method == "GET":
        form = MeetingEditForm(data={
            "held_on": meeting.held_on, "kind": meeting.kind.value, "place": meeting.place,
            "organisation_id": meeting.organisation_id,
            "attendees": [{"party": a.party.value, "name": a.name, "post": a.post or "", "member_id": a.member_id}
                          for a in detail.attendees]})
        for _n in range(2):
            form.attendees.append_entry()
    else:
        form = MeetingEditForm()
    set_choices(form, branches_of(db.session, meeting.community_id), members_of(db.session, meeting.community_id))
    status = 200
    if form.is_submitted():
        where = positions(form)

        def save():
            data = {"held_on": form.held_on.data, "kind": MeetingKind(form.kind.data), "place": form.place.data,
                    "organisation_id": form.organisation_id.data, "attendees": attendee_rows(form, where)}
            return update_meeting(db.session, meeting, data, today=clock.today(), minutes=uploaded(form.minutes))

        saved, status = submit(form, save, show=lambda f, exc: show_error(f, exc, where))
        if saved is not None:
            flash(_("已保存。"), "success")
            return redirect(url_for("meetings.show", meeting_id=meeting_id))
    return render_template("meetings/form.html", form=form, community=detail.community, meeting=meeting,
                           month=""), status


@bp.route("/<slug:tenant_slug>/meetings/<int:meeting_id>/items", methods=["POST"])
@login_required
def add_agenda_item(meeting_id: int):
    """Add an agenda item (and its decision) to a logged meeting."""
    _company()
    meeting = db.get_or_404(JointMeeting, meeting_id)
    form = ItemForm(prefix="item")
    added, status = submit(form, lambda: add_item(db.session, meeting, item_data(form), today=clock.today()))
    if added is None:
        return _show(meeting_id, item_form=form, status=status)
    flash(_("议题已添加。"), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting_id))


@bp.route("/<slug:tenant_slug>/meetings/items/<int:item_id>/follow-up", methods=["POST"])
@login_required
def follow_up_item(item_id: int):
    """A progress note on a decision and/or the date it was done."""
    _company()
    item = db.get_or_404(AgendaItem, item_id)
    meeting_id = item.meeting_id
    form = FollowUpForm(prefix=f"f{item_id}")
    done, status = submit(form, lambda: follow_up(db.session, item, today=clock.today(), noted_on=form.noted_on.data,
                                                  note=form.note.data, done_on=form.done_on.data))
    if done is None:
        return _show(meeting_id, follow_ups={item_id: form}, status=status)
    flash(_("落实情况已记录。"), "success")
    if request.args.get("next") == "decisions":
        return redirect(url_for("meetings.decisions", status=request.args.get("status") or None))
    return redirect(url_for("meetings.show", meeting_id=meeting_id, _anchor=f"item-{item_id}"))


@bp.route("/<slug:tenant_slug>/meetings/decisions")
@login_required
def decisions():
    """Decisions to follow up: overdue first by default."""
    _company()
    status = request.args.get("status", "overdue")
    status = status if status in STATUSES else None
    today = clock.today()
    result = list_decisions(db.session, today=today, status=status, community_id=arg_id("community_id"),
                            page=arg_page(), per_page=PER_PAGE)
    forms = {r.item.id: FollowUpForm(prefix=f"f{r.item.id}") for r in result.items if r.item.done_on is None}
    return render_template("meetings/decisions.html", result=result, status=status or "all", forms=forms,
                           today=today, labels=presenters)


@bp.route("/<slug:tenant_slug>/meetings/calendar")
@login_required
def calendar():
    """Every managed community's last twelve months: met, missed, not managed..."""
    _company()
    page = meeting_calendar(db.session, today=clock.today(), page=arg_page(), per_page=PER_PAGE,
                            community_id=arg_id("community_id"), missing_only=request.args.get("missing") == "1")
    measured = [(r.name, pct_value(r.cadence)) for r in page.rows if r.cadence is not None]
    chart = bar_chart(measured, title=_("近十二个月联席会议按月召开率"), unit="%", max_value=100) if measured else None
    return render_template("meetings/calendar.html", page=page, chart=chart, labels=presenters,
                           communities=company_communities(db.session), community_id=arg_id("community_id"),
                           missing_only=request.args.get("missing") == "1")
