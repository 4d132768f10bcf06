"""The bureau's own rating inputs: inspections, awards and deductions, branch opinions.

Dates are refused outside ``EARLIEST`` .. today in Beijing: nothing the bureau records
happened before 2000 (the first rating year any model or run accepts) or has not
happened yet.  A record is corrected (edited with a reason: the audit log keeps what it
was) or voided (with a reason: it stays listed but no longer counts), never deleted.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.core import clock
from red_property.core.errors import InputError, add_unique
from red_property.core.tenancy import current_tenant_id
from red_property.communities.models import Community, ManagementContract
from red_property.rating.models import BranchOpinion, Inspection, RatingEvent
from red_property.rating.versions import latest_version, parsed
from red_property.tenants.models import Tenant, TenantKind


EARLIEST = dt.date(2000, 1, 1)
KINDS = {"inspection": Inspection, "opinion": BranchOpinion, "event": RatingEvent}
# What a correction may change, per kind: the rest (whom and where it is about) is voided and entered again.
EDITABLE = {"inspection": ("inspected_on", "score", "note"), "opinion": ("year", "score", "comment"),
            "event": ("occurred_on", "rectified_on", "authority", "reference", "note")}


def check_dates(data: dict) -> None:
    """Refuse a record dated before 2000 or after today (Beijing), naming the field."""
    today = clock.today()
    for field in ("inspected_on", "occurred_on", "rectified_on"):
        day = data.get(field)
        if day is None:
            continue
        if day < EARLIEST:
            raise InputError(field, f"日期不能早于 {EARLIEST:%Y-%m-%d}")
        if day > today:
            raise InputError(field, f"日期不能晚于今天（{today:%Y-%m-%d}）")
    if data.get("rectified_on") and data.get("occurred_on") and data["rectified_on"] < data["occurred_on"]:
        raise InputError("rectified_on", "整改日期不能早于发生日期")
    year = data.get("year")
    if year is not None and not EARLIEST.year <= year <= today.year:
        raise InputError("year", f"年度应在 {EARLIEST.year} 至 {today.year} 之间")


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
    check_dates(data)
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
    check_dates(data)
    _company(session, data["company_tenant_id"])
    _managed_community(session, data["company_tenant_id"], data["community_id"])
    inspection = Inspection(**data)
    session.add(inspection)
    session.commit()
    return inspection


def add_opinion(session: Session, data: dict) -> BranchOpinion:
    """Record a community party branch's yearly opinion of its company (one per year)."""
    check_dates(data)
    _company(session, data["company_tenant_id"])
    _managed_community(session, data["company_tenant_id"], data["community_id"])
    opinion = BranchOpinion(**data)
    add_unique(session, opinion, "year", "该小区党支部本年度已有评价")
    session.commit()
    return opinion


def get_record(session: Session, kind: str, record_id: int):
    """One of the bureau's own records by kind and id, or ``InputError`` (the session's scope decides)."""
    model = KINDS.get(kind)
    record = session.get(model, record_id) if model else None
    # a company may read the records about it, but only the bureau that made one changes it
    if record is None or record.tenant_id != current_tenant_id(session):
        raise InputError("record_id", "没有这条记录")
    return record


def _reason(reason: str | None, field: str = "reason") -> str:
    text = (reason or "").strip()
    if len(text) < 2 or len(text) > 500:
        raise InputError(field, "请写明原因（2 至 500 字）")
    return text


def correct_record(session: Session, kind: str, record_id: int, changes: dict, reason: str, *,
                   commit: bool = True):
    """Change a record's values with a reason; the audit entry keeps the previous values."""
    record = get_record(session, kind, record_id)
    if record.voided_at is not None:
        raise InputError("record_id", "该记录已作废，不能更正")
    reason = _reason(reason)
    changes = {k: v for k, v in changes.items() if k in EDITABLE[kind]}
    merged = {f: getattr(record, f) for f in EDITABLE[kind]} | changes
    check_dates(merged)
    if "score" in changes and changes["score"] is not None and not 0 <= changes["score"] <= 100:
        raise InputError("score", "分数应在 0 至 100 之间")
    if kind == "event" and merged.get("authority") not in ("street", "district", "city"):
        raise InputError("authority", "认定部门应为市级、区级或街道")
    if all(getattr(record, k) == v for k, v in changes.items()):
        raise InputError("record_id", "没有改动任何内容")
    for key, value in changes.items():
        setattr(record, key, value)
    record.correction_reason = reason
    if kind == "opinion":
        add_unique(session, record, "year", "该小区党支部本年度已有评价")
    if commit:
        session.commit()
    return record


def void_record(session: Session, kind: str, record_id: int, reason: str, *, commit: bool = True):
    """Void a record with a reason: it stays listed, struck through, and no longer counts in ratings."""
    record = get_record(session, kind, record_id)
    if record.voided_at is not None:
        raise InputError("record_id", "该记录已作废")
    record.voided_at, record.void_reason = clock.now(), _reason(reason)
    if commit:
        session.commit()
    return record
