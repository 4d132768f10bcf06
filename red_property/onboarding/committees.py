"""Owners' committees (业主委员会): the bureau sets one up for a community, one at a time,
with its term and filing (备案) day, and invites its first admin.

A new term's committee gets a new tenant: the community's ``committee_tenant_id``
moves to it, so the old committee loses access to the community while every
record it made stays in its own tenant.  The previous term, if still running,
ends the day before the new one starts.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.communities.models import Community, OwnersCommittee
from red_property.core import clock
from red_property.core.audit import record_event
from red_property.core.errors import InputError
from red_property.core.tenancy import current_actor_id, current_tenant_id
from red_property.onboarding.contracts import parse_day
from red_property.onboarding.invitations import IssuedInvitation
from red_property.onboarding.provisioning import email_taken, provision_tenant
from red_property.tenants.models import Tenant, TenantKind

MAX_TERM_YEARS = 5  # 业主委员会任期不超过 5 年


def committee_terms(session: Session, community_id: int) -> list[OwnersCommittee]:
    """The community's committees, latest term first."""
    return list(session.scalars(select(OwnersCommittee).where(
        OwnersCommittee.community_id == community_id, OwnersCommittee.tenant_id == current_tenant_id(session))
        .order_by(OwnersCommittee.term_starts_on.desc())))


def _clean(data: dict) -> dict:
    starts = parse_day(data.get("term_starts_on"), "term_starts_on", "任期开始")
    ends = parse_day(data.get("term_ends_on"), "term_ends_on", "任期结束")
    filed = parse_day(data.get("filed_on"), "filed_on", "备案日期")
    for field, value, label in (("term_starts_on", starts, "任期开始"), ("term_ends_on", ends, "任期结束"),
                                ("filed_on", filed, "备案日期")):
        if value is None:
            raise InputError(field, f"{label}不能为空 (required)")
    if ends <= starts:
        raise InputError("term_ends_on", "任期结束应晚于任期开始 (after the start)")
    if (ends - starts).days > 365 * MAX_TERM_YEARS + 2:  # leap days included
        raise InputError("term_ends_on", f"任期不超过 {MAX_TERM_YEARS} 年 (at most {MAX_TERM_YEARS} years)")
    if filed > clock.today():
        raise InputError("filed_on", "备案日期不能晚于今天 (not in the future)")
    return {"term_starts_on": starts, "term_ends_on": ends, "filed_on": filed}


def set_up_committee(session: Session, community: Community, data: dict) -> tuple[OwnersCommittee, IssuedInvitation]:
    """Set up the community's owners' committee for a term: its tenant, its first admin's
    invitation and the term record (commits).  A running earlier term ends the day before."""
    if community.retired_on is not None:
        raise InputError("term_starts_on", f"该小区已于 {community.retired_on} 撤销 (retired)")
    values = _clean(data)
    email = str(data.get("admin_email") or "").strip()
    name = str(data.get("admin_name") or "").strip()
    if not email:
        raise InputError("admin_email", "管理员邮箱不能为空 (required)")
    if not name:
        raise InputError("admin_name", "管理员姓名不能为空 (required)")
    if email_taken(session, email):
        raise InputError("admin_email", "这个邮箱已有账户 (already has an account)")
    terms = committee_terms(session, community.id)
    # the previous term must keep at least two days (a term ends after it starts)
    later = next((t for t in terms if t.term_starts_on >= values["term_starts_on"] - dt.timedelta(days=1)), None)
    if later is not None:
        raise InputError("term_starts_on", f"应晚于上一届的任期开始 {later.term_starts_on} (after the last term began)")
    running = next((t for t in terms if t.term_ends_on >= values["term_starts_on"]), None)
    slug = str(data.get("slug") or "").strip() or f"committee-{community.id}-{values['term_starts_on']:%Y%m%d}"
    committee_name = str(data.get("name") or "").strip() or f"{community.name}业主委员会"
    tenant_id, issued = provision_tenant(kind=TenantKind.COMMITTEE, slug=slug, name=committee_name[:200],
                                         admin_email=email, admin_name=name, actor_id=current_actor_id(session))
    if running is not None:
        running.term_ends_on = values["term_starts_on"] - dt.timedelta(days=1)
    previous = community.committee_tenant_id
    community.committee_tenant_id = tenant_id
    committee = OwnersCommittee(community_id=community.id, committee_tenant_id=tenant_id, **values)
    session.add(committee)
    record_event(session, action="set_up_committee", entity="community", entity_id=community.id,
                 after={"committee_tenant_id": tenant_id, "previous_committee_tenant_id": previous,
                        "slug": session.get(Tenant, tenant_id).slug})
    session.commit()
    return committee, issued
