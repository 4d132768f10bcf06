"""The bureau's own rating inputs: inspections, awards and deductions, branch opinions."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.core.errors import InputError, add_unique
from red_property.communities.models import Community, ManagementContract
from red_property.rating.models import BranchOpinion, Inspection, RatingEvent
from red_property.rating.versions import latest_version, parsed
from red_property.tenants.models import Tenant, TenantKind


def _company(session: Session, company_id: int) -> Tenant:
    company = session.get(Tenant, company_id)
    if company is None or company.kind != TenantKind.COMPANY:
        raise InputError("company_tenant_id", "不是已登记的物业服务企业")
    return company


def _managed_community(session: Session, company_id: int, community_id: int) -> Community:
    community = session.get(Community, community_id)
    if community is None:
        raise InputError("community_id", "小区不在名册中")
    managed = session.scalar(select(ManagementContract.id).where(
        ManagementContract.community_id == community_id, ManagementContract.company_tenant_id == company_id))
    if managed is None:
        raise InputError("community_id", "该企业没有管理过这个小区")
    return community


def add_event(session: Session, data: dict) -> RatingEvent:
    """Record an award, model site, penalty, upheld complaint or failed inspection."""
    _company(session, data["company_tenant_id"])
    if data.get("community_id") is not None:
        _managed_community(session, data["company_tenant_id"], data["community_id"])
    version = latest_version(session)
    if version is None:
        raise InputError("kind", "请先保存评价模型，再登记加减分事项")
    model = parsed(version)
    if data["kind"] not in model.bonuses and data["kind"] not in model.deductions:
        known = "、".join(list(model.bonuses) + list(model.deductions))
        raise InputError("kind", f"模型中没有这个加减分类别（可用：{known}）")
    event = RatingEvent(**data)
    session.add(event)
    session.commit()
    return event


def add_inspection(session: Session, data: dict) -> Inspection:
    """Record an inspection score (0-100) of a company's service in one community."""
    _company(session, data["company_tenant_id"])
    _managed_community(session, data["company_tenant_id"], data["community_id"])
    inspection = Inspection(**data)
    session.add(inspection)
    session.commit()
    return inspection


def add_opinion(session: Session, data: dict) -> BranchOpinion:
    """Record a community party branch's yearly opinion of its company (one per year)."""
    _company(session, data["company_tenant_id"])
    _managed_community(session, data["company_tenant_id"], data["community_id"])
    opinion = BranchOpinion(**data)
    add_unique(session, opinion, "year", "该小区党支部本年度已有评价")
    session.commit()
    return opinion
