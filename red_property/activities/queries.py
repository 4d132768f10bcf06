"""Reading activities, reports, the service-hours ledger and negative records:
each page in a fixed number of queries."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from red_property.activities.models import Activity, ActivityKind, ActivityParticipant, NegativeRecord, ServiceReport
from red_property.activities.services import minutes_to_hours
from red_property.communities.models import Community
from red_property.meetings.queries import Page, paged
from red_property.party.models import PartyMember, PartyOrganisation


@dataclass
class ActivityRow:
    activity: Activity
    community: str
    participants: int
    members: int
    minutes: int

    @property
    def hours(self) -> Decimal:
        return minutes_to_hours(self.minutes)


def list_activities(session: Session, *, page: int = 1, per_page: int = 30, community_id: int | None = None,
                    kind: ActivityKind | None = None) -> Page:
    """Activities newest first with participant counts and hours: two queries."""
    totals = (select(ActivityParticipant.activity_id, func.count(ActivityParticipant.id).label("people"),
                     func.count(ActivityParticipant.member_id).label("members"),
                     func.sum(ActivityParticipant.minutes).label("minutes"))
              .group_by(ActivityParticipant.activity_id).subquery())
    stmt = (select(Activity, Community.name, func.coalesce(totals.c.people, 0), func.coalesce(totals.c.members, 0),
                   func.coalesce(totals.c.minutes, 0))
            .join(Community, Community.id == Activity.community_id)
            .outerjoin(totals, totals.c.activity_id == Activity.id))
    if community_id is not None:
        stmt = stmt.where(Activity.community_id == community_id)
    if kind is not None:
        stmt = stmt.where(Activity.kind == kind)
    return paged(session, stmt.order_by(Activity.held_on.desc(), Activity.id.desc()), page, per_page, ActivityRow)


@dataclass
class ActivityDetail:
    activity: Activity
    community: Community
    organisation: PartyOrganisation | None
    participants: list[ActivityParticipant]


def activity_detail(session: Session, activity_id: int) -> ActivityDetail | None:
    activity = session.get(Activity, activity_id)
    if activity is None:
        return None
    organisation = session.get(PartyOrganisation, activity.organisation_id) if activity.organisation_id else None
    participants = session.scalars(select(ActivityParticipant).where(ActivityParticipant.activity_id == activity_id)
                                   .order_by(ActivityParticipant.member_id.is_(None), ActivityParticipant.id)).all()
    return ActivityDetail(activity, session.get(Community, activity.community_id), organisation, list(participants))


@dataclass
class LedgerRow:
    member: PartyMember
    community: str
    activities: int
    minutes: int
    reports: list[ServiceReport]

    @property
    def hours(self) -> Decimal:
        return minutes_to_hours(self.minutes)

    @property
    def claimed(self) -> list[str]:
        return list(dict.fromkeys(i for r in self.reports for i in r.claimed_items))


def service_ledger(session: Session, year: int, *, in_service_only: bool = True, page: int | None = 1,
                   per_page: int = 50) -> Page:
    """Per member, the year's activities and service hours with their report-ins (双报到): three queries.

    ``page=None`` returns every row (the export).
    """
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    served = (select(ActivityParticipant.member_id, func.count(func.distinct(Activity.id)).label("activities"),
                     func.sum(ActivityParticipant.minutes).label("minutes"))
              .join(Activity, and_(Activity.id == ActivityParticipant.activity_id,
                                   Activity.tenant_id == ActivityParticipant.tenant_id))
              .where(ActivityParticipant.member_id.is_not(None), Activity.held_on >= first, Activity.held_on <= last)
              .group_by(ActivityParticipant.member_id).subquery())
    stmt = (select(PartyMember, Community.name, func.coalesce(served.c.activities, 0),
                   func.coalesce(served.c.minutes, 0))
            .join(Community, Community.id == PartyMember.community_id)
            .outerjoin(served, served.c.member_id == PartyMember.id))
    if in_service_only:
        stmt = stmt.where(PartyMember.directly_managed.is_(False))
    stmt = stmt.order_by(Community.name, PartyMember.name, PartyMember.id)
    if page is None:
        rows = [tuple(r) for r in session.execute(stmt)]
        result = Page(rows, len(rows), 1, max(1, len(rows)))
    else:
        result = paged(session, stmt, page, per_page)
    reports: dict[int, list[ServiceReport]] = {}
    for report in session.scalars(select(ServiceReport).where(
            ServiceReport.member_id.in_([m.id for m, *_ in result.items]), ServiceReport.reported_on <= last)
            .order_by(ServiceReport.reported_on)):
        reports.setdefault(report.member_id, []).append(report)
    result.items = [LedgerRow(m, name, n, minutes, reports.get(m.id, [])) for m, name, n, minutes in result.items]
    return result


@dataclass
class NegativeRow:
    record: NegativeRecord
    member: PartyMember
    community: str


def list_negative(session: Session, *, today: dt.date, status: str | None = None, page: int = 1,
                  per_page: int = 30, record_id: int | None = None) -> Page:
    """Negative-behaviour records, newest first; ``status="to_report"``: past the deadline,
    not rectified in time, not yet reported.  Two queries."""
    stmt = (select(NegativeRecord, PartyMember, Community.name)
            .join(PartyMember, and_(PartyMember.id == NegativeRecord.member_id,
                                    PartyMember.tenant_id == NegativeRecord.tenant_id))
            .join(Community, Community.id == PartyMember.community_id))
    in_time = and_(NegativeRecord.rectified_on.is_not(None), NegativeRecord.rectified_on <= NegativeRecord.rectify_by)
    if status == "to_report":
        stmt = stmt.where(~in_time, NegativeRecord.reported_on.is_(None), NegativeRecord.rectify_by < today)
    elif status == "pending":
        stmt = stmt.where(NegativeRecord.rectified_on.is_(None), NegativeRecord.rectify_by >= today)
    elif status == "closed":
        stmt = stmt.where(or_(in_time, NegativeRecord.reported_on.is_not(None)))
    if record_id is not None:
        stmt = stmt.where(NegativeRecord.id == record_id)
    return paged(session, stmt.order_by(NegativeRecord.occurred_on.desc(), NegativeRecord.id.desc()), page, per_page,
                 NegativeRow)


def in_service_members(session: Session) -> list[tuple[int, str, str]]:
    """(id, name, community) of in-service members: the choices for a report-in."""
    return session.execute(select(PartyMember.id, PartyMember.name, Community.name)
                           .join(Community, Community.id == PartyMember.community_id)
                           .where(PartyMember.directly_managed.is_(False))
                           .order_by(Community.name, PartyMember.name)).all()


def all_members(session: Session) -> list[tuple[int, str, str]]:
    """(id, name, community) of every member: the choices for a negative record."""
    return session.execute(select(PartyMember.id, PartyMember.name, Community.name)
                           .join(Community, Community.id == PartyMember.community_id)
                           .order_by(Community.name, PartyMember.name)).all()


def list_reports(session: Session, *, page: int = 1, per_page: int = 50, member_id: int | None = None) -> Page:
    """Report-ins (双报到), newest first, with the member's name: two queries."""
    stmt = (select(ServiceReport, PartyMember.name)
            .join(PartyMember, and_(PartyMember.id == ServiceReport.member_id,
                                    PartyMember.tenant_id == ServiceReport.tenant_id)))
    if member_id is not None:
        stmt = stmt.where(ServiceReport.member_id == member_id)
    return paged(session, stmt.order_by(ServiceReport.reported_on.desc(), ServiceReport.id.desc()), page, per_page)
