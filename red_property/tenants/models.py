"""The tenant register.  Not tenant-owned: every tenant's name is public."""
from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, String
from sqlalchemy.orm import Mapped, mapped_column

from red_property.core.model import Base, IdMixin, TimestampMixin


class TenantKind(str, enum.Enum):
    COMPANY = "company"      # 物业服务企业
    BUREAU = "bureau"        # 住房和城乡建设局
    COMMITTEE = "committee"  # 业主委员会
    # The service's operator: bills the other tenants (subscription invoices), sees none of their records.
    PLATFORM = "platform"    # 平台运营方


class Tenant(IdMixin, TimestampMixin, Base):
    __tablename__ = "tenant"
    # What the public role may read (a visitor reads a company's or committee's name): PostgreSQL grants it these columns alone.
    __public_columns__ = ("id", "name")
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
