"""Owner votes (业主共同决定) on the committee's proposals, owned by the committee tenant.

A ``Vote`` is drafted, opened and closed.  Opening issues a ``Ballot`` to every
owner on the roll at that moment (with the owner's floor area as it was), so
the electorate a vote is counted against cannot drift while it runs; a ballot
is cast at most once; closing records the tally, and a closed vote never
changes (see ``services``).
"""
from __future__ import annotations

import datetime as dt
import decimal
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKeyConstraint, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from red_property.core import clock
from red_property.core.model import Base, BigId, TenantScoped
from red_property.finance.models import UnitColumns


def _enum(cls, name: str):
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e], native_enum=False, length=20)


class ProposalKind(str, enum.Enum):
    """The matters of PRC Civil Code art. 278 a committee puts to the owners."""

    USE_FUND = "use_fund"                # (五) 使用建筑物及其附属设施的维修资金
    RAISE_FUND = "raise_fund"            # (六) 筹集建筑物及其附属设施的维修资金
    REBUILD = "rebuild"                  # (七) 改建、重建建筑物及其附属设施
    COMMON_USE = "common_use"            # (八) 改变共有部分的用途或者利用共有部分从事经营活动
    PUBLIC_INCOME = "public_income"      # (九) 使用公共收益 (other major matters of common management)
    COMPANY = "company"                  # (四) 选聘和解聘物业服务企业或者其他管理人
    ELECT_COMMITTEE = "elect_committee"  # (三) 选举业主委员会或者更换业主委员会成员
    OTHER = "other"                      # (一)(二)(九) rules, the management statute, other major matters


# Art. 278 items 6-8: three quarters of the participating area and owners.
SPECIAL_MAJORITY = frozenset({ProposalKind.RAISE_FUND, ProposalKind.REBUILD, ProposalKind.COMMON_USE})

KIND_LABELS = {
    ProposalKind.USE_FUND: _l("使用专项维修资金"),
    ProposalKind.RAISE_FUND: _l("筹集专项维修资金"),
    ProposalKind.REBUILD: _l("改建、重建建筑物及其附属设施"),
    ProposalKind.COMMON_USE: _l("改变共有部分用途或利用共有部分经营"),
    ProposalKind.PUBLIC_INCOME: _l("使用公共收益"),
    ProposalKind.COMPANY: _l("选聘或解聘物业服务企业"),
    ProposalKind.ELECT_COMMITTEE: _l("选举或更换业主委员会成员"),
    ProposalKind.OTHER: _l("其他共同管理事项"),
}


class Choice(str, enum.Enum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"


CHOICE_LABELS = {Choice.FOR: _l("同意"), Choice.AGAINST: _l("反对"), Choice.ABSTAIN: _l("弃权")}


class VoteStatus(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


STATUS_LABELS = {VoteStatus.DRAFT: _l("草稿"), VoteStatus.OPEN: _l("表决中"), VoteStatus.CLOSED: _l("已结束")}


class Vote(TenantScoped, Base):
    """A proposal put to the owners, with its electorate's totals once opened and its result once closed."""

    __tablename__ = "vote"
    __label__ = _l("业主表决")
    __extra_table_args__ = (
        CheckConstraint("status = 'draft' OR (opened_at IS NOT NULL AND total_owners > 0 AND total_area > 0)",
                        name="opened"),
        CheckConstraint("status != 'closed' OR (closed_at IS NOT NULL AND passed IS NOT NULL)", name="closed"),
    )

    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ProposalKind] = mapped_column(_enum(ProposalKind, "proposal_kind"))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[VoteStatus] = mapped_column(_enum(VoteStatus, "vote_status"), default=VoteStatus.DRAFT)
    total_owners: Mapped[int | None]                                              # 业主总人数
    total_area: Mapped[decimal.Decimal | None] = mapped_column(Numeric(14, 2))    # 专有部分总面积, ㎡
    passed: Mapped[bool | None]
    result: Mapped[dict | None] = mapped_column(JSON)      # the tally as it stood at closing
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    opened_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]


class Ballot(UnitColumns, TenantScoped, Base):
    """One owner's ballot in a vote: issued when the vote opens, cast at most once."""

    __tablename__ = "vote_ballot"
    __label__ = _l("表决票")
    __audited__ = False  # issued in bulk when a vote opens; casting is audited by the service
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "vote_id"], ["vote.tenant_id", "vote.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "owner_id"], ["owner.tenant_id", "owner.id"]),
        UniqueConstraint("tenant_id", "vote_id", "owner_id"),
        CheckConstraint("(choice IS NULL) = (cast_at IS NULL)", name="cast"),
    )

    vote_id: Mapped[int] = mapped_column(BigId, index=True)
    owner_id: Mapped[int] = mapped_column(BigId, index=True)
    choice: Mapped[Choice | None] = mapped_column(_enum(Choice, "ballot_choice"))
    cast_at: Mapped[dt.datetime | None]
    recorded_by: Mapped[int | None] = mapped_column(BigId)
