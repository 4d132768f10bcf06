"""Three-party joint meetings (三位一体联席会议), kept by the managing company.

Led by the community's party branch with the owners' committee and the
company: monthly, plus ad hoc meetings for major or urgent matters.  A meeting
has attendees (each representing one party), agenda items (议题) with their
major-matter category, the branch's pre-review of a major decision
(决策前置审核), the decision with who is responsible and by when, and the
follow-up notes until it is done.
"""
from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Enum, ForeignKey, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from red_property.core.model import BigId, Base, TenantScoped, TimestampMixin


def _enum(cls, name):
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e], native_enum=False, length=20)


class MeetingKind(str, enum.Enum):
    MONTHLY = "monthly"    # 月度例会
    AD_HOC = "ad_hoc"      # 临时会议 (major or urgent matters)


class AttendeeParty(str, enum.Enum):
    BRANCH = "party_branch"                     # 小区党支部
    OWNERS_COMMITTEE = "owners_committee"       # 业主委员会
    COMPANY = "property_company"                # 物业服务企业
    RESIDENTS_COMMITTEE = "residents_committee"  # 居民委员会
    OTHER = "other"


# The three parties of a 三位一体 meeting: without all of them it is not one.
REQUIRED_PARTIES = frozenset({AttendeeParty.BRANCH, AttendeeParty.OWNERS_COMMITTEE, AttendeeParty.COMPANY})


class MatterCategory(str, enum.Enum):
    RENOVATION = "renovation"                # 改造
    ELEVATOR = "elevator"                    # 加装电梯
    GARBAGE_SORTING = "garbage_sorting"      # 垃圾分类
    MAINTENANCE_FUND = "maintenance_fund"    # 专项维修资金使用
    COMPANY_SELECTION = "company_selection"  # 选聘、更换物业服务企业
    DISPUTE = "dispute"                      # 矛盾纠纷
    PUBLIC_INCOME = "public_income"          # 公共收益
    OTHER = "other"                          # 其他（一般事项）

    @property
    def major(self) -> bool:
        """A major matter (重大事项): its decision needs the branch's pre-review."""
        return self is not MatterCategory.OTHER


class ReviewOpinion(str, enum.Enum):
    AGREED = "agreed"      # 同意
    AMENDED = "amended"    # 修改后同意
    REJECTED = "rejected"  # 不同意


class JointMeeting(TenantScoped, TimestampMixin, Base):
    __tablename__ = "joint_meeting"
    __label__ = _l("联席会议")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "organisation_id"], ["party_organisation.tenant_id", "party_organisation.id"]),
        ForeignKeyConstraint(["tenant_id", "minutes_file_id"], ["stored_file.tenant_id", "stored_file.id"]),
        # At most one monthly meeting per community and month: ad hoc meetings
        # leave monthly_period NULL, and NULLs never collide.
        UniqueConstraint("tenant_id", "community_id", "monthly_period"),
        CheckConstraint("(kind = 'monthly' AND monthly_period IS NOT NULL) OR "
                        "(kind <> 'monthly' AND monthly_period IS NULL)", name="monthly_period"),
        Index("ix_joint_meeting_tenant_id_community_id_held_on", "tenant_id", "community_id", "held_on"),
    )

    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"), index=True)
    held_on: Mapped[dt.date]
    kind: Mapped[MeetingKind] = mapped_column(_enum(MeetingKind, "meeting_kind"))
    # yyyymm of held_on for a monthly meeting, NULL for an ad hoc one.
    monthly_period: Mapped[int | None]
    place: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[int | None] = mapped_column(BigId)   # the convening branch
    minutes_file_id: Mapped[int | None] = mapped_column(BigId)
    # Branch, owners' committee and company all attended (kept by the service
    # with the attendees): a monthly meeting without them is flagged, not met.
    parties_complete: Mapped[bool] = mapped_column(default=False)


class MeetingAttendee(TenantScoped, Base):
    __tablename__ = "joint_meeting_attendee"
    __label__ = _l("会议参会人")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "meeting_id"], ["joint_meeting.tenant_id", "joint_meeting.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "member_id"], ["party_member.tenant_id", "party_member.id"]),
    )

    meeting_id: Mapped[int] = mapped_column(BigId, index=True)
    party: Mapped[AttendeeParty] = mapped_column(_enum(AttendeeParty, "attendee_party"))
    name: Mapped[str] = mapped_column(String(50))
    post: Mapped[str | None] = mapped_column(String(50))        # 职务: 书记, 业委会主任, 项目经理 ...
    member_id: Mapped[int | None] = mapped_column(BigId, index=True)


class AgendaItem(TenantScoped, Base):
    """议题, with the branch's pre-review and the decision taken on it, if any."""

    __tablename__ = "joint_meeting_item"
    __label__ = _l("会议议题")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "meeting_id"], ["joint_meeting.tenant_id", "joint_meeting.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "meeting_id", "position"),
        CheckConstraint("decision IS NULL OR (responsible IS NOT NULL AND due_on IS NOT NULL)", name="decision"),
        CheckConstraint("(reviewed_on IS NULL) = (review_opinion IS NULL)", name="review"),
        # the follow-up list: open decisions by due date
        Index("ix_joint_meeting_item_tenant_id_due_on", "tenant_id", "due_on"),
    )

    meeting_id: Mapped[int] = mapped_column(BigId)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[MatterCategory] = mapped_column(_enum(MatterCategory, "matter_category"))
    reviewed_on: Mapped[dt.date | None]
    review_opinion: Mapped[ReviewOpinion | None] = mapped_column(_enum(ReviewOpinion, "review_opinion"))
    review_note: Mapped[str | None] = mapped_column(String(500))
    decision: Mapped[str | None] = mapped_column(String(500))
    responsible: Mapped[str | None] = mapped_column(String(50))
    due_on: Mapped[dt.date | None]
    done_on: Mapped[dt.date | None]

    def status(self, today: dt.date) -> str | None:
        """None without a decision; else "done", "overdue" (past its date, not done) or "open"."""
        if self.decision is None:
            return None
        if self.done_on is not None:
            return "done"
        return "overdue" if self.due_on < today else "open"

    @property
    def needs_review(self) -> bool:
        """A major matter the branch has not pre-reviewed: no decision may be taken on it."""
        return self.category.major and self.reviewed_on is None


class ItemProgress(TenantScoped, Base):
    """A follow-up note on a decision (落实情况)."""

    __tablename__ = "joint_meeting_progress"
    __label__ = _l("决议落实")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "item_id"], ["joint_meeting_item.tenant_id", "joint_meeting_item.id"],
                             ondelete="CASCADE"),
    )

    item_id: Mapped[int] = mapped_column(BigId, index=True)
    noted_on: Mapped[dt.date]
    note: Mapped[str] = mapped_column(String(500))
