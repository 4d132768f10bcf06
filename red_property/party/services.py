"""Keeping party records; each function checks what a user could get wrong."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from red_property.communities.models import Building
from red_property.communities.services import managed_now
from red_property.core.errors import InputError
from red_property.party.models import (CommitteeMember, Level, OrganisationCommunity, PartyMember, PartyOrganisation,
                                       YearlyReview)


def create_organisation(session: Session, *, name: str, level: Level, community_ids: list[int],
                        parent_id: int | None = None, building_id: int | None = None,
                        founded_on: dt.date | None = None, today: dt.date) -> PartyOrganisation:
    """A branch, joint branch, grid branch, party group or responsibility zone."""
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
    if parent_id is not None and session.get(PartyOrganisation, parent_id) is None:
        raise InputError("parent_id", "上级组织不存在")
    if level in (Level.COMMUNITY, Level.JOINT) and parent_id is not None:
        raise InputError("parent_id", "小区党支部和联合党支部是最上一级，不能再设上级")
    if level in (Level.GRID, Level.GROUP, Level.ZONE) and parent_id is None:
        raise InputError("parent_id", "网格党支部、党小组和责任区需要上级组织")
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


def add_committee_member(session: Session, organisation: PartyOrganisation, data: dict) -> CommitteeMember:
    if data["term_end"] <= data["term_start"]:
        raise InputError("term_end", "任期结束日期应晚于开始日期")
    if data.get("post") == "part_time" and not data.get("from_body"):
        raise InputError("from_body", "兼职委员需注明来自业委会、物业项目部或居委会")
    member = CommitteeMember(organisation_id=organisation.id, **data)
    session.add(member)
    session.commit()
    return member


def record_review(session: Session, organisation: PartyOrganisation, data: dict) -> YearlyReview:
    review = YearlyReview(organisation_id=organisation.id, **data)
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()
    except IntegrityError as exc:
        raise InputError("year", "该年度已有这项记录") from exc
    session.commit()
    return review


def add_member(session: Session, data: dict) -> PartyMember:
    """A party member; in-service members say which organisation they belong to."""
    community = data["community_id"]
    if not managed_now(session, community, dt.date.today()):
        raise InputError("community_id", "不是本企业当前在管的小区")
    if data.get("building_id") is not None:
        building = session.get(Building, data["building_id"])
        if building is None or building.community_id != community:
            raise InputError("building_id", "楼栋不在这个小区")
    if not data.get("directly_managed", True) and not data.get("home_organisation"):
        raise InputError("home_organisation", "在职党员（双报到）需填写所在单位党组织")
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
