"""Recording activities, in-service members' reporting and negative-behaviour records.

Each function checks what a compliance officer could get wrong and raises
``InputError`` on the field at fault (``participants.3.hours`` for a row).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.activities.models import Activity, ActivityParticipant, NegativeRecord, ServiceReport
from red_property.communities.services import require_managed_on
from red_property.core.errors import InputError, add_unique
from red_property.meetings.services import check_organisation
from red_property.party.models import PartyMember

MAX_HOURS = Decimal(24)
MAX_ITEMS = 10


def hours_to_minutes(hours: Decimal, field: str) -> int:
    """Hours with at most one decimal (a tenth is six minutes) as whole minutes."""
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        raise InputError(field, "服务时长应大于 0 小时、不超过 24 小时")
    if hours != hours.quantize(Decimal("0.1")):
        raise InputError(field, "服务时长最多保留一位小数（如 1.5）")
    return int(hours * 60)


def minutes_to_hours(minutes: int | None) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.1"))


def record_activity(session: Session, data: dict, *, today: dt.date) -> Activity:
    """An activity with its participants and their hours: all of it or nothing.

    ``data``: community_id, held_on, kind, title, place, organisation_id
    (optional), participants [{member_id or name, hours}].
    """
    require_managed_on(session, data["community_id"], data["held_on"], today=today, label="活动日期")
    check_organisation(session, data.get("organisation_id"), data["community_id"])
    title = (data.get("title") or "").strip()
    if not title:
        raise InputError("title", "请填写活动主题")
    participants = _participants(session, data.get("participants") or [])
    activity = Activity(community_id=data["community_id"], held_on=data["held_on"], kind=data["kind"],
                        title=title, place=(data.get("place") or "").strip() or None,
                        organisation_id=data.get("organisation_id"))
    session.add(activity)
    session.flush()
    for participant in participants:
        participant.activity_id = activity.id
    session.add_all(participants)
    session.commit()
    return activity


def delete_activity(session: Session, activity: Activity) -> None:
    """Remove an activity logged by mistake (the audit log keeps what it was)."""
    for participant in session.scalars(select(ActivityParticipant).where(
            ActivityParticipant.activity_id == activity.id)):
        session.delete(participant)
    session.flush()  # participants first: the unit of work does not know they depend on the activity
    session.delete(activity)
    session.commit()


def _participants(session: Session, rows: list[dict]) -> list[ActivityParticipant]:
    if not rows:
        raise InputError("participants", "请至少登记一名参加人员")
    wanted = {r["member_id"] for r in rows if r.get("member_id") is not None}
    members = {m.id: m for m in session.scalars(select(PartyMember).where(PartyMember.id.in_(wanted)))} if wanted else {}
    seen_members: set[int] = set()
    seen_names: set[str] = set()
    out = []
    for n, row in enumerate(rows):
        member_id = row.get("member_id")
        if member_id is not None:
            if member_id not in members:
                raise InputError(f"participants.{n}.member_id", "党员不存在")
            if member_id in seen_members:
                raise InputError(f"participants.{n}.member_id", f"{members[member_id].name}已登记过")
            seen_members.add(member_id)
            name = members[member_id].name
        else:
            name = (row.get("name") or "").strip()
            if not name:
                raise InputError(f"participants.{n}.name", "请填写志愿者姓名，或选择党员")
            if name in seen_names:
                raise InputError(f"participants.{n}.name", f"{name}已登记过")
            seen_names.add(name)
        minutes = hours_to_minutes(row["hours"], f"participants.{n}.hours")
        out.append(ActivityParticipant(member_id=member_id, name=name, minutes=minutes))
    return out


def _member(session: Session, member_id: int | None) -> PartyMember:
    member = session.get(PartyMember, member_id) if member_id is not None else None
    if member is None:
        raise InputError("member_id", "党员不存在")
    return member


def record_report(session: Session, data: dict, *, today: dt.date) -> ServiceReport:
    """An in-service member reports in where they live (双报到) and claims service items."""
    member = _member(session, data["member_id"])
    if member.directly_managed:
        raise InputError("member_id", "直管党员的组织关系就在本小区，无需双报到；双报到是在职党员向居住地党组织报到")
    if data["reported_on"] > today:
        raise InputError("reported_on", "报到日期不能晚于今天")
    items = list(dict.fromkeys(i.strip() for i in data.get("claimed_items") or [] if i and i.strip()))
    if not items:
        raise InputError("claimed_items", "请填写认领的服务项目")
    if len(items) > MAX_ITEMS or any(len(i) > 50 for i in items):
        raise InputError("claimed_items", f"最多 {MAX_ITEMS} 个服务项目，每项不超过 50 字")
    report = ServiceReport(member_id=member.id, reported_on=data["reported_on"], claimed_items=items)
    add_unique(session, report, "reported_on", f"{member.name}在 {data['reported_on']} 已登记过报到")
    session.commit()
    return report


def record_negative(session: Session, data: dict, *, today: dt.date) -> NegativeRecord:
    """A member broke a community rule: what, when, and the deadline to rectify it."""
    _member(session, data["member_id"])
    description = (data.get("description") or "").strip()
    if not description:
        raise InputError("description", "请写明负面行为的具体情况")
    if data["occurred_on"] > today:
        raise InputError("occurred_on", "发生日期不能晚于今天")
    if data["rectify_by"] < data["occurred_on"]:
        raise InputError("rectify_by", "整改期限不能早于发生日期")
    record = NegativeRecord(member_id=data["member_id"], occurred_on=data["occurred_on"], description=description,
                            rectify_by=data["rectify_by"])
    session.add(record)
    session.commit()
    return record


def follow_up_negative(session: Session, record: NegativeRecord, *, today: dt.date,
                       rectified_on: dt.date | None = None, reported_on: dt.date | None = None) -> NegativeRecord:
    """Record that the member rectified, and/or that the record was reported to their own organisation.

    Reporting is for a member who did not rectify by the deadline: after the
    deadline, and never for a record rectified in time.
    """
    if rectified_on is None and reported_on is None:
        raise InputError("rectified_on", "请填写整改完成日期或报告日期")
    if rectified_on is not None:
        if record.rectified_on is not None:
            raise InputError("rectified_on", f"已于 {record.rectified_on} 整改完成")
        if rectified_on < record.occurred_on:
            raise InputError("rectified_on", "整改日期不能早于发生日期")
        if rectified_on > today:
            raise InputError("rectified_on", "整改日期不能晚于今天")
        record.rectified_on = rectified_on
    if reported_on is not None:
        if record.reported_on is not None:
            raise InputError("reported_on", f"已于 {record.reported_on} 报告")
        if record.rectified_in_time:
            raise InputError("reported_on", "已按期整改，无需报告所在党组织")
        if reported_on <= record.rectify_by:
            raise InputError("reported_on", f"整改期限（{record.rectify_by}）届满后仍未整改的，才报告其所在党组织")
        if reported_on > today:
            raise InputError("reported_on", "报告日期不能晚于今天")
        record.reported_on = reported_on
    session.commit()
    return record
