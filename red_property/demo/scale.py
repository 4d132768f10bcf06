"""Fill a database at city or province scale for benchmarks.

Uses the same tenancy path as the app (one tenant scope per company, rows
stamped and checked by row-level security on PostgreSQL) but bulk INSERTs
instead of the ORM unit of work.  A second run with the same seed does nothing.
"""
from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.appointments.demo import add_scale_records as add_appointment_records
from red_property.activities.demo import add_scale_records as add_activities
from red_property.communities.models import Building, Community, Household, ManagementContract
from red_property.extensions import db
from red_property.core.statistics import refresh_statistics
from red_property.core import clock
from red_property.core.bulk import insert_rows, write_rows
from red_property.core.owner import owner_session
from red_property.core.tenancy import tenant_scope
from red_property.demands.demo import add_scale_records as add_scale_demands
from red_property.demo import names
from red_property.party.demo import add_scale_records as add_party_records
from red_property.meetings.demo import add_scale_records as add_meetings
from red_property.fees.demo import bulk_fees, months_before
from red_property.tenants.changes import add_tenant
from red_property.tenants.models import Tenant, TenantKind

SCALES = {"city": (249, 513), "province": (249 * 40, 513 * 40)}


def generate_scale(session: Session, *, companies: int, communities: int, households_per_community: int = 40,
                   seed: int = 7, fees: bool = True, progress: Callable[[str], None] = lambda _msg: None) -> dict:
    """Create a bureau, ``companies`` company tenants and ``communities`` communities."""
    started = time.perf_counter()
    rng = random.Random(seed)
    prefix = f"scale{seed}"
    if session.scalar(select(Tenant.id).where(Tenant.slug == f"{prefix}-bureau")) is not None:
        return {"skipped": f"{prefix} already generated"}
    session.commit()
    with owner_session() as owner:  # a bureau is the schema owner's to create (tenants.changes)
        bureau_id = add_tenant(owner, kind=TenantKind.BUREAU, slug=f"{prefix}-bureau",
                               name=f"规模测试住建局{seed}", credit_code=None).id
        company_ids = [add_tenant(owner, kind=TenantKind.COMPANY, slug=f"{prefix}-co-{n:05d}",
                                  name=f"测试物业{n:05d}有限公司", credit_code=None).id for n in range(companies)]
        owner.commit()
    progress(f"{companies} companies")

    assignment: dict[int, list[tuple[int, int]]] = {cid: [] for cid in company_ids}
    today = clock.today()
    used: set[str] = set()
    with tenant_scope(session, bureau_id):
        rows = [dict(tenant_id=bureau_id, **row) for row in community_rows(rng, communities, households_per_community,
                                                                          used)]
        community_ids = insert_rows(session, Community, rows, ordered=True)
        streets = {community_id: row["street"] for community_id, row in zip(community_ids, rows, strict=True)}
        contracts = []
        for n, community_id in enumerate(community_ids):
            company_id = company_ids[n % companies]
            contracts.append(dict(tenant_id=bureau_id, community_id=community_id, company_tenant_id=company_id,
                                  contract_no=f"S-{n:06d}", starts_on=today.replace(year=today.year - 2)))
            assignment[company_id].append((community_id, households_per_community))
        write_rows(session, ManagementContract, contracts)
        session.commit()
    progress(f"{communities} communities")

    demands = posts = meetings = activities = 0
    for number, company_id in enumerate(company_ids, start=1):
        with tenant_scope(session, company_id):
            buildings: dict[int, list[int]] = {}
            for community_id, count in assignment[company_id]:
                per_building = 24
                building_rows = [dict(tenant_id=company_id, community_id=community_id, name=f"{b + 1}栋",
                                      floors=12, kind="residential") for b in range(-(-count // per_building))]
                building_ids = insert_rows(session, Building, building_rows, ordered=True)
                write_rows(session, Household, [dict(
                    tenant_id=company_id, community_id=community_id, building_id=building_ids[h // per_building],
                    unit="1", room=f"{h % per_building + 101}", floor_area=Decimal(rng.randrange(6000, 14000)) / 100,
                    owner_name=names.person(rng), party_member_household=rng.random() < 0.05)
                    for h in range(count)])
                buildings[community_id] = list(building_ids)
            if buildings:
                party = add_party_records(session, rng, company_id, list(buildings), buildings, today)
                posts += add_appointment_records(session, rng, company_id, party, today)
            demands += add_scale_demands(session, rng, company_id,
                                         [(c, streets[c]) for c, _ in assignment[company_id]], today)
            community_ids = [community_id for community_id, _count in assignment[company_id]]
            meetings += add_meetings(session, rng, company_id, community_ids, today)
            activities += add_activities(session, rng, company_id, community_ids, today)
            session.commit()
        if fees:
            # four quarters of bills and payments, so that ratings have a collection rate
            quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
            bulk_fees(session, company_id, rng, first=months_before(quarter, 9), months=12, today=today,
                      monthly=False)
        if number % 500 == 0:
            progress(f"records of {number}/{companies} companies")
    refresh_statistics(session, *db.metadata.tables)
    return {"bureau_id": bureau_id, "companies": companies, "communities": communities,
            "households": communities * households_per_community, "demands": demands, "posts": posts,
            "meetings": meetings, "activities": activities,
            "seconds": round(time.perf_counter() - started, 1)}


def community_rows(rng: random.Random, communities: int, households: int, used: set[str]) -> list[dict]:
    """The register entries of the generated city (also the fixtures' register sheet, ``demo/sheets.py``)."""
    rows = []
    for _ in range(communities):
        district, street, neighbourhood, address = names.place(rng)
        rows.append(dict(name=names.community_name(rng, used), address=address, district=district, street=street,
                         neighbourhood=neighbourhood, household_count=households,
                         floor_area=Decimal(households * 95)))
    return rows
