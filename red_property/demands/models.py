"""Demands (诉求) and what happens to them, owned by the company that received them.

A demand is received for a community the company manages at that moment
(the record stays with the company when it is later replaced), routed by the
"721" method (service / management / joint law enforcement), closed within
its category's time limit (限时办结), and rated by the resident.  Every status
change is a ``DemandEvent``; disputes (矛盾调解) carry ``Mediation`` sessions.
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import (CheckConstraint, Enum, ForeignKey, ForeignKeyConstraint, Index, SmallInteger, String,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column

from red_property.core import clock
from red_property.core.model import Base, BigId, TenantScoped


def _enum(cls, name):
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e], native_enum=False, length=20)


class Category(str, enum.Enum):
    URGENT_REPAIR = "urgent_repair"   # 紧急维修: no water or power, burst pipe, gas
    REPAIR = "repair"                 # 日常维修
    ELEVATOR = "elevator"             # 电梯故障
    SANITATION = "sanitation"         # 环境卫生, rubbish
    GREENING = "greening"             # 绿化养护
    SECURITY = "security"             # 安全秩序: hazards, blocked fire lanes, strangers
    PARKING = "parking"               # 停车管理
    NOISE = "noise"                   # 噪音扰民
    FEES = "fees"                     # 物业收费
    DISPUTE = "dispute"               # 邻里纠纷, mediated (矛盾调解)
    VIOLATION = "violation"           # 违章搭建, occupying common parts: 综合执法
    OTHER = "other"


class Route(str, enum.Enum):
    SERVICE = "service"           # 服务解决 (~70%)
    MANAGEMENT = "management"     # 管理解决 (~20%)
    ENFORCEMENT = "enforcement"   # 执法解决 (~10%, 综合执法)


class Source(str, enum.Enum):
    WALK_IN = "walk_in"           # 来访
    PHONE = "phone"               # 来电
    HOTLINE = "hotline"           # 12345 热线, with its ticket number
    NIGHT_TALK = "night_talk"     # 夜话
    YARD_MEETING = "yard_meeting" # 坝坝会
    PUBLIC_PAGE = "public_page"   # the community's public page


class Status(str, enum.Enum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"     # closed with a reason


OPEN = (Status.RECEIVED, Status.IN_PROGRESS)
CLOSED = (Status.RESOLVED, Status.UNRESOLVED)


class EventKind(str, enum.Enum):
    RECEIVED = "received"
    ROUTED = "routed"
    PROGRESS = "progress"
    MEDIATION = "mediation"
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    INFORMED = "informed"
    RATED = "rated"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Policy:
    route: Route
    hours: int


# Default route and time limit per category.  Limits are calendar hours from
# receipt: urgent repairs and lifts within a day, ordinary matters in 2-5 days,
# greening within a week, disputes and violations (mediation, enforcement
# procedure) within 15 days.  A company may set its own limits (TimeLimit).
DEFAULTS: dict[Category, Policy] = {
    Category.URGENT_REPAIR: Policy(Route.SERVICE, 24),
    Category.REPAIR: Policy(Route.SERVICE, 72),
    Category.ELEVATOR: Policy(Route.SERVICE, 24),
    Category.SANITATION: Policy(Route.SERVICE, 48),
    Category.GREENING: Policy(Route.SERVICE, 168),
    Category.SECURITY: Policy(Route.MANAGEMENT, 24),
    Category.PARKING: Policy(Route.MANAGEMENT, 72),
    Category.NOISE: Policy(Route.MANAGEMENT, 48),
    Category.FEES: Policy(Route.MANAGEMENT, 120),
    Category.DISPUTE: Policy(Route.MANAGEMENT, 360),
    Category.VIOLATION: Policy(Route.ENFORCEMENT, 360),
    Category.OTHER: Policy(Route.SERVICE, 120),
}
MIN_HOURS, MAX_HOURS = 1, 720


class Demand(TenantScoped, Base):
    __tablename__ = "demand"
    __label__ = _l("诉求")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "building_id"], ["building.tenant_id", "building.id"]),
        ForeignKeyConstraint(["tenant_id", "household_id"], ["household.tenant_id", "household.id"]),
        # the assignee is a user of the same company: the tenant is part of the key
        ForeignKeyConstraint(["tenant_id", "assignee_id"], ["user_account.tenant_id", "user_account.id"]),
        # a hotline ticket is entered once per company (the 12345 centre may send it again)
        UniqueConstraint("tenant_id", "hotline_ticket"),
        CheckConstraint("due_at > received_at", name="due_after_receipt"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
        CheckConstraint("(status IN ('resolved', 'unresolved')) = (closed_at IS NOT NULL)", name="closed"),
        CheckConstraint("source <> 'hotline' OR hotline_ticket IS NOT NULL", name="hotline_ticket"),
        Index("ix_demand_tenant_received", "tenant_id", "received_at"),
        Index("ix_demand_tenant_status_due", "tenant_id", "status", "due_at"),
        Index("ix_demand_tenant_community", "tenant_id", "community_id"),
        # the bureau's rating reads every company's demands by these windows
        Index("ix_demand_due_at", "due_at"),
        Index("ix_demand_closed_at", "closed_at"),
        Index("ix_demand_tenant_assignee", "tenant_id", "assignee_id"),
    )

    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"))
    building_id: Mapped[int | None] = mapped_column(BigId)
    household_id: Mapped[int | None] = mapped_column(BigId)
    location: Mapped[str | None] = mapped_column(String(100))       # 楼栋单元门牌 as told
    source: Mapped[Source] = mapped_column(_enum(Source, "demand_source"))
    hotline_ticket: Mapped[str | None] = mapped_column(String(30))
    category: Mapped[Category] = mapped_column(_enum(Category, "demand_category"))
    description: Mapped[str] = mapped_column(String(2000))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime]
    route: Mapped[Route] = mapped_column(_enum(Route, "demand_route"))
    route_reason: Mapped[str | None] = mapped_column(String(200))   # why the default route was overridden
    handler: Mapped[str | None] = mapped_column(String(100))        # who handles it: person, team, unit
    assignee_id: Mapped[int | None] = mapped_column(BigId)          # the colleague it is assigned to, if any
    status: Mapped[Status] = mapped_column(_enum(Status, "demand_status"), default=Status.RECEIVED)
    resolution: Mapped[str | None] = mapped_column(String(2000))    # what was done, or why it was not
    closed_at: Mapped[dt.datetime | None]
    informed_at: Mapped[dt.datetime | None]                         # the resident was told the outcome
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    rated_at: Mapped[dt.datetime | None]
    overdue_at: Mapped[dt.datetime | None]                          # flagged by demands.flag_overdue
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    # optimistic locking: two people closing or rating the same demand at once
    # cannot both succeed (the second UPDATE matches no row: StaleDataError)
    version: Mapped[int] = mapped_column()

    __mapper_args__ = {"version_id_col": version}


class DemandEvent(TenantScoped, Base):
    """One line of a demand's history: who, when, what (and the status it moved between)."""

    __tablename__ = "demand_event"
    __label__ = _l("诉求处理记录")
    __audited__ = False  # it is itself the demand's audit trail
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "demand_id"], ["demand.tenant_id", "demand.id"], ondelete="CASCADE"),
        Index("ix_demand_event_tenant_demand", "tenant_id", "demand_id"),
        # flag_overdue may run twice at once (at-least-once delivery): one overdue line per demand
        Index("uq_demand_event_overdue", "tenant_id", "demand_id", unique=True,
              postgresql_where=text("kind = 'overdue'"), sqlite_where=text("kind = 'overdue'")),
    )

    demand_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, "demand_event_kind"))
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(BigId)     # None: the system (the overdue job)
    from_status: Mapped[Status | None] = mapped_column(_enum(Status, "demand_status"))
    to_status: Mapped[Status | None] = mapped_column(_enum(Status, "demand_status"))
    route: Mapped[Route | None] = mapped_column(_enum(Route, "demand_route"))             # routed to
    category: Mapped[Category | None] = mapped_column(_enum(Category, "demand_category"))  # corrected to
    note: Mapped[str | None] = mapped_column(String(2000))


class Mediation(TenantScoped, Base):
    """调解记录: one mediation session of a dispute."""

    __tablename__ = "demand_mediation"
    __label__ = _l("诉求调解")
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "demand_id"], ["demand.tenant_id", "demand.id"], ondelete="CASCADE"),
        Index("ix_demand_mediation_tenant_demand", "tenant_id", "demand_id"),
    )

    demand_id: Mapped[int] = mapped_column(BigId)
    held_on: Mapped[dt.date]
    mediator: Mapped[str] = mapped_column(String(50))
    parties: Mapped[str] = mapped_column(String(200))
    agreed: Mapped[bool]                               # 达成调解协议
    summary: Mapped[str] = mapped_column(String(2000))
    recorded_by: Mapped[int | None] = mapped_column(BigId)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class TimeLimit(TenantScoped, Base):
    """A company's own time limit for a category (else ``DEFAULTS`` applies)."""

    __tablename__ = "demand_time_limit"
    __label__ = _l("诉求时限")
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "category"),
        CheckConstraint(f"hours >= {MIN_HOURS} AND hours <= {MAX_HOURS}", name="hours"),
    )

    category: Mapped[Category] = mapped_column(_enum(Category, "demand_category"))
    hours: Mapped[int]
    updated_by: Mapped[int | None] = mapped_column(BigId)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)
