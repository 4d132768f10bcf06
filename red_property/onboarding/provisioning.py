"""Creating a tenant and inviting its first admin: the one service behind
``red-property init``, ``red-property tenants apply`` and the bureau's
"create this company's tenant" button."""
from __future__ import annotations

import re
from contextlib import closing

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.accounts.models import Role, User
from red_property.core.errors import InputError
from red_property.core.owner import owner_session
from red_property.core.tenancy import activate_tenant, fresh_session, identity_lookup
from red_property.onboarding.invitations import IssuedInvitation, invite_user
from red_property.tenants.changes import add_tenant
from red_property.tenants.models import Tenant, TenantKind

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
RESERVED = {"api", "login", "logout", "public", "static", "invitation", "healthz", "i18n", "favicon.ico"}


def create_tenant(session: Session, *, kind: TenantKind, slug: str, name: str,
                  credit_code: str | None = None, actor_id: int | None = None) -> Tenant:
    """Add a tenant to the register (flushes; the caller commits).

    Raises ``InputError`` on ``slug`` (format, reserved, taken) or ``name``.
    A bureau or the platform needs the schema owner's session on PostgreSQL
    (``tenants.changes``).
    """
    slug = (slug or "").strip()
    name = (name or "").strip()
    if not SLUG.match(slug) or slug in RESERVED:
        raise InputError("slug", "网址名只能用小写字母、数字和“-”，2 到 63 个字符 (lowercase letters, digits, '-')")
    if not 2 <= len(name) <= 200:
        raise InputError("name", "名称应为 2 到 200 个字 (a name of 2-200 characters)")
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise InputError("slug", f"网址名 {slug} 已被使用 (slug already in use)")
    return add_tenant(session, kind=kind, slug=slug, name=name, credit_code=credit_code, actor_id=actor_id)


def email_taken(session: Session, email: str) -> bool:
    """Whether any tenant has a user with this login (read as a login would)."""
    email = email.strip().lower()
    if not email:
        return False
    with identity_lookup(session, email):
        return session.scalar(select(User.id).where(User.email == email)) is not None


def provision_tenant(*, kind: TenantKind, slug: str, name: str, admin_email: str, admin_name: str,
                     credit_code: str | None = None, actor_id: int | None = None,
                     as_owner: bool = False) -> tuple[int, IssuedInvitation]:
    """Create a tenant and invite its first admin, in one transaction of its own.

    Runs in a fresh session (a request's session belongs to the bureau or the
    operator, and a session never spans two tenants); nothing is written when
    the admin's email is taken or the slug is bad.  Returns the new tenant's id
    and the invitation to show once.  ``as_owner`` (the CLI's ``init``) runs it as
    the schema owner, which a bureau or the platform needs on PostgreSQL.
    """
    with owner_session() if as_owner else closing(fresh_session()) as session:
        return _provision(session, kind=kind, slug=slug, name=name, admin_email=admin_email,
                          admin_name=admin_name, credit_code=credit_code, actor_id=actor_id)


def _provision(session: Session, *, kind: TenantKind, slug: str, name: str, admin_email: str, admin_name: str,
               credit_code: str | None, actor_id: int | None) -> tuple[int, IssuedInvitation]:
    try:
        if email_taken(session, admin_email):
            raise InputError("admin_email", "该邮箱已被使用 (email already in use)")
        tenant = create_tenant(session, kind=kind, slug=slug, name=name, credit_code=credit_code,
                               actor_id=actor_id)
        activate_tenant(session, tenant.id, actor_id)
        try:
            issued = invite_user(session, email=admin_email, name=admin_name, role=Role.ADMIN)
        except InputError as exc:
            raise InputError("admin_" + exc.field, str(exc)) from exc
        return tenant.id, issued
    except BaseException:
        session.rollback()
        raise
