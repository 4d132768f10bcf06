"""Labels for the UI, and the plain dicts the API dumps."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from red_property.meetings.calendar import CalendarPage
from red_property.meetings.models import AgendaItem, AttendeeParty, MatterCategory, MeetingKind, ReviewOpinion
from red_property.meetings.queries import DecisionRow, MeetingDetail, MeetingRow

KINDS = {MeetingKind.MONTHLY: _l("月度例会"), MeetingKind.AD_HOC: _l("临时会议")}
PARTIES = {AttendeeParty.BRANCH: _l("小区党支部"), AttendeeParty.OWNERS_COMMITTEE: _l("业主委员会"),
           AttendeeParty.COMPANY: _l("物业服务企业"), AttendeeParty.RESIDENTS_COMMITTEE: _l("居民委员会"),
           AttendeeParty.OTHER: _l("其他")}
CATEGORIES = {MatterCategory.RENOVATION: _l("改造"), MatterCategory.ELEVATOR: _l("加装电梯"),
              MatterCategory.GARBAGE_SORTING: _l("垃圾分类"), MatterCategory.MAINTENANCE_FUND: _l("专项维修资金使用"),
              MatterCategory.COMPANY_SELECTION: _l("选聘、更换物业服务企业"), MatterCategory.DISPUTE: _l("矛盾纠纷"),
              MatterCategory.PUBLIC_INCOME: _l("公共收益"), MatterCategory.OTHER: _l("其他（一般事项）")}
OPINIONS = {ReviewOpinion.AGREED: _l("同意"), ReviewOpinion.AMENDED: _l("修改后同意"),
            ReviewOpinion.REJECTED: _l("不同意")}
DECISION_STATUSES = {"open": _l("落实中"), "overdue": _l("已逾期"), "done": _l("已办结")}
MONTH_STATUSES = {"met": _l("已开"), "incomplete": _l("三方未到齐"), "missed": _l("未开"), "due": _l("本月待开"),
                  "partial": _l("部分在管"), "not_managed": _l("未在管")}


def _cadence(value) -> str | None:
    return None if value is None else f"{float(value):.4f}"


def item_dict(item: AgendaItem, today: dt.date, progress=()) -> dict:
    return {"id": item.id, "position": item.position, "title": item.title, "category": item.category.value,
            "major": item.category.major, "reviewed_on": item.reviewed_on,
            "review_opinion": item.review_opinion.value if item.review_opinion else None,
            "review_note": item.review_note, "needs_review": item.needs_review, "decision": item.decision,
            "responsible": item.responsible, "due_on": item.due_on, "done_on": item.done_on,
            "status": item.status(today), "progress": [{"noted_on": p.noted_on, "note": p.note} for p in progress]}


def meeting_dict(row: MeetingRow) -> dict:
    m = row.meeting
    return {"id": m.id, "community_id": m.community_id, "community_name": row.community, "held_on": m.held_on,
            "kind": m.kind.value, "place": m.place, "organisation_id": m.organisation_id,
            "minutes_file_id": m.minutes_file_id, "parties_complete": m.parties_complete, "items": row.items,
            "unreviewed": row.unreviewed, "overdue": row.overdue}


def detail_dict(detail: MeetingDetail, today: dt.date) -> dict:
    m = detail.meeting
    return {"id": m.id, "community_id": m.community_id, "community_name": detail.community.name,
            "held_on": m.held_on, "kind": m.kind.value, "place": m.place, "organisation_id": m.organisation_id,
            "minutes_file_id": m.minutes_file_id, "parties_complete": m.parties_complete,
            "missing_parties": [p.value for p in detail.missing_parties],
            "attendees": [{"id": a.id, "party": a.party.value, "name": a.name, "post": a.post,
                           "member_id": a.member_id} for a in detail.attendees],
            "agenda": [item_dict(i, today, detail.progress.get(i.id, ())) for i in detail.items]}


def decision_dict(row: DecisionRow, today: dt.date) -> dict:
    return {**item_dict(row.item, today), "meeting_id": row.meeting.id, "held_on": row.meeting.held_on,
            "community_id": row.meeting.community_id, "community_name": row.community, "last_note": row.last_note}


def calendar_dict(page: CalendarPage) -> dict:
    return {"months": [f"{y}-{m:02d}" for y, m in page.months], "page": page.page, "per_page": page.per_page,
            "total": page.total, "rows": [
                {"community_id": r.community_id, "community_name": r.name, "met": r.met, "required": r.required,
                 "cadence": _cadence(r.cadence),
                 "cells": [{"month": c.label, "status": c.status, "counted": c.counted,
                            "meetings": [{"id": m.id, "held_on": m.held_on, "kind": m.kind.value,
                                          "parties_complete": m.complete} for m in c.meetings]}
                           for c in r.cells]}
                for r in page.rows]}
