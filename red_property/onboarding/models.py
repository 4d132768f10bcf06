"""Invitations (one-time links that let a new user choose a password) and the
bureau's company directory."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, ForeignKeyConstraint, String, UniqueConstraint, false, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from red_property.accounts.models import User
from red_property.core.model import Base, BigId, TenantScoped, TimestampMixin


class Invitation(TenantScoped, Base):
    """A one-time link for ``user`` to set their password.  Only the SHA-256 of
    its secret is stored; the link is shown (and perhaps emailed) once."""

    __tablename__ = "invitation"
    __label__ = _l("邀请")
    __identity__ = True  # read by its secret before the tenant is known, like an API token
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["user_account.tenant_id", "user_account.id"],
                             ondelete="CASCADE"),
    )

    user_id: Mapped[int] = mapped_column(BigId, index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"secret": True})
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    def state(self, at: dt.datetime) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= at:
            return "expired"
        return "pending"


class Company(TenantScoped, TimestampMixin, Base):
    """物业服务企业名录: one property company in the bureau's directory.  Owned by
    the bureau; the company's own tenant (once created from this entry) reads it."""

    __tablename__ = "company"
    __label__ = _l("物业服务企业")
    __extra_table_args__ = (UniqueConstraint("tenant_id", "credit_code"),)

    credit_code: Mapped[str] = mapped_column(String(18))  # 统一社会信用代码, GB 32100-2015
    name: Mapped[str] = mapped_column(String(200))
    legal_representative: Mapped[str] = mapped_column(String(50))
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    company_tenant_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tenant.id"), unique=True)
    # The bureau's word for its communities' public pages while the company's tenant is suspended:
    # "no longer served here" (tenants.service_notice).  Public, as those pages are; nothing else here is.
    not_served_notice: Mapped[bool] = mapped_column(default=False, server_default=false())
    __public_columns__ = ("id", "tenant_id", "company_tenant_id", "not_served_notice")

    @classmethod
    def visible_to(cls, tenant_id: int):
        return or_(cls.tenant_id == tenant_id, cls.company_tenant_id == tenant_id)

    @classmethod
    def public_criteria(cls):
        # only the flagged entries, and on PostgreSQL only the columns that say so (migration 0024)
        return cls.not_served_notice.is_(True)

    @classmethod
    def narrowed_to(cls, tenant_ids):
        return cls.company_tenant_id.in_(tenant_ids)
