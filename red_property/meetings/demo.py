"""Demo joint meetings: twelve months per managed community, with realistic gaps.

How often a company meets follows its quality (the better companies rarely
miss a month); some meetings lack the owners' committee; one community of the
weakest company never meets; most decisions are done, some are overdue; one
major matter sits on an agenda without the branch's pre-review.  Rows are built
directly (one commit per company) but obey every rule the services check.
"""
from __future__ import annotations

import calendar as cal
import datetime as dt
import random

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from red_property.core.bulk import insert_rows, write_rows
from red_property.communities.models import ManagementContract
from red_property.compliance.sources import Window
from red_property.core.tenancy import tenant_scope
from red_property.demo import names
from red_property.meetings.models import (REQUIRED_PARTIES, AgendaItem, AttendeeParty, ItemProgress, JointMeeting,
                                          MatterCategory, MeetingAttendee, MeetingKind, ReviewOpinion)
from red_property.party.models import Level, OrganisationCommunity, PartyOrganisation
from red_property.tenants.models import Tenant, TenantKind

# Share of months each company holds its monthly meeting, by slug.
RELIABILITY = {"company-1": 0.96, "company-2": 0.8, "company-3": 0.9, "company-4": 0.6, "company-5": 0.75,
               "company-6": 0.45}
NEVER_MEETS = "company-6"          # its first community never holds a joint meeting
UNREVIEWED = "company-4"           # its first community has a major matter without pre-review
ROUTINE = ["小区环境卫生整治", "楼道堆物清理", "停车秩序管理", "夏季防汛准备", "消防通道清理", "绿化补植",
           "物业费收缴情况通报", "老旧监控更换", "快递柜摆放位置", "文明养犬宣传"]
MAJOR = [("使用专项维修资金更换二次供水水泵", MatterCategory.MAINTENANCE_FUND),
         ("屋面防水改造方案", MatterCategory.RENOVATION), ("加装电梯意见征集", MatterCategory.ELEVATOR),
         ("垃圾分类投放点改造", MatterCategory.GARBAGE_SORTING), ("广告位收益使用方案", MatterCategory.PUBLIC_INCOME),
         ("车位租赁纠纷调解", MatterCategory.DISPUTE), ("物业服务合同续签评议", MatterCategory.COMPANY_SELECTION)]
PROGRESS = ["已制定实施方案", "已完成询价", "正在施工", "已张贴公示", "已与业主沟通", "材料已到货"]
POSTS = {AttendeeParty.BRANCH: "党支部书记", AttendeeParty.OWNERS_COMMITTEE: "业委会主任",
         AttendeeParty.COMPANY: "项目经理", AttendeeParty.RESIDENTS_COMMITTEE: "居委会主任"}


def add_demo_records(session: Session, rng: random.Random, tenants: dict[str, Tenant], today: dt.date) -> None:
    window = Window.months_ending(today)
    for company in sorted((t for t in tenants.values() if t.kind == TenantKind.COMPANY), key=lambda t: t.slug):
        with tenant_scope(session, company.id) as s:
            _company(s, rng, company, window, today)
            s.commit()


def _company(s: Session, rng: random.Random, company: Tenant, window: Window, today: dt.date) -> None:
    contracts: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for community_id, start, end in s.execute(
            select(ManagementContract.community_id, ManagementContract.starts_on, ManagementContract.ends_on)
            .where(ManagementContract.company_tenant_id == company.id, ManagementContract.starts_on <= today,
                   or_(ManagementContract.ends_on.is_(None), ManagementContract.ends_on >= window.start))
            .order_by(ManagementContract.community_id)):
        contracts.setdefault(community_id, []).append((start, end))
    branches = dict(s.execute(
        select(OrganisationCommunity.community_id, PartyOrganisation.id)
        .join(PartyOrganisation, PartyOrganisation.id == OrganisationCommunity.organisation_id)
        .where(PartyOrganisation.level.in_((Level.COMMUNITY, Level.JOINT)))).all())
    reliability = RELIABILITY.get(company.slug, 0.8)
    for n, (community_id, periods) in enumerate(sorted(contracts.items())):
        if company.slug == NEVER_MEETS and n == 0:
            continue
        cast = {party: names.person(rng) for party in POSTS}
        place = rng.choice(["小区党群服务站", "物业服务中心会议室", "社区议事厅", "小区红色驿站"])
        held = []
        for year, month in window.months():
            days = [d for d in range(3, cal.monthrange(year, month)[1] - 2)
                    if _managed(periods, dt.date(year, month, d)) and dt.date(year, month, d) <= today]
            if not days or rng.random() > reliability:
                continue
            held.append(_meeting(s, rng, community_id, rng.choice(days), year, month, MeetingKind.MONTHLY, cast,
                                 place, branches.get(community_id), today))
            if rng.random() < 0.08:
                day = rng.choice(days)
                held.append(_meeting(s, rng, community_id, day, year, month, MeetingKind.AD_HOC, cast, place,
                                     branches.get(community_id), today))
        if company.slug == UNREVIEWED and n == 0 and held:
            # put to the meeting without going through the branch first: flagged, no decision possible
            last = max(held, key=lambda m: m.held_on)
            position = s.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == last.id))
            s.add(AgendaItem(meeting_id=last.id, position=position + 1, title="4 栋加装电梯方案",
                             category=MatterCategory.ELEVATOR))


def _managed(periods, day: dt.date) -> bool:
    return any(start <= day and (end is None or day <= end) for start, end in periods)


def _meeting(s, rng, community_id, day, year, month, kind, cast, place, branch_id, today) -> JointMeeting:
    held_on = dt.date(year, month, day)
    parties = list(POSTS) if rng.random() < 0.6 else [p for p in POSTS if p != AttendeeParty.RESIDENTS_COMMITTEE]
    if rng.random() < 0.1:
        parties.remove(AttendeeParty.OWNERS_COMMITTEE)   # the committee did not come
    meeting = JointMeeting(community_id=community_id, held_on=held_on, kind=kind, place=place,
                           monthly_period=year * 100 + month if kind == MeetingKind.MONTHLY else None,
                           organisation_id=branch_id, parties_complete=REQUIRED_PARTIES <= set(parties))
    s.add(meeting)
    s.flush()
    s.add_all(MeetingAttendee(meeting_id=meeting.id, party=p, name=cast[p], post=POSTS[p]) for p in parties)
    topics = ([rng.choice(MAJOR)] if kind == MeetingKind.AD_HOC or rng.random() < 0.35 else []) + [
        (title, MatterCategory.OTHER) for title in rng.sample(ROUTINE, rng.randint(1, 2))]
    for position, (title, category) in enumerate(topics, start=1):
        _item(s, rng, meeting, position, title, category, cast, today)
    return meeting


def _item(s, rng, meeting, position, title, category, cast, today) -> None:
    item = AgendaItem(meeting_id=meeting.id, position=position, title=title, category=category)
    if category.major:
        item.reviewed_on = meeting.held_on - dt.timedelta(days=rng.randint(2, 7))
        item.review_opinion = ReviewOpinion.AMENDED if rng.random() < 0.2 else ReviewOpinion.AGREED
        item.review_note = "请充分征求业主意见后实施" if item.review_opinion == ReviewOpinion.AMENDED else None
    if rng.random() < 0.85:
        item.decision = rng.choice(["由物业牵头落实，完成后向三方通报", "业委会组织业主表决后实施", "三方共同督办，按期公示结果"])
        item.responsible = cast[rng.choice([AttendeeParty.COMPANY, AttendeeParty.COMPANY, AttendeeParty.OWNERS_COMMITTEE])]
        item.due_on = meeting.held_on + dt.timedelta(days=rng.choice([7, 15, 30, 45, 60]))
        finish = min(item.due_on + dt.timedelta(days=rng.randint(-5, 10)), today)
        if finish >= meeting.held_on and rng.random() < (0.85 if item.due_on < today else 0.3):
            item.done_on = finish
    s.add(item)
    if item.decision is not None:
        s.flush()
        middle = meeting.held_on + (min(item.due_on, today) - meeting.held_on) / 2
        if meeting.held_on < middle <= (item.done_on or today) and rng.random() < 0.7:
            s.add(ItemProgress(item_id=item.id, noted_on=middle, note=rng.choice(PROGRESS)))


def add_scale_records(session: Session, rng: random.Random, company_id: int, community_ids: list[int],
                      today: dt.date) -> int:
    """Bulk meetings for the scale generator (inside the company's scope): twelve months per
    community, about one in six missed, three parties and one decided item each.  Returns meetings made."""
    rows = []
    for community_id in community_ids:
        for year, month in Window.months_ending(today).months():
            day = dt.date(year, month, min(rng.randint(3, 26), today.day) if (year, month) == (today.year, today.month)
                          else rng.randint(3, 26))
            if rng.random() < 0.84 and day <= today:
                rows.append(dict(tenant_id=company_id, community_id=community_id, held_on=day,
                                 kind=MeetingKind.MONTHLY, monthly_period=year * 100 + month, place="小区党群服务站",
                                 parties_complete=True))
    if not rows:
        return 0
    ids = insert_rows(session, JointMeeting, rows, ordered=True)
    write_rows(session, MeetingAttendee, [
        dict(tenant_id=company_id, meeting_id=meeting_id, party=party, name=names.person(rng), post=POSTS[party])
        for meeting_id in ids for party in REQUIRED_PARTIES])
    write_rows(session, AgendaItem, [
        dict(tenant_id=company_id, meeting_id=meeting_id, position=1, title=rng.choice(ROUTINE),
             category=MatterCategory.OTHER, decision="由物业牵头落实", responsible=names.person(rng),
             due_on=row["held_on"] + dt.timedelta(days=30),
             done_on=row["held_on"] + dt.timedelta(days=20) if row["held_on"] + dt.timedelta(days=20) <= today else None)
        for meeting_id, row in zip(ids, rows)])
    return len(ids)
