"""Generations of a tenant's records, and pages computed from them kept until they change.

Some pages are computed, not read: the compliance dashboard measures every indicator
for twelve months at a time, 60-120 ms of database and Python work for a company that
hardly changes between two looks.  Such a result is kept in the process, keyed by:

- the tenant's *generation*: a token that every commit writing the tenant's records
  replaces, so the next look after any write computes afresh;
- the *register's* generation: the bureau's register (communities and their contracts)
  is read by every company's pages, so a write to it moves every company on;
- the minute: values that depend on the time of day (a demand falls overdue at its due
  time, with no write) are at most a minute old;
- the database: tests and benchmarks run many databases in one process.

What counts as a write: every flush and ORM ``insert``/``update``/``delete`` through the
app's session (``TenantSession``: the web, jobs, the CLI), except the bookkeeping tables
below, whose rows no computed page reads (logins touch them on every request).  Statements
written as text must say what they wrote (:func:`note_written`).

With Redis (``REDIS_URL``) the tokens live there, shared by every process; without it
(the embedded single-process default) in the process.  When Redis does not answer,
nothing is cached: pages are computed as if no cache existed.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from typing import Callable, Iterable, TypeVar

from cachetools import TTLCache
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from red_property.core import clock
from red_property.core.tenancy import TENANT, TenantSession

log = logging.getLogger(__name__)
T = TypeVar("T")

REGISTER = "register"
REGISTER_TABLES = frozenset({"community", "management_contract", "tenant"})
BOOKKEEPING = frozenset({"api_token", "audit_entry", "browser_session", "cross_read_ticket", "invitation",
                         "job_record", "notification", "stored_file", "tenant_change", "user_account"})
WRITTEN = "generations_written"
KEPT_SECONDS = 120           # longer than the minute in the key: the cache's own bound on memory
KEPT_ENTRIES = 512
TOKEN_SECONDS = 86400

_local_tokens: dict[str, str] = {}
_kept: TTLCache = TTLCache(maxsize=KEPT_ENTRIES, ttl=KEPT_SECONDS)
_lock = threading.Lock()
_computing: dict[tuple, threading.Lock] = {}
_redis_clients: dict[str, object] = {}
_redis_down_until: dict[str, float] = {}
REDIS_RETRY_SECONDS = 5      # after Redis failed to answer, neither kept nor advanced for this long


def _database(session: Session) -> str:
    url = session.get_bind().url
    return hashlib.sha1(f"{url.host}:{url.port}/{url.database}".encode()).hexdigest()[:12]


def _redis():
    url = current_app.config.get("REDIS_URL") if has_app_context() else None
    if not url:
        return None
    if time.monotonic() < _redis_down_until.get(url, 0.0):
        raise _RedisDown()
    if url not in _redis_clients:
        from redis import Redis

        _redis_clients[url] = Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    return _redis_clients[url]


class _RedisDown(Exception):
    """Redis failed to answer a moment ago: not asked again yet (a frozen Redis would cost every
    write its timeout)."""


def _redis_failed(exc: Exception) -> None:
    _redis_down_until[current_app.config["REDIS_URL"]] = time.monotonic() + REDIS_RETRY_SECONDS
    log.warning("generations: Redis did not answer (%s); nothing kept for %s s", exc, REDIS_RETRY_SECONDS)


def _key(database: str, owner: str) -> str:
    return f"rp:generation:{database}:{owner}"


def note_written(session: Session, *tables: str, tenant_id: int | None = None) -> None:
    """Mark ``tables`` as written in this transaction (by the session's tenant, or ``tenant_id``)."""
    owner = tenant_id if tenant_id is not None else session.info.get(TENANT)
    marks = session.info.setdefault(WRITTEN, set())
    for table in tables:
        if table in BOOKKEEPING:
            continue
        if table in REGISTER_TABLES:
            marks.add(REGISTER)
        if owner is not None:
            marks.add(str(owner))


@event.listens_for(TenantSession, "before_flush")
def _note_flush(session: Session, flush_context, instances) -> None:
    changed = {type(o).__tablename__ for o in (*session.new, *session.dirty, *session.deleted)
               if hasattr(type(o), "__tablename__")}
    if changed:
        note_written(session, *changed)


@event.listens_for(TenantSession, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        # a statement on a Table (core.bulk) names it too; only a text() statement names none
        target = getattr(getattr(state.statement, "table", None), "name", None)
        tables = {m.local_table.name for m in state.all_mappers} or {target or "(core statement)"}
        note_written(state.session, *tables)


@event.listens_for(TenantSession, "after_commit")
def _advance(session: Session) -> None:
    marks = session.info.pop(WRITTEN, None)
    if marks and has_app_context():
        advance(session, marks)


@event.listens_for(TenantSession, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(WRITTEN, None)


def advance(session: Session, owners: Iterable[str]) -> None:
    """Give each owner (a tenant id, or ``REGISTER``) a new generation."""
    database = _database(session)
    tokens = {_key(database, owner): secrets.token_hex(8) for owner in owners}
    from redis.exceptions import RedisError

    try:
        redis = _redis()
        if redis is None:
            _local_tokens.update(tokens)
            return
        with redis.pipeline(transaction=False) as pipe:
            for key, token in tokens.items():
                # a token not renewed for a day goes: a missing one reads "0", and nothing kept is that old
                pipe.set(key, token, ex=TOKEN_SECONDS)
            pipe.execute()
    except _RedisDown:
        pass
    except RedisError as exc:   # what was kept elsewhere then lives out its minute at most
        _redis_failed(exc)


def _tokens(session: Session, tenant_id: int) -> tuple | None:
    database = _database(session)
    keys = [_key(database, str(tenant_id)), _key(database, REGISTER)]
    from redis.exceptions import RedisError

    try:
        redis = _redis()
        if redis is None:
            return database, *(_local_tokens.get(k, "0") for k in keys)
        return database, *((v or b"0").decode() for v in redis.mget(keys))
    except _RedisDown:
        return None
    except RedisError as exc:
        _redis_failed(exc)
        return None


def kept(session: Session, name: str, key: tuple, compute: Callable[[], T]) -> T:
    """``compute()``'s result for the session's tenant, kept while its records, the register and the
    minute stay the same.  The result is shared by requests: it must not be changed by its users."""
    tenant_id = session.info.get(TENANT)
    tokens = _tokens(session, tenant_id) if tenant_id is not None else None
    if tokens is None:
        return compute()
    minute = clock.now().replace(second=0, microsecond=0)
    full = (name, tenant_id, key, minute, *tokens)
    with _lock:
        value = _kept.get(full)
        if value is None:   # one thread computes, the process's others wait for it (not compute it again)
            computing = _computing.setdefault(full, threading.Lock())
    if value is not None:
        return value
    with computing:
        with _lock:
            value = _kept.get(full)
        if value is None:
            try:
                value = compute()
                with _lock:
                    _kept[full] = value
            finally:
                with _lock:
                    _computing.pop(full, None)
    return value


def clear_kept() -> None:
    """Forget every kept result of this process (tests that compare with and without)."""
    with _lock:
        _kept.clear()
