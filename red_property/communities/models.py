"""Communities belong to the bureau's register; which company manages one is a
dated contract.  Buildings and households are the managing company's own
records and stay with it when the company is replaced."""
from __future__ import annotations

import datetime as dt
import decimal
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (CheckConstraint, Enum, ForeignKey, ForeignKeyConstraint, Index, Numeric, String, UniqueConstraint,
                        or_, select, true)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from red_property.core import clock
from red_property.core.model import Base, BigId, TenantScoped, TimestampMixin


class Community(TenantScoped, TimestampMixin, Base):
    """小区.  Owned by the bureau; readable by the companies that manage or
    managed it and by its owners' committee."""

    __tablename__ = "community"
    # What the public role may read (the register entry as the public page shows it): PostgreSQL grants it these columns alone.
    __public_columns__ = ("id", "tenant_id", "name", "address", "district", "street", "neighbourhood",
                          "committee_tenant_id")
    __label__ = _l("小区")

    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(50))       # 区
    street: Mapped[str] = mapped_column(String(50))         # 街道
    neighbourhood: Mapped[str] = mapped_column(String(50))  # 社区 (residents' committee area)
    household_count: Mapped[int] = mapped_column(default=0)  # as registered with the bureau
    floor_area: Mapped[decimal.Decimal] = mapped_column(Numeric(12, 2), default=0)
    committee_tenant_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tenant.id"), unique=True)
    year_built: Mapped[int | None]            # 建成年份, as the bureau's register has it
    retired_on: Mapped[dt.date | None]        # taken off the register (merged, demolished); rows stay

    contracts: Mapped[list["ManagementContract"]] = relationship(
        back_populates="community", lazy="raise_on_sql", order_by="ManagementContract.starts_on",
        primaryjoin="and_(ManagementContract.community_id == Community.id, "
                    "ManagementContract.tenant_id == Community.tenant_id)",
        viewonly=True,
    )

    @classmethod
    def visible_to(cls, tenant_id: int):
        return cls.visible_on(tenant_id, clock.today())

    @classmethod
    def visible_on(cls, tenant_id: int, today: dt.date):
        """The bureau's own rows; its committee's community; a company's communities from the first
        day of its contract on.  A contract that starts next month shows nothing yet; one that has
        ended still shows the community (read-only, as all of the register is to a company), so
        the old company can read the history its own records refer to.  Migration
        0024_contract_visibility gives row-level security the same rule."""
        return or_(cls.tenant_id == tenant_id, cls.committee_tenant_id == tenant_id,
                   cls.id.in_(cls._managed_by(ManagementContract.company_tenant_id == tenant_id, today)))

    @classmethod
    def public_criteria(cls):
        return true()  # the register is public: residents look their community up

    @classmethod
    def narrowed_to(cls, tenant_ids):
        return cls.narrowed_on(tenant_ids, clock.today())

    @classmethod
    def narrowed_on(cls, tenant_ids, today: dt.date):
        return or_(cls.committee_tenant_id.in_(tenant_ids), cls.id.in_(cls._managed_by(
            ManagementContract.company_tenant_id.in_(tenant_ids), today)))

    @staticmethod
    def _managed_by(company, today: dt.date):
        """Communities under a contract of ``company`` (a criterion) that has started by ``today``."""
        return select(ManagementContract.community_id).where(company, ManagementContract.starts_on <= today)


class ContractSelection(str, enum.Enum):
    """How the company was chosen for a community (物业服务企业选聘方式)."""

    TENDER = "tender"                    # 招投标
    AGREEMENT = "agreement"              # 协议选聘
    OWNERS_ASSEMBLY = "owners_assembly"  # 业主大会选聘


SELECTION_LABELS = {ContractSelection.TENDER: _l("招投标"), ContractSelection.AGREEMENT: _l("协议选聘"),
                    ContractSelection.OWNERS_ASSEMBLY: _l("业主大会选聘")}


def contract_is_current(starts_on: dt.date, ends_on: dt.date | None, on: dt.date) -> bool:
    """A contract is current on ``on`` from its first day through its last (open-ended when
    it has none).  Shared by the object and by lists that read contracts as rows."""
    return starts_on <= on and (ends_on is None or on <= ends_on)


class ManagementContract(TenantScoped, TimestampMixin, Base):
    """物业服务合同备案: company X manages community Y from ``starts_on`` to
    ``ends_on`` (open-ended when None).  Owned by the bureau, readable by the company."""

    __tablename__ = "management_contract"
    # What the public role may read (who manages what, when: not the contract's number or how the company was chosen): PostgreSQL grants it these columns alone.
    __public_columns__ = ("id", "tenant_id", "community_id", "company_tenant_id", "starts_on", "ends_on")
    __label__ = _l("物业服务合同")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "community_id"], ["community.tenant_id", "community.id"]),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period"),
        # the composite foreign key's own index: joins to the register use both columns
        Index("ix_management_contract_tenant_id_community_id", "tenant_id", "community_id"),
    )

    community_id: Mapped[int] = mapped_column(BigId, index=True)
    company_tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id"), index=True)
    contract_no: Mapped[str] = mapped_column(String(50))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    # None for contracts recorded before the bureau said how the company was chosen
    selection: Mapped[ContractSelection | None] = mapped_column(
        Enum(ContractSelection, name="contract_selection", values_callable=lambda e: [m.value for m in e],
             native_enum=False, length=20))

    community: Mapped[Community] = relationship(
        back_populates="contracts", lazy="raise_on_sql",
        primaryjoin="and_(ManagementContract.community_id == Community.id, "
                    "ManagementContract.tenant_id == Community.tenant_id)",
        foreign_keys="[ManagementContract.tenant_id, ManagementContract.community_id]",
        viewonly=True,
    )

    @classmethod
    def visible_to(cls, tenant_id: int):
        return or_(cls.tenant_id == tenant_id, cls.company_tenant_id == tenant_id)

    @classmethod
    def public_criteria(cls):
        return true()  # who manages a community is public

    @classmethod
    def narrowed_to(cls, tenant_ids):
        return cls.company_tenant_id.in_(tenant_ids)

    @property
    def known_contract_no(self) -> str | None:
        """The contract number; None when the contract was read on the public path (an
        owners' committee learns who manages its community as anyone does, without it)."""
        return None if "contract_no" in sa_inspect(self).unloaded else self.contract_no

    def is_current(self, on: dt.date) -> bool:
        return contract_is_current(self.starts_on, self.ends_on, on)


class OwnersCommittee(TenantScoped, TimestampMixin, Base):
    """业主委员会 of a community for one term, with its filing (备案) day.  Owned by the
    bureau; the committee's tenant reads its own terms.  A new term's committee takes
    over the community's ``committee_tenant_id``; the old tenant keeps its records."""

    __tablename__ = "owners_committee"
    __label__ = _l("业主委员会")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "community_id"], ["community.tenant_id", "community.id"]),
        CheckConstraint("term_ends_on > term_starts_on", name="term"),
        Index("ix_owners_committee_tenant_id_community_id", "tenant_id", "community_id"),
    )

    community_id: Mapped[int] = mapped_column(BigId, index=True)
    committee_tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id"), unique=True)
    term_starts_on: Mapped[dt.date]
    term_ends_on: Mapped[dt.date]
    filed_on: Mapped[dt.date]   # 备案日期

    @classmethod
    def visible_to(cls, tenant_id: int):
        return or_(cls.tenant_id == tenant_id, cls.committee_tenant_id == tenant_id)

    @classmethod
    def narrowed_to(cls, tenant_ids):
        return cls.committee_tenant_id.in_(tenant_ids)


class Building(TenantScoped, Base):
    """楼栋, as the managing company records it."""

    __tablename__ = "building"
    __label__ = _l("楼栋")
    __extra_table_args__ = (CheckConstraint("floors > 0", name="floors"),
                            UniqueConstraint("tenant_id", "community_id", "name"))

    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))      # e.g. 3栋
    kind: Mapped[str] = mapped_column(String(20), default="residential")  # residential / commercial / mixed
    floors: Mapped[int]


class Household(TenantScoped, Base):
    """户: one dwelling with its floor area and owner."""

    __tablename__ = "household"
    __label__ = _l("住户")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "building_id"], ["building.tenant_id", "building.id"],
                             ondelete="CASCADE"),
        CheckConstraint("floor_area > 0", name="floor_area"),
        # one household per room: what makes a re-import update instead of duplicate
        UniqueConstraint("tenant_id", "building_id", "unit", "room"),
    )

    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"), index=True)
    building_id: Mapped[int] = mapped_column(BigId, index=True)
    unit: Mapped[str] = mapped_column(String(10))   # 单元
    room: Mapped[str] = mapped_column(String(10))   # 室, e.g. 1203
    floor_area: Mapped[decimal.Decimal] = mapped_column(Numeric(10, 2))
    owner_name: Mapped[str] = mapped_column(String(50))
    party_member_household: Mapped[bool] = mapped_column(default=False)  # 党员户
