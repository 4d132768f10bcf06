"""Who is told what, for each event the product notifies of; each ends in ``services.notify``.

Called from the services that make the events (demand routing, the overdue
check, the bureau's rating and appeal decisions) and from this package's
periodic jobs.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from red_property.accounts.models import Role, User
from red_property.core import clock
from red_property.core.tenancy import current_actor_id
from red_property.core.jobs import QueueUnavailable, enqueue
from red_property.notifications import kinds, mail
from red_property.notifications.services import notify, users_with_roles

SUMMARY_CHARS = 60
# Overdue demands flagged this long ago or less are checked for their notification: a flag
# whose notification was lost (a job killed in between) is caught up by the next hourly run.
OVERDUE_LOOKBACK = dt.timedelta(days=2)


def handler_users(session: Session, handler: str | None) -> list[int]:
    """The users a demand's handler names: the handler is free text (a person, team or unit),
    so only an exact name or email of an active user of the company is someone to notify."""
    if not handler:
        return []
    handler = handler.strip()
    return list(session.scalars(select(User.id).where(
        User.active.is_(True), or_(User.name == handler, func.lower(User.email) == handler.lower()))))


def demand_users(session: Session, demand) -> list[int]:
    """Who a demand is for: its assignee while active; a demand without one (routed before demands
    had assignees, or to a free-text handler only) falls back to the user its handler names."""
    if demand.assignee_id is None:
        return handler_users(session, demand.handler)
    return list(session.scalars(select(User.id).where(User.id == demand.assignee_id, User.active.is_(True))))


def _demand_params(session: Session, demand) -> dict:
    from red_property.communities.models import Community

    return {"number": demand.id, "community": session.scalar(select(Community.name).where(
        Community.id == demand.community_id)) or "", "summary": demand.description[:SUMMARY_CHARS]}


def demand_assigned(session: Session, demand) -> int:
    """A demand was routed: tell its assignee (or the user its handler names, when it has none),
    not the one who routed it to themselves."""
    actor = current_actor_id(session)
    users = [u for u in demand_users(session, demand) if u != actor]
    # one per routing: routing again to someone else (or back) is a new assignment
    occasion = f"{demand.version}"
    made = notify(session, kinds.DEMAND_ASSIGNED, demand.id, users=users, occasion=occasion,
                  params=_demand_params(session, demand))
    if made and mail.configured():
        try:
            enqueue(session, "notifications.send_mail")   # mailed by a job, never in the request
        except QueueUnavailable:
            pass   # the job is marked failed; the mail sweep (notifications.jobs) sends it later
    return made


def overdue_demands(session: Session, now: dt.datetime | None = None) -> int:
    """Tell the assignee (else the user the handler names) and the company's admins of every demand
    flagged overdue lately; idempotent:
    one notification per demand and overdue event (its ``overdue_at``)."""
    from red_property.demands.models import OPEN, Demand

    now = now or clock.now()
    admins = users_with_roles(session, Role.ADMIN)
    made = 0
    demands = session.scalars(select(Demand).where(Demand.status.in_(OPEN), Demand.overdue_at.is_not(None),
                                                   Demand.overdue_at >= now - OVERDUE_LOOKBACK)
                              .order_by(Demand.id)).all()
    for demand in demands:
        params = {**_demand_params(session, demand), "due": demand.due_at.astimezone(dt.timezone.utc).isoformat()}
        made += notify(session, kinds.DEMAND_OVERDUE, demand.id,
                       users=admins + demand_users(session, demand),
                       occasion=demand.overdue_at.astimezone(dt.timezone.utc).isoformat(), params=params)
    if made:
        mail.send_pending(session)   # already in a job: mail at once
    return made


def statement_due(session: Session, today: dt.date | None = None) -> int:
    """An owners' committee publishes each quarter's statement in the next quarter: while the last
    quarter's is unpublished, tell its admins and staff (once per quarter)."""
    from red_property.finance.models import Statement, StatementKind
    from red_property.finance.statements import period_of

    today = today or clock.today()
    index = today.year * 4 + (today.month - 1) // 3 - 1
    period, _starts, _ends = period_of(StatementKind.QUARTER, index // 4, index % 4 + 1)
    published = session.scalar(select(Statement.id).where(Statement.period == period,
                                                          Statement.published_at.is_not(None)).limit(1))
    if published is not None:
        return 0
    made = notify(session, kinds.STATEMENT_DUE, 0, users=users_with_roles(session, Role.ADMIN, Role.STAFF),
                  occasion=period, params={"period": period})
    if made:
        mail.send_pending(session)   # already in a job: mail at once
    return made
