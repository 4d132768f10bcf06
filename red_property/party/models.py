"""Party organisations, their committees and yearly reviews, and party members.

All owned by the managing company that keeps the records (see DOMAIN.md):
community organisation (小区党支部/党总支) → grid branch (网格党支部) →
party group (党小组) → responsibility zone (党员责任区).  A joint branch
(联合党支部) covers several communities.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from red_property.core.model import BigId, Base, TenantScoped


def _enum(cls, name):
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e], native_enum=False, length=20)


class Level(str, enum.Enum):
    COMMUNITY = "community"        # 小区党支部 / 党总支
    JOINT = "joint"                # 联合党支部 (several communities)
    GRID = "grid"                  # 网格党支部
    GROUP = "group"                # 党小组
    ZONE = "zone"                  # 党员责任区


class Post(str, enum.Enum):
    SECRETARY = "secretary"
    DEPUTY = "deputy"
    MEMBER = "member"
    PART_TIME = "part_time"        # 兼职委员


class Body(str, enum.Enum):
    OWNERS_COMMITTEE = "owners_committee"
    PROJECT_OFFICE = "project_office"
    RESIDENTS_COMMITTEE = "residents_committee"


class ReviewKind(str, enum.Enum):
    ASSESSMENT = "assessment"              # 委员年度考核
    SECRETARY_REPORT = "secretary_report"  # 书记年底述职


class PartyOrganisation(TenantScoped, Base):
    __tablename__ = "party_organisation"
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "parent_id"], ["party_organisation.tenant_id", "party_organisation.id"]),
        ForeignKeyConstraint(["tenant_id", "building_id"], ["building.tenant_id", "building.id"]),
    )

    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[Level] = mapped_column(_enum(Level, "party_level"))
    parent_id: Mapped[int | None] = mapped_column(BigId)
    building_id: Mapped[int | None] = mapped_column(BigId)   # a party group's building
    founded_on: Mapped[dt.date | None]


class OrganisationCommunity(TenantScoped, Base):
    """Which communities an organisation covers (a joint branch covers several)."""

    __tablename__ = "party_organisation_community"
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "organisation_id"], ["party_organisation.tenant_id", "party_organisation.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "organisation_id", "community_id"),
    )

    organisation_id: Mapped[int] = mapped_column(BigId)
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"), index=True)


class CommitteeMember(TenantScoped, Base):
    """A seat on a branch committee, with its term."""

    __tablename__ = "party_committee_member"
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "organisation_id"], ["party_organisation.tenant_id", "party_organisation.id"],
                             ondelete="CASCADE"),
    )

    organisation_id: Mapped[int] = mapped_column(BigId, index=True)
    name: Mapped[str] = mapped_column(String(50))
    post: Mapped[Post] = mapped_column(_enum(Post, "party_post"))
    from_body: Mapped[Body | None] = mapped_column(_enum(Body, "party_body"))   # for part-time members
    term_start: Mapped[dt.date]
    term_end: Mapped[dt.date]


class YearlyReview(TenantScoped, Base):
    """A branch's yearly member assessment or secretary's report, once done."""

    __tablename__ = "party_yearly_review"
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "organisation_id"], ["party_organisation.tenant_id", "party_organisation.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "organisation_id", "year", "kind"),
    )

    organisation_id: Mapped[int] = mapped_column(BigId)
    year: Mapped[int]
    kind: Mapped[ReviewKind] = mapped_column(_enum(ReviewKind, "party_review_kind"))
    done_on: Mapped[dt.date]


class PartyMember(TenantScoped, Base):
    """A party member living in a community: formal or probationary; directly
    managed (直管) or in service elsewhere and reporting here (双报到)."""

    __tablename__ = "party_member"
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "building_id"], ["building.tenant_id", "building.id"]),
    )

    name: Mapped[str] = mapped_column(String(50))
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(BigId, index=True)
    room: Mapped[str | None] = mapped_column(String(20))
    formal: Mapped[bool] = mapped_column(default=True)              # False: probationary (预备)
    directly_managed: Mapped[bool] = mapped_column(default=True)    # False: in service, reporting here
    home_organisation: Mapped[str | None] = mapped_column(String(100))  # where an in-service member belongs
    building_head: Mapped[bool] = mapped_column(default=False)      # 楼栋长
