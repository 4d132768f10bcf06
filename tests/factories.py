"""Test data.  ``make_world`` always makes two companies, so that every test
can check that one tenant cannot see or touch the other's rows."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy.orm import Session

from red_property.accounts.models import Role
from red_property.accounts.services import create_user
from red_property.communities.models import Building, Community, Household, ManagementContract
from red_property.core.tenancy import tenant_scope
from red_property.core.owner import owner_session
from red_property.tenants.changes import add_tenant
from red_property.tenants.models import TenantKind

PASSWORD = "correct horse battery"


def make_tenant(session: Session, kind: TenantKind, slug: str, name: str) -> int:
    """Through the register's one path, as the schema owner (the app role may not create a bureau)."""
    with owner_session() as owner:
        tenant_id = add_tenant(owner, kind=kind, slug=slug, name=name, credit_code=None).id
        owner.commit()
    return tenant_id


def make_users(session: Session, tenant_id: int, prefix: str, roles=(Role.ADMIN,)) -> dict[Role, int]:
    ids = {}
    with tenant_scope(session, tenant_id):
        for role in roles:
            email = f"{prefix}-{role.value}@test.cn"
            ids[role] = create_user(session, email=email, name=f"{prefix} {role.value}", role=role,
                                    password=PASSWORD).id
        session.commit()
    return ids


def make_community(session: Session, name: str, *, committee_id: int | None = None) -> int:
    community = Community(name=name, address=f"锦城市测试路{len(name)}号", district="锦江区",
                          street="春熙路街道", neighbourhood="春熙东社区", household_count=3,
                          floor_area=Decimal("300.00"), committee_tenant_id=committee_id)
    session.add(community)
    session.flush()
    return community.id


def register_committee(session: Session, world, community_id: int, slug: str, name: str) -> int:
    """The bureau registers an owners' committee (a tenant of its own) for a community, as its register does."""
    committee = make_tenant(session, TenantKind.COMMITTEE, slug, name)
    with tenant_scope(session, world.bureau):
        session.get(Community, community_id).committee_tenant_id = committee
        session.commit()
    return committee


def make_contract(session: Session, community_id: int, company_id: int, start: dt.date,
                  end: dt.date | None = None) -> None:
    session.add(ManagementContract(community_id=community_id, company_tenant_id=company_id,
                                   contract_no=f"T-{community_id}-{company_id}-{start:%Y}",
                                   starts_on=start, ends_on=end))


def make_households(session: Session, community_id: int, building_name: str, count: int) -> list[int]:
    building = Building(community_id=community_id, name=building_name, floors=6)
    session.add(building)
    session.flush()
    ids = []
    for n in range(count):
        household = Household(community_id=community_id, building_id=building.id, unit="1",
                              room=f"{n + 1}01", floor_area=Decimal("88.50") + n, owner_name=f"业主{n}")
        session.add(household)
        session.flush()
        ids.append(household.id)
    return ids


def make_world(session: Session) -> SimpleNamespace:
    w = SimpleNamespace()
    w.bureau = make_tenant(session, TenantKind.BUREAU, "bureau", "测试市住建局")
    w.a = make_tenant(session, TenantKind.COMPANY, "company-a", "甲物业有限公司")
    w.b = make_tenant(session, TenantKind.COMPANY, "company-b", "乙物业有限公司")
    w.committee = make_tenant(session, TenantKind.COMMITTEE, "committee-x", "丙小区业主委员会")
    w.users = {
        "a": make_users(session, w.a, "a", (Role.ADMIN, Role.STAFF, Role.READONLY)),
        "b": make_users(session, w.b, "b", (Role.ADMIN, Role.STAFF)),
        "bureau": make_users(session, w.bureau, "bureau"),
        "committee": make_users(session, w.committee, "committee"),
    }
    long_ago, last_year = dt.date(2019, 1, 1), dt.date(2025, 1, 1)
    with tenant_scope(session, w.bureau):
        w.community_a = make_community(session, "甲一小区")
        w.community_a2 = make_community(session, "甲二小区")
        w.community_b = make_community(session, "乙一小区")
        w.community_x = make_community(session, "丙小区", committee_id=w.committee)
        w.community_moved = make_community(session, "易主小区")  # A until 2024, then B
        w.community_none = make_community(session, "无主小区")   # in the register, unmanaged
        make_contract(session, w.community_a, w.a, long_ago)
        make_contract(session, w.community_a2, w.a, last_year)
        make_contract(session, w.community_b, w.b, long_ago)
        make_contract(session, w.community_x, w.b, long_ago)
        make_contract(session, w.community_moved, w.a, long_ago, dt.date(2024, 12, 31))
        make_contract(session, w.community_moved, w.b, last_year)
        session.commit()
    with tenant_scope(session, w.a):
        w.households_a = make_households(session, w.community_a, "1栋", 3)
        session.commit()
    with tenant_scope(session, w.b):
        w.households_b = make_households(session, w.community_b, "1栋", 2)
        session.commit()
    w.email = {key: {role: f"{key}-{role.value}@test.cn" for role in roles}
               for key, roles in w.users.items()}
    return w
