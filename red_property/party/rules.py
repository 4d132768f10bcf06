"""The formation rules (seeds 002-004), checked per community, in plain words.

- fewer than 3 directly-managed formal members: join a joint branch (联合党支部);
  3 or more and no organisation: the community may form its own branch;
- a building with 3 or more formal resident members needs a party group;
- a branch needs a secretary in office, committee terms must not have run out,
  and last year's member assessment and secretary's report must be on record.

Probationary (预备) members do not count toward the 3: a branch and a party
group are formed by formal members.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from red_property.communities.models import Building
from red_property.party.models import (CommitteeMember, Level, OrganisationCommunity, PartyMember, PartyOrganisation,
                                       Post, ReviewKind, YearlyReview)

MIN_MEMBERS = 3
BRANCH_LEVELS = (Level.COMMUNITY, Level.JOINT)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str      # "error": a rule is broken; "warning": act soon; "ok": satisfied
    message: str


def check_formation(session: Session, community_id: int, today: dt.date) -> list[Finding]:
    """Every rule for one community, in a fixed number of queries."""
    findings: list[Finding] = []
    direct = session.scalar(select(func.count(PartyMember.id)).where(
        PartyMember.community_id == community_id, PartyMember.directly_managed, PartyMember.formal)) or 0
    branches = session.execute(
        select(PartyOrganisation).join(OrganisationCommunity, OrganisationCommunity.organisation_id == PartyOrganisation.id)
        .where(OrganisationCommunity.community_id == community_id, PartyOrganisation.level.in_(BRANCH_LEVELS))
        .order_by(PartyOrganisation.id)).scalars().all()
    if not branches:
        if direct < MIN_MEMBERS:
            findings.append(Finding("needs_joint_branch", "error",
                                    f"直管正式党员只有 {direct} 名（少于 {MIN_MEMBERS} 名），应与相邻小区联合成立联合党支部。"))
        else:
            findings.append(Finding("may_form_branch", "error",
                                    f"已有 {direct} 名直管正式党员，具备单独成立小区党支部的条件，但尚未成立党组织。"))
    else:
        names = "、".join(b.name for b in branches)
        findings.append(Finding("covered", "ok", f"已由{names}覆盖（直管正式党员 {direct} 名）。"))
    findings += _party_groups(session, community_id)
    for branch in branches:
        findings += _committee(session, branch, today)
    return findings


def _party_groups(session: Session, community_id: int) -> list[Finding]:
    counts = session.execute(
        select(Building.id, Building.name, func.count(PartyMember.id))
        .join(PartyMember, PartyMember.building_id == Building.id)
        .where(Building.community_id == community_id, PartyMember.formal)
        .group_by(Building.id, Building.name).having(func.count(PartyMember.id) >= MIN_MEMBERS)).all()
    with_group = set(session.scalars(select(PartyOrganisation.building_id).where(
        PartyOrganisation.level == Level.GROUP, PartyOrganisation.building_id.in_([b for b, _, _ in counts]))))
    return [Finding("needs_party_group", "warning", f"{name}有 {n} 名正式党员居住，应成立党小组。")
            for building_id, name, n in counts if building_id not in with_group]


def _committee(session: Session, branch: PartyOrganisation, today: dt.date) -> list[Finding]:
    seats = session.scalars(select(CommitteeMember).where(CommitteeMember.organisation_id == branch.id)).all()
    current = [s for s in seats if s.term_start <= today <= s.term_end]
    findings = []
    if not any(s.post == Post.SECRETARY for s in current):
        findings.append(Finding("no_secretary", "error", f"{branch.name}没有在任书记。"))
    if seats and not current:
        last = max(s.term_end for s in seats)
        findings.append(Finding("term_expired", "error", f"{branch.name}支委会任期已于 {last} 届满，应按期换届选举。"))
    year = today.year - 1
    if branch.founded_on is None or branch.founded_on <= dt.date(year, 12, 31):
        done = set(session.scalars(select(YearlyReview.kind).where(YearlyReview.organisation_id == branch.id,
                                                                  YearlyReview.year == year)))
        if ReviewKind.ASSESSMENT not in done:
            findings.append(Finding("missing_assessment", "warning", f"{branch.name}缺少 {year} 年度委员考核记录。"))
        if ReviewKind.SECRETARY_REPORT not in done:
            findings.append(Finding("missing_secretary_report", "warning", f"{branch.name}缺少书记 {year} 年底述职记录。"))
    return findings
