"""Writes to the tenant register, the one path that makes them (issue 12, item 8).

A tenant's kind decides what it may read (a bureau reads every company's records), so
the app's database role may only SELECT from ``tenant``: before, anything that could
run SQL as the app could ``update tenant set kind='bureau'``.  Tenants are created and
renamed by the operator's commands (``red-property tenants apply``, ``demo``,
``generate``), which connect here as the schema owner (``MIGRATE_DATABASE_URL``, as
migrations do).  Without an owner URL (SQLite, which has no roles) the app's own engine
is used.  The web app never writes tenants.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask import current_app
from sqlalchemy import Connection, create_engine, insert, select, update
from sqlalchemy.pool import NullPool

from red_property.tenants.models import Tenant, TenantKind


def _engine():
    url = current_app.config.get("MIGRATE_DATABASE_URL")
    if not url:
        from red_property.extensions import db

        return db.engine
    # Rarely used (provisioning, tests): no pool of owner connections kept open beside the app's.
    return current_app.extensions.setdefault("tenant_register_engine", create_engine(url, poolclass=NullPool))


@contextmanager
def register_transaction() -> Iterator[Connection]:
    """A transaction that may write ``tenant``, as the schema owner; commits on leaving."""
    with _engine().begin() as conn:
        yield conn


def add_tenants(rows: list[dict]) -> list[int]:
    """Create tenants (``kind``, ``slug``, ``name``, optional ``credit_code``); their ids, in order."""
    if not rows:
        return []
    with register_transaction() as conn:
        return list(conn.execute(insert(Tenant).returning(Tenant.id, sort_by_parameter_order=True),
                                 [{"credit_code": None, **row} for row in rows]).scalars())


def add_tenant(kind: TenantKind, slug: str, name: str, credit_code: str | None = None) -> int:
    return add_tenants([dict(kind=kind, slug=slug, name=name, credit_code=credit_code)])[0]


def rename_tenant(tenant_id: int, *, name: str, credit_code: str | None) -> None:
    """Bring a tenant's name and credit code up to date.  A kind never changes."""
    with register_transaction() as conn:
        conn.execute(update(Tenant).where(Tenant.id == tenant_id).values(name=name, credit_code=credit_code))


def tenant_id_by_slug(slug: str) -> int | None:
    with register_transaction() as conn:
        return conn.scalar(select(Tenant.id).where(Tenant.slug == slug))
