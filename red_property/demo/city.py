"""The demo city: the tenants in ``tenants/``, a register of communities with
contracts (some replaced), and each company's buildings and households.

Deterministic: the same seed gives the same city.  Later domains add their
records through ``build_demo_city``'s steps.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Callable
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.core.bulk import write_rows
from red_property.accounts.models import Role
from red_property.accounts.services import create_user
from red_property.activities.demo import add_demo_records as add_activities
from red_property.appointments.demo import add_demo_records as add_appointments
from red_property.communities.models import Building, Community, Household, ManagementContract
from red_property.core.owner import owner_session
from red_property.extensions import db
from red_property.core.statistics import refresh_statistics
from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.demands.demo import add_demo_records as add_demands
from red_property.demo import names
from red_property.fees.demo import add_demo_records as add_fees
from red_property.finance.demo import add_demo_records as add_committee_finance
from red_property.meetings.demo import add_demo_records as add_meetings
from red_property.party.demo import add_demo_records as add_party
from red_property.public.demo import add_demo_records as add_public_cards
from red_property.rating.demo import add_demo_records as add_rating
from red_property.tenants.models import Tenant, TenantKind
from red_property.tenants.provisioning import apply_specs, load_specs

DEMO_PASSWORD = "red-property-demo"
COMMUNITIES = 24
# Communities with an owners' committee tenant: name in the register -> committee slug.
COMMITTEES = {"锦绣花园": "committee-1", "翠湖苑": "committee-2", "金沙苑": "committee-3", "芙蓉里": "committee-4"}


@dataclass
class DemoSummary:
    tenants: int
    communities: int
    households: int
    logins: list[tuple[str, str, str]]  # (email, role, tenant name)


# The demo's records after the register, in order: the companies' records come before
# the ratings, which measure them.  (label, step): each step adds one domain's records.
RECORD_STEPS = (("党组织与党员", add_party), ("交叉任职", add_appointments), ("三方联席会议", add_meetings),
                ("党建活动", add_activities), ("居民诉求", add_demands), ("物业费账单与缴费", add_fees),
                ("信用评价", add_rating), ("业委会财务与表决", add_committee_finance), ("公开信息", add_public_cards))
STEPS = 3 + len(RECORD_STEPS)


def build_demo_city(session: Session, tenants_dir: Path, seed: int = 2026, today: dt.date | None = None,
                    progress: Callable[[int, str], None] = lambda _step, _label: None) -> DemoSummary:
    """Provision the demo tenants and fill the register and every domain's records; returns what was made.

    ``progress(step, label)`` is called before each of the ``STEPS`` steps (1-based).
    """
    rng = random.Random(seed)
    today = today or clock.today()
    progress(1, "租户与登录")
    with owner_session() as owner:  # the bureau and the platform are the schema owner's to create
        apply_specs(owner, load_specs(tenants_dir))
    tenants = {t.slug: t for t in session.scalars(select(Tenant))}
    session.close()
    bureau = tenants["city-bureau"]
    companies = sorted((t for t in tenants.values() if t.kind == TenantKind.COMPANY), key=lambda t: t.slug)
    _extra_users(session, companies[:len(EXTRA_USERS)])
    progress(2, "小区名册与物业服务合同")
    plan = _register(session, rng, bureau, companies, tenants, today)
    progress(3, "楼栋与住户")
    households = 0
    for company in companies:
        households += _company_records(session, rng, company, plan.get(company.id, []))
    for step, (label, add) in enumerate(RECORD_STEPS, start=4):
        progress(step, label)
        add(session, rng, tenants, today)
    logins = _logins(session, tenants)
    refresh_statistics(session, *db.metadata.tables)   # every table was empty when the build began
    return DemoSummary(len(tenants), COMMUNITIES, households, logins)


# Besides each tenant's admins: a staff member and a read-only viewer for the first two companies.
EXTRA_USERS = ((("staff1@demo.test", Role.STAFF), ("viewer1@demo.test", Role.READONLY)),
               (("staff2@demo.test", Role.STAFF), ("viewer2@demo.test", Role.READONLY)))
_EXTRA_NAMES = {Role.STAFF: "专员", Role.READONLY: "查看员"}


def _extra_users(session: Session, companies: list[Tenant]) -> None:
    for company, users in zip(companies, EXTRA_USERS):
        with tenant_scope(session, company.id):
            for email, role in users:
                create_user(session, email=email, name=f"{company.name[:2]}{_EXTRA_NAMES[role]}", role=role,
                            password=DEMO_PASSWORD)
            session.commit()


def demo_logins(tenants_dir: Path) -> list[tuple[str, str, str]]:
    """The demo's logins (email, role, tenant name) as the tenant files and ``EXTRA_USERS`` define them.

    Known before anything is built, so the demo can print them first.
    """
    specs = load_specs(tenants_dir)
    logins = [(admin["email"].lower(), Role.ADMIN.value, spec["name"]) for spec in specs for admin in spec["admins"]]
    companies = sorted((spec for spec in specs if spec["kind"] == TenantKind.COMPANY.value), key=lambda s: s["slug"])
    for spec, users in zip(companies, EXTRA_USERS):
        logins += [(email, role.value, spec["name"]) for email, role in users]
    return logins


def _register(session, rng, bureau, companies, tenants, today) -> dict[int, list[tuple[int, int]]]:
    """Communities and contracts in the bureau's register.

    Returns, per company, the (community id, registered households) it manages now.
    """
    plan: dict[int, list[tuple[int, int]]] = {}
    used = set(COMMITTEES)
    fixed = list(COMMITTEES)
    with tenant_scope(session, bureau.id):
        for i in range(COMMUNITIES):
            name = fixed[i] if i < len(fixed) else names.community_name(rng, used)
            district, street, neighbourhood, address = names.place(rng)
            count = rng.randrange(240, 900, 12)
            committee = tenants.get(COMMITTEES.get(name, ""))
            community = Community(name=name, address=address, district=district, street=street,
                                  neighbourhood=neighbourhood, household_count=count,
                                  floor_area=Decimal(count * rng.randint(85, 115)),
                                  committee_tenant_id=committee.id if committee else None)
            session.add(community)
            session.flush()
            # community 0 -> company-1, 1 -> company-2, ... so every demo login has communities
            company = companies[i % len(companies)]
            start = dt.date(today.year - rng.randint(1, 6), rng.choice((1, 4, 7, 10)), 1)
            if i % 5 == 4:  # replaced: an earlier company's contract ended the day before
                former = companies[(i + 1) % len(companies)]
                session.add(ManagementContract(community_id=community.id, company_tenant_id=former.id,
                                               contract_no=f"JC-{start.year - 3}-{i:04d}",
                                               starts_on=start.replace(year=start.year - 3),
                                               ends_on=start - dt.timedelta(days=1)))
            session.add(ManagementContract(community_id=community.id, company_tenant_id=company.id,
                                           contract_no=f"JC-{start.year}-{i:04d}", starts_on=start,
                                           ends_on=None if rng.random() < 0.7 else
                                           start.replace(year=start.year + 5)))
            plan.setdefault(company.id, []).append((community.id, count))
        session.commit()
    return plan


def _company_records(session, rng, company, communities) -> int:
    """Buildings and households of one company's communities; returns households made."""
    made = 0
    with tenant_scope(session, company.id):
        for community_id, count in communities:
            floors = rng.choice((6, 11, 18, 26, 32))
            per_floor = rng.choice((2, 4))
            units = 2
            per_building = floors * per_floor * units
            buildings = []
            for b in range(max(1, -(-count // per_building))):
                building = Building(community_id=community_id, name=f"{b + 1}栋", floors=floors,
                                    kind=rng.choice(names.BUILDING_KINDS))
                session.add(building)
                buildings.append(building)
            session.flush()
            rows = []
            for n in range(count):
                building = buildings[n // per_building]
                slot = n % per_building
                unit, rest = divmod(slot, floors * per_floor)
                floor, door = divmod(rest, per_floor)
                rows.append(dict(tenant_id=company.id, community_id=community_id, building_id=building.id,
                                 unit=str(unit + 1), room=f"{floor + 1}{door + 1:02d}",
                                 floor_area=Decimal(rng.randrange(5500, 14500)) / 100,
                                 owner_name=names.person(rng),
                                 party_member_household=rng.random() < 0.06))
            write_rows(session, Household, rows)
            made += count
        session.commit()
    return made


def _logins(session, tenants) -> list[tuple[str, str, str]]:
    from red_property.accounts.models import User

    by_id = {t.id: t.name for t in tenants.values()}
    users = []
    for tenant_id in by_id:  # tenant by tenant: no lookup lists every account
        with tenant_scope(session, tenant_id):
            users += session.execute(select(User.id, User.email, User.role, User.tenant_id)).all()
    return [(email, role.value, by_id[tid]) for _id, email, role, tid in sorted(users)]
