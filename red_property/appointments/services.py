"""Keeping people and posts; every rule a user could break is refused here, on its field.

Rules (each an ``InputError`` in Chinese on the field at fault):

- the role belongs to the body; the procedure is the one the law requires;
- an owners' committee post only where the bureau's register has the committee
  (``has_committee``, the answer the public page gives): the bureau registers it first;
- a term ends after it starts, and no later than the body's legal maximum;
- the election or appointment happens no later than the term starts;
- a branch seat is held by a formal party member, in a branch covering the
  person's community;
- one person holds one role per body at a time (per branch for branch seats),
  and never the same post twice over the same days;
- a secretary per branch, a chair and a project manager per community, at a time;
- a part-time branch member (兼职委员) holds a post in another body when the seat begins.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from red_property.appointments.models import (BODY_NAMES, MAX_TERM_YEARS, PROCEDURES, ROLE_NAMES, ROLES,
                                              SOLE_HOLDER, Body, Person, Post, PostRole, Procedure)
from red_property.communities.services import has_committee, managed_now
from red_property.core.errors import InputError
from red_property.core.files import store_file
from red_property.party.models import Level, OrganisationCommunity, PartyMember, PartyOrganisation

COMMITTEE_LEVELS = (Level.COMMUNITY, Level.JOINT, Level.GRID)   # the levels that elect a committee
NO_COMMITTEE = ("住建局的小区登记簿中本小区没有业主委员会（公示页也显示尚未成立）："
                "须由住建局先在登记簿中登记业委会，才能登记其成员")
OTHER_BODIES = (Body.OWNERS_COMMITTEE, Body.PROJECT_OFFICE, Body.RESIDENTS_COMMITTEE)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def post_name(body: Body, role: PostRole) -> str:
    return BODY_NAMES[body] + ROLE_NAMES[role]


def _period(start: dt.date, last: dt.date | None) -> str:
    return f"{start} 至 {last or '今'}"


def create_person(session: Session, data: dict, *, today: dt.date) -> Person:
    """Someone who holds posts in one of the company's communities; linked to the roll when a party member."""
    if not managed_now(session, data["community_id"], today):
        raise InputError("community_id", "不是本企业当前在管的小区")
    name = (data.get("name") or "").strip()
    if not name:
        raise InputError("name", "请填写姓名")
    member_id = data.get("party_member_id")
    if member_id is not None:
        if session.get(PartyMember, member_id) is None:
            raise InputError("party_member_id", "党员名册中没有这名党员")
        taken = session.scalar(select(Person.name).where(Person.community_id == data["community_id"],
                                                         Person.party_member_id == member_id))
        if taken is not None:
            raise InputError("party_member_id", f"这名党员已登记为本小区的任职人员“{taken}”")
    person = Person(community_id=data["community_id"], name=name, phone=(data.get("phone") or None),
                    party_member_id=member_id)
    session.add(person)
    session.commit()
    return person


def create_post(session: Session, data: dict, *, today: dt.date,
                record: tuple[str, bytes] | None = None) -> Post:
    """A post with its term and procedure, after every rule above; ``record`` is (file name, bytes)."""
    person = session.get(Person, data["person_id"])
    if person is None:
        raise InputError("person_id", "没有这名任职人员")
    if not managed_now(session, person.community_id, today):
        raise InputError("person_id", "此人所在小区不是本企业当前在管的小区")
    body, role = Body(data["body"]), PostRole(data["role"])
    if role not in ROLES[body]:
        choices = "、".join(ROLE_NAMES[r] for r in ROLES[body])
        raise InputError("role", f"{BODY_NAMES[body]}的职务只有：{choices}")
    if body == Body.OWNERS_COMMITTEE and not has_committee(session, person.community_id):
        raise InputError("body", NO_COMMITTEE)
    start, end = data["term_start"], data.get("term_end")
    _check_term(body, start, end)
    procedure = Procedure(data["procedure"])
    if procedure not in PROCEDURES[body]:
        required = "选举" if PROCEDURES[body][0] == Procedure.ELECTION else "任命"
        raise InputError("procedure", f"{BODY_NAMES[body]}成员应经{required}产生")
    if data["procedure_on"] > start:
        raise InputError("procedure_on", "选举或任命日期不能晚于任期开始日期")
    organisation_id = _check_branch(session, person, body, data.get("organisation_id"))
    post = Post(person_id=person.id, body=body, role=role, organisation_id=organisation_id, term_start=start,
                term_end=end, procedure=procedure, procedure_on=data["procedure_on"])
    _check_overlaps(session, person, post)
    if role == PostRole.PART_TIME_MEMBER:
        _check_part_time(session, person, start)
    if record is not None:
        post.record_file_id = store_file(session, purpose="appointment_record", filename=record[0],
                                         data=record[1], field="record").id
    session.add(post)
    session.commit()
    return post


def _check_term(body: Body, start: dt.date, end: dt.date | None) -> None:
    if end is None:
        if body in MAX_TERM_YEARS:
            raise InputError("term_end", f"{BODY_NAMES[body]}的任期需填写届满日期")
        return
    if end <= start:
        raise InputError("term_end", "任期届满日期应晚于开始日期")
    limit = MAX_TERM_YEARS.get(body)
    if limit and end > add_years(start, limit):
        raise InputError("term_end",
                         f"{BODY_NAMES[body]}每届任期最长 {limit} 年：自 {start} 起最晚至 {add_years(start, limit)}")


def _check_branch(session: Session, person: Person, body: Body, organisation_id: int | None) -> int | None:
    if body != Body.PARTY_BRANCH:
        if organisation_id is not None:
            raise InputError("organisation_id", "只有党支部委员会的职务需要选择党组织")
        return None
    organisation = session.get(PartyOrganisation, organisation_id) if organisation_id else None
    if organisation is None or organisation.level not in COMMITTEE_LEVELS:
        raise InputError("organisation_id", "请选择设支部委员会的党组织（小区党支部、联合党支部或网格党支部）")
    covers = session.scalar(select(OrganisationCommunity.id).where(
        OrganisationCommunity.organisation_id == organisation.id,
        OrganisationCommunity.community_id == person.community_id))
    if covers is None:
        raise InputError("organisation_id", f"{organisation.name}不覆盖{person.name}所在的小区")
    member = session.get(PartyMember, person.party_member_id) if person.party_member_id else None
    if member is None:
        raise InputError("person_id", f"支部委员须是党员：请先把{person.name}关联到党员名册")
    if not member.formal:
        raise InputError("person_id", f"{person.name}是预备党员，没有被选举权，不能担任支部委员")
    return organisation.id


def _check_overlaps(session: Session, person: Person, post: Post) -> None:
    """Same person in the same body, and one-holder posts held by someone else: one query each."""
    overlapping = Post.overlapping(post.term_start, post.last_day)
    same_body = select(Post).where(Post.person_id == person.id, Post.body == post.body, overlapping)
    if post.body == Body.PARTY_BRANCH:
        same_body = same_body.where(Post.organisation_id == post.organisation_id)
    for other in session.scalars(same_body.order_by(Post.term_start).limit(1)):
        if other.role == post.role:
            raise InputError("term_start", f"{person.name}已担任{post_name(post.body, post.role)}"
                                           f"（{_period(other.term_start, other.last_day)}），任期不能重叠")
        raise InputError("role", f"{person.name}在同一时间已担任{post_name(other.body, other.role)}"
                                 f"（{_period(other.term_start, other.last_day)}），同一机构只能担任一个职务")
    if (post.body, post.role) not in SOLE_HOLDER:
        return
    holders = (select(Post, Person.name)
               .join(Person, and_(Person.id == Post.person_id, Person.tenant_id == Post.tenant_id))
               .where(Post.body == post.body, Post.role == post.role, Post.person_id != person.id, overlapping))
    if post.body == Body.PARTY_BRANCH:
        holders = holders.where(Post.organisation_id == post.organisation_id)
    else:
        holders = holders.where(Person.community_id == person.community_id)
    for other, name in session.execute(holders.order_by(Post.term_start).limit(1)):
        where = "该支部" if post.body == Body.PARTY_BRANCH else "本小区"
        raise InputError("role", f"{where}同一时间只能有一位{post_name(post.body, post.role)}：{name}"
                                 f"的任期为 {_period(other.term_start, other.last_day)}，请先结束其任期")


def _check_part_time(session: Session, person: Person, start: dt.date) -> None:
    elsewhere = session.scalar(select(Post.id).where(Post.person_id == person.id, Post.body.in_(OTHER_BODIES),
                                                     Post.in_office_on(start)).limit(1))
    if elsewhere is None:
        raise InputError("role", f"兼职委员应来自业委会、物业项目部或居委会：{person.name}在 {start} 没有在这些机构任职，"
                                 "请先登记其在其他机构的职务")


def end_post(session: Session, post: Post, *, ended_on: dt.date, reason: str) -> Post:
    """End a term early (resignation, removal, re-election): the last day in office and why."""
    if post.ended_on is not None:
        raise InputError("ended_on", f"该任期已于 {post.ended_on} 结束")
    if ended_on < post.term_start:
        raise InputError("ended_on", f"结束日期不能早于任期开始日期 {post.term_start}")
    if post.term_end is not None and ended_on > post.term_end:
        raise InputError("ended_on", f"该任期本就于 {post.term_end} 届满，无需提前结束")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InputError("reason", "请写明结束原因（如辞职、罢免、换届）")
    post.ended_on, post.end_reason = ended_on, reason[:200]
    session.commit()
    return post


def attach_record(session: Session, post: Post, *, filename: str, data: bytes) -> Post:
    """Keep the election minutes or letter of appointment of a post (replaces an earlier one)."""
    post.record_file_id = store_file(session, purpose="appointment_record", filename=filename, data=data,
                                     field="file").id
    session.commit()
    return post


@dataclass
class PersonPosts:
    person: Person
    member: PartyMember | None
    posts: list[tuple[Post, str | None]] = field(default_factory=list)   # (post, branch name)


def people_of(session: Session, community_id: int) -> list[PersonPosts]:
    """A community's people with their party membership and every post, newest first: two queries."""
    rows = session.execute(
        select(Person, PartyMember)
        .outerjoin(PartyMember, and_(PartyMember.id == Person.party_member_id,
                                     PartyMember.tenant_id == Person.tenant_id))
        .where(Person.community_id == community_id).order_by(Person.name, Person.id)).all()
    people = {person.id: PersonPosts(person, member) for person, member in rows}
    if people:
        for post, branch in session.execute(
                select(Post, PartyOrganisation.name)
                .outerjoin(PartyOrganisation, and_(PartyOrganisation.id == Post.organisation_id,
                                                   PartyOrganisation.tenant_id == Post.tenant_id))
                .where(Post.person_id.in_(list(people))).order_by(Post.term_start.desc(), Post.id)):
            people[post.person_id].posts.append((post, branch))
    return list(people.values())
