"""Demo and scale party records: members (formal, probationary, in-service), building heads,
branches (one joint branch), grid branches and party groups, yearly reviews and 七有 sites.

Each demo company falls short somewhere, so that the pages have something to say:
company-1 shares a joint branch for a community with two direct members;
company-3 has a branch without last year's secretary's report; company-4 has a
community with enough members and no branch; company-5 has a building with
three members and no party group; company-6 has a community with too few
members and no joint branch; the weaker companies lack 七有 evidence.
"""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.core.bulk import insert_rows, write_rows
from red_property.communities.models import Building, ManagementContract
from red_property.core.files import store_file
from red_property.core.tenancy import tenant_scope
from red_property.demo import names
from red_property.demo.samples import pdf, png
from red_property.party.models import (Level, OrganisationCommunity, PartyMember, PartyOrganisation, ReviewKind,
                                       SiteCheck, SiteEvidence, SiteItem, SiteStatus, YearlyReview)
from red_property.party.rules import SITE_ITEM_NAMES
from red_property.tenants.models import Tenant, TenantKind

HOME_ORGANISATIONS = ["市税务局机关党委", "区教育局党委", "锦城银行党委", "市第三人民医院党委", "区市场监管局党组",
                      "锦江区人民法院党组", "市自来水公司党委"]
# (company slug, community index) -> what is wrong there
FEW_MEMBERS_JOINT = ("company-1", 1)       # two direct members: joint branch with the next community
JOINT_PARTNER = ("company-1", 2)
NO_BRANCH = ("company-4", 3)               # enough members, no branch yet
FEW_MEMBERS_ALONE = ("company-6", 3)       # too few members, no joint branch
NO_SECRETARY_REPORT = ("company-3", 0)
NO_PARTY_GROUP = ("company-5", 0)
MISSING_EVIDENCE = {"company-4": 2, "company-5": 3, "company-6": 4}   # 七有 items without a photo, per branch


def add_demo_records(session: Session, rng: random.Random, tenants: dict[str, Tenant], today: dt.date) -> None:
    """Party records for every demo company's communities (deterministic for a seed)."""
    for company in sorted((t for t in tenants.values() if t.kind == TenantKind.COMPANY), key=lambda t: t.slug):
        with tenant_scope(session, company.id) as s:
            communities = _managed(s, today)
            buildings = _buildings(s, communities)
            for j, community_id in enumerate(communities):
                direct = 2 if (company.slug, j) in (FEW_MEMBERS_JOINT, FEW_MEMBERS_ALONE) else rng.randint(5, 12)
                _members(s, rng, community_id, buildings[community_id], direct, today)
            s.flush()
            _organisations(s, rng, company.slug, communities, buildings, today)
            s.commit()


def _managed(s: Session, today: dt.date) -> list[int]:
    return list(s.scalars(select(ManagementContract.community_id).where(
        ManagementContract.starts_on <= today,
        (ManagementContract.ends_on.is_(None)) | (ManagementContract.ends_on >= today))
        .order_by(ManagementContract.community_id).distinct()))


def _buildings(s: Session, communities: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    for community_id, building_id in s.execute(select(Building.community_id, Building.id)
                                               .where(Building.community_id.in_(communities))
                                               .order_by(Building.id)):
        found[community_id].append(building_id)
    return found


def _members(s: Session, rng: random.Random, community_id: int, buildings: list[int], direct: int,
             today: dt.date) -> None:
    """``direct`` formal directly-managed members, most in the first buildings (so party groups form),
    plus probationary and in-service members; one building head per building that has a member."""
    heads: set[int] = set()
    kinds = [(True, True)] * direct + [(False, True)] * rng.randint(0, 2) + [(True, False)] * rng.randint(1, 4)
    for n, (formal, directly) in enumerate(kinds):
        building = buildings[min(n // 3, len(buildings) - 1)] if n < 6 and buildings else (
            rng.choice(buildings) if buildings else None)
        head = formal and building is not None and building not in heads and rng.random() < 0.7
        if head:
            heads.add(building)
        s.add(PartyMember(name=names.person(rng), community_id=community_id, building_id=building,
                          room=f"{rng.randint(1, 2)}-{rng.randint(1, 18)}0{rng.randint(1, 4)}", formal=formal,
                          directly_managed=directly, building_head=head,
                          home_organisation=None if directly else rng.choice(HOME_ORGANISATIONS),
                          reported_on=None if directly else today - dt.timedelta(days=rng.randint(60, 1500))))


def _organisations(s: Session, rng: random.Random, slug: str, communities: list[int],
                   buildings: dict[int, list[int]], today: dt.date) -> None:
    names_of = dict(s.execute(select(Building.id, Building.name).where(Building.community_id.in_(communities))).all())
    for j, community_id in enumerate(communities):
        key = (slug, j)
        if key in (NO_BRANCH, FEW_MEMBERS_ALONE, JOINT_PARTNER):
            continue
        covered = [community_id, communities[j + 1]] if key == FEW_MEMBERS_JOINT else [community_id]
        level = Level.JOINT if key == FEW_MEMBERS_JOINT else Level.COMMUNITY
        founded = today.replace(year=today.year - rng.randint(2, 6), month=rng.choice((3, 6, 7, 9)), day=1)
        branch = _organisation(s, "联合党支部" if level == Level.JOINT else "党支部", level, covered, founded)
        parent = branch
        if j == 0 and len(buildings[community_id]) > 2:
            parent = _organisation(s, "第一网格党支部", Level.GRID, [community_id], founded, parent=branch)
        for covered_id in covered:
            _party_groups(s, key, covered_id, parent, names_of, founded)
        _reviews(s, rng, key, branch, today)
        _site(s, rng, slug, branch, today)


def _organisation(s: Session, suffix: str, level: Level, communities: list[int], founded: dt.date, *,
                  parent: PartyOrganisation | None = None, building: int | None = None,
                  name: str | None = None) -> PartyOrganisation:
    from red_property.communities.models import Community

    if name is None:
        first = s.scalar(select(Community.name).where(Community.id == communities[0]))
        name = f"{first}{suffix}"
    organisation = PartyOrganisation(name=name, level=level, founded_on=founded,
                                     parent_id=parent.id if parent else None, building_id=building)
    s.add(organisation)
    s.flush()
    s.add_all(OrganisationCommunity(organisation_id=organisation.id, community_id=c) for c in communities)
    return organisation


def _party_groups(s: Session, key, community_id: int, parent: PartyOrganisation, names_of: dict[int, str],
                  founded: dt.date) -> None:
    """A party group for every building with 3 or more formal members (one left out where the gap is)."""
    from sqlalchemy import func

    crowded = s.execute(select(PartyMember.building_id).where(PartyMember.community_id == community_id,
                                                              PartyMember.formal, PartyMember.building_id.is_not(None))
                        .group_by(PartyMember.building_id).having(func.count(PartyMember.id) >= 3)
                        .order_by(PartyMember.building_id)).scalars().all()
    if key == NO_PARTY_GROUP:
        crowded = crowded[1:]
    for building in crowded:
        _organisation(s, "", Level.GROUP, [community_id], founded, parent=parent, building=building,
                      name=f"{names_of[building]}党小组")


def _reviews(s: Session, rng: random.Random, key, branch: PartyOrganisation, today: dt.date) -> None:
    for year in (today.year - 2, today.year - 1):
        if branch.founded_on.year > year:
            continue
        for kind in ReviewKind:
            if kind == ReviewKind.SECRETARY_REPORT and key == NO_SECRETARY_REPORT and year == today.year - 1:
                continue
            s.add(YearlyReview(organisation_id=branch.id, year=year, kind=kind,
                               done_on=dt.date(year, 12, rng.randint(15, 30))))


SITE_COLOURS = [(200, 16, 46), (222, 41, 16), (255, 222, 0), (180, 30, 30), (240, 200, 60), (150, 20, 20),
                (210, 60, 40)]


def _site(s: Session, rng: random.Random, slug: str, branch: PartyOrganisation, today: dt.date) -> None:
    """All seven items checked; photos for most, fewer for the weaker companies, one flag missing."""
    items = list(SiteItem)
    without = set(rng.sample(items, MISSING_EVIDENCE.get(slug, 0)))
    for n, item in enumerate(items):
        status = SiteStatus.IN_PLACE
        if item in without:
            status = SiteStatus.MISSING if item == SiteItem.FLAG else rng.choice(
                (SiteStatus.IN_PLACE, SiteStatus.INCOMPLETE))
        check = SiteCheck(organisation_id=branch.id, item=item, status=status,
                          checked_on=today - dt.timedelta(days=rng.randint(5, 200)))
        s.add(check)
        s.flush()
        if item in without:
            continue
        if item == SiteItem.RULES:
            data, filename = pdf(f"Branch rules {branch.id}"), "党支部工作制度.pdf"
        else:
            data, filename = png(SITE_COLOURS[n]), f"{SITE_ITEM_NAMES[item]}照片.png"
        stored = store_file(s, purpose="site_evidence", filename=filename, data=data)
        s.add(SiteEvidence(check_id=check.id, file_id=stored.id, caption=None))


def add_scale_records(session: Session, rng: random.Random, company_id: int, communities: list[int],
                      buildings: dict[int, list[int]], today: dt.date) -> dict[str, dict[int, object]]:
    """Bulk party records of one company (inside its tenant scope): members, one branch per
    community with a party group for its first building, last year's reviews.

    Returns ``{"members": {community: [member ids]}, "branches": {community: branch id}}``."""
    member_rows = []
    for community_id in communities:
        for n in range(rng.randint(3, 9)):
            building = buildings[community_id][n % len(buildings[community_id])] if buildings[community_id] else None
            member_rows.append(dict(tenant_id=company_id, name=names.person(rng), community_id=community_id,
                                    building_id=building, formal=n != 4, directly_managed=n != 5,
                                    home_organisation=None if n != 5 else HOME_ORGANISATIONS[0],
                                    reported_on=None if n != 5 else today - dt.timedelta(days=300),
                                    building_head=n == 0))
    by_community: dict[int, list[int]] = defaultdict(list)
    for member_id, row in zip(insert_rows(session, PartyMember, member_rows, ordered=True), member_rows):
        by_community[row["community_id"]].append(member_id)
    founded = today.replace(year=today.year - 3, month=1, day=1)
    branches = insert_rows(session, PartyOrganisation, [
        dict(tenant_id=company_id, name=f"第{c}小区党支部", level=Level.COMMUNITY, founded_on=founded)
        for c in communities], ordered=True)
    with_buildings = [(b, c) for b, c in zip(branches, communities) if buildings[c]]
    groups = insert_rows(session, PartyOrganisation, [
        dict(tenant_id=company_id, name=f"第{c}小区1栋党小组", level=Level.GROUP, founded_on=founded, parent_id=b,
             building_id=buildings[c][0]) for b, c in with_buildings], ordered=True)
    write_rows(session, OrganisationCommunity, [
        dict(tenant_id=company_id, organisation_id=o, community_id=c)
        for o, c in list(zip(branches, communities)) + list(zip(groups, [c for _b, c in with_buildings]))])
    write_rows(session, YearlyReview, [dict(tenant_id=company_id, organisation_id=b, year=today.year - 1, kind=k,
                                             done_on=dt.date(today.year - 1, 12, 28))
                                        for b in branches for k in ReviewKind])
    return {"members": dict(by_community), "branches": dict(zip(communities, branches))}

