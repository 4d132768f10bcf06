"""Users and API tokens.  Both are tenant-owned; login reads them through
``core.tenancy.identity_lookup`` before the tenant is known."""
from __future__ import annotations

import datetime as dt
import enum
import hashlib

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKeyConstraint, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from red_property.core import clock
from red_property.accounts.passwords import NO_PASSWORD
from red_property.core.model import Base, BigId, TenantScoped, TimestampMixin
from red_property.tenants.models import Tenant


class Role(str, enum.Enum):
    ADMIN = "admin"
    STAFF = "staff"
    READONLY = "readonly"


class User(UserMixin, TenantScoped, TimestampMixin, Base):
    __tablename__ = "user_account"
    __label__ = _l("用户")
    __identity__ = True
    # An email is one login across all tenants once its owner has a password.  Invited users who
    # have not accepted yet may share it (each tenant's own once), so that inviting an address
    # that has an account elsewhere looks exactly like inviting a new one: the second tenant's
    # invitation is refused only when accepted (onboarding.invitations.accept_invitation).
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "email"),
        Index("uq_user_account_email_login", "email", unique=True,
              sqlite_where=text(f"password_hash <> '{NO_PASSWORD}'"),
              postgresql_where=text(f"password_hash <> '{NO_PASSWORD}'")),
    )

    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="role", values_callable=lambda e: [m.value for m in e],
             native_enum=False, length=16),
        default=Role.STAFF,
    )
    password_hash: Mapped[str] = mapped_column(String(255), info={"secret": True})
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(16))

    tenant: Mapped[Tenant] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def session_stamp(self) -> str:
        """Changes with the password: a browser session logged in before a change stops working."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def get_id(self) -> str:  # Flask-Login: what the session cookie keeps
        return f"{self.id}:{self.session_stamp}"

    @property
    def can_write(self) -> bool:
        return self.role in (Role.ADMIN, Role.STAFF)


class ApiToken(TenantScoped, Base):
    """A bearer token.  Only the SHA-256 of its secret is stored."""

    __tablename__ = "api_token"
    __label__ = _l("API 令牌")
    __identity__ = True
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["user_account.tenant_id", "user_account.id"],
                             ondelete="CASCADE"),
    )

    user_id: Mapped[int] = mapped_column(BigId)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"secret": True})
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class BrowserSession(TenantScoped, Base):
    """One browser's login.  The signed cookie carries the secret; only its SHA-256 is kept.

    The cookie alone proves nothing any more: a session is alive while its row is not
    ended and was seen within the idle limit, so logging out (or ending it from another
    browser) kills a copied cookie at once.
    """

    __tablename__ = "browser_session"
    __label__ = _l("登录会话")
    __identity__ = True   # the user loader reads it before the tenant is known
    __audited__ = False   # last-seen ticks are not business writes; logins are audited as events
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["user_account.tenant_id", "user_account.id"],
                             ondelete="CASCADE"),
    )

    user_id: Mapped[int] = mapped_column(BigId, index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"secret": True})
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    ended_at: Mapped[dt.datetime | None]
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))
