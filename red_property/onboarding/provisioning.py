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
    def work(session: Session) -> tuple[int, IssuedInvitation]:
        _check_email(session, admin_email)
        tenant = create_tenant(session, kind=kind, slug=slug, name=name, credit_code=credit_code,
                               actor_id=actor_id)
        activate_tenant(session, tenant.id, actor_id)
        return tenant.id, _invite_admin(session, admin_email, admin_name)

    return _in_own_session(work, as_owner=as_owner)


def has_users(tenant_id: int) -> bool:
    """Whether a tenant has any user yet (a company tenant opened by the contracts import has none)."""
    def work(session: Session) -> bool:
        activate_tenant(session, tenant_id)
        return session.scalar(select(User.id).limit(1)) is not None

    return _in_own_session(work)


def invite_first_admin(tenant_id: int, *, admin_email: str, admin_name: str,
                       actor_id: int | None = None) -> IssuedInvitation:
    """Invite the first admin of a tenant that has no user yet (a company tenant the contracts
    import opened), in a transaction of its own like ``provision_tenant``."""
    def work(session: Session) -> IssuedInvitation:
        activate_tenant(session, tenant_id, actor_id)
        if session.scalar(select(User.id).limit(1)) is not None:
            raise InputError("admin_email", "该账户已有用户：请由其管理员邀请 (the tenant already has users)")
        _check_email(session, admin_email)
        return _invite_admin(session, admin_email, admin_name)

    return _in_own_session(work)


def _check_email(session: Session, email: str) -> None:
    if email_taken(session, email):
        raise InputError("admin_email", "该邮箱已被使用 (email already in use)")


def _invite_admin(session: Session, email: str, name: str) -> IssuedInvitation:
    """An admin's invitation in the session's active tenant; the error names the form's field."""
    try:
        return invite_user(session, email=email, name=name, role=Role.ADMIN)
    except InputError as exc:
        raise InputError("admin_" + exc.field, str(exc)) from exc


def _in_own_session(work, *, as_owner: bool = False):
    """``work(session)`` in a session of its own (the schema owner's for ``as_owner``), rolled back on error."""
    with owner_session() if as_owner else closing(fresh_session()) as session:
        try:
            return work(session)
        except BaseException:
            session.rollback()
            raise
