"""Tenant isolation, enforced in one place.

Every query through the app's session passes ``_filter_by_tenant``: reads of a
``TenantScoped`` model get the tenant's visibility rule, updates and deletes
get the owner rule, and a query that touches a tenant-scoped model while no
tenant is set fails closed with ``TenantNotSet``.  ``_guard_flush`` stamps new
rows with the current tenant and refuses to write another tenant's rows.  On
PostgreSQL ``_set_transaction_tenant`` hands the tenant to row-level security
for every transaction.

There are exactly three ways to read without the tenant filter, all named here:
``identity_lookup`` (login and token checks read one user or token before the
tenant is known), ``bureau_cross_tenant_read`` (the bureau reads company
records: read-only, audited) and ``public_read`` (a visitor with no login reads
what tenants have published: read-only, and only rows a model's
``public_criteria`` admits).
``git grep -n "identity_lookup\\|bureau_cross_tenant_read\\|public_read"`` lists every caller.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import flask_sqlalchemy.session
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, load_only, scoped_session, with_loader_criteria

from red_property.core.model import TenantScoped

TENANT = "tenant_id"
ACTOR = "actor_id"
MODE = "tenancy_mode"
IDENTITY = "identity_lookup"
CROSS_READ = "bureau_cross_tenant_read"
PUBLIC = "public_read"
ONLY = "cross_read_only"

# The PostgreSQL roles the bureau's cross-tenant reads and the public's reads run under: SELECT only.
READER_ROLE = "red_property_bureau_reader"
PUBLIC_ROLE = "red_property_public_reader"


class TenantNotSet(RuntimeError):
    """A tenant-owned table was queried with no tenant in scope."""


class CrossTenantWrite(RuntimeError):
    """A write would touch another tenant's row, or happened in a read-only scope."""


class TenantSession(flask_sqlalchemy.session.Session):
    """The app's session class; the listeners below are bound to it alone."""


def _real(session) -> Session:
    """The Session behind Flask-SQLAlchemy's scoped proxy."""
    return session() if isinstance(session, scoped_session) else session


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
    session.info.pop(MODE, None)
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
def identity_lookup(session: Session) -> Iterator[Session]:
    """Read accounts (users, API tokens) before any tenant is known.

    Only models marked ``__identity__`` may be read; nothing may be written.
    """
    session = _real(session)
    if session.info.get(TENANT) is not None:
        yield session
        return
    session.info[MODE] = IDENTITY
    _refresh_settings(session)
    try:
        yield session
    finally:
        if session.info.get(MODE) == IDENTITY:
            session.info.pop(MODE, None)
            _refresh_settings(session)


@contextmanager
def bureau_cross_tenant_read(session: Session, *, reason: str,
                             only: list[int] | None = None) -> Iterator[Session]:
    """The one path by which the bureau reads other tenants' rows.

    Requires ``session`` to be in a housing bureau's scope.  Writes an audit
    entry (who, why) and commits it first, then yields a *fresh* session whose
    transactions are read-only with the tenant filter lifted; on PostgreSQL
    they are also ``READ ONLY`` and run as the SELECT-only reader role.  The
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
    session.commit()
    reader = fresh_session()
    reader.info[MODE] = CROSS_READ
    if only is not None:
        reader.info[ONLY] = tuple(sorted(set(only)))
    try:
        yield reader
    finally:
        reader.close()


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
    finally:
        session.close()


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
            state.statement = state.statement.options(with_loader_criteria(
                TenantScoped, lambda cls: cls.narrowed_to(only), include_aliases=True))
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
    if state.is_select:
        criteria = with_loader_criteria(
            TenantScoped, lambda cls: cls.visible_to(tenant_id), include_aliases=True
        )
    else:
        criteria = with_loader_criteria(
            TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True
        )
    state.statement = state.statement.options(criteria)


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
    tenant_id = session.info.get(TENANT)
    connection.exec_driver_sql(
        "SELECT set_config('app.current_tenant', %s, true), set_config('app.identity_lookup', %s, true)",
        ("" if tenant_id is None else str(tenant_id), "on" if mode == IDENTITY else ""),
    )
