"""Browser sessions kept on the server, so that logging out ends them (issue 12, item 1).

Flask's session is a signed cookie: before, logging out only told the browser to forget
it, and a copy taken earlier kept working until it idled out.  Now the cookie carries a
random secret naming a ``BrowserSession`` row; the user loader accepts a cookie only
while that row is alive.  Logging out ends the row; a user sees their other sessions
and ends them; a new password or a deactivation ends them all.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from contextlib import contextmanager
from typing import Iterator

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from red_property.accounts.models import BrowserSession, User
from red_property.core import clock
from red_property.core.tenancy import identity_lookup

# Writing last-seen on every request would cost a write per page: once a minute is enough
# for an idle limit counted in hours (a tenth of a shorter one).
TOUCH_EVERY = dt.timedelta(minutes=1)
# Ended or idle sessions stay listed this long, then a later login of the same user removes them.
KEEP_ENDED = dt.timedelta(days=30)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _idle_limit() -> dt.timedelta:
    return current_app.permanent_session_lifetime  # SESSION_IDLE_MINUTES


def is_alive(row: BrowserSession, now: dt.datetime) -> bool:
    return row.ended_at is None and row.last_seen_at + _idle_limit() > now


def start_session(session: Session, user: User, *, address: str | None, user_agent: str | None) -> str:
    """Record a new login of ``user`` (in its tenant's scope) and return the cookie's secret; commits."""
    now = clock.now()
    session.execute(delete(BrowserSession).where(
        BrowserSession.user_id == user.id,
        or_(BrowserSession.ended_at < now - KEEP_ENDED, BrowserSession.last_seen_at < now - KEEP_ENDED - _idle_limit())))
    secret = secrets.token_urlsafe(32)
    session.add(BrowserSession(user_id=user.id, secret_hash=_digest(secret), created_at=now, last_seen_at=now,
                               address=(address or "")[:64] or None, user_agent=(user_agent or "")[:200] or None))
    session.commit()
    return secret


@contextmanager
def session_lookup(session: Session, user_id: int,
                   secret: str | None) -> Iterator[tuple[BrowserSession, User] | None]:
    """The alive session of ``user_id`` that ``secret`` names and its user (or None), read before
    the tenant is known (both by the secret's digest: no lookup by a bare user id).

    The block runs inside the identity lookup: entering the user's tenant there ends it, and
    PostgreSQL gets the key cleared and the tenant set in one statement; leaving the block
    without entering a tenant ends the lookup as usual."""
    if not secret or len(secret) > 100:
        yield None
        return
    digest = _digest(secret)
    with identity_lookup(session, digest):
        row = session.scalars(select(BrowserSession).where(BrowserSession.secret_hash == digest)).first()
        user = None
        if row is not None and row.user_id == user_id and is_alive(row, clock.now()):
            user = session.scalars(select(User).where(User.tenant_id == row.tenant_id,
                                                      User.id == row.user_id)).first()
        yield (row, user) if user is not None else None


def touch(session: Session, row: BrowserSession) -> None:
    """Note that the session was used (at most once a minute); commits when it writes."""
    now = clock.now()
    if now - row.last_seen_at >= min(TOUCH_EVERY, _idle_limit() / 10):
        row.last_seen_at = now
        session.commit()


def user_sessions(session: Session, user_id: int) -> list[BrowserSession]:
    """The user's sessions still alive, the most recently used first."""
    now = clock.now()
    rows = session.scalars(select(BrowserSession).where(BrowserSession.user_id == user_id,
                                                        BrowserSession.ended_at.is_(None))
                           .order_by(BrowserSession.last_seen_at.desc(), BrowserSession.id.desc()))
    return [row for row in rows if is_alive(row, now)]


def end_sessions(session: Session, user_id: int, *, only: int | None = None, keep: int | None = None) -> int:
    """End the user's sessions (just ``only``, or all but ``keep``); returns how many; commits."""
    stmt = update(BrowserSession).where(BrowserSession.user_id == user_id, BrowserSession.ended_at.is_(None))
    if only is not None:
        stmt = stmt.where(BrowserSession.id == only)
    if keep is not None:
        stmt = stmt.where(BrowserSession.id != keep)
    ended = session.execute(stmt.values(ended_at=clock.now()).execution_options(synchronize_session=False)).rowcount
    session.commit()
    return ended
