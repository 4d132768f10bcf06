"""Acting on many demands at once: assign them to a handler, or close them with a reason.

A bulk action is all or nothing.  Every selected demand goes through the same
service step as on its own page (``route_demand``, ``close_demand``: same
checks, same history line, same audit entries, and whatever else hangs on
those steps); the steps flush instead of committing, and the whole batch
commits only when every row could change.  Otherwise nothing is kept and
``BulkRejected`` lists each row that could not, with the reason.  A number the
company cannot see (another company's demand, a mistyped one) is "not found",
as on its own page.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy.orm import Session

from red_property.core.errors import InputError
from red_property.core.fields import text
from red_property.demands import services
from red_property.demands.assignees import assignable
from red_property.demands.models import Demand

MAX_ROWS = 200


@dataclass(frozen=True)
class RowProblem:
    demand_id: int
    message: str


class BulkRejected(ValueError):
    """Some selected demands cannot change; ``problems`` lists them all (nothing was written)."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__("；".join(f"#{p.demand_id}：{p.message}" for p in problems))


def _ids(demand_ids) -> list[int]:
    """The selected numbers, each once, in the order given."""
    if not demand_ids:
        raise InputError("demand_ids", "请至少选择一条诉求")
    ids = list(dict.fromkeys(demand_ids))
    if len(ids) > MAX_ROWS:
        raise InputError("demand_ids", f"一次最多处理 {MAX_ROWS} 条")
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids):
        raise InputError("demand_ids", "诉求编号无效")
    return ids


def _apply_all(session: Session, demand_ids, step: Callable[[Demand], object]) -> list[Demand]:
    ids = _ids(demand_ids)
    problems: list[RowProblem] = []
    done: list[Demand] = []
    with services.deferred_commit() as after_commit:
        for demand_id in ids:
            demand = session.get(Demand, demand_id)   # the session's tenancy: another company's is None
            if demand is None:
                problems.append(RowProblem(demand_id, "未找到该诉求"))
                continue
            try:
                step(demand)
            except InputError as exc:
                problems.append(RowProblem(demand_id, str(exc)))
                continue
            done.append(demand)
    if problems:
        session.rollback()
        raise BulkRejected(problems)
    session.commit()
    for work in after_commit:   # notifications, now that every row stands
        work()
    return done


def assign_demands(session: Session, demand_ids, *, handler=None, assignee_id=None) -> list[Demand]:
    """Assign (派单) each selected open demand to a colleague (``assignee_id``) and/or a free-text
    ``handler``, on the route it already has: all or none.  The two are checked once, before any
    row (an assignee who cannot be is the form's error, not every row's)."""
    handler = text("handler", handler, required=False, min_len=2, max_len=100)
    assignee = assignable(session, assignee_id)
    if handler is None and assignee is None:
        raise InputError("handler", "请选择指派人员，或填写办理人或单位")
    return _apply_all(session, demand_ids, lambda d: services.route_demand(
        session, d, route=d.route, handler=handler, reason=d.route_reason,
        assignee_id=assignee.id if assignee is not None else None))


def close_demands(session: Session, demand_ids, *, resolved: bool, resolution) -> list[Demand]:
    """Close each selected demand (resolved, or unresolved) with the one reason given: all or none."""
    if not isinstance(resolved, bool):
        raise InputError("outcome", "请选择已解决或未解决")
    try:
        resolution = text("resolution", resolution, required=True, min_len=4, max_len=2000)
    except InputError as exc:
        raise InputError("resolution", f"办结理由：{exc}") from None
    return _apply_all(session, demand_ids, lambda d: services.close_demand(
        session, d, resolved=resolved, resolution=resolution))
