"""Tenant isolation, enforced in one place.

Every query through the app's session passes ``_filter_by_tenant``: reads of a
``TenantScoped`` model get the tenant's visibility rule, updates and deletes
get the owner rule, and a query that touches a tenant-scoped model while no
tenant is set fails closed with ``TenantNotSet``.  ``_guard_flush`` stamps new
rows with the current tenant and refuses to write another tenant's rows.  On
PostgreSQL ``_set_transaction_tenant`` hands the tenant to row-level security
for every transaction.

There are exactly three ways to read without the tenant filter, all named here:
``identity_lookup`` (login and token checks read the rows of one email or
secret before the tenant is known), ``bureau_cross_tenant_read`` (the bureau reads company
records: read-only, audited) and ``public_read`` (a visitor with no login reads
what tenants have published: read-only, and only rows a model's
``public_criteria`` admits).
``git grep -n "identity_lookup\\|bureau_cross_tenant_read\\|public_read"`` lists every caller.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator

import flask_sqlalchemy.session
from sqlalchemy import Date, bindparam, event, text
from sqlalchemy.orm import ORMExecuteState, Session, load_only, with_loader_criteria

from red_property.core import clock
from red_property.core.model import TenantScoped
from red_property.core.transactions import end_transaction, real_session as _real

TENANT = "tenant_id"
ACTOR = "actor_id"
MODE = "tenancy_mode"
IDENTITY = "identity_lookup"
CROSS_READ = "bureau_cross_tenant_read"
PUBLIC = "public_read"
ONLY = "cross_read_only"
IDENTITY_KEY = "identity_key"
CROSS_TICKET = "cross_read_ticket"

# The PostgreSQL roles the bureau's cross-tenant reads and the public's reads run under: SELECT only.
READER_ROLE = "red_property_bureau_reader"
PUBLIC_ROLE = "red_property_public_reader"


class TenantNotSet(RuntimeError):
    """A tenant-owned table was queried with no tenant in scope."""


class CrossTenantWrite(RuntimeError):
    """A write would touch another tenant's row, or happened in a read-only scope."""


class TenantSession(flask_sqlalchemy.session.Session):
    """The app's session class; the listeners below are bound to it alone."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        # A session given its own engine (``core.owner.owner_session``) uses it for every
        # model; Flask-SQLAlchemy would otherwise pick the app's engine.
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def current_tenant_id(session: Session) -> int | None:
    return session.info.get(TENANT)


def current_actor_id(session: Session) -> int | None:
    return session.info.get(ACTOR)


def activate_tenant(session: Session, tenant_id: int, actor_id: int | None = None) -> None:
    """Put ``session`` in ``tenant_id``'s scope for the rest of its life.

    A session never spans two tenants: the identity map could hand back
    another tenant's object without SQL.  Switching is refused; use
    ``tenant_scope`` (which starts a fresh session) instead.
    """
    session = _real(session)
    current = session.info.get(TENANT)
    if current is not None and current != tenant_id:
        raise CrossTenantWrite(f"session already belongs to tenant {current}")
    session.info[TENANT] = tenant_id
    session.info[ACTOR] = actor_id
    session.info.pop(MODE, None)  # ends an identity lookup in progress (its key goes with it)
    session.info.pop(IDENTITY_KEY, None)
    _refresh_settings(session)


@contextmanager
def tenant_scope(session: Session, tenant_id: int, actor_id: int | None = None) -> Iterator[Session]:
    """Run a block (CLI command, job, test) as ``tenant_id`` in a fresh session."""
    session = _real(session)
    session.close()
    session.info.clear()
    activate_tenant(session, tenant_id, actor_id)
    try:
        yield session
    finally:
        session.close()
        session.info.clear()


@contextmanager
def identity_lookup(session: Session, key: str) -> Iterator[Session]:
    """Read the account rows of one ``key`` before any tenant is known.

    ``key`` is a login's email or the SHA-256 of a secret (API token, browser
    session, invitation).  Only models marked ``__identity__`` may be read;
    nothing may be written.  On PostgreSQL the key goes to row-level security,
    whose policies admit the rows of that key alone (and the user they belong
    to): no key lists accounts (migration 0027).
    """
    session = _real(session)
    if session.info.get(TENANT) is not None:
        yield session
        return
    if not isinstance(key, str) or not key:
        raise ValueError("an identity lookup needs the email or digest it looks for")
    session.info[MODE] = IDENTITY
    session.info[IDENTITY_KEY] = key
    _refresh_settings(session)
    try:
        yield session
    finally:
        if session.info.get(MODE) == IDENTITY:
            session.info.pop(MODE, None)
            session.info.pop(IDENTITY_KEY, None)
            _refresh_settings(session)


@contextmanager
def bureau_cross_tenant_read(session: Session, *, reason: str,
                             only: list[int] | None = None) -> Iterator[Session]:
    """The one path by which the bureau reads other tenants' rows.

    Requires ``session`` to be in a housing bureau's scope.  Writes an audit
    entry (who, why) and commits it first, then yields a *fresh* session whose
    transactions are read-only with the tenant filter lifted; on PostgreSQL
    they are also ``READ ONLY`` and run as the SELECT-only reader role, whose
    rows need the ticket committed with the audit entry (``cross_read_open``,
    a row the app role cannot remove).  The
    caller's session stays in the bureau's scope (its objects were expired by
    the commit and load again when used).

    ``only`` narrows the read to the rows that concern these tenants (each
    model's ``narrowed_to``: their own rows, and the register's rows about
    them), so that a question about one company costs what its rows cost.
    """
    session = _real(session)
    from red_property.core.audit import record_event
    from red_property.tenants.models import Tenant, TenantKind

    tenant_id = session.info.get(TENANT)
    if tenant_id is None:
        raise TenantNotSet("cross-tenant reads start from the bureau's own scope")
    tenant = session.get(Tenant, tenant_id)
    if tenant is None or tenant.kind != TenantKind.BUREAU:
        raise CrossTenantWrite("only a housing bureau may read across tenants")
    record_event(session, action="cross_tenant_read", entity="tenant",
                 after={"reason": reason, **({"only": sorted(only)} if only is not None else {})})
    ticket = _open_cross_read_ticket(session, tenant_id, reason)
    session.commit()
    reader = fresh_session()
    reader.info[MODE] = CROSS_READ
    reader.info[CROSS_TICKET] = ticket
    if only is not None:
        reader.info[ONLY] = tuple(sorted(set(only)))
    try:
        yield reader
        end_transaction(reader)
    finally:
        reader.close()


def _open_cross_read_ticket(session: Session, bureau_id: int, reason: str) -> int | None:
    """PostgreSQL: the row the reader role's policies ask for, committed with the audit entry."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return session.scalar(text("SELECT cross_read_open(:bureau, :reason)"), {"bureau": bureau_id, "reason": reason})


def fresh_session() -> Session:
    """A new session of the app's kind, apart from the request's own.

    For public pages: a logged-in visitor's request session already carries
    that visitor's tenant, which must neither leak into a public read nor be
    switched away by one.
    """
    from red_property.extensions import db

    return db.session.session_factory()


@contextmanager
def public_read() -> Iterator[Session]:
    """Read what tenants have published, with no login (the public community page).

    Only selects, and only rows that a model's ``public_criteria`` admits (a
    model that publishes nothing admits none).  On PostgreSQL every transaction
    is ``READ ONLY`` and runs as the SELECT-only public role, whose policies
    admit the same rows.  Always a fresh session, never the request's.
    """
    session = fresh_session()
    session.info[MODE] = PUBLIC
    try:
        yield session
        end_transaction(session)
    finally:
        session.close()


def _today_parameter():
    """The clock's day as a SQL parameter for ``visible_on``/``narrowed_on``.

    The criteria lambdas are cached per model, and most models ignore the day, so it cannot be a
    plain closure value (SQLAlchemy refuses one a model's SQL does not use); a bound parameter
    element is tracked by the cache with its value taken at every execution."""
    return bindparam("rp_today", clock.today(), type_=Date)


def _touches_tenant_rows(state: ORMExecuteState) -> bool:
    return any(getattr(m.class_, "__tenant_scoped__", False) for m in state.all_mappers)


def _public_columns_only(state: ORMExecuteState) -> list:
    """Whole rows loaded on the public path carry only the model's ``__public_columns__``
    (PostgreSQL grants the public role those columns and no others).  Touching any other
    attribute raises, on SQLite too, rather than reading what the public role cannot."""
    options = []
    for entity in getattr(state.statement, "column_descriptions", ()):
        cls = entity.get("entity")
        columns = getattr(cls, "__public_columns__", None)
        if columns is not None and entity.get("expr") is cls:
            options.append(load_only(*(getattr(cls, name) for name in columns), raiseload=True))
    return options


@event.listens_for(TenantSession, "do_orm_execute")
def _filter_by_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    info = state.session.info
    mode = info.get(MODE)
    if mode == CROSS_READ:
        if not state.is_select:
            raise CrossTenantWrite("the bureau's cross-tenant path is read-only")
        only = info.get(ONLY)
        if only is not None:
            today = _today_parameter()
            state.statement = state.statement.options(with_loader_criteria(
                TenantScoped, lambda cls: cls.narrowed_on(only, today), include_aliases=True))
        return
    if mode == PUBLIC:
        if not state.is_select:
            raise CrossTenantWrite("the public path is read-only")
        state.statement = state.statement.options(with_loader_criteria(
            TenantScoped, lambda cls: cls.public_criteria(), include_aliases=True), *_public_columns_only(state))
        return
    tenant_id = info.get(TENANT)
    if tenant_id is None:
        if mode == IDENTITY and state.is_select and all(
            getattr(m.class_, "__identity__", False) or not getattr(m.class_, "__tenant_scoped__", False)
            for m in state.all_mappers
        ):
            return
        if _touches_tenant_rows(state):
            raise TenantNotSet("query on a tenant-owned table with no tenant in scope")
        return
    state.statement = state.statement.options(_tenant_criteria(tenant_id, clock.today(), state.is_select))


@lru_cache(maxsize=4096)
def _tenant_criteria(tenant_id: int, today: dt.date, reads: bool):
    """The tenant's filter: what it sees on ``today`` (reads), or its own rows (writes).

    One option per tenant, day and kind, built once: building it, and SQLAlchemy's analysis of
    its lambda, took about 0.07 ms on every statement of every request (issue 14 part 3)."""
    if reads:
        day = bindparam("rp_today", today, type_=Date)
        return with_loader_criteria(TenantScoped, lambda cls: cls.visible_on(tenant_id, day), include_aliases=True)
    return with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)


@event.listens_for(TenantSession, "before_flush")
def _guard_flush(session: Session, flush_context, instances) -> None:
    mode = session.info.get(MODE)
    changed = list(session.new) + list(session.dirty) + list(session.deleted)
    scoped = [o for o in changed if getattr(o, "__tenant_scoped__", False)]
    if mode in (CROSS_READ, IDENTITY, PUBLIC) and changed:
        raise CrossTenantWrite(f"{mode} is read-only")
    if not scoped:
        return
    tenant_id = session.info.get(TENANT)
    if tenant_id is None:
        raise TenantNotSet("writing a tenant-owned row with no tenant in scope")
    for obj in session.new:
        if getattr(obj, "__tenant_scoped__", False):
            if obj.tenant_id is None:
                obj.tenant_id = tenant_id
            elif obj.tenant_id != tenant_id:
                raise CrossTenantWrite(f"new {type(obj).__name__} for tenant {obj.tenant_id}")
    for obj in list(session.dirty) + list(session.deleted):
        if getattr(obj, "__tenant_scoped__", False) and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"{type(obj).__name__} {obj.id} belongs to another tenant")


@event.listens_for(TenantSession, "after_begin")
def _set_transaction_tenant(session: Session, transaction, connection) -> None:
    _apply_settings(session, connection)


def _refresh_settings(session: Session) -> None:
    """The transaction began before the scope changed (e.g. the login lookup):
    hand the new scope to PostgreSQL now, as ``after_begin`` would have."""
    if session.in_transaction():
        _apply_settings(session, session.connection())


def _apply_settings(session: Session, connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    mode = session.info.get(MODE)
    if mode in (CROSS_READ, PUBLIC):
        # Must come before any other statement of the transaction.
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        connection.exec_driver_sql(f"SET LOCAL ROLE {READER_ROLE if mode == CROSS_READ else PUBLIC_ROLE}")
    if mode == CROSS_READ:
        # The reader role's policies admit rows only under a recent ticket (migration 0027).
        connection.exec_driver_sql("SELECT set_config('app.cross_read_ticket', %s, true)",
                                   (str(session.info[CROSS_TICKET]),))
    tenant_id = session.info.get(TENANT)
    key = session.info.get(IDENTITY_KEY) if mode == IDENTITY else None
    # app.current_day: the product's "today" (core.clock, the users' zone), not PostgreSQL's UTC
    # now(); policies that start on a date (a contract's first day) read it through app_current_day()
    connection.exec_driver_sql(
        "SELECT set_config('app.current_tenant', %s, true), set_config('app.identity_key', %s, true), "
        "set_config('app.current_day', %s, true)",
        ("" if tenant_id is None else str(tenant_id), key or "", clock.today().isoformat()),
    )
