"""Rating tables, all owned by the bureau.

Companies read two things here, and only once a run is published: the run
itself, and their own result row (``visible_to``; the RLS policy says the same).
"""
from __future__ import annotations

import datetime as dt
import decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, CheckConstraint, ForeignKey, ForeignKeyConstraint, Numeric, String, Text,
                        UniqueConstraint, false, and_, or_, select)
from sqlalchemy.orm import Mapped, mapped_column

from red_property.core import clock
from red_property.core.model import Base, BigId, TenantScoped

AUTHORITIES = ("street", "district", "city")


class Correctable:
    """The bureau's own inputs are corrected (edited, with a reason) or voided (with a reason),
    never deleted: the audit log keeps each previous value, and a voided record stays listed,
    struck through, but no longer counts in a rating."""

    correction_reason: Mapped[str | None] = mapped_column(String(500))
    voided_at: Mapped[dt.datetime | None]
    void_reason: Mapped[str | None] = mapped_column(String(500))



class ModelVersion(TenantScoped, Base):
    """One version of the bureau's rating model (the TOML source, as edited)."""

    __tablename__ = "rating_model_version"
    __label__ = _l("评价模型版本")
    __extra_table_args__ = (UniqueConstraint("tenant_id", "version"),)

    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class RatingEvent(Correctable, TenantScoped, Base):
    """An award, model site, penalty, upheld complaint or failed inspection of a company."""

    __tablename__ = "rating_event"
    __label__ = _l("加减分事项")

    company_tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("community.id"))
    kind: Mapped[str] = mapped_column(String(40))
    occurred_on: Mapped[dt.date]
    rectified_on: Mapped[dt.date | None]
    authority: Mapped[str] = mapped_column(String(20), default="city")
    reference: Mapped[str] = mapped_column(String(100))   # 文号 / 工单号
    note: Mapped[str] = mapped_column(String(500), default="")

    @classmethod
    def visible_to(cls, tenant_id: int):
        # the company it is about may read it (its input snapshot before a run)
        return or_(cls.tenant_id == tenant_id, cls.company_tenant_id == tenant_id)


class Inspection(Correctable, TenantScoped, Base):
    """检查: the bureau's inspection of one community's service, scored 0-100."""

    __tablename__ = "rating_inspection"
    __label__ = _l("检查结果")
    __extra_table_args__ = (CheckConstraint("score >= 0 AND score <= 100", name="score"),)

    company_tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id"), index=True)
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"), index=True)
    inspected_on: Mapped[dt.date]
    score: Mapped[decimal.Decimal] = mapped_column(Numeric(5, 2))
    note: Mapped[str] = mapped_column(String(500), default="")

    @classmethod
    def visible_to(cls, tenant_id: int):
        # the company it is about may read it (its input snapshot before a run)
        return or_(cls.tenant_id == tenant_id, cls.company_tenant_id == tenant_id)


class BranchOpinion(Correctable, TenantScoped, Base):
    """The community party branch's opinion of the managing company for a year."""

    __tablename__ = "rating_branch_opinion"
    __label__ = _l("党支部评价意见")
    __extra_table_args__ = (UniqueConstraint("tenant_id", "community_id", "company_tenant_id", "year"),
                            CheckConstraint("score >= 0 AND score <= 100", name="score"))

    company_tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id"), index=True)
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"))
    year: Mapped[int]
    score: Mapped[decimal.Decimal] = mapped_column(Numeric(5, 2))
    comment: Mapped[str] = mapped_column(String(500), default="")

    @classmethod
    def visible_to(cls, tenant_id: int):
        # the company it is about may read it (its input snapshot before a run)
        return or_(cls.tenant_id == tenant_id, cls.company_tenant_id == tenant_id)


class RatingRun(TenantScoped, Base):
    """A rating of all companies for a period with one model version.

    Draft until published; a published run never changes.  A correction is a
    new run of the same period that names the run it supersedes and why.
    """

    __tablename__ = "rating_run"
    # What the public role may read (which published run is the latest): PostgreSQL grants it these columns alone.
    __public_columns__ = ("id", "tenant_id", "period", "as_of", "published_at", "supersedes_id")
    __label__ = _l("信用评价")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "model_version_id"], ["rating_model_version.tenant_id",
                                                                 "rating_model_version.id"]),
        ForeignKeyConstraint(["tenant_id", "supersedes_id"], ["rating_run.tenant_id", "rating_run.id"]),
    )

    period: Mapped[str] = mapped_column(String(20))          # e.g. "2026"
    as_of: Mapped[dt.date]
    model_version_id: Mapped[int] = mapped_column(BigId)
    status: Mapped[str] = mapped_column(String(16), default="queued")   # queued/running/ready/published/failed
    reason: Mapped[str | None] = mapped_column(String(500))            # why a correction was made
    supersedes_id: Mapped[int | None] = mapped_column(BigId)
    job_id: Mapped[int | None] = mapped_column(BigId)
    input_digest: Mapped[str | None] = mapped_column(String(64))
    # How many companies were rated: lets a company place its rank in a band
    # without being able to read any other company's result.
    rated_companies: Mapped[int | None]
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    published_at: Mapped[dt.datetime | None]
    # Fixed at publication from the model's window, so companies (who cannot
    # read the bureau's model) know until when they may appeal.
    appeals_until: Mapped[dt.datetime | None]

    @classmethod
    def visible_to(cls, tenant_id: int):
        return or_(cls.tenant_id == tenant_id, cls.published_at.is_not(None))

    @classmethod
    def public_criteria(cls):
        return cls.published_at.is_not(None)


class RatingResult(TenantScoped, Base):
    """One company's score, grade, rank and explained breakdown in a run."""

    __tablename__ = "rating_result"
    # What the public role may read (the grade and score, never the breakdown): PostgreSQL grants it these columns alone.
    __public_columns__ = ("id", "tenant_id", "run_id", "company_tenant_id", "score", "grade")
    __label__ = _l("评价结果")
    __audited__ = False  # written in bulk by the run; the run itself is audited
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "run_id"], ["rating_run.tenant_id", "rating_run.id"], ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "run_id", "company_tenant_id"),
    )

    run_id: Mapped[int] = mapped_column(BigId, index=True)
    company_tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id"), index=True)
    score: Mapped[decimal.Decimal | None] = mapped_column(Numeric(6, 2))
    grade: Mapped[str] = mapped_column(String(20))
    rank: Mapped[int | None]
    # Also in the breakdown; a column of its own so that regrading reads no JSON (0036).
    blacklisted: Mapped[bool] = mapped_column(default=False, server_default=false())
    breakdown: Mapped[dict] = mapped_column(JSON)

    @classmethod
    def visible_to(cls, tenant_id: int):
        published = select(RatingRun.id).where(RatingRun.published_at.is_not(None))
        return or_(cls.tenant_id == tenant_id,
                   and_(cls.company_tenant_id == tenant_id, cls.run_id.in_(published)))

    @classmethod
    def public_criteria(cls):
        return cls.run_id.in_(select(RatingRun.id).where(RatingRun.published_at.is_not(None)))


class Appeal(TenantScoped, Base):
    """申诉: a company objects to an indicator of a published run.  Owned by the
    company; the bureau that ran the rating reads it."""

    __tablename__ = "rating_appeal"
    __label__ = _l("评价申诉")
    __extra_table_args__ = (UniqueConstraint("tenant_id", "run_id", "indicator_id"),)

    run_id: Mapped[int] = mapped_column(BigId, ForeignKey("rating_run.id"), index=True)
    indicator_id: Mapped[str] = mapped_column(String(41))
    explanation: Mapped[str] = mapped_column(Text)
    attachment: Mapped[str | None] = mapped_column(String(80))        # stored file name
    attachment_name: Mapped[str | None] = mapped_column(String(200))  # as uploaded
    filed_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    @classmethod
    def visible_to(cls, tenant_id: int):
        own_runs = select(RatingRun.id).where(RatingRun.tenant_id == tenant_id)
        return or_(cls.tenant_id == tenant_id, cls.run_id.in_(own_runs))


class AppealDecision(TenantScoped, Base):
    """The bureau's answer to an appeal; an upheld appeal names the correction run."""

    __tablename__ = "rating_appeal_decision"
    __label__ = _l("申诉处理")
    __extra_table_args__ = (UniqueConstraint("tenant_id", "appeal_id"),)

    appeal_id: Mapped[int] = mapped_column(BigId, ForeignKey("rating_appeal.id"))
    upheld: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(1000))
    correction_run_id: Mapped[int | None] = mapped_column(BigId)
    # What upholding corrected: ``void``/``correct`` a bureau record (``record_kind`` + ``record_id``),
    # or ``exclude``/``replace`` a company record's value of ``metric`` in ``community_id``
    # (``new_value``); the override counts in every run rated as of the appealed run's date.
    correction: Mapped[str | None] = mapped_column(String(16))
    record_kind: Mapped[str | None] = mapped_column(String(16))
    record_id: Mapped[int | None] = mapped_column(BigId)
    metric: Mapped[str | None] = mapped_column(String(40))
    community_id: Mapped[int | None] = mapped_column(BigId)
    new_value: Mapped[decimal.Decimal | None] = mapped_column(Numeric(12, 4))
    as_of: Mapped[dt.date | None]
    decided_by: Mapped[int | None] = mapped_column(BigId)
    decided_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    @classmethod
    def visible_to(cls, tenant_id: int):
        own_appeals = select(Appeal.id).where(Appeal.tenant_id == tenant_id)
        return or_(cls.tenant_id == tenant_id, cls.appeal_id.in_(own_appeals))
