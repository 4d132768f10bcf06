"""Demands shaped for the API and for exports."""
from __future__ import annotations

from flask_babel import format_datetime
from flask_babel import gettext as _

from red_property.demands import labels
from red_property.core.fields import mask_phone
from red_property.core.schemas import json_date
from red_property.demands.models import Demand
from red_property.demands.queries import DemandDetail

SUMMARY = ("id", "community_id", "source", "hotline_ticket", "category", "route", "handler", "assignee_id", "status",
           "received_at", "due_at", "closed_at", "overdue_at", "contact_name", "rating")
DETAIL = ("description", "location", "building_id", "household_id", "route_reason", "resolution", "informed_at",
          "rating_comment", "rated_at")


def summary(demand: Demand, community: str, assignee: str | None = None) -> dict:
    """A list row: the phone masked."""
    out = {key: getattr(demand, key) for key in SUMMARY}
    out.update(community=community, assignee=assignee, overdue=demand.overdue_at is not None,
               contact_phone=mask_phone(demand.contact_phone))
    return out


def summary_json(rows: list[tuple]) -> list[dict]:
    """The API list's items, JSON-ready, straight from ``queries.demand_rows``: what ``DemandOut`` dumps
    from ``summary`` (tests/test_api_list_json.py holds the two equal), without a dump per field."""
    items = []
    for (demand_id, community_id, source, ticket, category, route, handler, assignee_id, status, received_at,
         due_at, closed_at, overdue_at, contact_name, rating, phone, community, assignee) in rows:
        items.append({
            "id": demand_id, "community_id": community_id, "community": community, "source": _value(source),
            "hotline_ticket": ticket, "category": _value(category), "route": _value(route), "handler": handler,
            "assignee_id": assignee_id, "assignee": assignee, "status": _value(status),
            "received_at": json_date(received_at), "due_at": json_date(due_at), "closed_at": json_date(closed_at),
            "overdue": overdue_at is not None, "overdue_at": json_date(overdue_at), "contact_name": contact_name,
            "contact_phone": mask_phone(phone), "rating": rating,
        })
    return items


def _value(member):
    return None if member is None else member.value


def full(detail: DemandDetail) -> dict:
    """One demand with its history: the phone as given, for calling the resident back."""
    demand = detail.demand
    out = summary(demand, detail.community, detail.assignee)
    out.update({key: getattr(demand, key) for key in DETAIL})
    out.update(contact_phone=demand.contact_phone or "", place=detail.place, mediations=detail.mediations,
               events=[{"kind": e.kind, "at": e.at, "actor": actor, "from_status": e.from_status,
                        "to_status": e.to_status, "route": e.route, "category": e.category, "note": e.note}
                       for e, actor in detail.events])
    return out


def export_table(rows: list[tuple[Demand, str]], assignees: dict[int, str] | None = None) -> tuple[list[str], list[list]]:
    """Header and rows of the filtered list, in the reader's language; phones masked.  The assignee comes
    last, so the columns sheets already read keep their places."""
    assignees = assignees or {}
    header = [_("编号"), _("小区"), _("来源"), _("热线工单号"), _("类别"), _("分流方式"), _("办理人"), _("状态"),
              _("受理时间"), _("办结时限"), _("办结时间"), _("超期"), _("联系人"), _("联系电话"), _("诉求内容"),
              _("处理结果"), _("评价"), _("指派给")]

    def when(value):
        return format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""

    body = [[d.id, community, str(labels.SOURCE[d.source]), d.hotline_ticket or "", str(labels.CATEGORY[d.category]),
             str(labels.ROUTE[d.route]), d.handler or "", str(labels.STATUS[d.status]), when(d.received_at),
             when(d.due_at), when(d.closed_at), _("是") if d.overdue_at else "", d.contact_name or "",
             mask_phone(d.contact_phone), d.description, d.resolution or "", d.rating or "",
             assignees.get(d.assignee_id, "")]
            for d, community in rows]
    return header, body
