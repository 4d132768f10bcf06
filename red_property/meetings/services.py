"""Logging joint meetings and following up their decisions.

Every function checks what a compliance officer could get wrong and raises
``InputError`` on the field at fault.  Row fields are named by their place:
``attendees.2.name``, ``items.0.due_on`` (counted from 0, as marshmallow does).

A meeting missing one of the three parties is kept and flagged, not refused:
the meeting happened, its decisions still need following up, and refusing it
would only push staff to leave it out or to list someone who was not there.
It does not count as the month's joint meeting (``parties_complete``).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from red_property.communities.services import require_managed_on
from red_property.core.errors import InputError, add_unique
from red_property.core.files import store_file
from red_property.meetings.models import (REQUIRED_PARTIES, AgendaItem, ItemProgress, JointMeeting, MeetingAttendee,
                                          MeetingKind)
from red_property.party.models import OrganisationCommunity, PartyMember, PartyOrganisation

MAX_NOTE = 500


def period_of(day: dt.date) -> int:
    """yyyymm: the month a monthly meeting stands for."""
    return day.year * 100 + day.month


def log_meeting(session: Session, data: dict, *, today: dt.date,
                minutes: tuple[str, bytes] | None = None) -> JointMeeting:
    """Record a joint meeting with its attendees and agenda items: all of it or nothing.

    ``data``: community_id, held_on, kind, place, organisation_id (optional),
    attendees [{party, name, post, member_id}], items [{title, category,
    reviewed_on, review_opinion, review_note, decision, responsible, due_on, done_on}].
    ``minutes``: (file name, bytes) of the minutes, optional.
    """
    community_id, held_on = data["community_id"], data["held_on"]
    require_managed_on(session, community_id, held_on, today=today, label="会议日期")
    place = _required(data, "place", "请填写会议地点")
    check_organisation(session, data.get("organisation_id"), community_id)
    attendees = _attendees(session, data.get("attendees") or [])
    items = [_item(row, n, held_on, today) for n, row in enumerate(data.get("items") or [])]
    _check_monthly_free(session, community_id, held_on, data["kind"])
    meeting = JointMeeting(community_id=community_id, held_on=held_on, kind=data["kind"],
                           monthly_period=period_of(held_on) if data["kind"] == MeetingKind.MONTHLY else None,
                           place=place, organisation_id=data.get("organisation_id"),
                           parties_complete=REQUIRED_PARTIES <= {a.party for a in attendees})
    if minutes is not None:
        meeting.minutes_file_id = store_file(session, purpose="minutes", filename=minutes[0], data=minutes[1],
                                             field="minutes").id
    _flush_meeting(session, meeting)
    for attendee in attendees:
        attendee.meeting_id = meeting.id
    for position, item in enumerate(items, start=1):
        item.meeting_id, item.position = meeting.id, position
    session.add_all(attendees + items)
    session.commit()
    return meeting


def update_meeting(session: Session, meeting: JointMeeting, data: dict, *, today: dt.date,
                   minutes: tuple[str, bytes] | None = None) -> JointMeeting:
    """Correct a meeting's date, kind, place, convening branch and attendees (replaced as a whole)."""
    held_on = data["held_on"]
    require_managed_on(session, meeting.community_id, held_on, today=today, label="会议日期")
    place = _required(data, "place", "请填写会议地点")
    check_organisation(session, data.get("organisation_id"), meeting.community_id)
    attendees = _attendees(session, data.get("attendees") or [])
    if held_on != meeting.held_on:
        _check_items_fit(session, meeting, held_on)
    _check_monthly_free(session, meeting.community_id, held_on, data["kind"], exclude=meeting.id)
    meeting.held_on, meeting.kind, meeting.place = held_on, data["kind"], place
    meeting.monthly_period = period_of(held_on) if data["kind"] == MeetingKind.MONTHLY else None
    meeting.organisation_id = data.get("organisation_id")
    meeting.parties_complete = REQUIRED_PARTIES <= {a.party for a in attendees}
    if minutes is not None:
        meeting.minutes_file_id = store_file(session, purpose="minutes", filename=minutes[0], data=minutes[1],
                                             field="minutes").id
    for old in session.scalars(select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting.id)):
        session.delete(old)
    _flush_meeting(session, meeting)
    for attendee in attendees:
        attendee.meeting_id = meeting.id
    session.add_all(attendees)
    session.commit()
    return meeting


def attach_minutes(session: Session, meeting: JointMeeting, filename: str, data: bytes) -> JointMeeting:
    """Attach (or replace) the minutes of a meeting: a PDF or a photo of the signed pages."""
    meeting.minutes_file_id = store_file(session, purpose="minutes", filename=filename, data=data,
                                         field="minutes").id
    session.commit()
    return meeting


def add_item(session: Session, meeting: JointMeeting, data: dict, *, today: dt.date) -> AgendaItem:
    """Add an agenda item (and the decision taken on it) to a meeting already logged."""
    item = _item(data, None, meeting.held_on, today)
    last = session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
    item.meeting_id, item.position = meeting.id, (last or 0) + 1
    session.add(item)
    session.commit()
    return item


def follow_up(session: Session, item: AgendaItem, *, today: dt.date, noted_on: dt.date | None = None,
              note: str | None = None, done_on: dt.date | None = None) -> AgendaItem:
    """Note progress on a decision and/or mark it done (办结)."""
    meeting = session.get(JointMeeting, item.meeting_id)
    note = (note or "").strip() or None
    if item.decision is None:
        raise InputError("item_id", "该议题没有形成决议，无需跟踪落实")
    if note is None and done_on is None:
        raise InputError("note", "请填写落实情况或办结日期")
    if note is not None:
        if len(note) > MAX_NOTE:
            raise InputError("note", f"落实情况不能超过 {MAX_NOTE} 字")
        noted_on = noted_on or today
        _within(noted_on, meeting.held_on, today, "noted_on", "记录日期")
    if done_on is not None:
        if item.done_on is not None:
            raise InputError("done_on", f"该决议已于 {item.done_on} 办结")
        _within(done_on, meeting.held_on, today, "done_on", "办结日期")
        item.done_on = done_on
    if note is not None:
        session.add(ItemProgress(item_id=item.id, noted_on=noted_on, note=note))
    session.commit()
    return item


# --- checks ---------------------------------------------------------------

def _required(data: dict, field: str, message: str) -> str:
    value = (data.get(field) or "").strip()
    if not value:
        raise InputError(field, message)
    return value


def _within(day: dt.date, held_on: dt.date, today: dt.date, field: str, label: str) -> None:
    if day < held_on:
        raise InputError(field, f"{label}不能早于会议日期（{held_on}）")
    if day > today:
        raise InputError(field, f"{label}不能晚于今天")


def check_organisation(session: Session, organisation_id: int | None, community_id: int) -> None:
    """An optional convening or organising branch must cover the community."""
    if organisation_id is None:
        return
    if session.get(PartyOrganisation, organisation_id) is None:
        raise InputError("organisation_id", "党组织不存在")
    covers = session.scalar(select(OrganisationCommunity.id).where(
        OrganisationCommunity.organisation_id == organisation_id, OrganisationCommunity.community_id == community_id))
    if covers is None:
        raise InputError("organisation_id", "该党组织不覆盖这个小区，不能作为召集党组织")


def _check_monthly_free(session: Session, community_id: int, held_on: dt.date, kind: MeetingKind,
                        exclude: int | None = None) -> None:
    if kind != MeetingKind.MONTHLY:
        return
    stmt = select(JointMeeting.held_on, JointMeeting.parties_complete).where(
        JointMeeting.community_id == community_id, JointMeeting.monthly_period == period_of(held_on))
    if exclude is not None:
        stmt = stmt.where(JointMeeting.id != exclude)
    other = session.execute(stmt).first()
    if other is not None:
        message = _monthly_taken(held_on, other.held_on)
        if not other.parties_complete:
            message += "；如因那次三方未到齐而重新召开，请先把那次会议改为临时会议"
        raise InputError("kind", message)


def _monthly_taken(held_on: dt.date, other: dt.date | None) -> str:
    when = f"（{other}）" if other else ""
    return (f"本小区 {held_on.year} 年 {held_on.month} 月已登记月度例会{when}，每月只有一次月度例会；"
            f"同月再次召开请登记为临时会议")


def _flush_meeting(session: Session, meeting: JointMeeting) -> None:
    """Flush, turning a lost race for the month's monthly meeting into the same clear message."""
    add_unique(session, meeting, "kind", _monthly_taken(meeting.held_on, None))


def _check_items_fit(session: Session, meeting: JointMeeting, held_on: dt.date) -> None:
    items = session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)).all()
    earliest = session.scalar(select(func.min(ItemProgress.noted_on)).where(
        ItemProgress.item_id.in_([i.id for i in items])))
    for item in items:
        if item.reviewed_on is not None and item.reviewed_on > held_on:
            raise InputError("held_on", f"议题“{item.title}”的前置审核日期（{item.reviewed_on}）晚于新的会议日期")
        for day in (item.due_on, item.done_on, earliest):
            if day is not None and day < held_on:
                raise InputError("held_on", f"议题“{item.title}”已有早于新会议日期的完成时限或落实记录（{day}）")


def _attendees(session: Session, rows: list[dict]) -> list[MeetingAttendee]:
    if not rows:
        raise InputError("attendees", "请至少登记一名参会人员")
    members = _members(session, [r.get("member_id") for r in rows])
    seen: set[tuple] = set()
    out = []
    for n, row in enumerate(rows):
        member_id = row.get("member_id")
        if member_id is not None and member_id not in members:
            raise InputError(f"attendees.{n}.member_id", "党员不存在")
        name = (row.get("name") or "").strip() or (members[member_id].name if member_id is not None else "")
        if not name:
            raise InputError(f"attendees.{n}.name", "请填写参会人员姓名")
        if (row["party"], name) in seen:
            raise InputError(f"attendees.{n}.name", f"{name}已在同一方登记过")
        seen.add((row["party"], name))
        out.append(MeetingAttendee(party=row["party"], name=name, post=(row.get("post") or "").strip() or None,
                                   member_id=member_id))
    return out


def _members(session: Session, ids: list[int | None]) -> dict[int, PartyMember]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {m.id: m for m in session.scalars(select(PartyMember).where(PartyMember.id.in_(wanted)))}


def _item(row: dict, n: int | None, held_on: dt.date, today: dt.date) -> AgendaItem:
    def field(name: str) -> str:
        return name if n is None else f"items.{n}.{name}"

    def text(name: str) -> str | None:
        return (row.get(name) or "").strip() or None

    title, decision, responsible = text("title"), text("decision"), text("responsible")
    category, reviewed_on, opinion = row["category"], row.get("reviewed_on"), row.get("review_opinion")
    due_on, done_on = row.get("due_on"), row.get("done_on")
    if title is None:
        raise InputError(field("title"), "请填写议题")
    if reviewed_on is not None and opinion is None:
        raise InputError(field("review_opinion"), "请填写党支部前置审核意见")
    if opinion is not None and reviewed_on is None:
        raise InputError(field("reviewed_on"), "请填写党支部前置审核日期")
    if reviewed_on is not None and reviewed_on > held_on:
        raise InputError(field("reviewed_on"), "决策前置审核应在会议当天或之前完成")
    if decision is None:
        if responsible or due_on or done_on:
            raise InputError(field("decision"), "填写了责任人、时限或办结日期，请同时填写决议内容")
    else:
        if category.major and reviewed_on is None:
            raise InputError(field("reviewed_on"),
                             "重大事项须先经党支部前置审核（决策前置审核）才能形成决议：请填写审核日期和意见")
        if responsible is None:
            raise InputError(field("responsible"), "决议须明确责任人")
        if due_on is None:
            raise InputError(field("due_on"), "决议须明确完成时限")
        if due_on < held_on:
            raise InputError(field("due_on"), "完成时限不能早于会议日期")
        if done_on is not None:
            _within(done_on, held_on, today, field("done_on"), "办结日期")
    return AgendaItem(title=title, category=category, reviewed_on=reviewed_on, review_opinion=opinion,
                      review_note=text("review_note"), decision=decision, responsible=responsible,
                      due_on=due_on, done_on=done_on)
