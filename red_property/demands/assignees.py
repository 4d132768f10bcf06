"""Who a demand can be assigned to (指派): an active colleague who may act on demands.

The free-text handler stays for teams and outside units; an assignee is a user of the
company, so that the person gets the notification and finds the demand under "我的".
Every query runs in the tenant-scoped session: a user of another company is never found.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.accounts.models import Role, User
from red_property.core.errors import InputError

# Read-only users cannot route, progress or close a demand: assigning one to them would strand it.
ACTING_ROLES = (Role.ADMIN, Role.STAFF)
NOT_ASSIGNABLE = "请从本单位在职的工作人员中选择"


def assignable(session: Session, user_id) -> User | None:
    """The user ``user_id`` names, if they can be assigned a demand; None for none.

    Another company's user, an unknown id, a deactivated or read-only user are all the same
    error on ``assignee_id`` (never telling which, so ids of other companies leak nothing)."""
    if user_id is None or user_id == "":
        return None
    if isinstance(user_id, bool) or not isinstance(user_id, int) or not 0 < user_id < 2**63:
        raise InputError("assignee_id", NOT_ASSIGNABLE)
    # by primary key: the tenant filter applies, and a bulk assignment checking the same user for
    # every row finds it in the session instead of asking the database again
    user = session.get(User, user_id)
    if user is None or not user.active or user.role not in ACTING_ROLES:
        raise InputError("assignee_id", NOT_ASSIGNABLE)
    return user


def colleagues(session: Session) -> list[tuple[int, str]]:
    """The users a demand can be assigned to, by name: one query."""
    return list(session.execute(select(User.id, User.name).where(User.active.is_(True), User.role.in_(ACTING_ROLES))
                                .order_by(User.name, User.id).limit(500)).tuples())


def names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """The names of the given users (deactivated ones too: a closed demand keeps its assignee): one query,
    run even for no ids so that a page costs the same queries whatever its rows."""
    ids = sorted({i for i in user_ids if i is not None})
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).tuples().all())
