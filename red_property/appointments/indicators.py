"""The cross-appointment indicators the bureau checks, per community, in one query.

1. party members make up 50% or more of the owners' committee in office;
2. a branch committee member sits on (better: chairs) the owners' committee;
3. the project manager, when a party member, sits on the branch committee
   (as a part-time member, 兼职委员).

The same statement serves a company's pages (its own communities today) and
the metric sources (every company's communities at a window's end, inside
``bureau_cross_tenant_read``): posts are read as of the last day the company
managed the community within the window, so that a company that handed a
community over is judged on the posts it kept while it managed it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import Date, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from red_property.appointments.models import Body, Person, Post, PostRole
from red_property.communities.models import ManagementContract
from red_property.compliance.sources import Window, statement_cache, windows_table
from red_property.core.formatting import pct

GOAL = Fraction(1, 2)


@dataclass(frozen=True)
class Check:
    key: str
    met: bool | None        # None: the check does not apply to this community
    message: str


@dataclass(frozen=True)
class CrossAppointment:
    committee_members: int           # owners' committee members in office
    committee_party_members: int
    branch_on_committee: bool        # someone holds a branch seat and an owners' committee post
    branch_chairs_committee: bool
    manager: bool                    # a project manager is in office
    manager_party_member: bool
    manager_on_branch: bool

    @property
    def party_share(self) -> Fraction | None:
        if not self.committee_members:
            return None
        return Fraction(self.committee_party_members, self.committee_members)

    def checks(self) -> list[Check]:
        return [self._share_check(), self._branch_check(), self._manager_check()]

    @property
    def score(self) -> Fraction | None:
        """The share of applicable checks met (0..1), None when none applies.

        Read from the three verdicts alone: a rating run scores every community of the
        province, and the messages that ``checks`` words for a person are not needed."""
        applicable = [met for met in (self._share_met(), self._branch_met(), self._manager_met()) if met is not None]
        return Fraction(sum(applicable), len(applicable)) if applicable else None

    def _share_met(self) -> bool | None:
        if not self.committee_members:
            return None
        return self.committee_party_members * GOAL.denominator >= GOAL.numerator * self.committee_members

    def _branch_met(self) -> bool | None:
        if not self.committee_members:
            return None
        return self.branch_on_committee or self.branch_chairs_committee

    def _manager_met(self) -> bool | None:
        if not self.manager:
            return False
        if not self.manager_party_member:
            return None
        return self.manager_on_branch

    def _share_check(self) -> Check:
        members, party = self.committee_members, self.committee_party_members
        met = self._share_met()
        if met is None:
            return Check("committee_party_share", None,
                         "没有登记在任的业委会委员：小区已成立业委会的，请登记其成员及选举记录。")
        percent = pct(Fraction(party, members))
        if met:
            return Check("committee_party_share", True,
                         f"业委会在任委员 {members} 名，其中党员 {party} 名（{percent}），达到不低于 50% 的目标。")
        needed = -(-members // 2) - party
        return Check("committee_party_share", False,
                     f"业委会在任委员 {members} 名，其中党员只有 {party} 名（{percent}），低于 50% 的目标："
                     f"还需 {needed} 名党员进入业委会，应在换届或补选时推荐党员参选。")

    def _branch_check(self) -> Check:
        met = self._branch_met()
        if met is None:
            return Check("branch_on_committee", None, "没有在任的业委会，此项暂不适用。")
        if self.branch_chairs_committee:
            return Check("branch_on_committee", True, "支部委员担任业委会主任。")
        if met:
            return Check("branch_on_committee", True,
                         "有支部委员进入业委会；尚无支部委员担任主任，换届时可推荐符合条件的支部书记或委员参选主任。")
        return Check("branch_on_committee", False,
                     "没有支部委员进入业委会：应推荐支部书记或委员经业主大会选举进入业委会，符合条件的担任主任。")

    def _manager_check(self) -> Check:
        if not self.manager:
            return Check("manager_on_branch", False, "没有登记在任的项目经理：请在物业项目部登记项目经理及任命文件。")
        met = self._manager_met()
        if met is None:
            return Check("manager_on_branch", None, "项目经理不是党员（或未关联党员名册），此项不适用。")
        if met:
            return Check("manager_on_branch", True, "项目经理是党员，已进入支部委员会（兼职委员）。")
        return Check("manager_on_branch", False,
                     "项目经理是党员，但没有进入支部委员会：应经党员大会选举担任兼职委员。")


def managed_until(window: Window):
    """(company, community, as_of) for every contract overlapping ``window``;
    ``as_of`` is the window's end, or the contract's end when that is earlier."""
    C = ManagementContract
    end = literal(window.end, Date)
    last = case((or_(C.ends_on.is_(None), C.ends_on >= end), end), else_=C.ends_on)
    return (select(C.company_tenant_id.label("company_id"), C.community_id.label("community_id"),
                   func.max(last).label("as_of"))
            .where(C.starts_on <= window.end, or_(C.ends_on.is_(None), C.ends_on >= window.start))
            .group_by(C.company_tenant_id, C.community_id))


def _flag(condition):
    return func.max(case((condition, 1), else_=0))


def cross_appointments(session: Session, window: Window,
                       community_ids: list[int] | None = None) -> dict[tuple[int, int], CrossAppointment]:
    """{(company, community): indicators} for every community managed in the window: one statement."""
    pairs_stmt = managed_until(window)
    if community_ids is not None:
        pairs_stmt = pairs_stmt.where(ManagementContract.community_id.in_(community_ids))
    return {(company, community): values for company, community, values
            in _indicators(session, _indicators_statement(pairs_stmt.subquery("pairs"), ()), 0)}


def managed_until_many(windows: list[Window]):
    """``managed_until`` of every window at once: (idx, company, community, as_of), idx the window's position."""
    C = ManagementContract
    w = windows_table(windows)
    last = case((or_(C.ends_on.is_(None), C.ends_on >= w.c.end), w.c.end), else_=C.ends_on)
    return (select(w.c.idx, C.company_tenant_id.label("company_id"), C.community_id.label("community_id"),
                   func.max(last).label("as_of"))
            .join(w, and_(C.starts_on <= w.c.end, or_(C.ends_on.is_(None), C.ends_on >= w.c.start)))
            .group_by(w.c.idx, C.company_tenant_id, C.community_id))


def cross_appointments_many(session: Session, windows: list[Window]) -> list[dict[tuple[int, int], CrossAppointment]]:
    """``cross_appointments`` of every window (a dashboard's months) in one statement."""
    out: list[dict[tuple[int, int], CrossAppointment]] = [{} for _ in windows]
    for idx, company, community, values in _indicators(session, _many_statement(tuple(windows)), 1):
        out[idx][(company, community)] = values
    return out


@statement_cache
def _many_statement(windows: tuple[Window, ...]):
    return _indicators_statement(managed_until_many(windows).subquery("pairs"), ("idx",))


def _indicators(session: Session, statement, keys: int):
    """(*keys, company, community, indicators) from ``_indicators_statement``'s rows."""
    for row in session.execute(statement):
        members, party, bridge, chair, manager, manager_party, manager_branch = row[keys + 2:]
        yield (*row[:keys + 2], CrossAppointment(int(members or 0), int(party or 0), bool(bridge), bool(chair),
                                                 bool(manager), bool(manager_party), bool(manager_branch)))


def _indicators_statement(pairs, keys: tuple[str, ...]):
    """(*keys, company, community, counts and flags) for every row of ``pairs`` (keys, company_id,
    community_id, as_of): the posts in office on its ``as_of`` day, grouped per pair (and keys)."""
    key_columns = [pairs.c[k] for k in keys]
    is_branch, is_committee = Post.body == Body.PARTY_BRANCH, Post.body == Body.OWNERS_COMMITTEE
    people = (
        select(*key_columns, pairs.c.company_id, pairs.c.community_id,
               _flag(Person.party_member_id.is_not(None)).label("party"),
               _flag(is_branch).label("branch"),
               _flag(is_committee).label("committee"),
               _flag(and_(is_committee, Post.role == PostRole.CHAIR)).label("chair"),
               _flag(and_(Post.body == Body.PROJECT_OFFICE, Post.role == PostRole.PROJECT_MANAGER)).label("manager"))
        .select_from(pairs)
        .join(Person, and_(Person.tenant_id == pairs.c.company_id, Person.community_id == pairs.c.community_id))
        .join(Post, and_(Post.tenant_id == Person.tenant_id, Post.person_id == Person.id))
        .where(Post.in_office_on(pairs.c.as_of))
        .group_by(*key_columns, pairs.c.company_id, pairs.c.community_id, Person.id)
    ).subquery("people")
    p = people.c
    p_keys = [p[k] for k in keys]
    per_community = (
        select(*p_keys, p.company_id, p.community_id,
               func.sum(p.committee).label("members"),
               func.sum(case((and_(p.committee == 1, p.party == 1), 1), else_=0)).label("party_members"),
               _flag(and_(p.committee == 1, p.branch == 1)).label("bridge"),
               _flag(and_(p.chair == 1, p.branch == 1)).label("bridge_chair"),
               func.max(p.manager).label("manager"),
               _flag(and_(p.manager == 1, p.party == 1)).label("manager_party"),
               _flag(and_(p.manager == 1, p.party == 1, p.branch == 1)).label("manager_branch"))
        .group_by(*p_keys, p.company_id, p.community_id)
    ).subquery("per_community")
    c = per_community.c
    return (select(*key_columns, pairs.c.company_id, pairs.c.community_id, c.members, c.party_members, c.bridge,
                   c.bridge_chair, c.manager, c.manager_party, c.manager_branch)
            .select_from(pairs)
            .outerjoin(per_community, and_(*(c[k] == pairs.c[k] for k in keys), c.company_id == pairs.c.company_id,
                                           c.community_id == pairs.c.community_id)))


def today_by_community(session: Session, today: dt.date,
                       community_ids: list[int] | None = None) -> dict[int, CrossAppointment]:
    """The current company's communities managed today, with their indicators: one statement."""
    return {community: values for (_company, community), values
            in cross_appointments(session, Window(today, today), community_ids).items()}
