"""What happens to a demand after intake; each step checks what a user could get wrong.

received --route--> in progress --close--> resolved | unresolved
received --close (unresolved, with the reason)--> unresolved
A closed demand is final: the resident is told, then may rate it once.
Each step writes a line in the demand's history in the same transaction.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from red_property.core import clock
from red_property.core.errors import InputError
from red_property.core.tenancy import current_actor_id
from red_property.core.fields import member, text
from red_property.demands.assignees import assignable
from red_property.demands.intake import CLOCK_SKEW
from red_property.demands.limits import due_time
from red_property.notifications.triggers import demand_assigned
from red_property.demands.models import (CLOSED, DEFAULTS, OPEN, Category, Demand, DemandEvent, EventKind,
                                         Mediation, Route, Status)

# For the messages of services (which are Chinese, as every service error is).
ROUTE_NAMES = {Route.SERVICE: "服务解决", Route.MANAGEMENT: "管理解决", Route.ENFORCEMENT: "执法解决"}


def _log(session: Session, demand: Demand, kind: EventKind, *, at: dt.datetime, note: str | None = None,
         to_status: Status | None = None, **what) -> None:
    session.add(DemandEvent(demand_id=demand.id, kind=kind, at=at, actor_id=current_actor_id(session),
                            from_status=demand.status if to_status else None, to_status=to_status, note=note,
                            **what))


# Set by ``deferred_commit``: a bulk action applies each step, then commits all or nothing; what
# must follow a commit (a notification, which commits itself) waits in the list until then.
_DEFERRED: ContextVar[list[Callable[[], object]] | None] = ContextVar("demand_commit_deferred", default=None)


@contextmanager
def deferred_commit() -> Iterator[list[Callable[[], object]]]:
    """Inside, the steps below flush instead of committing: the caller commits (or rolls back) once,
    then calls what the steps left in the yielded list (their after-commit work)."""
    token = _DEFERRED.set([])
    try:
        yield _DEFERRED.get()
    finally:
        _DEFERRED.reset(token)


def _commit(session: Session) -> None:
    try:
        session.flush() if _DEFERRED.get() is not None else session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise InputError("status", "该诉求刚被他人处理，请刷新后再试") from exc


def _after_commit(work: Callable[[], object]) -> None:
    """Run ``work`` now, or, inside ``deferred_commit``, once the caller has committed the batch."""
    pending = _DEFERRED.get()
    pending.append(work) if pending is not None else work()


def _require(demand: Demand, allowed: tuple[Status, ...], message: str) -> None:
    if demand.status not in allowed:
        raise InputError("status", message)


def route_demand(session: Session, demand: Demand, *, route, handler=None, reason=None, category=None,
                 assignee_id=None, now: dt.datetime | None = None) -> Demand:
    """Route a demand (分流派单) to whoever handles it, by the 721 method.

    Whoever handles it is a colleague (``assignee_id``: an active user of the company who
    may act on demands, who is then notified), a free-text handler (a team, an outside unit),
    or both; one of them is required.  With only an assignee, the handler is their name, so
    the history, the resources list and the exports name them as before.  Routing again
    replaces both (no assignee: the demand is no longer anyone's).
    The category's default route applies unless a reason is given for another.
    The category may be corrected while routing: the due time then follows the
    corrected category's limit from the time of receipt.  A demand in progress
    may be routed again (to another handler or route).
    """
    now = now or clock.now()
    _require(demand, OPEN, "已办结的诉求不能再分流")
    route = member(Route, "route", route)
    category = member(Category, "category", category) if category is not None else demand.category
    assignee = assignable(session, assignee_id)
    handler = text("handler", handler, required=False, min_len=2, max_len=100)
    if handler is None and assignee is None:
        raise InputError("handler", "请选择指派人员，或填写办理人或单位")
    handler = handler or assignee.name[:100]
    reason = text("reason", reason, required=False, min_len=4, max_len=200)
    default = DEFAULTS[category].route
    if route != default and reason is None:
        raise InputError("reason", f"该类诉求默认{ROUTE_NAMES[default]}，改为{ROUTE_NAMES[route]}需说明理由")
    corrected = category if category != demand.category else None
    who = handler if assignee is None or assignee.name == handler else f"{assignee.name}（{handler}）"
    _log(session, demand, EventKind.ROUTED, at=now, route=route, category=corrected,
         note=who + (f"（理由：{reason}）" if reason and route != default else ""),
         to_status=Status.IN_PROGRESS if demand.status == Status.RECEIVED else None)
    if corrected:
        demand.category, demand.due_at = category, due_time(session, category, demand.received_at)
    demand.route, demand.handler = route, handler
    demand.assignee_id = assignee.id if assignee is not None else None
    demand.route_reason = reason if route != default else None
    demand.status = Status.IN_PROGRESS
    _commit(session)
    _after_commit(lambda: demand_assigned(session, demand))   # the routing stands whatever the notification does
    return demand


def add_progress(session: Session, demand: Demand, note, *, now: dt.datetime | None = None) -> Demand:
    """A note on how a routed demand is getting on (visit, parts ordered, ...)."""
    _require(demand, (Status.IN_PROGRESS,), "只有办理中的诉求可以记录进展")
    _log(session, demand, EventKind.PROGRESS, at=now or clock.now(),
         note=text("note", note, required=True, min_len=2, max_len=1000))
    _commit(session)
    return demand


def record_mediation(session: Session, demand: Demand, *, held_on: dt.date, mediator, parties, agreed: bool,
                     summary, now: dt.datetime | None = None) -> Mediation:
    """A mediation session (矛盾调解) of an open dispute."""
    now = now or clock.now()
    if demand.category != Category.DISPUTE:
        raise InputError("category", "只有邻里纠纷类诉求记录调解")
    _require(demand, OPEN, "已办结的诉求不能再记录调解")
    if not isinstance(held_on, dt.date) or isinstance(held_on, dt.datetime):
        raise InputError("held_on", "请填写调解日期")
    if held_on < clock.local_date(demand.received_at) or held_on > clock.local_date(now):
        raise InputError("held_on", "调解日期应在受理之后、今天之前")
    if not isinstance(agreed, bool):
        raise InputError("agreed", "请说明是否达成调解协议")
    mediation = Mediation(demand_id=demand.id, held_on=held_on, agreed=agreed,
                          mediator=text("mediator", mediator, required=True, max_len=50),
                          parties=text("parties", parties, required=True, min_len=2, max_len=200),
                          summary=text("summary", summary, required=True, min_len=4, max_len=2000),
                          recorded_by=current_actor_id(session), recorded_at=now)
    session.add(mediation)
    _log(session, demand, EventKind.MEDIATION, at=now,
         note=f"{'达成调解协议' if agreed else '未达成协议'}（调解人：{mediation.mediator}）")
    _commit(session)
    return mediation


def close_demand(session: Session, demand: Demand, *, resolved: bool, resolution,
                 now: dt.datetime | None = None) -> Demand:
    """Close a demand (办结): resolved, or unresolved with the reason.

    Only a routed demand can be resolved; a dispute only after a mediation that
    reached agreement.  A demand may be closed unresolved before routing (not the
    company's matter, a duplicate).  Closing after the due time flags it overdue.
    """
    now = now or clock.now()
    if not isinstance(resolved, bool):
        raise InputError("outcome", "请选择已解决或未解决")
    if resolved:
        _require(demand, (Status.IN_PROGRESS,), "诉求需先分流办理，才能办结为已解决")
        if demand.category == Category.DISPUTE and not session.scalar(select(exists().where(
                Mediation.demand_id == demand.id, Mediation.agreed))):
            raise InputError("outcome", "邻里纠纷需有达成协议的调解记录，才能办结为已解决")
    else:
        _require(demand, OPEN, "该诉求已经办结")
    label = "处理结果" if resolved else "未解决的原因"
    try:
        resolution = text("resolution", resolution, required=True, min_len=4, max_len=2000)
    except InputError as exc:
        raise InputError("resolution", f"{label}：{exc}") from None
    status = Status.RESOLVED if resolved else Status.UNRESOLVED
    _log(session, demand, EventKind.RESOLVED if resolved else EventKind.UNRESOLVED, at=now, note=resolution,
         to_status=status)
    if now > demand.due_at and demand.overdue_at is None:
        _flag(session, demand, now)
    demand.status, demand.resolution, demand.closed_at = status, resolution, now
    _commit(session)
    return demand


def inform_resident(session: Session, demand: Demand, informed_at: dt.datetime | None = None, *,
                    now: dt.datetime | None = None) -> Demand:
    """Record when the resident was told the outcome (回访告知)."""
    now = now or clock.now()
    _require(demand, CLOSED, "诉求办结后才能告知居民")
    if demand.informed_at is not None:
        raise InputError("informed_at", "已记录过告知时间")
    informed_at = clock.aware(informed_at, "informed_at") if informed_at is not None else now
    if informed_at < demand.closed_at or informed_at > now + CLOCK_SKEW:
        raise InputError("informed_at", "告知时间应在办结之后、现在之前")
    _log(session, demand, EventKind.INFORMED, at=informed_at)
    demand.informed_at = informed_at
    _commit(session)
    return demand


def rate_demand(session: Session, demand: Demand, rating, comment=None, *,
                now: dt.datetime | None = None) -> Demand:
    """The resident's rating (1-5) and comment, once, after the demand is closed.

    A resident who rates has heard the outcome: an unrecorded informing time
    becomes the rating time.
    """
    now = now or clock.now()
    _require(demand, CLOSED, "诉求办结后才能评价")
    if demand.rating is not None:
        raise InputError("rating", "每条诉求只能评价一次")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InputError("rating", "评价为 1 到 5 星")
    comment = text("comment", comment, required=False, max_len=500)
    _log(session, demand, EventKind.RATED, at=now, note=f"{rating} 星" + (f"：{comment}" if comment else ""))
    demand.rating, demand.rating_comment, demand.rated_at = rating, comment, now
    if demand.informed_at is None:
        demand.informed_at = now
    _commit(session)
    return demand


def _flag(session: Session, demand: Demand, now: dt.datetime) -> None:
    session.add(DemandEvent(demand_id=demand.id, kind=EventKind.OVERDUE, at=now))
    demand.overdue_at = now


def flag_overdue(session: Session, now: dt.datetime | None = None) -> int:
    """Flag every open demand past its due time that is not flagged yet; returns how many.

    Idempotent: the UPDATE only matches unflagged rows (a second run, or a
    concurrent one waiting on the row locks, matches none), and a unique index
    allows one overdue line per demand in the history.
    """
    now = now or clock.now()
    rows = session.execute(
        update(Demand).where(Demand.status.in_(OPEN), Demand.overdue_at.is_(None), Demand.due_at < now)
        .values(overdue_at=now, version=Demand.version + 1)
        .returning(Demand.id)
        .execution_options(synchronize_session=False)).scalars().all()
    session.add_all(DemandEvent(demand_id=demand_id, kind=EventKind.OVERDUE, at=now) for demand_id in rows)
    session.commit()
    return len(rows)
