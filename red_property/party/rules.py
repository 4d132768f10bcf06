"""The formation rules (seeds 002-004), checked per community, in plain words.

- fewer than 3 directly-managed formal members: join a joint branch (联合党支部);
  3 or more and no organisation: the community may form its own branch;
- a building with 3 or more formal resident members needs a party group;
- a branch needs a secretary in office, committee terms must not have run out,
  each seat needs its election record, and last year's member assessment and
  secretary's report must be on record;
- a branch's site meets the "七有" standard, each item shown by a photo or document.

Probationary (预备) members do not count toward the 3: a branch and a party
group are formed by formal members.

``formation_for`` checks any number of communities in a fixed number of
queries (the company's overview); ``check_formation`` is the same for one.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from red_property.appointments.models import Body, Post, PostRole
from red_property.communities.models import Building
from red_property.party.models import (Level, OrganisationCommunity, PartyMember, PartyOrganisation, ReviewKind,
                                       SiteCheck, SiteEvidence, SiteItem, SiteStatus, YearlyReview)

MIN_MEMBERS = 3
BRANCH_LEVELS = (Level.COMMUNITY, Level.JOINT)
SITE_ITEM_NAMES = {SiteItem.PLACE: "活动场所", SiteItem.FACILITIES: "基本设施", SiteItem.SIGN: "党组织标志牌",
                   SiteItem.FLAG: "党旗", SiteItem.OATH: "入党誓词", SiteItem.READING: "党报党刊和书籍",
                   SiteItem.RULES: "制度上墙"}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str      # "error": a rule is broken; "warning": act soon; "ok": satisfied
    message: str


@dataclass
class Formation:
    """What the rules found for one community."""

    community_id: int
    direct_members: int = 0                  # directly-managed formal members
    branches: list[PartyOrganisation] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def open_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "ok"]


def check_formation(session: Session, community_id: int, today: dt.date) -> list[Finding]:
    """Every rule for one community."""
    return formation_for(session, [community_id], today)[community_id].findings


def formation_for(session: Session, community_ids: list[int], today: dt.date) -> dict[int, Formation]:
    """Every rule for many communities: seven queries, however many communities and branches."""
    result = {c: Formation(c) for c in community_ids}
    if not community_ids:
        return result
    for community, n in session.execute(
            select(PartyMember.community_id, func.count(PartyMember.id))
            .where(PartyMember.community_id.in_(community_ids), PartyMember.directly_managed, PartyMember.formal)
            .group_by(PartyMember.community_id)):
        result[community].direct_members = n
    branches: dict[int, PartyOrganisation] = {}
    for community, branch in session.execute(
            select(OrganisationCommunity.community_id, PartyOrganisation)
            .join(PartyOrganisation, and_(PartyOrganisation.id == OrganisationCommunity.organisation_id,
                                          PartyOrganisation.tenant_id == OrganisationCommunity.tenant_id))
            .where(OrganisationCommunity.community_id.in_(community_ids), PartyOrganisation.level.in_(BRANCH_LEVELS))
            .order_by(PartyOrganisation.id)):
        result[community].branches.append(branch)
        branches[branch.id] = branch
    groups = _party_groups(session, community_ids)
    branch_findings = _branch_findings(session, list(branches.values()), today)
    for formation in result.values():
        formation.findings = _coverage(formation) + groups.get(formation.community_id, [])
        for branch in formation.branches:
            formation.findings += branch_findings.get(branch.id, [])
    return result


def _coverage(formation: Formation) -> list[Finding]:
    direct = formation.direct_members
    if formation.branches:
        names = "、".join(b.name for b in formation.branches)
        return [Finding("covered", "ok", f"已由{names}覆盖（直管正式党员 {direct} 名）。")]
    if direct < MIN_MEMBERS:
        return [Finding("needs_joint_branch", "error",
                        f"直管正式党员只有 {direct} 名（少于 {MIN_MEMBERS} 名），应与相邻小区联合成立联合党支部。")]
    return [Finding("may_form_branch", "error",
                    f"已有 {direct} 名直管正式党员，具备单独成立小区党支部的条件，但尚未成立党组织。")]


def _party_groups(session: Session, community_ids: list[int]) -> dict[int, list[Finding]]:
    has_group = exists().where(PartyOrganisation.level == Level.GROUP, PartyOrganisation.building_id == Building.id,
                               PartyOrganisation.tenant_id == Building.tenant_id)
    rows = session.execute(
        select(Building.community_id, Building.name, func.count(PartyMember.id))
        .join(PartyMember, and_(PartyMember.building_id == Building.id, PartyMember.tenant_id == Building.tenant_id))
        .where(Building.community_id.in_(community_ids), PartyMember.formal, ~has_group)
        .group_by(Building.community_id, Building.id, Building.name)
        .having(func.count(PartyMember.id) >= MIN_MEMBERS)
        .order_by(Building.name))
    found: dict[int, list[Finding]] = defaultdict(list)
    for community, name, n in rows:
        found[community].append(Finding("needs_party_group", "warning", f"{name}有 {n} 名正式党员居住，应成立党小组。"))
    return found


def _branch_findings(session: Session, branches: list[PartyOrganisation], today: dt.date) -> dict[int, list[Finding]]:
    """Committee, yearly reviews and 七有 site of each branch: three queries in all."""
    if not branches:
        return {}
    ids = [b.id for b in branches]
    seats: dict[int, list[Post]] = defaultdict(list)
    for post in session.scalars(select(Post).where(Post.body == Body.PARTY_BRANCH, Post.organisation_id.in_(ids))):
        seats[post.organisation_id].append(post)
    year = today.year - 1
    reviews: dict[int, set[ReviewKind]] = defaultdict(set)
    for organisation_id, kind in session.execute(select(YearlyReview.organisation_id, YearlyReview.kind).where(
            YearlyReview.organisation_id.in_(ids), YearlyReview.year == year)):
        reviews[organisation_id].add(kind)
    site: dict[int, dict[SiteItem, tuple[SiteStatus, int]]] = defaultdict(dict)
    for organisation_id, item, status, evidence in session.execute(
            select(SiteCheck.organisation_id, SiteCheck.item, SiteCheck.status, func.count(SiteEvidence.id))
            .outerjoin(SiteEvidence, and_(SiteEvidence.check_id == SiteCheck.id,
                                          SiteEvidence.tenant_id == SiteCheck.tenant_id))
            .where(SiteCheck.organisation_id.in_(ids))
            .group_by(SiteCheck.organisation_id, SiteCheck.item, SiteCheck.status)):
        site[organisation_id][item] = (status, evidence)
    return {b.id: _committee(b, seats[b.id], today) + _reviews(b, reviews[b.id], year) + _site(b, site[b.id])
            for b in branches}


def _committee(branch: PartyOrganisation, seats: list[Post], today: dt.date) -> list[Finding]:
    current = [s for s in seats if s.in_office(today)]
    findings = []
    if not any(s.role == PostRole.SECRETARY for s in current):
        findings.append(Finding("no_secretary", "error", f"{branch.name}没有在任书记。"))
    served = [s for s in seats if s.term_start <= today]   # a committee elected to take office later has not served
    if served and not current:
        last = max(s.last_day for s in served)
        findings.append(Finding("term_expired", "error", f"{branch.name}支委会任期已于 {last} 届满，应按期换届选举。"))
    unrecorded = [s for s in current if s.record_file_id is None]
    if unrecorded:
        findings.append(Finding("missing_election_record", "warning",
                                f"{branch.name}有 {len(unrecorded)} 名在任支部委员没有上传选举（任命）记录。"))
    return findings


def _reviews(branch: PartyOrganisation, done: set[ReviewKind], year: int) -> list[Finding]:
    if branch.founded_on is not None and branch.founded_on > dt.date(year, 12, 31):
        return []  # founded this year: nothing was due for last year
    findings = []
    if ReviewKind.ASSESSMENT not in done:
        findings.append(Finding("missing_assessment", "warning", f"{branch.name}缺少 {year} 年度委员考核记录。"))
    if ReviewKind.SECRETARY_REPORT not in done:
        findings.append(Finding("missing_secretary_report", "warning", f"{branch.name}缺少书记 {year} 年底述职记录。"))
    return findings


def _site(branch: PartyOrganisation, items: dict[SiteItem, tuple[SiteStatus, int]]) -> list[Finding]:
    findings = []
    lacking = [SITE_ITEM_NAMES[i] for i in SiteItem if i in items and items[i][0] != SiteStatus.IN_PLACE]
    if lacking:
        findings.append(Finding("site_incomplete", "warning",
                                f"{branch.name}“七有”阵地尚未达标：{'、'.join(lacking)}，应整改后上传照片。"))
    unproven = [SITE_ITEM_NAMES[i] for i in SiteItem if i not in items or items[i][1] == 0]
    if unproven:
        findings.append(Finding("site_evidence_missing", "warning",
                                f"{branch.name}“七有”缺少证明材料：{'、'.join(unproven)}（请上传照片或文件）。"))
    return findings
