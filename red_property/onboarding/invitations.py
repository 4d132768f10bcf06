"""Invitations instead of passwords.

Whoever adds a user (a tenant admin, the bureau creating a company's tenant,
the platform operator, ``red-property init``) never types a password for them:
the user gets a one-time link, shown once to copy or print and emailed when
``MAIL_URL`` is set, and chooses their password when they accept it.

- only the SHA-256 of the link's secret is stored (as API tokens are), found by
  that digest and compared again in constant time;
- single use: accepting is a conditional UPDATE, so two clicks cannot both win;
- expires after ``INVITATION_DAYS`` (7 by default); revoked by the admin, or by
  issuing a new one (the old link stops working);
- the page that accepts it is rate-limited like the login.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import current_app, has_request_context, request
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from red_property.accounts.models import Role, User
from red_property.accounts.passwords import NO_PASSWORD, check_new_password, hash_password
from red_property.accounts.services import EmailTaken, create_user
from red_property.core.audit import record_event
from red_property.core.errors import InputError
from red_property.core.tenancy import activate_tenant, identity_lookup
from red_property.core import clock
from red_property.onboarding.mail import MailError, mail_settings, send_mail
from red_property.onboarding.models import Invitation

PREFIX = "rpi_"
PATH = "/invitation/"
DEFAULT_DAYS = 7
MAX_DAYS = 30


@dataclass(frozen=True)
class IssuedInvitation:
    """What the person who invited sees once: the link, and whether it was emailed."""

    invitation_id: int
    user_id: int
    email: str
    name: str
    role: Role
    tenant_name: str
    url: str
    expires_at: dt.datetime
    emailed: bool | None  # None: mail is not configured
    mail_error: str | None = None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def base_url() -> str:
    """Where links point: ``BASE_URL``, else the address this request came to."""
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return "http://127.0.0.1:5000"


def is_pending(user: User) -> bool:
    """The user was invited and has not chosen a password yet."""
    return user.password_hash == NO_PASSWORD


def invite_user(session: Session, *, email: str, name: str, role: Role, days: int | None = None,
                send: bool = True) -> IssuedInvitation:
    """Add a user without a password to the session's tenant and invite them (commits).

    Raises ``InputError`` on ``email`` when this tenant already has that user.  An address that
    has an account in another tenant is invited like any new one: the admin must not learn that
    the account exists (issue 12, item 3).  Its owner gets the same letter, and accepting it is
    refused without changing anything (``accept_invitation``): a login belongs to one tenant.
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InputError("name", "姓名不能为空，最多 100 个字 (a name of 1-100 characters)")
    try:
        user = create_user(session, email=email, name=name, role=role, password=None)
    except EmailTaken as exc:  # only this tenant's own users collide here (accounts.models.User)
        raise InputError("email", "本单位已有这个邮箱的用户 (already a user here)") from exc
    return _issue(session, user, days, send=send)


def reissue_invitation(session: Session, user_id: int, *, days: int | None = None,
                       send: bool = True) -> IssuedInvitation:
    """A new link for a user who has not accepted yet; every earlier link stops working."""
    user = session.get(User, user_id)
    if user is None:
        raise InputError("user_id", "用户不存在 (user not found)")
    if not is_pending(user):
        raise InputError("user_id", "该用户已设置密码，无需邀请 (the user has already set a password)")
    if not user.active:
        raise InputError("user_id", "该用户已停用 (the user is deactivated)")
    return _issue(session, user, days, send=send)


def revoke_invitations(session: Session, user_id: int) -> int:
    """Revoke the user's open invitations (commits); how many there were."""
    if session.get(User, user_id) is None:
        raise InputError("user_id", "用户不存在 (user not found)")
    now = clock.now()
    open_ = list(session.scalars(select(Invitation).where(
        Invitation.user_id == user_id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))))
    for invitation in open_:
        invitation.revoked_at = now
    session.commit()
    return len(open_)


def pending_invitations(session: Session) -> dict[int, Invitation]:
    """The newest invitation of each user of the tenant, by user id."""
    newest: dict[int, Invitation] = {}
    for invitation in session.scalars(select(Invitation).order_by(Invitation.created_at, Invitation.id)):
        newest[invitation.user_id] = invitation
    return newest


def _issue(session: Session, user: User, days: int | None, *, send: bool) -> IssuedInvitation:
    days = days or current_app.config.get("INVITATION_DAYS") or DEFAULT_DAYS
    if not 1 <= days <= MAX_DAYS:
        raise InputError("days", f"有效期应为 1 到 {MAX_DAYS} 天 (1 to {MAX_DAYS} days)")
    now = clock.now()
    for old in session.scalars(select(Invitation).where(
            Invitation.user_id == user.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))):
        old.revoked_at = now
    secret = PREFIX + secrets.token_urlsafe(32)
    invitation = Invitation(user_id=user.id, secret_hash=_digest(secret), created_at=now,
                            expires_at=now + dt.timedelta(days=days), created_by=session.info.get("actor_id"))
    session.add(invitation)
    session.commit()
    issued = IssuedInvitation(invitation_id=invitation.id, user_id=user.id, email=user.email, name=user.name,
                              role=user.role, tenant_name=user.tenant.name, url=base_url() + PATH + secret,
                              expires_at=invitation.expires_at, emailed=None)
    settings = mail_settings(current_app.config) if send else None
    if settings is None:
        return issued
    try:
        send_mail(settings, to=user.email, subject=f"{issued.tenant_name}：红色物业账户邀请 / Your red-property invitation",
                  body=invitation_email(issued))
    except MailError as exc:
        current_app.logger.warning("invitation %s: mail not sent: %s", invitation.id, exc)
        return _replace(issued, emailed=False, mail_error=str(exc))
    return _replace(issued, emailed=True)


def _replace(issued: IssuedInvitation, **changes) -> IssuedInvitation:
    from dataclasses import replace

    return replace(issued, **changes)


def invitation_email(issued: IssuedInvitation) -> str:
    """The email body: Chinese first, English below (the invitee's language is not known yet)."""
    until = issued.expires_at.astimezone(clock.local_zone()).strftime("%Y-%m-%d %H:%M")
    return (f"{issued.name}，您好：\n\n{issued.tenant_name} 邀请您使用红色物业系统（登录邮箱 {issued.email}）。"
            f"请在 {until}（北京时间）前打开下面的链接设置密码，链接只能使用一次：\n\n{issued.url}\n\n"
            f"如果您不认识发件单位，请忽略本邮件。\n\n"
            f"Hello {issued.name},\n\n{issued.tenant_name} invites you to red-property (login: {issued.email}). "
            f"Open the link above before {until} (Beijing time) to choose your password; it works once.\n")


def find_invitation(session: Session, secret: str) -> Invitation | None:
    """The invitation behind a link's secret, whatever its state; None if unknown.

    Read before any tenant is known (``identity_lookup``), as a login reads a user.
    """
    if not isinstance(secret, str) or not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    digest = _digest(secret)
    with identity_lookup(session, digest):
        invitation = session.scalars(select(Invitation).where(Invitation.secret_hash == digest)).first()
    if invitation is None or not hmac.compare_digest(invitation.secret_hash, digest):
        return None
    return invitation


STATE_MESSAGES = {
    "accepted": "这个邀请链接已经使用过；请直接登录 (this invitation was already used: log in)",
    "revoked": "这个邀请链接已被撤销；请联系管理员重新邀请 (this invitation was revoked: ask your admin for a new one)",
    "expired": "这个邀请链接已过期；请联系管理员重新邀请 (this invitation has expired: ask your admin for a new one)",
    "inactive": "该账户已停用 (this account is deactivated)",
    "has_account": "这个邮箱已有账户，不能再接受其他单位的邀请；请用原账户登录 "
                   "(this email already has an account: log in with it)",
}


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why this link cannot be accepted, in words; None when it can."""
    if invitation is None:
        return "邀请链接无效 (unknown invitation link)"
    state = invitation.state(clock.now())
    if state != "pending":
        return STATE_MESSAGES[state]
    if not invitation.user.active or not tenant_open(invitation.user):
        return STATE_MESSAGES["inactive"]
    return None


def tenant_open(user: User) -> bool:
    """The user's tenant is not suspended by the platform operator."""
    return getattr(user.tenant, "suspended_at", None) is None


def accept_invitation(session: Session, secret: str, password: str) -> User:
    """Set the invited user's password and use the link up (commits).

    ``session`` must have no tenant yet (a fresh one); it ends in the user's
    tenant.  Raises ``InputError`` on ``token`` (unknown, used, revoked,
    expired) or ``password`` (the rules of a password change).
    """
    invitation = find_invitation(session, secret)
    problem = invitation_problem(invitation)
    if problem:
        raise InputError("token", problem)
    check_new_password(password, field="password")
    user = invitation.user
    activate_tenant(session, invitation.tenant_id, user.id)
    now = clock.now()
    used = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
               Invitation.expires_at > now)
        .values(accepted_at=now).execution_options(synchronize_session=False)).rowcount
    if used != 1:  # another click got there first
        session.rollback()
        raise InputError("token", STATE_MESSAGES["accepted"])
    session.execute(update(Invitation).where(Invitation.user_id == user.id, Invitation.id != invitation.id,
                                             Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
                    .values(revoked_at=now).execution_options(synchronize_session=False))
    user.password_hash = hash_password(password)
    record_event(session, action="accept_invitation", entity="invitation", entity_id=invitation.id,
                 after={"user_id": user.id})
    try:
        session.commit()
    except IntegrityError:
        # the address already logs in to another tenant: nothing changes, the link stays unused
        # (to the inviting admin, an invitation never accepted), and the owner is told what they know
        session.rollback()
        raise InputError("token", STATE_MESSAGES["has_account"]) from None
    return user
