"""Demo activities: twelve months of party days, 三会一课 and volunteering, with hours.

Party members come from the party records; a community the company manages
without any member recorded gets a few (directly managed and in-service), so
this works whether or not the party demo ran first.  In-service members report
in and claim service items; two members have negative-behaviour records, one
rectified in time and one to report.
"""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from red_property.core.bulk import insert_rows, write_rows
from red_property.activities.models import (Activity, ActivityKind, ActivityParticipant, NegativeRecord,
                                            ServiceReport)
from red_property.communities.models import ManagementContract
from red_property.compliance.sources import Window
from red_property.core.tenancy import tenant_scope
from red_property.demo import names
from red_property.party.models import PartyMember
from red_property.tenants.models import Tenant, TenantKind

# How keen each company's members are (share who take part in an activity), by slug.
TURNOUT = {"company-1": 0.7, "company-2": 0.45, "company-3": 0.6, "company-4": 0.3, "company-5": 0.4,
           "company-6": 0.2}
EMPLOYERS = ["市税务局机关党委", "锦城市第一人民医院党委", "区教育局机关党委", "市供电公司党委", "锦江区人民法院党组",
             "市自来水公司党委", "锦城银行锦江支行党支部"]
SERVICE_ITEMS = ["楼道清洁", "政策宣讲", "助老服务", "垃圾分类督导", "矛盾调解", "文明劝导", "义诊", "四点半课堂"]
TITLES = {ActivityKind.THEME_DAY: ["重温入党誓词", "学习党的创新理论", "红色观影", "参观红色教育基地"],
          ActivityKind.PARTY_LECTURE: ["书记讲党课：红色物业与基层治理", "党课：做合格党员"],
          ActivityKind.GENERAL_MEETING: ["支部党员大会：发展党员表决", "支部党员大会：年度工作部署"],
          ActivityKind.COMMITTEE_MEETING: ["支委会：研究小区重点工作"],
          ActivityKind.GROUP_MEETING: ["党小组会：楼栋议事"],
          ActivityKind.VOLUNTEER: ["楼道清洁志愿服务", "垃圾分类督导", "文明劝导", "反诈宣传"],
          ActivityKind.RED_FAMILY: ["红色家庭故事分享会"], ActivityKind.SERVICE_DAY: ["党员便民服务日：义诊与理发"]}


def add_demo_records(session: Session, rng: random.Random, tenants: dict[str, Tenant], today: dt.date) -> None:
    window = Window.months_ending(today)
    companies = sorted((t for t in tenants.values() if t.kind == TenantKind.COMPANY), key=lambda t: t.slug)
    for number, company in enumerate(companies):
        with tenant_scope(session, company.id) as s:
            since = managed_since(s, company.id, today)
            members = ensure_members(s, rng, since)
            turnout = TURNOUT.get(company.slug, 0.5)
            for community_id, people in sorted(members.items()):
                _activities(s, rng, community_id, people, window, turnout, since[community_id])
                _reports(s, rng, people, today)
            if number < 2:
                _negative(s, rng, members, today, reported=number == 1)
            s.commit()


def managed_since(s: Session, company_id: int, today: dt.date) -> dict[int, dt.date]:
    """The communities the company manages now, with the start of its current contract."""
    return dict(s.execute(select(ManagementContract.community_id, ManagementContract.starts_on).where(
        ManagementContract.company_tenant_id == company_id, ManagementContract.starts_on <= today,
        or_(ManagementContract.ends_on.is_(None), ManagementContract.ends_on >= today))).all())


def ensure_members(s: Session, rng: random.Random, managed) -> dict[int, list[PartyMember]]:
    """The members of each of these communities; a few made where there are none."""
    managed = list(managed)
    members: dict[int, list[PartyMember]] = {c: [] for c in managed}
    for member in s.scalars(select(PartyMember).where(PartyMember.community_id.in_(managed))
                            .order_by(PartyMember.id)):
        members[member.community_id].append(member)
    for community_id, people in members.items():
        if people:
            continue
        for n in range(rng.randint(4, 9)):
            in_service = rng.random() < 0.35
            people.append(PartyMember(name=names.person(rng), community_id=community_id, formal=rng.random() < 0.9,
                                      directly_managed=not in_service,
                                      home_organisation=rng.choice(EMPLOYERS) if in_service else None,
                                      building_head=n == 0))
        s.add_all(people)
    s.flush()
    return members


def _activities(s, rng, community_id, people, window, turnout, since: dt.date) -> None:
    # Some members never come, whatever is on: they are the gap the participation rate shows.
    active = [m for m in people if rng.random() < turnout + 0.2]
    for year, month in window.months():
        first = max(since, dt.date(year, month, 1))
        last = min(window.end, (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)))
        if first > last:
            continue
        kinds = [ActivityKind.THEME_DAY] if rng.random() < turnout + 0.3 else []
        if month % 3 == 0:
            kinds.append(ActivityKind.PARTY_LECTURE)
        if rng.random() < 0.5:
            kinds.append(rng.choice([ActivityKind.VOLUNTEER, ActivityKind.VOLUNTEER, ActivityKind.SERVICE_DAY,
                                     ActivityKind.RED_FAMILY, ActivityKind.GROUP_MEETING]))
        for kind in kinds:
            held_on = dt.date(year, month, rng.randint(first.day, last.day))
            taking_part = [m for m in active if rng.random() < 0.5]
            volunteers = [names.person(rng) for _ in range(rng.randint(0, 3))] if kind in (
                ActivityKind.VOLUNTEER, ActivityKind.SERVICE_DAY) else []
            if not taking_part and not volunteers:
                continue
            activity = Activity(community_id=community_id, held_on=held_on, kind=kind,
                                title=rng.choice(TITLES[kind]), place="小区党群服务站")
            s.add(activity)
            s.flush()
            s.add_all(ActivityParticipant(activity_id=activity.id, member_id=m.id, name=m.name,
                                          minutes=rng.choice([60, 90, 120, 180])) for m in taking_part)
            s.add_all(ActivityParticipant(activity_id=activity.id, name=name, minutes=rng.choice([60, 120]))
                      for name in dict.fromkeys(volunteers))


def _reports(s, rng, people, today) -> None:
    for member in people:
        if member.directly_managed or rng.random() < 0.15:   # a few in-service members have not reported yet
            continue
        s.add(ServiceReport(member_id=member.id, reported_on=today - dt.timedelta(days=rng.randint(30, 600)),
                            claimed_items=rng.sample(SERVICE_ITEMS, rng.randint(1, 3))))


def _negative(s, rng, members, today, *, reported: bool) -> None:
    people = [m for group in members.values() for m in group]
    if len(people) < 2:
        return
    first, second = rng.sample(people, 2)
    s.add(NegativeRecord(member_id=first.id, occurred_on=today - dt.timedelta(days=70), description="楼道堆放杂物，占用消防通道",
                         rectify_by=today - dt.timedelta(days=55), rectified_on=today - dt.timedelta(days=58)))
    s.add(NegativeRecord(member_id=second.id, occurred_on=today - dt.timedelta(days=50),
                         description="违规饲养犬只，多次劝导未改", rectify_by=today - dt.timedelta(days=20),
                         reported_on=today - dt.timedelta(days=12) if reported else None))


def add_scale_records(session: Session, rng: random.Random, company_id: int, community_ids: list[int],
                      today: dt.date) -> int:
    """Bulk activities for the scale generator (inside the company's scope): five members per
    community when it has none, one activity a month with three of them.  Returns activities made."""
    have = set(session.scalars(select(PartyMember.community_id).where(PartyMember.community_id.in_(community_ids))))
    new = [dict(tenant_id=company_id, community_id=c, name=names.person(rng), formal=True, directly_managed=n < 4,
                home_organisation=None if n < 4 else rng.choice(EMPLOYERS), building_head=False)
           for c in community_ids if c not in have for n in range(5)]
    if new:
        write_rows(session, PartyMember, new)
    members: dict[int, list[tuple[int, str]]] = {}
    for member_id, community_id, name in session.execute(
            select(PartyMember.id, PartyMember.community_id, PartyMember.name)
            .where(PartyMember.community_id.in_(community_ids))):
        members.setdefault(community_id, []).append((member_id, name))
    rows = []
    for community_id in community_ids:
        for year, month in Window.months_ending(today).months():
            day = dt.date(year, month, 1 if (year, month) == (today.year, today.month) else rng.randint(1, 28))
            rows.append(dict(tenant_id=company_id, community_id=community_id, held_on=day, kind=ActivityKind.THEME_DAY,
                             title=rng.choice(TITLES[ActivityKind.THEME_DAY]), place="小区党群服务站"))
    if not rows:
        return 0
    ids = insert_rows(session, Activity, rows, ordered=True)
    write_rows(session, ActivityParticipant, [
        dict(tenant_id=company_id, activity_id=activity_id, member_id=member_id, name=name, minutes=120)
        for activity_id, row in zip(ids, rows)
        for member_id, name in rng.sample(members.get(row["community_id"], []),
                                          min(3, len(members.get(row["community_id"], []))))])
    return len(ids)
