"""Party organisations, their yearly reviews and 七有 sites, and party members.

All owned by the managing company that keeps the records (see DOMAIN.md):
community organisation (小区党支部/党总支) → grid branch (网格党支部) →
party group (党小组) → responsibility zone (党员责任区).  A joint branch
(联合党支部) covers several communities.  Branch committee seats are posts in
the party-branch body (``appointments.models.Post``), so that one person's
posts in every body are kept in one place.
"""
from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, select, ForeignKey, ForeignKeyConstraint, String, UniqueConstraint
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


class ReviewKind(str, enum.Enum):
    ASSESSMENT = "assessment"              # 委员年度考核
    SECRETARY_REPORT = "secretary_report"  # 书记年底述职


class PartyOrganisation(TenantScoped, Base):
    __tablename__ = "party_organisation"
    __label__ = _l("党组织")
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
    # What the public role may read (which communities a published branch covers): PostgreSQL grants it these columns alone.
    __public_columns__ = ("id", "tenant_id", "organisation_id", "community_id")
    __label__ = _l("党组织覆盖小区")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "organisation_id"], ["party_organisation.tenant_id", "party_organisation.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "organisation_id", "community_id"),
    )

    organisation_id: Mapped[int] = mapped_column(BigId)
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"), index=True)

    @classmethod
    def public_criteria(cls):
        """Which communities a branch covers is public once the branch publishes its profile."""
        from red_property.public.models import BranchProfile

        return cls.organisation_id.in_(select(BranchProfile.organisation_id)
                                       .where(BranchProfile.published_at.is_not(None)))


class YearlyReview(TenantScoped, Base):
    """A branch's yearly member assessment or secretary's report, once done."""

    __tablename__ = "party_yearly_review"
    __label__ = _l("年度考核述职")
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
    __label__ = _l("党员")
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
    reported_on: Mapped[dt.date | None]                              # when an in-service member reported here
    building_head: Mapped[bool] = mapped_column(default=False)      # 楼栋长


class SiteItem(str, enum.Enum):
    """The branch site standard "七有"."""

    PLACE = "place"              # 有场所
    FACILITIES = "facilities"    # 有设施
    SIGN = "sign"                # 有标志（党组织牌子）
    FLAG = "flag"                # 有党旗
    OATH = "oath"                # 有入党誓词
    READING = "reading"          # 有书报
    RULES = "rules"              # 有制度（上墙）


class SiteStatus(str, enum.Enum):
    IN_PLACE = "in_place"        # 已具备
    INCOMPLETE = "incomplete"    # 需完善
    MISSING = "missing"          # 未具备


class SiteCheck(TenantScoped, Base):
    """One 七有 item of a branch's site: its status as last checked."""

    __tablename__ = "party_site_check"
    __label__ = _l("七有阵地检查")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "organisation_id"], ["party_organisation.tenant_id", "party_organisation.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "organisation_id", "item"),
    )

    organisation_id: Mapped[int] = mapped_column(BigId)
    item: Mapped[SiteItem] = mapped_column(_enum(SiteItem, "party_site_item"))
    status: Mapped[SiteStatus] = mapped_column(_enum(SiteStatus, "party_site_status"))
    note: Mapped[str | None] = mapped_column(String(200))
    checked_on: Mapped[dt.date]


class SiteEvidence(TenantScoped, Base):
    """A photo or document showing a 七有 item (an uploaded ``StoredFile``)."""

    __tablename__ = "party_site_evidence"
    __label__ = _l("阵地佐证材料")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "check_id"], ["party_site_check.tenant_id", "party_site_check.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "file_id"], ["stored_file.tenant_id", "stored_file.id"]),
    )

    check_id: Mapped[int] = mapped_column(BigId, index=True)
    file_id: Mapped[int] = mapped_column(BigId)
    caption: Mapped[str | None] = mapped_column(String(100))
