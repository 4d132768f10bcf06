"""Demo and scale demands: twelve months per community, inserted in bulk per company.

The mix is what a property company sees: mostly repairs and sanitation
(about 70% by service, 20% by management, 10% by joint law enforcement),
phone calls and walk-ins first, a few 12345 hotline tickets, most demands
resolved on time by better companies, some late or closed unresolved, a few
still open past their due time, ratings skewed positive, and one community
with far more complaints than the rest.  Deterministic for a given ``rng``.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.core.bulk import insert_rows, write_rows
from red_property.accounts.models import Role, User
from red_property.communities.models import Community, ManagementContract
from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.demands import services
from red_property.demands.models import (DEFAULTS, Category, Demand, DemandEvent, EventKind, Mediation, Route, Source,
                                         Status)
from red_property.demo import names

H = dt.timedelta(hours=1)
DAY_HOURS = [1, 1, 0, 0, 0, 1, 2, 6, 10, 12, 11, 9, 7, 8, 9, 10, 9, 9, 10, 11, 9, 6, 3, 2]
CATEGORY_WEIGHTS = {  # service 70, management 20, enforcement 8 (+ overrides: about 10)
    Category.URGENT_REPAIR: 8, Category.REPAIR: 26, Category.ELEVATOR: 6, Category.SANITATION: 15,
    Category.GREENING: 8, Category.OTHER: 7, Category.SECURITY: 5, Category.PARKING: 6, Category.NOISE: 4,
    Category.FEES: 3, Category.DISPUTE: 2, Category.VIOLATION: 8}
HOT_WEIGHTS = {**CATEGORY_WEIGHTS, Category.NOISE: 14, Category.PARKING: 14, Category.DISPUTE: 6,
               Category.SANITATION: 22}
SOURCE_WEIGHTS = {Source.PHONE: 34, Source.WALK_IN: 22, Source.PUBLIC_PAGE: 14, Source.HOTLINE: 8,
                  Source.NIGHT_TALK: 12, Source.YARD_MEETING: 10}
WHAT = {
    Category.URGENT_REPAIR: ["{b}{u}单元突然停水，家里没水用", "{b}地下室水管爆裂，积水漫到车库", "{b}{u}单元整栋停电"],
    Category.REPAIR: ["{b}{u}单元楼道灯不亮", "{b}单元门门禁坏了，刷卡打不开", "{b}屋面渗水，顶楼住户天花板发霉",
                      "{b}{u}单元外墙瓷砖松动有脱落风险"],
    Category.ELEVATOR: ["{b}{u}单元电梯停在半层不动", "{b}电梯运行时异响，老人不敢坐"],
    Category.SANITATION: ["{b}门口垃圾桶满了两天没清运", "地下车库积水有异味", "{b}楼道堆放杂物，无人清理"],
    Category.GREENING: ["中庭树木枝叶遮挡{b}低层住户采光", "{b}旁草坪被踩秃，请补种"],
    Category.SECURITY: ["{b}消防通道被电动车堵住", "夜间有陌生人在{b}附近徘徊", "{b}楼道里有人给电动车充电"],
    Category.PARKING: ["我的车位被外来车辆长期占用", "小区门口乱停车，早上出不去", "地面车位划线不清，经常剐蹭"],
    Category.NOISE: ["{b}{u}单元楼上装修周末早上七点就开始", "广场舞音响到晚上十点还很大声", "底商空调外机噪音吵得睡不着"],
    Category.FEES: ["物业费账单多算了车位费", "公共水电分摊金额看不明白，要求公示"],
    Category.DISPUTE: ["楼上漏水殃及楼下，两户协商不成", "邻居在公共走道堆放鞋柜，劝说无效", "楼上养狗夜间吠叫，邻里争执"],
    Category.VIOLATION: ["{b}顶楼有住户私自加盖阳光房", "一楼住户把绿地圈成自家菜园", "底商占用消防通道摆摊"],
    Category.OTHER: ["希望小区增设快递柜", "建议在{b}门口加装无障碍坡道"],
}
HANDLERS = {
    Category.URGENT_REPAIR: "工程部水电班", Category.REPAIR: "工程部维修班", Category.ELEVATOR: "电梯维保单位",
    Category.SANITATION: "保洁班", Category.GREENING: "绿化班", Category.OTHER: "客服中心",
    Category.SECURITY: "秩序维护部", Category.PARKING: "秩序维护部", Category.NOISE: "客服中心",
    Category.FEES: "客服中心", Category.DISPUTE: "小区党支部调解室",
}
RESOLUTIONS = ["已派人处理，现场恢复正常", "已维修完毕并回访住户", "已清理完毕", "已协调相关住户整改到位",
               "已按规定处理并公示"]
UNRESOLVED = ["需业主大会表决使用维修资金，已提交业委会", "属于市政管网，已转自来水公司", "当事人拒绝配合，已告知可依法维权"]
COMMENTS = {5: ["师傅很负责", "处理及时，满意", "态度很好"], 4: ["处理得还可以", "速度可以再快一点"],
            3: ["拖了好几天"], 2: ["来了一次就没下文了"], 1: ["根本没解决", "打了好几次电话才来"]}


@dataclass
class Planned:
    row: dict
    events: list[dict] = field(default_factory=list)
    mediations: list[dict] = field(default_factory=list)


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def plan_demands(rng: random.Random, *, tenant_id: int, community_id: int, street: str, start: dt.datetime,
                 end: dt.datetime, count: int, on_time: float, hot: bool = False, ticket_seq: list | None = None,
                 limits: dict[Category, int] | None = None) -> list[Planned]:
    """``count`` demands received between ``start`` and ``end`` (UTC); ``end`` is "now" for their outcome.

    ``on_time`` is the company's chance of resolving a demand within its limit.
    """
    ticket_seq = ticket_seq if ticket_seq is not None else [0]
    out = []
    span = (end - start).total_seconds()
    days = max(1, int(span // 86400))
    for _ in range(count):
        # a day in the span, at a local time when residents call or come by (mostly 8:00-21:00)
        hour = rng.choices(range(24), weights=DAY_HOURS)[0]
        received = clock.day_start(clock.local_date(start) + dt.timedelta(days=rng.randrange(days))) + dt.timedelta(
            hours=hour, minutes=rng.choice((0, 10, 20, 30, 40, 50)))
        if not start <= received < end:
            received = end - rng.uniform(2, 10) * H
        category = _pick(rng, HOT_WEIGHTS if hot else CATEGORY_WEIGHTS)
        source = _pick(rng, SOURCE_WEIGHTS)
        hours = (limits or {}).get(category, DEFAULTS[category].hours)
        due = received + hours * H
        route, reason = DEFAULTS[category].route, None
        if category in (Category.PARKING, Category.NOISE) and rng.random() < 0.25:
            route, reason = Route.ENFORCEMENT, "屡劝不改，需综合执法介入"
        handler = f"{street}综合执法站" if route == Route.ENFORCEMENT else HANDLERS[category]
        ticket = None
        if source == Source.HOTLINE:
            ticket_seq[0] += 1
            ticket = f"{received:%Y%m%d}{ticket_seq[0] % 100000:05d}"
        text = rng.choice(WHAT[category]).format(b=f"{rng.randint(1, 12)}栋", u=rng.randint(1, 3))
        row = dict(tenant_id=tenant_id, community_id=community_id, source=source, hotline_ticket=ticket,
                   category=category, description=text, received_at=received, due_at=due, route=route,
                   route_reason=reason, handler=None, assignee_id=None, status=Status.RECEIVED, resolution=None, closed_at=None,
                   informed_at=None, rating=None, rating_comment=None, rated_at=None, overdue_at=None,
                   contact_name=None if source == Source.HOTLINE else names.person(rng),
                   contact_phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}", created_at=received, version=1,
                   location=None, building_id=None, household_id=None, created_by=None)
        plan = Planned(row, [dict(kind=EventKind.RECEIVED, at=received, to_status=Status.RECEIVED)])
        _outcome(rng, plan, end, on_time * (0.75 if hot else 1), handler)
        out.append(plan)
    return out


def _outcome(rng: random.Random, plan: Planned, now: dt.datetime, on_time: float, handler: str) -> None:
    row, events = plan.row, plan.events
    received, due = row["received_at"], row["due_at"]
    routed = received + rng.uniform(0.2, 3) * H
    if routed >= now or (rng.random() < 0.01 and received > now - 60 * 24 * H):
        return  # not routed yet: waiting (and, once past due, flagged by the overdue check)
    row.update(status=Status.IN_PROGRESS, handler=handler)
    events.append(dict(kind=EventKind.ROUTED, at=routed, from_status=Status.RECEIVED, to_status=Status.IN_PROGRESS,
                       route=row["route"],
                       note=handler + (f"（理由：{row['route_reason']}）" if row["route_reason"] else "")))
    limit = due - received
    late = rng.random() > on_time
    closed = received + limit * (rng.uniform(1.05, 2.5) if late else rng.uniform(0.15, 0.95))
    if closed >= now or rng.random() < 0.015:
        return  # still being handled (some long past due: they show as overdue)
    if rng.random() < 0.3:
        events.append(dict(kind=EventKind.PROGRESS, at=routed + (closed - routed) / 2, note="已上门查看，正在处理"))
    unresolved = rng.random() < (0.03 if not late else 0.15)
    if row["category"] == Category.DISPUTE and not unresolved:
        held = routed + (closed - routed) * 0.7
        plan.mediations.append(dict(held_on=clock.local_date(held), mediator=rng.choice(["李书记", "王主任", "社区调解员张老师"]),
                                    parties="相关两户住户", agreed=True, summary="双方达成一致，签订调解协议",
                                    recorded_at=held))
        events.append(dict(kind=EventKind.MEDIATION, at=held, note="达成调解协议"))
    status = Status.UNRESOLVED if unresolved else Status.RESOLVED
    row.update(status=status, closed_at=closed,
               resolution=rng.choice(UNRESOLVED if unresolved else RESOLUTIONS))
    if closed > due:
        row["overdue_at"] = min(closed, due + rng.uniform(0.1, 1) * H)  # the hourly check saw it first
        events.append(dict(kind=EventKind.OVERDUE, at=row["overdue_at"]))
    events.append(dict(kind=EventKind.UNRESOLVED if unresolved else EventKind.RESOLVED, at=closed,
                       from_status=Status.IN_PROGRESS, to_status=status, note=row["resolution"]))
    informed = closed + rng.uniform(1, 30) * H
    if informed < now and rng.random() < 0.9:
        row["informed_at"] = informed
        events.append(dict(kind=EventKind.INFORMED, at=informed))
        if rng.random() < 0.7:
            stars = _stars(rng, unresolved, late)
            row.update(rating=stars, rating_comment=rng.choice(COMMENTS[stars]) if rng.random() < 0.5 else None,
                       rated_at=informed)
            events.append(dict(kind=EventKind.RATED, at=informed, note=f"{stars} 星"))


def _stars(rng: random.Random, unresolved: bool, late: bool) -> int:
    if unresolved:
        return rng.choices((1, 2, 3), weights=(4, 4, 2))[0]
    if late:
        return rng.choices((5, 4, 3, 2, 1), weights=(15, 30, 30, 15, 10))[0]
    return rng.choices((5, 4, 3, 2, 1), weights=(58, 30, 8, 3, 1))[0]


def insert_planned(session: Session, tenant_id: int, planned: list[Planned]) -> None:
    """Bulk-insert demands, their history and mediations in the session's (the company's) scope."""
    if not planned:
        return
    ids = insert_rows(session, Demand, [p.row for p in planned], ordered=True)
    events, mediations = [], []
    for demand_id, plan in zip(ids, planned, strict=True):
        for event in plan.events:
            events.append(dict(dict.fromkeys(("actor_id", "from_status", "to_status", "route", "category", "note")),
                               tenant_id=tenant_id, demand_id=demand_id, **event))
        mediations += [dict(tenant_id=tenant_id, demand_id=demand_id, recorded_by=None, **m) for m in plan.mediations]
    write_rows(session, DemandEvent, events)
    write_rows(session, Mediation, mediations)


def add_demo_records(session: Session, rng: random.Random, tenants: dict, today: dt.date) -> None:
    """Twelve months of demands for every demo company's current communities."""
    from red_property.rating.demo import QUALITY

    now = clock.day_start(today)  # the demo's "now": the start of today, Beijing time
    year_ago = clock.day_start(today - dt.timedelta(days=365))
    companies = sorted((t for t in tenants.values() if t.kind.value == "company"), key=lambda t: t.slug)
    hot = "company-4"   # its first community gets far more complaints than the rest
    for company in companies:
        quality = QUALITY.get(company.slug, 75)
        on_time = 0.55 + 0.4 * (quality - 58) / 32
        with tenant_scope(session, company.id) as s:
            rows = s.execute(
                select(Community.id, Community.street, Community.household_count, ManagementContract.starts_on)
                .join(ManagementContract, ManagementContract.community_id == Community.id)
                .where(ManagementContract.company_tenant_id == company.id, ManagementContract.ends_on.is_(None)
                       | (ManagementContract.ends_on >= today))
                .order_by(Community.id)).all()
            planned, seq = [], [0]
            for n, (community_id, street, households, starts_on) in enumerate(rows):
                start = max(year_ago, clock.day_start(starts_on))
                months = max(1, (now - start).days / 30.4)
                is_hot = company.slug == hot and n == 0
                per_month = max(2, households // 110) * (3 if is_hot else 1)
                planned += plan_demands(rng, tenant_id=company.id, community_id=community_id, street=street,
                                        start=start, end=now - H, count=round(per_month * months), on_time=on_time,
                                        hot=is_hot, ticket_seq=seq)
            staff = s.scalar(select(User.id).where(User.role != Role.READONLY)
                             .order_by(User.role == Role.ADMIN, User.id))  # a staff member, else the admin
            for plan in planned:
                if plan.row["source"] != Source.PUBLIC_PAGE:
                    plan.row["created_by"] = staff
                for event in plan.events:
                    if event["kind"] != EventKind.OVERDUE and not (
                            event["kind"] == EventKind.RECEIVED and plan.row["source"] == Source.PUBLIC_PAGE):
                        event["actor_id"] = staff
            _assign_some(s, company.slug, planned)
            insert_planned(s, company.id, planned)
            s.commit()
            services.flag_overdue(s, now=now)


def _assign_some(session: Session, slug: str, planned: list[Planned]) -> None:
    """Assign about a third of the routed service demands to a colleague (the staff, else the admin), the
    team staying their handler, so the lists show assignees and 我的 has something in it.  Its own random
    stream: the demo's other numbers stay as they were."""
    users = session.execute(select(User.id, User.name, User.role).where(User.role != Role.READONLY, User.active)
                            .order_by(User.id)).all()
    staff = [(i, name) for i, name, role in users if role == Role.STAFF] or [(i, name) for i, name, _r in users]
    if not staff:
        return
    rng = random.Random(f"demand-assignees-{slug}")
    for plan in planned:
        row = plan.row
        if row["status"] == Status.RECEIVED or row["route"] != Route.SERVICE or rng.random() >= 0.35:
            continue
        user_id, name = rng.choice(staff)
        row["assignee_id"] = user_id
        for event in plan.events:
            if event["kind"] == EventKind.ROUTED:
                event["note"] = f"{name}（{event['note']}）"


def add_scale_records(session: Session, rng: random.Random, company_id: int,
                      communities: list[tuple[int, str]], today: dt.date, per_community: int = 12) -> int:
    """``per_community`` demands over the last year for each (community id, street); in the company's scope."""
    now = clock.day_start(today)
    planned, seq = [], [0]  # hotline ticket numbers are unique per company: one sequence for all its communities
    for community_id, street in communities:
        planned += plan_demands(rng, tenant_id=company_id, community_id=community_id, street=street,
                                start=now - 365 * 24 * H, end=now - H, count=per_community,
                                on_time=rng.uniform(0.6, 0.95), ticket_seq=seq)
    insert_planned(session, company_id, planned)
    return len(planned)
