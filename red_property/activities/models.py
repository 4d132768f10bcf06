"""Party activities and service, kept by the managing company.

Activities (主题党日, 三会一课, volunteer service, "red family" events, service
days) with their participants and hours; in-service members' reporting to the
branch where they live (双报到) with the service items they claim; and
negative-behaviour records (负面行为) of members who break community rules.
"""
from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from red_property.core.model import BigId, Base, TenantScoped, TimestampMixin


def _enum(cls, name):
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e], native_enum=False, length=30)


class ActivityKind(str, enum.Enum):
    THEME_DAY = "theme_day"                    # 主题党日
    GENERAL_MEETING = "general_meeting"        # 支部党员大会 (三会一课)
    COMMITTEE_MEETING = "committee_meeting"    # 支部委员会 (三会一课)
    GROUP_MEETING = "group_meeting"            # 党小组会 (三会一课)
    PARTY_LECTURE = "party_lecture"            # 党课 (三会一课)
    VOLUNTEER = "volunteer"                    # 志愿服务
    RED_FAMILY = "red_family"                  # 红色家庭活动
    SERVICE_DAY = "service_day"                # 服务日


class Activity(TenantScoped, TimestampMixin, Base):
    __tablename__ = "party_activity"
    __label__ = _l("党组织活动")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "organisation_id"], ["party_organisation.tenant_id", "party_organisation.id"]),
        Index("ix_party_activity_tenant_id_held_on", "tenant_id", "held_on"),
    )

    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"), index=True)
    held_on: Mapped[dt.date]
    kind: Mapped[ActivityKind] = mapped_column(_enum(ActivityKind, "activity_kind"))
    title: Mapped[str] = mapped_column(String(100))
    place: Mapped[str | None] = mapped_column(String(100))
    organisation_id: Mapped[int | None] = mapped_column(BigId)   # the organising branch


class ActivityParticipant(TenantScoped, Base):
    """A party member (linked) or another volunteer (by name), with the hours served.

    Hours are kept as whole minutes: a tenth of an hour is six minutes, so the
    yearly sums stay exact without decimals in the database.
    """

    __tablename__ = "party_activity_participant"
    __label__ = _l("活动参加人")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "activity_id"], ["party_activity.tenant_id", "party_activity.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "member_id"], ["party_member.tenant_id", "party_member.id"]),
        UniqueConstraint("tenant_id", "activity_id", "member_id"),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes"),
        Index("ix_party_activity_participant_tenant_id_member_id", "tenant_id", "member_id"),
    )

    activity_id: Mapped[int] = mapped_column(BigId)
    member_id: Mapped[int | None] = mapped_column(BigId)
    name: Mapped[str] = mapped_column(String(50))
    minutes: Mapped[int]


class ServiceReport(TenantScoped, Base):
    """An in-service member reports in (报到) where they live and claims service items (认领)."""

    __tablename__ = "party_service_report"
    __label__ = _l("在职党员报到")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "member_id"], ["party_member.tenant_id", "party_member.id"]),
        UniqueConstraint("tenant_id", "member_id", "reported_on"),
    )

    member_id: Mapped[int] = mapped_column(BigId)
    reported_on: Mapped[dt.date]
    claimed_items: Mapped[list] = mapped_column(JSON)   # ["楼道清洁", "政策宣讲", ...]


class NegativeRecord(TenantScoped, TimestampMixin, Base):
    """负面行为: a member broke a community rule; rectified by a deadline or reported
    to the member's own organisation."""

    __tablename__ = "party_negative_record"
    __label__ = _l("负面行为记录")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "member_id"], ["party_member.tenant_id", "party_member.id"]),
        CheckConstraint("rectify_by >= occurred_on", name="deadline"),
    )

    member_id: Mapped[int] = mapped_column(BigId, index=True)
    occurred_on: Mapped[dt.date]
    description: Mapped[str] = mapped_column(String(500))
    rectify_by: Mapped[dt.date]
    rectified_on: Mapped[dt.date | None]
    reported_on: Mapped[dt.date | None]      # reported to the member's own organisation

    @property
    def rectified_in_time(self) -> bool:
        return self.rectified_on is not None and self.rectified_on <= self.rectify_by

    def status(self, today: dt.date) -> str:
        """rectified (by the deadline), reported, to_report (deadline passed without
        rectification: a late rectification is still reported) or pending."""
        if self.rectified_in_time:
            return "rectified"
        if self.reported_on is not None:
            return "reported"
        return "to_report" if self.rectify_by < today else "pending"
