"""Reading meetings and decisions: each page in a fixed number of queries."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from red_property.communities.models import Community, ManagementContract
from red_property.core.files import StoredFile
from red_property.core.tenancy import current_tenant_id
from red_property.meetings.models import (REQUIRED_PARTIES, AgendaItem, AttendeeParty, ItemProgress, JointMeeting,
                                          MatterCategory, MeetingAttendee)
from red_property.party.models import OrganisationCommunity, PartyMember, PartyOrganisation

MAJOR = [c for c in MatterCategory if c.major]
STATUSES = ("open", "overdue", "done")


@dataclass
class MeetingRow:
    meeting: JointMeeting
    community: str
    items: int
    unreviewed: int     # major matters without the branch's pre-review
    overdue: int        # decisions past their date, not done


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paged(session: Session, stmt, page: int, per_page: int, row=lambda *columns: columns) -> Page:
    """One page of ``stmt`` (already ordered) and its total: two queries; ``row(*columns)`` shapes each row."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page([row(*r) for r in rows], total, page, per_page)


def list_meetings(session: Session, *, today: dt.date, page: int = 1, per_page: int = 30,
                  community_id: int | None = None, period: int | None = None) -> Page:
    """Meetings newest first, with their flags: two queries whatever the page size."""
    items = select(func.count(AgendaItem.id)).where(AgendaItem.meeting_id == JointMeeting.id)
    unreviewed = items.where(AgendaItem.category.in_(MAJOR), AgendaItem.reviewed_on.is_(None))
    overdue = items.where(AgendaItem.decision.is_not(None), AgendaItem.done_on.is_(None), AgendaItem.due_on < today)
    stmt = (select(JointMeeting, Community.name, items.scalar_subquery(), unreviewed.scalar_subquery(),
                   overdue.scalar_subquery())
            .join(Community, Community.id == JointMeeting.community_id))
    if community_id is not None:
        stmt = stmt.where(JointMeeting.community_id == community_id)
    if period is not None:
        first = dt.date(period // 100, period % 100, 1)
        stmt = stmt.where(JointMeeting.held_on >= first, JointMeeting.held_on < _next_month(first))
    return paged(session, stmt.order_by(JointMeeting.held_on.desc(), JointMeeting.id.desc()), page, per_page,
                 MeetingRow)


def _next_month(first: dt.date) -> dt.date:
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)


@dataclass
class MeetingDetail:
    meeting: JointMeeting
    community: Community
    organisation: PartyOrganisation | None
    minutes: StoredFile | None
    attendees: list[MeetingAttendee]
    items: list[AgendaItem]
    progress: dict[int, list[ItemProgress]] = field(default_factory=dict)

    @property
    def missing_parties(self) -> list[AttendeeParty]:
        present = {a.party for a in self.attendees}
        return [p for p in AttendeeParty if p in REQUIRED_PARTIES and p not in present]


def meeting_detail(session: Session, meeting_id: int) -> MeetingDetail | None:
    """A meeting with its community, branch, minutes, attendees, items and progress notes."""
    meeting = session.get(JointMeeting, meeting_id)
    if meeting is None:
        return None
    community = session.get(Community, meeting.community_id)
    organisation = session.get(PartyOrganisation, meeting.organisation_id) if meeting.organisation_id else None
    minutes = session.get(StoredFile, meeting.minutes_file_id) if meeting.minutes_file_id else None
    attendees = session.scalars(select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting_id)
                                .order_by(MeetingAttendee.id)).all()
    items = session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
                            .order_by(AgendaItem.position)).all()
    progress: dict[int, list[ItemProgress]] = {}
    for note in session.scalars(select(ItemProgress).where(ItemProgress.item_id.in_([i.id for i in items]))
                                .order_by(ItemProgress.noted_on, ItemProgress.id)):
        progress.setdefault(note.item_id, []).append(note)
    return MeetingDetail(meeting, community, organisation, minutes, list(attendees), list(items), progress)


@dataclass
class DecisionRow:
    item: AgendaItem
    meeting: JointMeeting
    community: str
    last_note: str | None


def list_decisions(session: Session, *, today: dt.date, status: str | None = None, community_id: int | None = None,
                   page: int = 1, per_page: int = 30) -> Page:
    """Decisions to follow up (open, overdue, done, or all), soonest due first: two queries."""
    latest = (select(ItemProgress.note).where(ItemProgress.item_id == AgendaItem.id)
              .order_by(ItemProgress.noted_on.desc(), ItemProgress.id.desc()).limit(1))
    stmt = (select(AgendaItem, JointMeeting, Community.name, latest.scalar_subquery())
            .join(JointMeeting, and_(JointMeeting.id == AgendaItem.meeting_id,
                                     JointMeeting.tenant_id == AgendaItem.tenant_id))
            .join(Community, Community.id == JointMeeting.community_id)
            .where(AgendaItem.decision.is_not(None)))
    if status == "done":
        stmt = stmt.where(AgendaItem.done_on.is_not(None))
    elif status == "overdue":
        stmt = stmt.where(AgendaItem.done_on.is_(None), AgendaItem.due_on < today)
    elif status == "open":
        stmt = stmt.where(AgendaItem.done_on.is_(None), AgendaItem.due_on >= today)
    if community_id is not None:
        stmt = stmt.where(JointMeeting.community_id == community_id)
    order = (AgendaItem.done_on.desc(),) if status == "done" else ()
    return paged(session, stmt.order_by(*order, AgendaItem.due_on, AgendaItem.id), page, per_page, DecisionRow)


def branches_of(session: Session, community_id: int) -> list[tuple[int, str]]:
    """Party organisations covering a community: the choices of a convening branch."""
    return session.execute(
        select(PartyOrganisation.id, PartyOrganisation.name)
        .join(OrganisationCommunity, and_(OrganisationCommunity.organisation_id == PartyOrganisation.id,
                                          OrganisationCommunity.tenant_id == PartyOrganisation.tenant_id))
        .where(OrganisationCommunity.community_id == community_id)
        .order_by(PartyOrganisation.level, PartyOrganisation.name)).all()


def members_of(session: Session, community_id: int) -> list[tuple[int, str]]:
    """Party members living in a community, for linking attendees or participants."""
    return session.execute(select(PartyMember.id, PartyMember.name)
                           .where(PartyMember.community_id == community_id)
                           .order_by(PartyMember.name, PartyMember.id)).all()


def company_communities(session: Session) -> list[tuple[int, str]]:
    """Communities the company manages or managed: the choices for logging a record."""
    managed = select(ManagementContract.community_id).where(
        ManagementContract.company_tenant_id == current_tenant_id(session))
    return session.execute(select(Community.id, Community.name).where(Community.id.in_(managed))
                           .order_by(Community.name, Community.id)).all()


def progress_of(session: Session, item_id: int) -> list[ItemProgress]:
    return list(session.scalars(select(ItemProgress).where(ItemProgress.item_id == item_id)
                                .order_by(ItemProgress.noted_on, ItemProgress.id)))
