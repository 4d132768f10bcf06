"""The tenant register.  Not tenant-owned: every tenant's name is public."""
from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from red_property.core import clock
from red_property.core.model import Base, BigId, IdMixin, TimestampMixin


class TenantKind(str, enum.Enum):
    COMPANY = "company"      # 物业服务企业
    BUREAU = "bureau"        # 住房和城乡建设局
    COMMITTEE = "committee"  # 业主委员会
    # The service's operator: bills the other tenants (subscription invoices), sees none of their records.
    PLATFORM = "platform"    # 平台运营方


class Tenant(IdMixin, TimestampMixin, Base):
    __tablename__ = "tenant"
    # What the public role may read (a visitor reads a company's or committee's name; whether it is
    # suspended decides the bureau's "no longer served here" notice): PostgreSQL grants these columns alone.
    __public_columns__ = ("id", "name", "suspended_at")
    __label__ = _l("租户")

    kind: Mapped[TenantKind] = mapped_column(
        Enum(TenantKind, name="tenant_kind", values_callable=lambda e: [m.value for m in e],
             native_enum=False, length=16)
    )
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # 统一社会信用代码 for companies; optional for the others.
    credit_code: Mapped[str | None] = mapped_column(String(18))
    # Set by the platform operator: the tenant's users cannot log in or use tokens; its data is kept.
    suspended_at: Mapped[dt.datetime | None]

    def __repr__(self) -> str:
        return f"<Tenant {self.slug} {self.kind.value}>"


class TenantChange(IdMixin, Base):
    """One change to the tenant register (created, suspended, reactivated, renamed).

    On PostgreSQL only the register's database functions write it (``tenants.changes``;
    the app role may not even read it), so a change made from SQL as the app role
    still leaves this row behind.
    """
    __label__ = _l("租户变更记录")

    __tablename__ = "tenant_change"

    tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(BigId)
    by_role: Mapped[str] = mapped_column(String(64))  # the database login that made the change
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class CrossReadTicket(IdMixin, Base):
    """A housing bureau's cross-tenant read, committed before it reads (PostgreSQL only:
    ``core.tenancy.bureau_cross_tenant_read``).  The bureau reader role's policies admit
    rows only in a transaction that names a recent ticket (migration 0027)."""
    __label__ = _l("跨租户查阅凭证")

    __tablename__ = "cross_read_ticket"

    bureau_tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id"))
    reason: Mapped[str] = mapped_column(String(500))
    by_role: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
