"""A resident checks a demand from the public page: its number and the last four digits of
the phone it was sent with give its status and history, and nothing else.

A wrong number and wrong digits give the same answer (None), so the page cannot be used to
learn which numbers exist.  Which companies to ask comes from the community's contracts:
a demand stays with the company that received it, also after that company was replaced.
"""
from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.communities.models import ManagementContract
from red_property.core.tenancy import fresh_session, tenant_scope
from red_property.demands.models import Category, Demand, DemandEvent, EventKind, Status


@dataclass(frozen=True)
class ResidentView:
    """What the resident may read: no description, names, notes or handler."""

    number: int
    category: Category
    status: Status
    received_at: dt.datetime
    due_at: dt.datetime
    closed_at: dt.datetime | None
    history: list[tuple[EventKind, dt.datetime]]


def companies_of(public: Session, community_id: int) -> list[int]:
    """Every company that has managed the community (a public read of the register's contracts)."""
    return list(public.scalars(select(ManagementContract.company_tenant_id.distinct())
                               .where(ManagementContract.community_id == community_id)))


def look_up(company_ids: list[int], community_id: int, number: int, last_four: str) -> ResidentView | None:
    """The demand ``number`` of the community, if the phone it was sent with ends in ``last_four``;
    asked of each company in its own scope (a session of its own, read only)."""
    found = None
    for company_id in company_ids:
        with tenant_scope(fresh_session(), company_id) as session:
            demand = session.scalar(select(Demand).where(Demand.id == number, Demand.community_id == community_id))
            # the comparison runs whether or not the number exists, in constant time
            digits = "".join(ch for ch in (demand.contact_phone or "") if ch.isdigit()) if demand else ""
            matches = hmac.compare_digest(digits[-4:].rjust(4, "x"), last_four)
            if demand is not None and matches and found is None:
                history = session.execute(select(DemandEvent.kind, DemandEvent.at).where(
                    DemandEvent.demand_id == demand.id).order_by(DemandEvent.at, DemandEvent.id)).tuples().all()
                found = ResidentView(demand.id, demand.category, demand.status, demand.received_at, demand.due_at,
                                     demand.closed_at, list(history))
            session.rollback()
    return found
