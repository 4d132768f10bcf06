"""People and their posts, kept by the managing company per community.

A person is linked to a ``PartyMember`` row when they are a party member: the
link, not a flag, is what makes them one, so the roll and the posts cannot
disagree.  A post is a role in one body with its term and the legal procedure
that filled it (election or appointment, its date and record).  A seat on a
branch committee is a post in the party-branch body tied to the
``PartyOrganisation`` it belongs to.

The limits below come from: 中国共产党支部工作条例（试行）第十六条 (a branch
committee serves 3 or 5 years); 业主大会和业主委员会指导规则 第三十三条 (an
owners' committee serves at most 5 years); 城市居民委员会组织法 第八条 (a
residents' committee serves 5 years).
"""
from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (CheckConstraint, Enum, ForeignKey, ForeignKeyConstraint, String, UniqueConstraint, and_,
                        func, or_)
from sqlalchemy.orm import Mapped, mapped_column

from red_property.core.model import Base, BigId, TenantScoped


def _enum(cls, name):
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e], native_enum=False, length=24)


class Body(str, enum.Enum):
    PARTY_BRANCH = "party_branch"                # 党支部委员会
    OWNERS_COMMITTEE = "owners_committee"        # 业主委员会
    PROJECT_OFFICE = "project_office"            # 物业项目部
    RESIDENTS_COMMITTEE = "residents_committee"  # 居民委员会


class PostRole(str, enum.Enum):
    SECRETARY = "secretary"                  # 书记
    DEPUTY_SECRETARY = "deputy_secretary"    # 副书记
    COMMITTEE_MEMBER = "committee_member"    # 委员
    PART_TIME_MEMBER = "part_time_member"    # 兼职委员
    CHAIR = "chair"                          # 业委会主任
    VICE_CHAIR = "vice_chair"                # 业委会副主任
    MEMBER = "member"                        # 业委会 / 居委会委员
    PROJECT_MANAGER = "project_manager"      # 项目经理
    STAFF = "staff"                          # 项目部工作人员
    DIRECTOR = "director"                    # 居委会主任


class Procedure(str, enum.Enum):
    ELECTION = "election"        # 选举
    APPOINTMENT = "appointment"  # 任命 / 指派


R = PostRole
ROLES: dict[Body, tuple[PostRole, ...]] = {
    Body.PARTY_BRANCH: (R.SECRETARY, R.DEPUTY_SECRETARY, R.COMMITTEE_MEMBER, R.PART_TIME_MEMBER),
    Body.OWNERS_COMMITTEE: (R.CHAIR, R.VICE_CHAIR, R.MEMBER),
    Body.PROJECT_OFFICE: (R.PROJECT_MANAGER, R.STAFF),
    Body.RESIDENTS_COMMITTEE: (R.DIRECTOR, R.MEMBER),
}
# Posts one person holds at a time: per branch for the secretary, per community for the others.
SOLE_HOLDER = {(Body.PARTY_BRANCH, R.SECRETARY), (Body.OWNERS_COMMITTEE, R.CHAIR),
               (Body.PROJECT_OFFICE, R.PROJECT_MANAGER)}
MAX_TERM_YEARS = {Body.PARTY_BRANCH: 5, Body.OWNERS_COMMITTEE: 5, Body.RESIDENTS_COMMITTEE: 5}
# The procedure the law requires; a branch secretary may be elected or, where
# a branch cannot yet hold an election, appointed by the higher organisation.
PROCEDURES = {Body.PARTY_BRANCH: (Procedure.ELECTION, Procedure.APPOINTMENT),
              Body.OWNERS_COMMITTEE: (Procedure.ELECTION,),
              Body.RESIDENTS_COMMITTEE: (Procedure.ELECTION,),
              Body.PROJECT_OFFICE: (Procedure.APPOINTMENT,)}

# Plain Chinese names for the services' messages (the UI has its own translated labels).
BODY_NAMES = {Body.PARTY_BRANCH: "党支部委员会", Body.OWNERS_COMMITTEE: "业主委员会",
              Body.PROJECT_OFFICE: "物业项目部", Body.RESIDENTS_COMMITTEE: "居民委员会"}
ROLE_NAMES = {R.SECRETARY: "书记", R.DEPUTY_SECRETARY: "副书记", R.COMMITTEE_MEMBER: "委员",
              R.PART_TIME_MEMBER: "兼职委员", R.CHAIR: "主任", R.VICE_CHAIR: "副主任", R.MEMBER: "委员",
              R.PROJECT_MANAGER: "项目经理", R.STAFF: "工作人员", R.DIRECTOR: "主任"}


class Person(TenantScoped, Base):
    """Someone who holds or held a post in a community's bodies."""

    __tablename__ = "appointment_person"
    __label__ = _l("任职人员")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "party_member_id"], ["party_member.tenant_id", "party_member.id"]),
        UniqueConstraint("tenant_id", "community_id", "party_member_id"),
    )

    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    party_member_id: Mapped[int | None] = mapped_column(BigId)


class Post(TenantScoped, Base):
    """A role in one body for a term, filled by election or appointment."""

    __tablename__ = "appointment_post"
    __label__ = _l("职务")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "person_id"], ["appointment_person.tenant_id", "appointment_person.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "organisation_id"], ["party_organisation.tenant_id", "party_organisation.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "record_file_id"], ["stored_file.tenant_id", "stored_file.id"]),
        CheckConstraint("term_end IS NULL OR term_end >= term_start", name="term"),
        CheckConstraint("ended_on IS NULL OR ended_on >= term_start", name="ended"),
        # a branch seat names its branch; no other post does
        CheckConstraint("(body = 'party_branch') = (organisation_id IS NOT NULL)", name="branch"),
    )

    person_id: Mapped[int] = mapped_column(BigId, index=True)
    body: Mapped[Body] = mapped_column(_enum(Body, "appointment_body"))
    role: Mapped[PostRole] = mapped_column(_enum(PostRole, "appointment_role"))
    organisation_id: Mapped[int | None] = mapped_column(BigId, index=True)
    term_start: Mapped[dt.date]
    term_end: Mapped[dt.date | None]          # None: open-ended (project office staff)
    ended_on: Mapped[dt.date | None]          # left office before the term ran out
    end_reason: Mapped[str | None] = mapped_column(String(200))
    procedure: Mapped[Procedure] = mapped_column(_enum(Procedure, "appointment_procedure"))
    procedure_on: Mapped[dt.date]             # the election or appointment date
    record_file_id: Mapped[int | None] = mapped_column(BigId)  # minutes, result notice, letter of appointment

    @property
    def last_day(self) -> dt.date | None:
        """The last day in office, as things stand (None: no end set)."""
        return self.ended_on or self.term_end

    def in_office(self, on: dt.date) -> bool:
        return self.term_start <= on and (self.last_day is None or on <= self.last_day)

    @classmethod
    def in_office_on(cls, on):
        """SQL: the post is held on ``on`` (a date or a date-valued column)."""
        return cls.overlapping(on, on)

    @classmethod
    def overlapping(cls, start, last):
        """SQL: the post's days in office meet ``start`` .. ``last`` (``last`` None: open-ended)."""
        held_until = func.coalesce(cls.ended_on, cls.term_end)
        meets_start = or_(held_until.is_(None), held_until >= start)
        return meets_start if last is None else and_(cls.term_start <= last, meets_start)
