"""What each kind of notification says and where it leads.

A notification stores its kind and parameters; the text is rendered here, at
the time it is shown or mailed, in the reader's language (Chinese message ids).
Parameters are plain values (numbers, short texts, ISO instants).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import current_app
from flask_babel import gettext as _

from red_property.core.i18n import local_time
from red_property.notifications.models import Notification

DEMAND_ASSIGNED = "demand_assigned"
DEMAND_OVERDUE = "demand_overdue"
APPEAL_DECIDED = "appeal_decided"
RATING_PUBLISHED = "rating_published"
STATEMENT_DUE = "statement_due"


@dataclass(frozen=True)
class Kind:
    title: Callable[[dict], str]
    body: Callable[[dict], str]
    # (endpoint, values) of the page to act on, given the notification (its tenant's slug is added)
    target: Callable[[Notification], tuple[str, dict]]


def _demand(n: Notification) -> tuple[str, dict]:
    return "demands.show", {"demand_id": n.subject_id}


def _company_result(n: Notification) -> tuple[str, dict]:
    return "rating.company_result", {"run_id": n.params["run_id"], "company_id": n.tenant_id}


def _appeal_body(p: dict) -> str:
    if p.get("upheld"):
        return _("申诉成立（指标 %(indicator)s），评价将予以更正。理由：%(reason)s",
                 indicator=p.get("indicator", ""), reason=p.get("reason", ""))
    return _("申诉未获支持（指标 %(indicator)s）。理由：%(reason)s",
             indicator=p.get("indicator", ""), reason=p.get("reason", ""))


KINDS: dict[str, Kind] = {
    DEMAND_ASSIGNED: Kind(
        title=lambda p: _("诉求 #%(number)s 已分派给您", number=p.get("number", "")),
        body=lambda p: _("%(community)s：%(summary)s", community=p.get("community", ""), summary=p.get("summary", "")),
        target=_demand),
    DEMAND_OVERDUE: Kind(
        title=lambda p: _("诉求 #%(number)s 已超期", number=p.get("number", "")),
        body=lambda p: _("办结时限 %(due)s 已过，请尽快办结：%(summary)s",
                         due=local_time(p.get("due")), summary=p.get("summary", "")),
        target=_demand),
    APPEAL_DECIDED: Kind(
        title=lambda p: _("%(period)s 信用评价申诉已处理", period=p.get("period", "")),
        body=_appeal_body,
        target=_company_result),
    RATING_PUBLISHED: Kind(
        title=lambda p: _("%(period)s 信用评价已发布", period=p.get("period", "")),
        body=lambda p: _("请查看本企业的评价结果；如有异议，请在 %(until)s 前提出申诉。",
                         until=local_time(p.get("appeals_until"))),
        target=_company_result),
    STATEMENT_DUE: Kind(
        title=lambda p: _("%(period)s 收支公示待发布", period=p.get("period", "")),
        body=lambda p: _("本期应向业主公示 %(period)s 的收支情况，目前尚未发布。", period=p.get("period", "")),
        target=lambda n: ("finance_statements.index", {})),
}


def title(n: Notification) -> str:
    return KINDS[n.kind].title(n.params or {})


def body(n: Notification) -> str:
    return KINDS[n.kind].body(n.params or {})


def link(n: Notification, tenant_slug: str) -> str:
    """The path of the page to act on (built without a request, so that mail jobs use it too)."""
    endpoint, values = KINDS[n.kind].target(n)
    adapter = current_app.url_map.bind("localhost")
    return adapter.build(endpoint, {**values, "tenant_slug": tenant_slug})
