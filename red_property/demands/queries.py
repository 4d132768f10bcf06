"""Reading demands: the filtered list, one demand with its history, the home page's flags.

Nothing here filters by tenant (the session does); each function costs a fixed
number of queries whatever the number of rows.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.orm import Session, aliased

from red_property.accounts.models import User
from red_property.communities.models import Building, Community, Household
from red_property.core.schemas import counted_page
from red_property.demands.models import OPEN, Category, Demand, DemandEvent, Mediation, Route, Source, Status
from red_property.demands.search import search_clause

OPEN_FILTER = "open"   # a status filter value: received or in progress


@dataclass(frozen=True)
class DemandFilter:
    """The list's filters; None means "any"."""

    community_id: int | None = None
    status: Status | str | None = None      # a Status, or OPEN_FILTER
    category: Category | None = None
    route: Route | None = None
    overdue: bool | None = None
    source: Source | None = None
    assignee_id: int | None = None          # assigned to this user ("我的": the current user)
    q: str | None = None                    # the search box (see ``demands.search``)

    def apply(self, stmt: Select) -> Select:
        if self.community_id is not None:
            stmt = stmt.where(Demand.community_id == self.community_id)
        if self.status == OPEN_FILTER:
            stmt = stmt.where(Demand.status.in_(OPEN))
        elif self.status is not None:
            stmt = stmt.where(Demand.status == self.status)
        if self.category is not None:
            stmt = stmt.where(Demand.category == self.category)
        if self.route is not None:
            stmt = stmt.where(Demand.route == self.route)
        if self.overdue is not None:
            stmt = stmt.where(Demand.overdue_at.is_not(None) if self.overdue else Demand.overdue_at.is_(None))
        if self.source is not None:
            stmt = stmt.where(Demand.source == self.source)
        if self.assignee_id is not None:
            stmt = stmt.where(Demand.assignee_id == self.assignee_id)
        if self.q:
            stmt = stmt.where(search_clause(self.q))
        return stmt

    def args(self) -> dict:
        """The filters as query-string arguments (for links that keep them)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            out[f.name] = "1" if value is True else "0" if value is False else getattr(value, "value", value)
        return out


@dataclass
class DemandPage:
    items: list[tuple[Demand, str]]    # (demand, community name)
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


NEWEST_FIRST = (Demand.received_at.desc(), Demand.id.desc())   # every list of demands, and its exports


def _listed(flt: DemandFilter) -> Select:
    return flt.apply(select(Demand, Community.name).join(Community, Community.id == Demand.community_id))


def list_demands(session: Session, flt: DemandFilter, *, page: int = 1, per_page: int = 30) -> DemandPage:
    """One page of demands, newest first: one query (``counted_page``)."""
    rows, total = counted_page(session, _listed(flt).order_by(*NEWEST_FIRST), page, per_page)
    return DemandPage(rows, total, page, per_page)


LISTED = tuple(getattr(Demand, key) for key in ("id", "community_id", "source", "hotline_ticket", "category", "route",
                                                "handler", "assignee_id", "status", "received_at", "due_at",
                                                "closed_at", "overdue_at", "contact_name", "rating", "contact_phone"))


def demand_rows(session: Session, flt: DemandFilter, *, page: int = 1, per_page: int = 30) -> tuple[list[tuple], int]:
    """What ``list_demands`` reads, for the API's list, as plain rows: ``LISTED``, then the community's
    and the assignee's names.  One statement (the total rides on the rows) and no objects."""
    assignee = aliased(User)
    stmt = flt.apply(select(*LISTED, Community.name, assignee.name)
                     .join(Community, Community.id == Demand.community_id)
                     .outerjoin(assignee, assignee.id == Demand.assignee_id))
    return counted_page(session, stmt.order_by(*NEWEST_FIRST), page, per_page)


def count_demands(session: Session, flt: DemandFilter) -> int:
    return session.scalar(flt.apply(select(func.count(Demand.id)))) or 0


def export_rows(session: Session, flt: DemandFilter, limit: int) -> list[tuple[Demand, str]]:
    """Every demand the filter matches (up to ``limit``), newest first: one query."""
    return list(session.execute(_listed(flt).order_by(*NEWEST_FIRST)
                                .limit(limit)).tuples())


@dataclass
class DemandDetail:
    demand: Demand
    community: str
    place: str                                   # building / household as recorded
    events: list[tuple[DemandEvent, str | None]]  # (event, actor's name; None for the system)
    mediations: list[Mediation]
    assignee: str | None = None                  # the assignee's name


def demand_detail(session: Session, demand_id: int) -> DemandDetail | None:
    """A demand with its history and mediations, or None: at most six queries."""
    demand = session.get(Demand, demand_id)
    if demand is None:
        return None
    community = session.scalar(select(Community.name).where(Community.id == demand.community_id)) or ""
    place = demand.location or ""
    if demand.building_id is not None:
        row = session.execute(select(Building.name, Household.unit, Household.room)
                              .outerjoin(Household, (Household.building_id == Building.id)
                                         & (Household.tenant_id == Building.tenant_id)
                                         & (Household.id == demand.household_id))
                              .where(Building.id == demand.building_id)).first()
        if row is not None:
            building, unit, room = row
            recorded = f"{building}{f' {unit}单元 {room}' if room else ''}"
            place = f"{recorded}（{place}）" if place else recorded
    events = session.execute(select(DemandEvent, User.name).outerjoin(User, User.id == DemandEvent.actor_id)
                             .where(DemandEvent.demand_id == demand.id)
                             .order_by(DemandEvent.at, DemandEvent.id)).tuples().all()
    mediations = session.scalars(select(Mediation).where(Mediation.demand_id == demand.id)
                                 .order_by(Mediation.held_on, Mediation.id)).all()
    assignee = (session.scalar(select(User.name).where(User.id == demand.assignee_id))
                if demand.assignee_id is not None else None)
    return DemandDetail(demand, community, place, list(events), list(mediations), assignee)


@dataclass
class OverdueSummary:
    open: int
    overdue: int
    oldest: list[tuple[Demand, str]]
    mine: int = 0      # open demands assigned to the viewer


def overdue_summary(session: Session, shown: int = 5, user_id: int | None = None) -> OverdueSummary:
    """For the company's home page: open demands, the flagged ones, those assigned to ``user_id`` and the
    longest overdue (two queries)."""
    open_count, overdue, mine = session.execute(
        select(func.count(Demand.id), func.count(Demand.overdue_at),
               func.count(case((Demand.assignee_id == user_id, 1))) if user_id is not None else literal(0))
        .where(Demand.status.in_(OPEN))).one()
    oldest = session.execute(_listed(DemandFilter(status=OPEN_FILTER, overdue=True))
                             .order_by(Demand.due_at, Demand.id).limit(shown)).tuples().all()
    return OverdueSummary(open_count or 0, overdue or 0, list(oldest), mine or 0)
