"""Receiving demands: from staff (walk-in, phone, 12345 hotline, visits) and from
the community's public page, where anyone may write.

Every text is checked here, not only in the forms and schemas, because the
public page calls ``submit_public_demand`` with whatever a stranger sent.
"""
from __future__ import annotations

import datetime as dt
import re
import zlib

from sqlalchemy import func, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from red_property.communities.models import Building, Household
from red_property.communities.services import managed_now
from red_property.core import clock
from red_property.core.errors import InputError, add_unique
from red_property.core.fields import member, phone, text
from red_property.core.tenancy import current_actor_id
from red_property.demands.limits import due_time
from red_property.demands.models import DEFAULTS, Category, Demand, DemandEvent, EventKind, Source, Status

TICKET = re.compile(r"^[A-Za-z0-9-]{6,30}$")
CLOCK_SKEW = dt.timedelta(minutes=5)
OLDEST = dt.timedelta(days=366)   # a hotline ticket may be entered late, not a year late
# The public page's repeat rule: the same community, phone, category and text (as cleaned)
# within this window is the same demand (a double click, back + resubmit, a second try after
# a slow answer) and gets the first one's number.  Anything that differs is a new demand.
REPEAT_WINDOW = dt.timedelta(minutes=30)


def create_demand(session: Session, *, community_id: int, source, category, description,
                  received_at: dt.datetime | None = None, building_id: int | None = None,
                  household_id: int | None = None, location=None, hotline_ticket=None,
                  contact_name=None, contact_phone=None, now: dt.datetime | None = None) -> Demand:
    """Receive a demand from a resident, the 12345 hotline or a visit, for a community
    the company managed at the time it was received; its due time follows the
    category's time limit."""
    now = now or clock.now()
    source = member(Source, "source", source)
    if source == Source.PUBLIC_PAGE:
        raise InputError("source", "小区公开页的诉求由居民在公开页提交")
    received_at = clock.aware(received_at, "received_at") if received_at is not None else now
    if received_at > now + CLOCK_SKEW:
        raise InputError("received_at", "受理时间不能晚于现在")
    if received_at < now - OLDEST:
        raise InputError("received_at", "受理时间不能早于一年前")
    ticket = text("hotline_ticket", hotline_ticket, required=source == Source.HOTLINE, max_len=30)
    if ticket is not None:
        if source != Source.HOTLINE:
            raise InputError("hotline_ticket", "只有 12345 热线诉求填写工单号")
        if not TICKET.match(ticket):
            raise InputError("hotline_ticket", "工单号由 6 到 30 位字母、数字或连字符组成")
        existing = session.scalar(select(Demand.id).where(Demand.hotline_ticket == ticket))
        if existing is not None:
            raise InputError("hotline_ticket", f"该工单号已登记（诉求 #{existing}）")
    demand = _new(session, community_id=community_id, source=source, category=category, description=description,
                  received_at=received_at, location=location, contact_name=contact_name,
                  contact_phone=phone("contact_phone", contact_phone, required=False),
                  min_description=5, max_description=2000)
    _place(session, demand, building_id, household_id)
    demand.hotline_ticket = ticket
    return _save(session, demand)


def submit_public_demand(session: Session, community_id: int, *, category, description, contact_phone,
                         contact_name=None, location=None, now: dt.datetime | None = None) -> Demand:
    """A demand from the community's public page, in the managing company's scope.

    Anyone may send it, so everything is checked: the community must be managed
    by this company now, the category one of the list, the texts within their
    lengths and free of control characters, the phone a real number (required:
    it is how the resident hears back).

    Idempotent within ``REPEAT_WINDOW``: a repeat returns the demand already received
    (nothing is written), so a resident who submits twice has one ticket.
    """
    contact_phone = phone("contact_phone", contact_phone, required=True)
    _lock_repeats(session, community_id, contact_phone)
    # Read the clock only once the lock is held: a copy that waited for it must not look for
    # the first copy before an instant earlier than the first copy's own.
    now = now or clock.now()
    demand = _new(session, community_id=community_id, source=Source.PUBLIC_PAGE, category=category,
                  description=description, received_at=now, location=location, contact_name=contact_name,
                  contact_phone=contact_phone, min_description=10, max_description=1000)
    earlier = session.scalar(select(Demand).where(
        Demand.source == Source.PUBLIC_PAGE, Demand.community_id == demand.community_id,
        Demand.contact_phone == demand.contact_phone, Demand.category == demand.category,
        Demand.description == demand.description, Demand.received_at >= now - REPEAT_WINDOW,
        Demand.received_at <= now).order_by(Demand.id).limit(1))
    if earlier is not None:
        session.commit()   # ends the transaction and its lock
        return earlier
    return _save(session, demand)


def _lock_repeats(session: Session, community_id, contact_phone: str) -> None:
    """Two copies of one submission arriving at once (a double click) wait for each other here,
    so the second sees the first.  PostgreSQL: a transaction lock on the community and phone.
    SQLite: a write that changes nothing takes the database's write lock first thing."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        key = zlib.crc32(f"public-demand:{community_id}:{contact_phone}".encode())
        session.execute(select(func.pg_advisory_xact_lock(key)))
    elif dialect == "sqlite":
        session.execute(sql_text("UPDATE demand SET id = id WHERE 0"))


def _new(session: Session, *, community_id, source: Source, category, description, received_at: dt.datetime,
         location, contact_name, contact_phone, min_description: int, max_description: int) -> Demand:
    category = member(Category, "category", category)
    if isinstance(community_id, bool) or not isinstance(community_id, int) or community_id < 1:
        raise InputError("community_id", "请选择小区")
    if not managed_now(session, community_id, clock.local_date(received_at)):
        raise InputError("community_id", "受理时该小区不由本企业管理")
    return Demand(community_id=community_id, source=source, category=category,
                  description=text("description", description, required=True, min_len=min_description,
                                   max_len=max_description),
                  location=text("location", location, required=False, max_len=100),
                  contact_name=text("contact_name", contact_name, required=False, max_len=50),
                  contact_phone=contact_phone, received_at=received_at,
                  due_at=due_time(session, category, received_at), route=DEFAULTS[category].route,
                  status=Status.RECEIVED, created_by=current_actor_id(session))


def _place(session: Session, demand: Demand, building_id: int | None, household_id: int | None) -> None:
    """The building and household, when given, must be the company's own in that community."""
    if building_id is not None:
        building = session.get(Building, building_id)
        if building is None or building.community_id != demand.community_id:
            raise InputError("building_id", "楼栋不在这个小区")
        demand.building_id = building_id
    if household_id is not None:
        household = session.get(Household, household_id)
        if household is None or household.community_id != demand.community_id:
            raise InputError("household_id", "住户不在这个小区")
        if building_id is not None and household.building_id != building_id:
            raise InputError("household_id", "住户不在这栋楼")
        demand.building_id, demand.household_id = household.building_id, household_id


def _save(session: Session, demand: Demand) -> Demand:
    # A unique ticket number decides a race between two people entering the same hotline ticket;
    # any other constraint is not the ticket's fault and goes to the shared 409 handler.
    if demand.hotline_ticket:
        add_unique(session, demand, "hotline_ticket", "该工单号已登记")
    else:
        session.add(demand)
        session.flush()
    session.add(DemandEvent(demand_id=demand.id, kind=EventKind.RECEIVED, at=demand.received_at,
                            actor_id=current_actor_id(session), to_status=Status.RECEIVED))
    session.commit()
    return demand
