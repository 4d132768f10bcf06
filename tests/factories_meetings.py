"""Test data for joint meetings and activities."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from red_property.activities.models import ActivityKind
from red_property.meetings.models import AttendeeParty, MatterCategory, MeetingKind, ReviewOpinion
from red_property.party.models import PartyMember

THREE = (AttendeeParty.BRANCH, AttendeeParty.OWNERS_COMMITTEE, AttendeeParty.COMPANY)
NAMES = {AttendeeParty.BRANCH: "王书记", AttendeeParty.OWNERS_COMMITTEE: "李主任", AttendeeParty.COMPANY: "张经理",
         AttendeeParty.RESIDENTS_COMMITTEE: "赵主任", AttendeeParty.OTHER: "刘居民"}


def attendees(parties=THREE) -> list[dict]:
    return [{"party": p, "name": NAMES[p], "post": None, "member_id": None} for p in parties]


def item(title="楼道堆物清理", category=MatterCategory.OTHER, **fields) -> dict:
    return {"title": title, "category": category, **fields}


def decision(held_on: dt.date, **fields) -> dict:
    """A decided item: responsible and due two months after the meeting."""
    return {"decision": "限期完成", "responsible": "张经理", "due_on": held_on + dt.timedelta(days=60), **fields}


def reviewed(held_on: dt.date, days_before: int = 3) -> dict:
    return {"reviewed_on": held_on - dt.timedelta(days=days_before), "review_opinion": ReviewOpinion.AGREED}


def meeting(community_id: int, held_on: dt.date, kind=MeetingKind.MONTHLY, parties=THREE, items=(), **fields) -> dict:
    return {"community_id": community_id, "held_on": held_on, "kind": kind, "place": "小区党群服务站",
            "organisation_id": None, "attendees": attendees(parties), "items": list(items), **fields}


def add_members(s, community_id: int, names, *, direct=True) -> list[int]:
    rows = [PartyMember(name=n, community_id=community_id, directly_managed=direct,
                        home_organisation=None if direct else "市税务局机关党委") for n in names]
    s.add_all(rows)
    s.commit()
    return [m.id for m in rows]


def activity(community_id: int, held_on: dt.date, participants, kind=ActivityKind.THEME_DAY, **fields) -> dict:
    return {"community_id": community_id, "held_on": held_on, "kind": kind, "title": "学习党的二十大精神",
            "place": "党群服务站", "organisation_id": None, "participants": list(participants), **fields}


def member_part(member_id: int, hours="2") -> dict:
    return {"member_id": member_id, "hours": Decimal(hours)}


def volunteer(name: str, hours="1.5") -> dict:
    return {"name": name, "hours": Decimal(hours)}
