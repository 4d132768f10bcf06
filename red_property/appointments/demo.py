"""Demo and scale people and posts: branch committees, owners' committees, project managers,
residents' committee directors, with their terms and election records.

Written after ``party.demo`` (it reads the branches and the roll).  The mix is
realistic: owners' committee members are recorded in the communities whose
register entry has a committee (and no other: ``communities.services.has_committee``),
some of them under 50% party members (company-3, company-4), a branch member chairs the owners' committee only at
some companies, company-5's project manager is a party member outside the
branch committee, company-6's first branch let its committee term expire, and
the weaker companies lack some election records.
"""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from red_property.core.bulk import insert_rows, write_rows
from red_property.appointments.models import Body, Person, Post, PostRole, Procedure
from red_property.appointments.services import add_years
from red_property.communities.models import ManagementContract
from red_property.communities.services import has_committee
from red_property.core.files import store_file
from red_property.core.tenancy import tenant_scope
from red_property.demo import names
from red_property.demo.samples import pdf
from red_property.party.models import Level, OrganisationCommunity, PartyMember, PartyOrganisation
from red_property.tenants.models import Tenant, TenantKind

LOW_SHARE = {"company-3", "company-4", "company-6"}
BRANCH_CHAIRS = {"company-1", "company-2", "company-5"}
MANAGER_IN_PARTY = {"company-1", "company-2", "company-3", "company-5"}
MANAGER_ON_BRANCH = {"company-1", "company-2", "company-3"}
EXPIRED = ("company-6", 0)
UNRECORDED = {"company-5": 0.3, "company-6": 0.5}   # share of posts without an election record


class _Writer:
    """Adds people and posts for one company, with records as the company keeps them."""

    def __init__(self, s: Session, rng: random.Random, slug: str, today: dt.date):
        self.s, self.rng, self.slug, self.today = s, rng, slug, today

    def person(self, community_id: int, name: str, member_id: int | None = None) -> Person:
        person = Person(community_id=community_id, name=name, party_member_id=member_id,
                        phone=f"13{self.rng.randint(100000000, 999999999)}")
        self.s.add(person)
        self.s.flush()
        return person

    def post(self, person: Person, body: Body, role: PostRole, start: dt.date, *, years: int | None = 5,
             organisation_id: int | None = None) -> Post:
        appointed = body == Body.PROJECT_OFFICE
        record = None
        if self.rng.random() >= UNRECORDED.get(self.slug, 0.05):
            title = f"{'Letter of appointment' if appointed else 'Election minutes'} {start:%Y-%m-%d}"
            record = store_file(self.s, purpose="appointment_record", filename=f"{'任命文件' if appointed else '选举结果'}"
                                f"-{person.name}.pdf", data=pdf(title)).id
        post = Post(person_id=person.id, body=body, role=role, organisation_id=organisation_id, term_start=start,
                    term_end=add_years(start, years) - dt.timedelta(days=1) if years else None,
                    procedure=Procedure.APPOINTMENT if appointed else Procedure.ELECTION,
                    procedure_on=start - dt.timedelta(days=self.rng.randint(0, 10)), record_file_id=record)
        self.s.add(post)
        return post


def add_demo_records(session: Session, rng: random.Random, tenants: dict[str, Tenant], today: dt.date) -> None:
    """People and posts in every demo company's communities (deterministic for a seed)."""
    for company in sorted((t for t in tenants.values() if t.kind == TenantKind.COMPANY), key=lambda t: t.slug):
        with tenant_scope(session, company.id) as s:
            w = _Writer(s, rng, company.slug, today)
            communities = list(s.scalars(select(ManagementContract.community_id).where(
                ManagementContract.starts_on <= today,
                (ManagementContract.ends_on.is_(None)) | (ManagementContract.ends_on >= today))
                .order_by(ManagementContract.community_id).distinct()))
            roll = _roll(s, communities)
            branches = _branches(s, communities)
            managers = {c: _manager(w, company, c) for c in communities}
            homes = {_home(branch, roll, branches) for branch in branches.values()}
            for j, community_id in enumerate(communities):
                seats = []
                branch = branches.get(community_id)
                if branch is not None and community_id in homes:
                    seats = _committee(w, (company.slug, j) == EXPIRED, community_id, branch, roll, managers)
                # members of the committee the bureau's register has, and of no other: the public
                # page says whether a community has a committee from the register (has_committee)
                if has_committee(s, community_id):
                    _owners_committee(w, community_id, roll[community_id], seats)
                director = seats[0] if seats and company.slug == "company-1" else w.person(community_id,
                                                                                            names.person(rng))
                w.post(director, Body.RESIDENTS_COMMITTEE, PostRole.DIRECTOR, today.replace(year=today.year - 2,
                                                                                            month=3, day=1))
            s.commit()


def _roll(s: Session, communities: list[int]) -> dict[int, list[tuple[int, str]]]:
    """Formal members of each community, directly managed first: (id, name)."""
    roll: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for member_id, name, community_id in s.execute(
            select(PartyMember.id, PartyMember.name, PartyMember.community_id)
            .where(PartyMember.community_id.in_(communities), PartyMember.formal)
            .order_by(PartyMember.community_id, PartyMember.directly_managed.desc(), PartyMember.id)):
        roll[community_id].append((member_id, name))
    return roll


def _branches(s: Session, communities: list[int]) -> dict[int, PartyOrganisation]:
    return {community_id: branch for community_id, branch in s.execute(
        select(OrganisationCommunity.community_id, PartyOrganisation)
        .join(PartyOrganisation, and_(PartyOrganisation.id == OrganisationCommunity.organisation_id,
                                      PartyOrganisation.tenant_id == OrganisationCommunity.tenant_id))
        .where(OrganisationCommunity.community_id.in_(communities),
               PartyOrganisation.level.in_((Level.COMMUNITY, Level.JOINT))))}


def _home(branch: PartyOrganisation, roll: dict, branches: dict) -> int:
    """The covered community a branch's committee comes from: the one with the most members."""
    covered = [c for c, b in branches.items() if b.id == branch.id]
    return max(covered, key=lambda c: (len(roll[c]), -c))


def _manager(w: _Writer, company: Tenant, community_id: int) -> tuple[Person, Post]:
    """The project manager: an in-service party member reporting here, at some companies."""
    name = names.person(w.rng)
    member_id = None
    if w.slug in MANAGER_IN_PARTY:
        member = PartyMember(name=name, community_id=community_id, formal=True, directly_managed=False,
                             home_organisation=f"{company.name}党支部",
                             reported_on=w.today - dt.timedelta(days=w.rng.randint(100, 900)))
        w.s.add(member)
        w.s.flush()
        member_id = member.id
    manager = w.person(community_id, name, member_id)
    return manager, w.post(manager, Body.PROJECT_OFFICE, PostRole.PROJECT_MANAGER,
                           w.today - dt.timedelta(days=w.rng.randint(200, 1200)), years=None)


def _committee(w: _Writer, expired: bool, community_id: int, branch: PartyOrganisation, roll: dict,
               managers: dict[int, tuple[Person, Post]]) -> list[Person]:
    """Secretary, deputy and members from the roll; the project manager as part-time member where he should be."""
    if expired:   # elected five years and two months ago: the term ran out and no election followed
        start = add_years(w.today, -5) - dt.timedelta(days=60)
    else:
        start = w.today - dt.timedelta(days=w.rng.randint(150, 1300))
    available = roll[community_id][:3]
    people = [w.person(community_id, name, member_id) for member_id, name in available]
    for person, role in zip(people, (PostRole.SECRETARY, PostRole.DEPUTY_SECRETARY, PostRole.COMMITTEE_MEMBER)):
        w.post(person, Body.PARTY_BRANCH, role, start, organisation_id=branch.id)
    manager, office = managers[community_id]
    if w.slug in MANAGER_ON_BRANCH and not expired:
        # a part-time seat needs the other post first: elected at the branch's election or after his appointment
        seat = w.post(manager, Body.PARTY_BRANCH, PostRole.PART_TIME_MEMBER, max(start, office.term_start),
                      organisation_id=branch.id)
        seat.term_end = add_years(start, 5) - dt.timedelta(days=1)   # a by-election fills the seat to the term's end
    roll[community_id] = roll[community_id][3:]   # the rest may sit on the owners' committee
    return people


def _owners_committee(w: _Writer, community_id: int, roll: list[tuple[int, str]], seats: list[Person]) -> None:
    size = w.rng.choice((5, 7))
    if w.slug in LOW_SHARE:
        party = max(1, size // 2 - w.rng.randint(0, 1))
    else:
        party = min(size, -(-size // 2) + w.rng.randint(0, 2))
    start = w.today.replace(year=w.today.year - w.rng.randint(1, 3), month=w.rng.choice((4, 5, 10)), day=8)
    chair_from_branch = w.slug in BRANCH_CHAIRS and seats
    people = [seats[-1]] if chair_from_branch else []
    people += [w.person(community_id, name, member_id) for member_id, name in roll[:party - len(people)]]
    people += [w.person(community_id, names.person(w.rng)) for _ in range(size - len(people))]
    if not chair_from_branch:
        people.insert(0, people.pop())   # a chair from outside the party
    for n, person in enumerate(people):
        role = PostRole.CHAIR if n == 0 else PostRole.VICE_CHAIR if n == 1 else PostRole.MEMBER
        w.post(person, Body.OWNERS_COMMITTEE, role, start)


def add_scale_records(session: Session, rng: random.Random, company_id: int, party: dict, today: dt.date) -> int:
    """Bulk people and posts of one company (inside its tenant scope).  Per community: a branch
    secretary, a project manager (a party member and part-time branch member at some), and a
    five-member owners' committee with one to four party members, chaired by the secretary at
    some.  Returns the number of posts."""
    start = today.replace(year=today.year - 1, month=1, day=1)
    end = add_years(start, 5) - dt.timedelta(days=1)
    elected = dict(term_end=end, procedure=Procedure.ELECTION)
    people, planned = [], []

    def add(community_id: int, member_id: int | None, *posts: dict) -> None:
        people.append(dict(tenant_id=company_id, community_id=community_id, name=names.person(rng),
                           party_member_id=member_id))
        planned.append(posts)

    for community_id, members in party["members"].items():
        branch = party["branches"].get(community_id)
        secretary = dict(body=Body.PARTY_BRANCH, role=PostRole.SECRETARY, organisation_id=branch, **elected)
        chair = dict(body=Body.OWNERS_COMMITTEE, role=PostRole.CHAIR, organisation_id=None, **elected)
        chaired = branch is not None and rng.random() < 0.4
        add(community_id, members[0], *([secretary] + ([chair] if chaired else [])) if branch else ())
        manager_member = members[1] if len(members) > 1 and rng.random() < 0.5 else None
        manager = [dict(body=Body.PROJECT_OFFICE, role=PostRole.PROJECT_MANAGER, organisation_id=None, term_end=None,
                        procedure=Procedure.APPOINTMENT)]
        if manager_member and branch and rng.random() < 0.6:
            manager.append(dict(body=Body.PARTY_BRANCH, role=PostRole.PART_TIME_MEMBER, organisation_id=branch,
                                **elected))
        add(community_id, manager_member, *manager)
        in_party = min(rng.randint(1, 4) - int(chaired), len(members) - 2)
        for n in range(5 - int(chaired)):
            role = PostRole.CHAIR if n == 0 and not chaired else PostRole.MEMBER
            add(community_id, members[2 + n] if n < in_party else None,
                dict(body=Body.OWNERS_COMMITTEE, role=role, organisation_id=None, **elected))
    ids = insert_rows(session, Person, people, ordered=True)
    rows = [dict(tenant_id=company_id, person_id=person_id, term_start=start, procedure_on=start, **post)
            for person_id, posts in zip(ids, planned) for post in posts]
    if rows:
        write_rows(session, Post, rows)
    return len(rows)
