"""Every change to the tenant register, in one place.

On PostgreSQL the app role may only read ``tenant`` (issue 12, item 8): it
changes the register through the database functions of migration
``0027_database_wall``, which run as the schema owner, allow exactly the
transitions below and write a ``TenantChange`` row that the app role cannot
touch.  Creating a bureau or the platform and renaming are the owner's alone
(``core.owner.owner_session``, used by ``red-property init`` and ``tenants
apply``).  On SQLite (the demo, the default tests) the same changes go
through the ORM and write the same ``TenantChange`` row.

The callers validate and word their errors first (``onboarding.provisioning``,
``tenants.suspension``); the functions check the same rules again, so that
SQL run as the app role cannot skip them.
"""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import text
from sqlalchemy.orm import Session

from red_property.core import clock
from red_property.core.tenancy import current_actor_id
from red_property.tenants.models import Tenant, TenantChange, TenantKind


def _on_postgres(session: Session) -> bool:
    return session.get_bind(Tenant).dialect.name == "postgresql"


def add_tenant(session: Session, *, kind: TenantKind, slug: str, name: str, credit_code: str | None,
               actor_id: int | None = None) -> Tenant:
    """Insert a tenant (flushes; the caller commits) and note it in ``tenant_change``."""
    now = clock.now()
    actor_id = actor_id if actor_id is not None else current_actor_id(session)
    if _on_postgres(session):
        tenant_id = session.scalar(text("SELECT tenant_create(:kind, :slug, :name, :code, :at, :actor)"), {
            "kind": kind.value, "slug": slug, "name": name, "code": credit_code, "at": now, "actor": actor_id})
        return session.get(Tenant, tenant_id)
    tenant = Tenant(kind=kind, slug=slug, name=name, credit_code=credit_code, created_at=now, updated_at=now)
    session.add(tenant)
    session.flush()
    _note(session, tenant.id, "create", actor_id, None,
          {"kind": kind.value, "slug": slug, "name": name, "credit_code": credit_code})
    return tenant


def add_company_tenants(session: Session, companies: list[dict], actor_id: int | None = None) -> dict[str, int]:
    """Insert many company tenants at once (``slug``, ``name``, ``credit_code`` each), as
    ``add_tenant`` would one by one; the new ids by credit code (flushes; the caller commits).

    On PostgreSQL one statement calls ``tenant_create`` per row, so a province's
    contracts import opens its ten thousand companies in one round trip."""
    if not companies:
        return {}
    now = clock.now()
    actor_id = actor_id if actor_id is not None else current_actor_id(session)
    if _on_postgres(session):
        rows = session.execute(text(
            "SELECT r.credit_code, tenant_create('company', r.slug, r.name, r.credit_code, :at, :actor) "
            "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(slug text, name text, credit_code text)"),
            {"rows": json.dumps(companies, ensure_ascii=False), "at": now, "actor": actor_id})
        return dict(rows.all())
    return {c["credit_code"]: add_tenant(session, kind=TenantKind.COMPANY, actor_id=actor_id, **c).id
            for c in companies}


def set_suspended(session: Session, tenant: Tenant, suspended_at: dt.datetime | None,
                  actor_id: int | None = None) -> None:
    """Suspend a tenant (``suspended_at``) or reactivate it (``None``); flushes."""
    now = clock.now()
    actor_id = actor_id if actor_id is not None else current_actor_id(session)
    if _on_postgres(session):
        session.execute(text("SELECT tenant_set_suspended(:id, :suspended_at, :at, :actor)"), {
            "id": tenant.id, "suspended_at": suspended_at, "at": now, "actor": actor_id})
        session.refresh(tenant)
        return
    before = tenant.suspended_at
    tenant.suspended_at, tenant.updated_at = suspended_at, now
    _note(session, tenant.id, "reactivate" if suspended_at is None else "suspend", actor_id,
          {"suspended_at": _iso(before)}, {"suspended_at": _iso(suspended_at)})


def set_details(session: Session, tenant: Tenant, *, name: str, credit_code: str | None,
                actor_id: int | None = None) -> None:
    """Rename a tenant or change its credit code (the schema owner's alone on PostgreSQL); flushes."""
    now = clock.now()
    actor_id = actor_id if actor_id is not None else current_actor_id(session)
    if _on_postgres(session):
        session.execute(text("SELECT tenant_set_details(:id, :name, :code, :at, :actor)"), {
            "id": tenant.id, "name": name, "code": credit_code, "at": now, "actor": actor_id})
        session.refresh(tenant)
        return
    before = {"name": tenant.name, "credit_code": tenant.credit_code}
    tenant.name, tenant.credit_code, tenant.updated_at = name, credit_code, now
    _note(session, tenant.id, "details", actor_id, before, {"name": name, "credit_code": credit_code})


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _note(session: Session, tenant_id: int, action: str, actor_id: int | None, before, after) -> None:
    session.add(TenantChange(tenant_id=tenant_id, action=action, actor_id=actor_id, by_role="sqlite",
                             before=before, after=after))
    session.flush()
