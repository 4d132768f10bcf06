"""Keeping party records; each function checks what a user could get wrong."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from red_property.communities.models import Building, Community, ManagementContract
from red_property.communities.services import managed_now
from red_property.core.natural import natural
from red_property.core import clock
from red_property.core.errors import InputError, add_unique
from red_property.party.models import Level, OrganisationCommunity, PartyMember, PartyOrganisation, YearlyReview


# Higher levels first: a parent is always of a lower rank than its child.
RANK = {Level.COMMUNITY: 0, Level.JOINT: 0, Level.GRID: 1, Level.GROUP: 2, Level.ZONE: 3}


def create_organisation(session: Session, *, name: str, level: Level, community_ids: list[int],
                        parent_id: int | None = None, building_id: int | None = None,
                        founded_on: dt.date | None = None, today: dt.date) -> PartyOrganisation:
    """A branch, joint branch, grid branch, party group or responsibility zone.

    A community has at most one branch (its own or a joint one); a grid branch,
    party group or zone sits under a higher organisation covering its community.
    """
    name = (name or "").strip()
    if len(name) < 2:
        raise InputError("name", "请填写组织名称")
    communities = sorted(set(community_ids))
    if not communities:
        raise InputError("community_ids", "至少选择一个小区")
    for community_id in communities:
        if not managed_now(session, community_id, today):
            raise InputError("community_ids", f"小区 {community_id} 不是本企业当前在管的小区")
    if level == Level.JOINT and len(communities) < 2:
        raise InputError("community_ids", "联合党支部至少覆盖两个小区")
    if level != Level.JOINT and len(communities) > 1:
        raise InputError("community_ids", "只有联合党支部可以覆盖多个小区")
    if founded_on is not None and founded_on > today:
        raise InputError("founded_on", "成立日期不能晚于今天")
    if level in (Level.COMMUNITY, Level.JOINT):
        if parent_id is not None:
            raise InputError("parent_id", "小区党支部和联合党支部是最上一级，不能再设上级")
        _one_branch_per_community(session, communities)
    else:
        _check_parent(session, level, parent_id, communities)
    if level == Level.GROUP:
        building = session.get(Building, building_id) if building_id else None
        if building is None or building.community_id not in communities:
            raise InputError("building_id", "党小组需要本小区的一栋楼")
    organisation = PartyOrganisation(name=name, level=level, parent_id=parent_id, founded_on=founded_on,
                                     building_id=building_id if level == Level.GROUP else None)
    session.add(organisation)
    session.flush()
    session.add_all(OrganisationCommunity(organisation_id=organisation.id, community_id=c) for c in communities)
    session.commit()
    return organisation


def _one_branch_per_community(session: Session, communities: list[int]) -> None:
    covered = session.execute(
        select(PartyOrganisation.name, Community.name)
        .join(OrganisationCommunity, and_(OrganisationCommunity.organisation_id == PartyOrganisation.id,
                                          OrganisationCommunity.tenant_id == PartyOrganisation.tenant_id))
        .join(Community, Community.id == OrganisationCommunity.community_id)
        .where(OrganisationCommunity.community_id.in_(communities),
               PartyOrganisation.level.in_((Level.COMMUNITY, Level.JOINT)))).first()
    if covered is not None:
        raise InputError("community_ids", f"{covered[1]}已由{covered[0]}覆盖：一个小区只设一个党支部")


def _check_parent(session: Session, level: Level, parent_id: int | None, communities: list[int]) -> None:
    parent = session.get(PartyOrganisation, parent_id) if parent_id is not None else None
    if parent is None:
        raise InputError("parent_id", "网格党支部、党小组和责任区需要选择上级组织")
    if RANK[parent.level] >= RANK[level]:
        raise InputError("parent_id", f"{parent.name}不能作为上级：层级为小区党支部 → 网格党支部 → 党小组 → 党员责任区")
    covered = set(session.scalars(select(OrganisationCommunity.community_id)
                                  .where(OrganisationCommunity.organisation_id == parent.id)))
    if not set(communities) <= covered:
        raise InputError("parent_id", f"{parent.name}不覆盖所选小区")


def record_review(session: Session, organisation: PartyOrganisation, data: dict) -> YearlyReview:
    """A branch's yearly member assessment or secretary's report (once per year and kind)."""
    if organisation.level not in (Level.COMMUNITY, Level.JOINT, Level.GRID):
        raise InputError("organisation_id", "只有党支部（含联合、网格党支部）需要年度考核和书记述职")
    if data["done_on"] > clock.today():
        raise InputError("done_on", "完成日期不能晚于今天")
    if data["done_on"].year not in (data["year"], data["year"] + 1):
        raise InputError("done_on", f"{data['year']} 年度的考核或述职应在当年或次年完成")
    review = YearlyReview(organisation_id=organisation.id, **data)
    add_unique(session, review, "year", "该年度已有这项记录")
    session.commit()
    return review


def add_member(session: Session, data: dict) -> PartyMember:
    """A party member; in-service members say which organisation they belong to."""
    community = data["community_id"]
    if not managed_now(session, community, clock.today()):
        raise InputError("community_id", "不是本企业当前在管的小区")
    if data.get("building_id") is not None:
        building = session.get(Building, data["building_id"])
        if building is None or building.community_id != community:
            raise InputError("building_id", "楼栋不在这个小区")
    if data.get("directly_managed", True):
        data = {**data, "home_organisation": None, "reported_on": None}
    else:
        if not (data.get("home_organisation") or "").strip():
            raise InputError("home_organisation", "在职党员（双报到）需填写所在单位党组织")
        if data.get("reported_on") is None:
            raise InputError("reported_on", "在职党员（双报到）需填写到社区报到的日期")
        if data["reported_on"] > clock.today():
            raise InputError("reported_on", "报到日期不能晚于今天")
    if data.get("building_head") and data.get("building_id") is None:
        raise InputError("building_id", "楼栋长需注明负责的楼栋")
    member = PartyMember(**data)
    session.add(member)
    session.commit()
    return member


def organisations_of(session: Session, community_id: int) -> list[tuple[PartyOrganisation, list[int]]]:
    """The organisations covering a community, each with all the communities it covers: two queries."""
    ids = select(OrganisationCommunity.organisation_id).where(OrganisationCommunity.community_id == community_id)
    organisations = session.scalars(select(PartyOrganisation).where(PartyOrganisation.id.in_(ids))
                                    .order_by(PartyOrganisation.level, PartyOrganisation.id)).all()
    links = session.execute(select(OrganisationCommunity.organisation_id, OrganisationCommunity.community_id)
                            .where(OrganisationCommunity.organisation_id.in_([o.id for o in organisations]))).all()
    covers: dict[int, list[int]] = {}
    for organisation_id, covered in links:
        covers.setdefault(organisation_id, []).append(covered)
    return [(o, sorted(covers.get(o.id, []))) for o in organisations]


@dataclass
class MemberPage:
    items: list[tuple[PartyMember, str, str | None]]     # (member, community name, building name)
    total: int
    page: int
    per_page: int


def list_members(session: Session, *, page: int = 1, per_page: int = 50,
                 community_id: int | None = None) -> MemberPage:
    """One page of the company's party members with their community and building names: two queries."""
    stmt = select(PartyMember)
    if community_id is not None:
        stmt = stmt.where(PartyMember.community_id == community_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.execute(
        stmt.add_columns(Community.name, Building.name)
        .join(Community, Community.id == PartyMember.community_id)
        .outerjoin(Building, and_(Building.id == PartyMember.building_id, Building.tenant_id == PartyMember.tenant_id))
        .order_by(Community.name, PartyMember.community_id, natural(Building.name), PartyMember.name, PartyMember.id)
        .limit(per_page).offset((page - 1) * per_page)).all()
    return MemberPage([tuple(r) for r in rows], total, page, per_page)


def managed_communities(session: Session, today: dt.date) -> list[tuple[int, str]]:
    """(id, name) of the communities the company manages today (a company sees only its own contracts)."""
    current = select(ManagementContract.community_id).where(
        ManagementContract.starts_on <= today,
        (ManagementContract.ends_on.is_(None)) | (ManagementContract.ends_on >= today))
    return [tuple(r) for r in session.execute(select(Community.id, Community.name)
                                              .where(Community.id.in_(current)).order_by(Community.name, Community.id))]


def covered_communities(session: Session, organisation_id: int) -> list[tuple[int, str]]:
    """(id, name) of the communities an organisation covers."""
    return [tuple(r) for r in session.execute(
        select(Community.id, Community.name)
        .join(OrganisationCommunity, OrganisationCommunity.community_id == Community.id)
        .where(OrganisationCommunity.organisation_id == organisation_id).order_by(Community.name))]


def organisation_tree(organisations: list[PartyOrganisation]) -> list[tuple[PartyOrganisation, int]]:
    """Organisations in tree order with their depth (branch 0, grid branch 1, ...)."""
    ids = {o.id for o in organisations}
    children: dict[int | None, list[PartyOrganisation]] = {}
    for o in organisations:
        children.setdefault(o.parent_id if o.parent_id in ids else None, []).append(o)
    out: list[tuple[PartyOrganisation, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for o in sorted(children.get(parent_id, []), key=lambda o: (RANK[o.level], o.name, o.id)):
            out.append((o, depth))
            walk(o.id, depth + 1)

    walk(None, 0)
    return out
