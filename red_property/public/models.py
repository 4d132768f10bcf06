"""What tenants choose to publish about themselves on the public community page.

Each profile belongs to the tenant that publishes it (a company for its party
branches, a committee for itself); only a published profile is public
(``public_criteria``, with the same rule for PostgreSQL's public role).
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from red_property.core.model import Base, BigId, TenantScoped, TimestampMixin


class ContactColumns:
    contact_name: Mapped[str] = mapped_column(String(50), default="")   # e.g. 书记 王建国
    phone: Mapped[str] = mapped_column(String(30), default="")
    place: Mapped[str] = mapped_column(String(200), default="")         # where residents find them
    hours: Mapped[str] = mapped_column(String(100), default="")         # reception hours
    note: Mapped[str] = mapped_column(Text, default="")                 # what residents may bring to them
    published_at: Mapped[dt.datetime | None]

    @classmethod
    def public_criteria(cls):
        return cls.published_at.is_not(None)


class BranchProfile(ContactColumns, TenantScoped, TimestampMixin, Base):
    """How residents reach a party branch (小区党支部 / 联合党支部), as the branch chose to publish it."""

    __tablename__ = "branch_profile"
    # What the public role may read (the card as the branch published it): PostgreSQL grants it these columns alone.
    __public_columns__ = ("id", "tenant_id", "organisation_id", "public_name", "contact_name", "phone", "place",
                          "hours", "note", "published_at")
    __label__ = _l("支部公开信息")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "organisation_id"], ["party_organisation.tenant_id", "party_organisation.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "organisation_id"),
    )

    organisation_id: Mapped[int] = mapped_column(BigId)
    public_name: Mapped[str] = mapped_column(String(100))   # the branch's name as shown to residents


class CommitteeProfile(ContactColumns, TenantScoped, TimestampMixin, Base):
    """The owners' committee's public card: its members and how to reach it."""

    __tablename__ = "committee_profile"
    # What the public role may read (the card as the committee published it): PostgreSQL grants it these columns alone.
    __public_columns__ = ("id", "tenant_id", "members", "contact_name", "phone", "place", "hours", "note",
                          "published_at")
    __label__ = _l("业委会公开信息")
    __extra_table_args__ = (UniqueConstraint("tenant_id"),)

    members: Mapped[str] = mapped_column(Text, default="")   # one per line, e.g. "主任 李秀英"
