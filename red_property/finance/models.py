"""The owners' committee's books, all owned by the committee tenant.

- ``Owner``: the committee's own roll of owners (业主名册).  The managing
  company's households are another tenant's records and are never read here.
- ``FinanceBook``: when the committee started keeping the ledger here, and
  the balance it brought with it.
- ``LedgerEntry`` with its ``LedgerReceipt`` files: public income (公共收益)
  and expenses, in integer fen.
- ``Statement``: a period's statement.  A draft is computed from the ledger
  whenever it is shown; publishing freezes its content (canonical JSON) and
  fingerprint, and from then on the row never changes (see ``statements``).
- ``Distribution`` with its ``DistributionShare`` rows: a surplus paid back
  to the owners.
"""
from __future__ import annotations

import datetime as dt
import decimal
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (BigInteger, CheckConstraint, Enum, ForeignKeyConstraint, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from red_property.core import clock
from red_property.core.model import Base, BigId, TenantScoped


def _enum(cls, name: str, length: int = 20):
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e], native_enum=False, length=length)


class Direction(str, enum.Enum):
    INCOME = "income"
    EXPENSE = "expense"


class Category(str, enum.Enum):
    # 公共收益
    PARKING = "parking"                # 停车收益 (parking on common land)
    ADVERTISING = "advertising"        # 广告收益 (lifts, notice boards, gates)
    VENUE = "venue"                    # 场地租赁 (common rooms and spaces let out)
    LOCKERS = "lockers"                # 快递柜 (parcel lockers' site fees)
    OTHER_INCOME = "other_income"
    # 支出
    MAINTENANCE = "maintenance"        # 维修养护 of common parts
    CLEANING = "cleaning"              # 保洁绿化
    COMMITTEE = "committee"            # 业委会运行经费 (office, allowances, meetings)
    DISTRIBUTION = "distribution"      # 分配给业主 (a surplus paid back)
    OTHER_EXPENSE = "other_expense"


INCOME_CATEGORIES = (Category.PARKING, Category.ADVERTISING, Category.VENUE, Category.LOCKERS, Category.OTHER_INCOME)
EXPENSE_CATEGORIES = (Category.MAINTENANCE, Category.CLEANING, Category.COMMITTEE, Category.DISTRIBUTION,
                      Category.OTHER_EXPENSE)
CATEGORY_LABELS = {
    Category.PARKING: _l("停车收益"), Category.ADVERTISING: _l("广告收益"), Category.VENUE: _l("场地租赁收益"),
    Category.LOCKERS: _l("快递柜收益"), Category.OTHER_INCOME: _l("其他收益"),
    Category.MAINTENANCE: _l("维修养护"), Category.CLEANING: _l("保洁绿化"), Category.COMMITTEE: _l("业委会运行经费"),
    Category.DISTRIBUTION: _l("收益分配给业主"), Category.OTHER_EXPENSE: _l("其他支出"),
}
DIRECTION_LABELS = {Direction.INCOME: _l("收入"), Direction.EXPENSE: _l("支出")}


def direction_of(category: Category) -> Direction:
    return Direction.INCOME if category in INCOME_CATEGORIES else Direction.EXPENSE


class UnitColumns:
    """A unit and its owner as the roll has them; ballots and shares keep a copy as it was when made."""

    building: Mapped[str] = mapped_column(String(50))
    unit: Mapped[str] = mapped_column(String(10))
    room: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(50))
    floor_area: Mapped[decimal.Decimal] = mapped_column(Numeric(10, 2))   # 专有部分面积, ㎡


class Owner(UnitColumns, TenantScoped, Base):
    """业主名册: one exclusively owned unit (专有部分) and its owner, counted as one owner in votes."""

    __tablename__ = "owner"
    __label__ = _l("业主")
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "building", "unit", "room"),
        CheckConstraint("floor_area > 0", name="floor_area"),
    )

    @property
    def address(self) -> str:
        return f"{self.building}-{self.unit}-{self.room}"


class FinanceBook(TenantScoped, Base):
    """Where the committee's ledger starts: a date and the balance carried in (one per committee)."""

    __tablename__ = "finance_book"
    __label__ = _l("公共收益账簿")
    __extra_table_args__ = (UniqueConstraint("tenant_id"),
                            CheckConstraint("opening_balance_fen >= 0", name="opening_balance"))

    opened_on: Mapped[dt.date]
    opening_balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class LedgerEntry(TenantScoped, Base):
    """One income or expense of the committee's account."""

    __tablename__ = "ledger_entry"
    __label__ = _l("收支记录")
    __extra_table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount"),
        CheckConstraint(
            "(direction = 'income' AND category IN ("
            + ", ".join(f"'{c.value}'" for c in INCOME_CATEGORIES) + ")) OR (direction = 'expense' AND category IN ("
            + ", ".join(f"'{c.value}'" for c in EXPENSE_CATEGORIES) + "))", name="category"),
    )

    direction: Mapped[Direction] = mapped_column(_enum(Direction, "ledger_direction", 10))
    category: Mapped[Category] = mapped_column(_enum(Category, "ledger_category"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    occurred_on: Mapped[dt.date] = mapped_column(index=True)
    counterparty: Mapped[str] = mapped_column(String(100))   # who paid or was paid
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class LedgerReceipt(TenantScoped, Base):
    """A receipt, invoice or contract scan attached to an entry (a ``core.files`` upload)."""

    __tablename__ = "ledger_receipt"
    __label__ = _l("收支凭证")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "entry_id"], ["ledger_entry.tenant_id", "ledger_entry.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "file_id"], ["stored_file.tenant_id", "stored_file.id"]),
        UniqueConstraint("tenant_id", "entry_id", "file_id"),
    )

    entry_id: Mapped[int] = mapped_column(BigId, index=True)
    file_id: Mapped[int] = mapped_column(BigId)


class StatementKind(str, enum.Enum):
    QUARTER = "quarter"
    YEAR = "year"


class Statement(TenantScoped, Base):
    """收支公示: one version of a period's statement.

    Draft while ``published_at`` is empty (its figures come from the ledger
    when shown).  Publishing stores ``content`` (canonical JSON of everything
    shown) and its SHA-256 ``fingerprint``; the row is final from then on, in
    the ORM and in the database (a trigger).  A correction is the next version
    of the same period, naming the version it supersedes and why.
    """

    __tablename__ = "finance_statement"
    # What the public role may read (a published statement, not who drafted or published it): PostgreSQL grants it these columns alone.
    __public_columns__ = ("id", "tenant_id", "period", "kind", "starts_on", "ends_on", "version", "supersedes_id",
                          "reason", "content", "fingerprint", "published_at")
    __label__ = _l("收支公示")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "supersedes_id"], ["finance_statement.tenant_id", "finance_statement.id"]),
        UniqueConstraint("tenant_id", "period", "version"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("ends_on >= starts_on", name="dates"),
        CheckConstraint("(published_at IS NULL AND content IS NULL AND fingerprint IS NULL) OR "
                        "(published_at IS NOT NULL AND content IS NOT NULL AND fingerprint IS NOT NULL)",
                        name="published"),
        CheckConstraint("supersedes_id IS NULL OR reason IS NOT NULL", name="reason"),
    )

    period: Mapped[str] = mapped_column(String(7))            # "2026-Q1" or "2026"
    kind: Mapped[StatementKind] = mapped_column(_enum(StatementKind, "statement_kind", 10))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    version: Mapped[int] = mapped_column(default=1)
    supersedes_id: Mapped[int | None] = mapped_column(BigId)
    reason: Mapped[str | None] = mapped_column(String(500))   # why a correction was made
    content: Mapped[str | None] = mapped_column(Text)
    fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    published_by: Mapped[int | None] = mapped_column(BigId)
    published_at: Mapped[dt.datetime | None]

    @classmethod
    def public_criteria(cls):
        return cls.published_at.is_not(None)  # published statements are posted for every owner to read

    @property
    def status(self) -> str:
        return "published" if self.published_at is not None else "draft"


class DistributionMethod(str, enum.Enum):
    AREA = "area"              # by floor-area share
    HOUSEHOLD = "household"    # the same to every owner


METHOD_LABELS = {DistributionMethod.AREA: _l("按专有部分面积"), DistributionMethod.HOUSEHOLD: _l("按户平均")}


class Distribution(TenantScoped, Base):
    """收益分配: a surplus split among the owners on the roll as it stood when computed.

    Recording it books one expense (``entry_id``); from then on it is kept as paid.
    """

    __tablename__ = "finance_distribution"
    __label__ = _l("收益分配")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "entry_id"], ["ledger_entry.tenant_id", "ledger_entry.id"]),
        ForeignKeyConstraint(["tenant_id", "vote_id"], ["vote.tenant_id", "vote.id"]),
        CheckConstraint("total_fen > 0", name="total"),
        UniqueConstraint("tenant_id", "entry_id"),
    )

    title: Mapped[str] = mapped_column(String(100))
    method: Mapped[DistributionMethod] = mapped_column(_enum(DistributionMethod, "distribution_method", 10))
    total_fen: Mapped[int] = mapped_column(BigInteger)
    owners: Mapped[int]
    total_area: Mapped[decimal.Decimal] = mapped_column(Numeric(14, 2))
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    entry_id: Mapped[int | None] = mapped_column(BigId)       # the expense, once recorded
    vote_id: Mapped[int | None] = mapped_column(BigId)        # the owners' vote that decided it, if any
    decision: Mapped[str | None] = mapped_column(String(200))  # how the owners decided (meeting, resolution no.)


class DistributionShare(UnitColumns, TenantScoped, Base):
    """One owner's share, with the roll's details as they were when computed."""

    __tablename__ = "finance_distribution_share"
    __label__ = _l("分配份额")
    __audited__ = False  # written in bulk with its distribution, which is audited
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "distribution_id"],
                             ["finance_distribution.tenant_id", "finance_distribution.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "owner_id"], ["owner.tenant_id", "owner.id"]),
        UniqueConstraint("tenant_id", "distribution_id", "owner_id"),
        CheckConstraint("amount_fen >= 0", name="amount"),
    )

    distribution_id: Mapped[int] = mapped_column(BigId, index=True)
    owner_id: Mapped[int] = mapped_column(BigId, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
