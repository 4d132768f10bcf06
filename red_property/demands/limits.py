"""Time limits (限时办结) per category: the defaults, or the company's own.

A demand's due time is fixed when it is received, from the limit in force
then: changing a limit applies to demands received afterwards.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from red_property.core.errors import InputError
from red_property.core.tenancy import current_actor_id
from red_property.demands.models import DEFAULTS, MAX_HOURS, MIN_HOURS, Category, TimeLimit


def effective_limits(session: Session) -> dict[Category, int]:
    """Hours per category for the current company: its own, else the default (one query)."""
    own = dict(session.execute(select(TimeLimit.category, TimeLimit.hours)).tuples().all())
    return {category: own.get(category, policy.hours) for category, policy in DEFAULTS.items()}


def limit_for(session: Session, category: Category) -> int:
    own = session.scalar(select(TimeLimit.hours).where(TimeLimit.category == category))
    return own if own is not None else DEFAULTS[category].hours


def due_time(session: Session, category: Category, received_at: dt.datetime) -> dt.datetime:
    """Received time plus the category's limit, in calendar hours."""
    return received_at + dt.timedelta(hours=limit_for(session, category))


def set_time_limits(session: Session, hours: dict[Category, int]) -> dict[Category, int]:
    """Set the company's limits; a limit equal to the default is stored as "use the default"."""
    for category, value in hours.items():
        if not isinstance(category, Category):
            raise InputError("category", "未知的诉求类别")
        if isinstance(value, bool) or not isinstance(value, int) or not MIN_HOURS <= value <= MAX_HOURS:
            raise InputError(category.value, f"时限应为 {MIN_HOURS} 到 {MAX_HOURS} 小时之间的整数")
    own = {row.category: row for row in session.scalars(select(TimeLimit))}
    for category, value in hours.items():
        row = own.get(category)
        if value == DEFAULTS[category].hours:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(TimeLimit(category=category, hours=value, updated_by=current_actor_id(session)))
        elif row.hours != value:
            row.hours, row.updated_by = value, current_actor_id(session)
    try:
        session.commit()
    except IntegrityError as exc:  # two people saved at the same moment
        session.rollback()
        raise InputError("category", "时限刚被他人修改，请刷新后重试") from exc
    return effective_limits(session)
