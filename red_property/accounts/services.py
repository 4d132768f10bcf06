"""Authentication services shared by the web UI, the API and the CLI."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from red_property.accounts.models import ApiToken, BrowserSession, Role, User
from red_property.accounts.passwords import MIN_PASSWORD  # noqa: F401 - views and the API import it from here
from red_property.accounts.passwords import NO_PASSWORD, check_new_password, hash_password, verify_password
from red_property.accounts.sessions import end_sessions, session_lookup, touch
from red_property.core import clock
from red_property.core.audit import record_event
from red_property.core.errors import InputError
from red_property.core.tenancy import activate_tenant, identity_lookup

TOKEN_PREFIX = "rp_"


class TenantSuspended(Exception):
    """The right password, but the user's organisation is suspended by the platform operator."""


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, in its tenant's scope; else None.

    ``TenantSuspended`` when the password is right but the tenant is suspended
    (said only after the password is checked, so guessing learns nothing).
    """
    email, user = email.strip().lower(), None
    if email:
        with identity_lookup(session, email):
            # the account behind the login: invited users who have not accepted (their tenants' own
            # placeholders, possibly several for one address) have no password to check
            user = session.scalars(select(User).where(User.email == email,
                                                      User.password_hash != NO_PASSWORD)).first()
    ok = verify_password(user.password_hash if user else None, password)
    if not (ok and user and user.active):
        return None
    if user.tenant.suspended_at is not None:
        raise TenantSuspended(user.tenant_id)
    activate_tenant(session, user.tenant_id, user.id)
    return user


def load_session_user(session: Session, user_id: int, stamp: str,
                      secret: str | None) -> tuple[User, BrowserSession] | None:
    """Flask-Login's user loader: the user and its browser session, the tenant put in scope,
    unless the session was ended (logout, ended from another browser, idle) or predates a
    password change (its stamp no longer matches)."""
    with session_lookup(session, user_id, secret) as found:
        if found is None:
            return None
        row, user = found
        if not user.active or not hmac.compare_digest(user.session_stamp, stamp):
            return None
        if user.tenant.suspended_at is not None:  # suspended since this browser logged in
            return None
        activate_tenant(session, user.tenant_id, user.id)  # ends the lookup in the same statement
    touch(session, row)
    return user, row


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(session: Session, user: User, days: int) -> str:
    """Create a bearer token for ``user``; the plain token is returned once, never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    session.add(ApiToken(user_id=user.id, secret_hash=_digest(secret), created_at=now,
                         expires_at=now + dt.timedelta(days=days)))
    session.commit()
    return secret


def user_for_token(session: Session, secret: str) -> tuple[User, ApiToken] | None:
    """The user behind a valid (known, unexpired, unrevoked) token, in its tenant's scope."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    digest = _digest(secret)
    with identity_lookup(session, digest):
        token = session.scalars(select(ApiToken).where(ApiToken.secret_hash == digest)).first()
        if token is None or token.revoked_at is not None or token.expires_at <= clock.now():
            return None
        if not token.user.active or token.user.tenant.suspended_at is not None:
            return None
        # Inside the lookup: entering the tenant's scope ends it, and PostgreSQL gets both
        # (the key cleared, the tenant set) in one statement instead of two.
        activate_tenant(session, token.tenant_id, token.user_id)
    return token.user, token


def change_password(session: Session, user: User, *, current: str, new: str,
                    keep: ApiToken | None = None, keep_session: int | None = None) -> None:
    """Change one's own password.  Every other way in stops working: the user's API
    tokens (but ``keep``, the one asking) are revoked, and browser sessions (but
    ``keep_session``) are ended; a cookie signed before also fails ``User.session_stamp``."""
    if not verify_password(user.password_hash, current):
        raise InputError("current_password", "当前密码不正确 (the current password is wrong)")
    check_new_password(new)
    if new == current:
        raise InputError("new_password", "新密码不能与当前密码相同 (the new password is the current one)")
    user.password_hash = hash_password(new)
    now = clock.now()
    for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        if token is not keep:
            token.revoked_at = now
    session.commit()
    end_sessions(session, user.id, keep=keep_session)


def revoke_token(session: Session, token: ApiToken) -> None:
    token.revoked_at = clock.now()
    session.commit()


class EmailTaken(ValueError):
    """The email already belongs to a user (of any tenant: emails are global logins)."""


def create_user(session: Session, *, email: str, name: str, role: Role, password: str | None) -> User:
    """Add a user to the session's tenant (flushes; the caller commits).

    ``password=None`` makes an invited user, who has no password until they
    accept their invitation (``onboarding.invitations``); the demo and the
    tests give one.

    The unique index on email decides, inside a savepoint: another tenant's
    users stay invisible, and two concurrent requests cannot both win.
    """
    user = User(email=email.strip().lower(), name=name, role=role,
                password_hash=NO_PASSWORD if password is None else hash_password(password))
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        raise EmailTaken(email) from exc
    return user


def list_users(session: Session) -> list[User]:
    """The tenant's users, admins first."""
    return list(session.scalars(select(User).order_by(User.role, User.name, User.id)))


def update_user(session: Session, user: User, *, actor_id: int, role: Role | None = None,
                active: bool | None = None) -> User:
    """Change a user's role or deactivate them; an admin cannot lock themselves out."""
    if user.id == actor_id and (active is False or (role is not None and role != Role.ADMIN)):
        raise ValueError("不能停用自己或取消自己的管理员权限 (you cannot demote or deactivate yourself)")
    if role is not None:
        user.role = role
    if active is not None:
        user.active = active
        if not active:
            now = clock.now()
            for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                                ApiToken.revoked_at.is_(None))):
                token.revoked_at = now
    session.commit()
    if active is False:
        end_sessions(session, user.id)
    return user


def note_login(session: Session, user: User) -> None:
    record_event(session, action="login", entity="user_account", entity_id=user.id)
    session.commit()
