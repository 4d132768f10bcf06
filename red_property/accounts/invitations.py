"""Adding a user is inviting them: the answer never says whether the address has an account.

Emails are global logins, so a direct "create user" had to refuse an address used in
another tenant, and that refusal told any tenant admin who has an account where
(issue 12, item 3).  Now the admin's request only records an invitation; a job mails
the address either a link to set a password or, when the address already has an
account, a note saying so.  The admin sees the same pending invitation either way,
and the secret of the link exists only in the mail.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.accounts.models import Invitation, Role, User
from red_property.accounts.services import MIN_PASSWORD, EmailTaken, create_user
from red_property.core.errors import InputError
from red_property.core.jobs import JobContext, enqueue, job
from red_property.core.mail import send_mail
from red_property.core.model import utcnow
from red_property.core.tenancy import current_actor_id, fresh_session, identity_lookup, tenant_scope
from red_property.tenants.models import Tenant

INVALID = "邀请链接无效或已过期，请联系邀请您的管理员 (the invitation is invalid or has expired)"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def invite_user(session: Session, *, email: str, name: str, role: Role, base_url: str) -> Invitation:
    """Invite ``email`` to the session's tenant and queue the mail; commits.

    Only a user of this same tenant is refused (the admin sees them in the list anyway).
    Inviting an address again renews its pending invitation with a new link.
    """
    email = email.strip().lower()
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise InputError("email", "该邮箱已是本单位的用户 (already a user of this tenant)")
    invitation = session.scalars(select(Invitation).where(Invitation.email == email,
                                                          Invitation.accepted_at.is_(None))).first()
    if invitation is None:
        invitation = Invitation(email=email)
        session.add(invitation)
    invitation.name, invitation.role, invitation.secret_hash = name, role, None
    invitation.invited_by = current_actor_id(session)
    invitation.expires_at = utcnow() + dt.timedelta(days=current_app.config["INVITATION_DAYS"])
    session.flush()
    invitation_id = invitation.id
    enqueue(session, "accounts.send_invitation", invitation_id=invitation_id, base_url=base_url)
    return session.get(Invitation, invitation_id)


def pending_invitations(session: Session) -> list[Invitation]:
    """The tenant's invitations not yet accepted, newest first (expired ones included)."""
    return list(session.scalars(select(Invitation).where(Invitation.accepted_at.is_(None))
                                .order_by(Invitation.created_at.desc(), Invitation.id.desc())))


def _has_account(email: str) -> bool:
    """Whether any tenant has a user with this email: read apart from the job's tenant scope."""
    reader = fresh_session()
    try:
        with identity_lookup(reader):
            return reader.scalar(select(User.id).where(User.email == email)) is not None
    finally:
        reader.close()


@job("accounts.send_invitation")
def send_invitation(ctx: JobContext, invitation_id: int, base_url: str) -> dict:
    """Mail the invitation.  The job's record (which its admin can read) is the same either way."""
    invitation = ctx.session.get(Invitation, invitation_id)
    if invitation is None or invitation.accepted_at is not None:
        return {"sent": True}
    tenant_name = ctx.session.get(Tenant, ctx.tenant_id).name
    secret = secrets.token_urlsafe(32)
    # Every run makes a new secret, so a link mailed by an earlier delivery stops working.
    invitation.secret_hash = _digest(secret)
    ctx.session.commit()
    if _has_account(invitation.email):
        send_mail(invitation.email, f"{tenant_name} 邀请您加入红色物业",
                  f"{tenant_name} 的管理员邀请此邮箱加入红色物业平台。\n\n"
                  "此邮箱已经有一个账号，一个邮箱只能属于一个单位，所以没有为您创建新账号。"
                  "如需加入，请把另一个邮箱告诉邀请您的管理员。\n\n"
                  "This address already has an account, and an address can belong to one organisation only; "
                  "no new account was made. To join, give the admin who invited you another address.\n")
    else:
        link = f"{base_url.rstrip('/')}/invitations/{secret}"
        send_mail(invitation.email, f"{tenant_name} 邀请您加入红色物业",
                  f"{tenant_name} 的管理员邀请您加入红色物业平台。\n\n请在 {invitation.expires_at:%Y-%m-%d} 前打开以下链接设置密码：\n"
                  f"{link}\n\nTo join, open the link above and choose a password.\n")
    return {"sent": True}


def find_invitation(session: Session, secret: str) -> Invitation | None:
    """The pending, unexpired invitation behind a link's secret, else None."""
    if not secret or len(secret) > 100:
        return None
    with identity_lookup(session):
        invitation = session.scalars(select(Invitation).where(Invitation.secret_hash == _digest(secret))).first()
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= utcnow():
        return None
    return invitation


def accept_invitation(session: Session, secret: str, password: str) -> str:
    """Create the invited account with the invitee's own password; returns its email."""
    invitation = find_invitation(session, secret)
    if invitation is None:
        raise InputError("password", INVALID)
    if len(password) < MIN_PASSWORD:
        raise InputError("password", f"密码至少 {MIN_PASSWORD} 个字符 (at least {MIN_PASSWORD} characters)")
    tenant_id, invitation_id = invitation.tenant_id, invitation.id
    with tenant_scope(session, tenant_id) as scoped:
        invitation = scoped.get(Invitation, invitation_id)
        try:
            user = create_user(scoped, email=invitation.email, name=invitation.name, role=invitation.role,
                               password=password)
        except EmailTaken:
            # The address got an account elsewhere after the link was mailed: its owner knows.
            raise InputError("password", INVALID) from None
        invitation.accepted_at = utcnow()
        scoped.info["actor_id"] = user.id
        scoped.commit()
        return user.email
