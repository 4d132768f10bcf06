"""Labels for the UI, the plain dicts the API dumps, and the ledger's table."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from red_property.activities.models import ActivityKind
from red_property.activities.queries import ActivityDetail, ActivityRow, LedgerRow, NegativeRow
from red_property.activities.services import minutes_to_hours

KINDS = {ActivityKind.THEME_DAY: _l("主题党日"), ActivityKind.GENERAL_MEETING: _l("支部党员大会"),
         ActivityKind.COMMITTEE_MEETING: _l("支部委员会"), ActivityKind.GROUP_MEETING: _l("党小组会"),
         ActivityKind.PARTY_LECTURE: _l("党课"), ActivityKind.VOLUNTEER: _l("志愿服务"),
         ActivityKind.RED_FAMILY: _l("红色家庭活动"), ActivityKind.SERVICE_DAY: _l("服务日")}
NEGATIVE_STATUSES = {"pending": _l("整改中"), "rectified": _l("已按期整改"), "to_report": _l("待报告"),
                     "reported": _l("已报告所在党组织")}


def activity_dict(row: ActivityRow) -> dict:
    a = row.activity
    return {"id": a.id, "community_id": a.community_id, "community_name": row.community, "held_on": a.held_on,
            "kind": a.kind.value, "title": a.title, "place": a.place, "organisation_id": a.organisation_id,
            "participants": row.participants, "members": row.members, "hours": row.hours}


def activity_detail_dict(detail: ActivityDetail) -> dict:
    a = detail.activity
    return {"id": a.id, "community_id": a.community_id, "community_name": detail.community.name,
            "held_on": a.held_on, "kind": a.kind.value, "title": a.title, "place": a.place,
            "organisation_id": a.organisation_id,
            "members": sum(p.member_id is not None for p in detail.participants),
            "hours": minutes_to_hours(sum(p.minutes for p in detail.participants)),
            "participants": [{"id": p.id, "member_id": p.member_id, "name": p.name,
                              "hours": minutes_to_hours(p.minutes)} for p in detail.participants]}


def ledger_dict(row: LedgerRow) -> dict:
    m = row.member
    return {"member_id": m.id, "name": m.name, "community_name": row.community,
            "directly_managed": m.directly_managed, "home_organisation": m.home_organisation,
            "reported_on": [r.reported_on for r in row.reports], "claimed_items": row.claimed,
            "activities": row.activities, "hours": row.hours}


def ledger_table(rows: list[LedgerRow]) -> tuple[list[str], list[list]]:
    """The export's header and rows (CSV and XLSX): what a member's own organisation asks for."""
    header = [_("姓名"), _("居住小区"), _("所在单位党组织"), _("党员类别"), _("报到日期"), _("认领服务项目"),
              _("参加活动次数"), _("服务时长（小时）")]
    body = [[r.member.name, r.community, r.member.home_organisation or "",
             _("直管党员") if r.member.directly_managed else _("在职党员"),
             "、".join(str(x.reported_on) for x in r.reports), "、".join(r.claimed), r.activities, r.hours]
            for r in rows]
    return header, body


def negative_dict(row: NegativeRow, today: dt.date) -> dict:
    r = row.record
    return {"id": r.id, "member_id": r.member_id, "member_name": row.member.name, "community_name": row.community,
            "home_organisation": row.member.home_organisation, "occurred_on": r.occurred_on,
            "description": r.description, "rectify_by": r.rectify_by, "rectified_on": r.rectified_on,
            "reported_on": r.reported_on, "status": r.status(today)}
