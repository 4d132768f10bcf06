"""Reading the community register as the current tenant sees it.

Nothing here filters by tenant: the session does that (core.tenancy).  These
functions only shape the queries so that a page costs a fixed number of them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Date, Select, bindparam, func, select
from sqlalchemy.orm import Session

from red_property.communities.models import Building, Community, Household, ManagementContract
from red_property.core.errors import InputError
from red_property.core.schemas import counted_page
from red_property.core.statistics import refresh_statistics
from red_property.core.tenancy import current_tenant_id, public_read
from red_property.tenants.models import Tenant, TenantKind


@dataclass
class CommunityPage:
    items: list[Community]
    total: int
    page: int
    per_page: int
    contracts: dict[int, list[tuple[ManagementContract, Tenant]]]


ORDER = (Community.district, Community.name, Community.id)
LISTED = (Community.id, Community.name, Community.address, Community.district, Community.street,
          Community.neighbourhood, Community.household_count, Community.floor_area, Community.year_built,
          Community.retired_on)
CONTRACT_LISTED = (ManagementContract.contract_no, ManagementContract.starts_on, ManagementContract.ends_on,
                   Tenant.id.label("company_id"), Tenant.name.label("company_name"))


def _filtered(stmt: Select, *, q, district, street, company_id, on) -> Select:
    """The list's filters: ``q`` searches names and addresses; ``company_id`` keeps the
    communities that company manages on ``on`` (by their contracts).  Each is a value, a bound
    parameter (``register_rows``' kept statements), or None for no filter."""
    if isinstance(q, str):
        q = q.strip() if q else None
    district, street = (value or None if isinstance(value, str) else value for value in (district, street))
    if q is not None:
        stmt = stmt.where(Community.name.contains(q) | Community.address.contains(q))
    if district is not None:
        stmt = stmt.where(Community.district == district)
    if street is not None:
        stmt = stmt.where(Community.street == street)
    if company_id is not None:
        if on is None:
            raise ValueError("a company filter needs the day it manages on")
        stmt = stmt.where(Community.id.in_(select(ManagementContract.community_id).where(
            ManagementContract.company_tenant_id == company_id, ManagementContract.starts_on <= on,
            ManagementContract.ends_on.is_(None) | (ManagementContract.ends_on >= on))))
    return stmt


def list_communities(session: Session, *, page: int = 1, per_page: int = 50, q: str | None = None,
                     district: str | None = None, street: str | None = None, company_id: int | None = None,
                     on: dt.date | None = None) -> CommunityPage:
    """One page of visible communities with their visible contracts, as objects: two queries."""
    stmt = _filtered(select(Community), q=q, district=district, street=street, company_id=company_id, on=on)
    rows, total = counted_page(session, stmt.order_by(*ORDER), page, per_page)
    items = [row[0] for row in rows]
    return CommunityPage(items, total, page, per_page, contracts_for(session, [c.id for c in items]))


@dataclass
class RegisterRows:
    """One page of the register as plain rows: ``LISTED``, the total, then ``CONTRACT_LISTED``; a
    community once per visible contract, newest contract first, or once with the contract's columns None."""
    rows: list[tuple]
    total: int


def register_rows(session: Session, *, page: int = 1, per_page: int = 50, q: str | None = None,
                  district: str | None = None, street: str | None = None, company_id: int | None = None,
                  on: dt.date | None = None) -> RegisterRows:
    """What ``list_communities`` reads, for the API's list: one statement and no objects.

    The page (with its total, ``count(*) OVER ()``) is a subquery that the contracts and
    their companies join, so the tenant's criteria on both apply as they do in
    ``contracts_for``.  An owners' committee reads contracts on the public path, so its
    page (its one community) takes ``contracts_for``'s second query.
    """
    if company_id is not None and on is None:
        raise ValueError("a company filter needs the day it manages on")
    values = {"q": q.strip() if q else None, "district": district or None, "street": street or None,
              "company_id": company_id}
    public = _reads_contracts_publicly(session)
    listed, statement = _register_statements(*(value is not None for value in values.values()), public=public)
    params = {name: value for name, value in {**values, "on": on}.items() if value is not None}
    rows = session.execute(statement, {**params, "limit": per_page, "offset": (page - 1) * per_page}).all()
    if public:  # the public path reads no contract numbers
        contracts = contracts_for(session, [row.id for row in rows])
        rows = [contracted for row in rows for contracted in (
            [(*row, None, c.starts_on, c.ends_on, company.id, company.name) for c, company in contracts[row.id]]
            or [(*row, None, None, None, None, None)])]
    if rows:
        return RegisterRows(rows, rows[0][len(LISTED)])
    total = 0 if page == 1 else session.scalar(select(func.count()).select_from(listed.subquery()), params) or 0
    return RegisterRows([], total)


@lru_cache(maxsize=64)
def _register_statements(q: bool, district: bool, street: bool, company: bool, *, public: bool):
    """``register_rows``' statements for one combination of filters, built once (building them took
    a quarter of a millisecond a request): the filtered list, and its page with the contracts (or,
    on the public path, without).  Every value is a bound parameter of the same name."""
    listed = _filtered(select(*LISTED, func.count().over().label("total")),
                       q=bindparam("q") if q else None, district=bindparam("district") if district else None,
                       street=bindparam("street") if street else None,
                       company_id=bindparam("company_id") if company else None, on=bindparam("on", type_=Date))
    paged = listed.order_by(*ORDER).limit(bindparam("limit")).offset(bindparam("offset")).subquery()
    if public:
        return listed, select(paged).order_by(paged.c.district, paged.c.name, paged.c.id)
    return listed, (select(paged, *CONTRACT_LISTED)
                    .outerjoin(ManagementContract, ManagementContract.community_id == paged.c.id)
                    .outerjoin(Tenant, Tenant.id == ManagementContract.company_tenant_id)
                    .order_by(paged.c.district, paged.c.name, paged.c.id, ManagementContract.starts_on.desc()))


def contracts_for(session: Session, community_ids: list[int]) -> dict[int, list]:
    """Contracts of these communities with the company tenant, newest first.

    The bureau reads its register and a company its own contracts.  An owners'
    committee keeps no contracts: it learns who manages its community as anyone
    may, through ``public_read`` (the public page shows the same).
    """
    if not community_ids:
        return {}
    if _reads_contracts_publicly(session):
        with public_read() as public:
            return _contracts(public, community_ids)
    return _contracts(session, community_ids)


def _reads_contracts_publicly(session: Session) -> bool:
    """An owners' committee keeps no contracts; it reads who manages its community on the public path."""
    tenant = session.get(Tenant, current_tenant_id(session))
    return tenant is not None and tenant.kind == TenantKind.COMMITTEE


def _contracts(session: Session, community_ids: list[int]) -> dict[int, list]:
    rows = session.execute(
        select(ManagementContract, Tenant)
        .join(Tenant, Tenant.id == ManagementContract.company_tenant_id)
        .where(ManagementContract.community_id.in_(community_ids))
        .order_by(ManagementContract.starts_on.desc())
    ).all()
    by_community: dict[int, list] = {cid: [] for cid in community_ids}
    for contract, company in rows:
        by_community[contract.community_id].append((contract, company))
    return by_community


@dataclass
class CommunityDetail:
    community: Community
    contracts: list[tuple[ManagementContract, Tenant]]
    buildings: list[tuple[Building, int, float]]


def get_community(session: Session, community_id: int) -> CommunityDetail | None:
    """A visible community with its contracts and this tenant's own buildings, or None."""
    community = session.get(Community, community_id)
    if community is None:
        return None
    buildings = session.execute(
        select(Building, func.count(Household.id), func.coalesce(func.sum(Household.floor_area), 0))
        .outerjoin(Household, (Household.building_id == Building.id) & (Household.tenant_id == Building.tenant_id))
        .where(Building.community_id == community_id)
        .group_by(Building.id)
        .order_by(Building.name)
    ).all()
    return CommunityDetail(community, contracts_for(session, [community_id])[community_id],
                           [(b, n, float(area)) for b, n, area in buildings])


def current_company(contracts: list[tuple[ManagementContract, Tenant]], on: dt.date) -> Tenant | None:
    for contract, company in contracts:
        if contract.is_current(on):
            return company
    return None


def register_stats(session: Session) -> dict:
    """Counts for a company's home page: the communities it sees, its buildings and households."""
    return {
        "communities": session.scalar(select(func.count(Community.id))),
        "buildings": session.scalar(select(func.count(Building.id))),
        "households": session.scalar(select(func.count(Household.id))),
    }


def bureau_register_stats(session: Session) -> dict:
    """Counts for the bureau's home page, from its register (the list of communities): communities,
    registered households and floor area.  Buildings and households as rows are the companies' records,
    which the bureau does not read: counting them here gave 0 楼栋 / 0 户.  One query."""
    communities, households, area = session.execute(
        select(func.count(Community.id), func.coalesce(func.sum(Community.household_count), 0),
               func.coalesce(func.sum(Community.floor_area), 0))).one()
    return {"communities": communities, "households": int(households), "floor_area": area}


class NotManaged(ValueError):
    """The current company does not manage the community now."""


def has_committee(session: Session, community_id: int) -> bool:
    """Whether the community has an owners' committee: the bureau's register says so (the committee
    it set up, ``Community.committee_tenant_id``), and nothing else does.  The public page reads the
    same column; a company records the members of a committee the register has, not a committee."""
    return session.scalar(select(Community.committee_tenant_id).where(Community.id == community_id)) is not None


def with_committee(session: Session, community_ids: list[int]) -> set[int]:
    """Which of ``community_ids`` have an owners' committee in the register (``has_committee``): one query."""
    if not community_ids:
        return set()
    return set(session.scalars(select(Community.id).where(Community.id.in_(community_ids),
                                                          Community.committee_tenant_id.is_not(None))))


def managed_now(session: Session, community_id: int, on: dt.date) -> bool:
    """Whether the current tenant has a contract for the community on ``on``."""
    from red_property.core.tenancy import current_tenant_id

    return session.scalar(
        select(ManagementContract.id).where(
            ManagementContract.community_id == community_id,
            ManagementContract.company_tenant_id == current_tenant_id(session),
            ManagementContract.starts_on <= on,
            (ManagementContract.ends_on.is_(None)) | (ManagementContract.ends_on >= on))) is not None


def import_households(session: Session, community_id: int, rows, *, on: dt.date,
                      progress=lambda percent: None) -> dict:
    """Write checked rows (``imports.check_rows``) in one transaction: buildings as
    needed, households created or updated by building/unit/room.  Re-importing the
    same file changes nothing."""
    if not managed_now(session, community_id, on):
        raise NotManaged("只能为本企业当前在管的小区导入住户")
    buildings = {b.name: b for b in session.scalars(select(Building).where(Building.community_id == community_id))}
    for name in sorted({r.building for r in rows} - set(buildings)):
        buildings[name] = Building(community_id=community_id, name=name, floors=1)
        session.add(buildings[name])
    session.flush()
    existing = {(h.building_id, h.unit, h.room): h for h in session.scalars(
        select(Household).where(Household.community_id == community_id))}
    created = updated = 0
    for n, row in enumerate(rows, start=1):
        building = buildings[row.building]
        household = existing.get((building.id, row.unit, row.room))
        values = dict(floor_area=row.floor_area, owner_name=row.owner_name,
                      party_member_household=row.party_member_household)
        if household is None:
            session.add(Household(community_id=community_id, building_id=building.id, unit=row.unit, room=row.room,
                                  **values))
            created += 1
        elif any(getattr(household, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(household, key, value)
            updated += 1
        if n % 1000 == 0:
            progress(50 + 45 * n // len(rows))
    session.commit()
    refresh_statistics(session, Household, Building, written=created)
    return {"rows": len(rows), "created": created, "updated": updated,
            "unchanged": len(rows) - created - updated}


def require_managed_on(session: Session, community_id: int, day: dt.date, *, today: dt.date,
                       field: str = "held_on", label: str = "日期") -> None:
    """Records of what happened in a community: on a past day, while this company managed it.

    Raises ``InputError`` on ``community_id`` (not a community of this company)
    or on ``field`` (a future day, or a day outside the company's contracts).
    """
    if session.get(Community, community_id) is None:
        raise InputError("community_id", "小区不存在，或不是本企业管理的小区")
    if day > today:
        raise InputError(field, f"{label}不能晚于今天：请在事后登记")
    if not managed_now(session, community_id, day):
        ever = session.scalar(select(ManagementContract.id).where(
            ManagementContract.community_id == community_id,
            ManagementContract.company_tenant_id == current_tenant_id(session)).limit(1))
        if ever is None:
            raise InputError("community_id", "本企业没有管理过这个小区")
        raise InputError(field, f"{day} 本企业不在管这个小区（请核对物业服务合同期限）")
