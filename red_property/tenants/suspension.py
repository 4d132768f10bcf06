"""The platform operator suspends and reactivates tenants.

A suspended tenant's users cannot log in, and their browser sessions and API
tokens stop working at the next request (``accounts.services``); every row the
tenant owns is kept, and reactivating lets the same users and tokens in again.
The public pages keep showing a suspended company as before, unless the bureau
says that it no longer serves its communities (``onboarding.service_notice``).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.core import clock
from red_property.core.audit import record_event
from red_property.core.errors import InputError
from red_property.tenants.changes import set_suspended
from red_property.tenants.models import Tenant, TenantKind


def list_tenants(session: Session) -> list[Tenant]:
    """Every tenant, by kind and name (the tenant register is not tenant-owned)."""
    return list(session.scalars(select(Tenant).order_by(Tenant.kind, Tenant.name, Tenant.id)))


def _target(session: Session, tenant_id: int) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise LookupError(tenant_id)
    if tenant.kind == TenantKind.PLATFORM:
        raise InputError("tenant_id", "平台运营方自身不能暂停 (the platform cannot suspend itself)")
    return tenant


def suspend_tenant(session: Session, tenant_id: int) -> Tenant:
    """Suspend a tenant (commits; audited in the platform's log).  Its data stays."""
    tenant = _target(session, tenant_id)
    if tenant.suspended_at is not None:
        raise InputError("tenant_id", f"{tenant.name} 已于 {tenant.suspended_at:%Y-%m-%d} 暂停 (already suspended)")
    set_suspended(session, tenant, clock.now())
    record_event(session, action="suspend_tenant", entity="tenant", entity_id=tenant.id,
                 after={"slug": tenant.slug, "suspended_at": tenant.suspended_at.isoformat()})
    session.commit()
    return tenant


def reactivate_tenant(session: Session, tenant_id: int) -> Tenant:
    """Let a suspended tenant's users in again (commits; audited)."""
    tenant = _target(session, tenant_id)
    if tenant.suspended_at is None:
        raise InputError("tenant_id", f"{tenant.name} 未被暂停 (not suspended)")
    before = tenant.suspended_at.isoformat()
    set_suspended(session, tenant, None)
    record_event(session, action="reactivate_tenant", entity="tenant", entity_id=tenant.id,
                 after={"slug": tenant.slug, "was_suspended_at": before})
    session.commit()
    return tenant
