"""``notify``: the one way a notification is made; reading and marking them read.

Most notifications stay in their tenant (a company's demand, a committee's
statement).  Two come from the housing bureau and are for companies (a rating
published, an appeal decided): the bureau may not write another tenant's rows,
so those are delivered by one named path, ``_deliver_from_bureau``: on
PostgreSQL the SECURITY DEFINER function ``notification_from_bureau`` (migration
0030) which derives recipients and text from rows the bureau owns and writes in
each company's scope; elsewhere (SQLite, no RLS) the same in Python.  No tenant
ever reads another's notifications: the table is walled per tenant and every
query here is also narrowed to the reader.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from red_property.accounts.models import Role, User
from red_property.core import clock
from red_property.core.tenancy import activate_tenant, current_tenant_id, fresh_session
from red_property.notifications.kinds import APPEAL_DECIDED, KINDS, RATING_PUBLISHED
from red_property.notifications.models import Notification

FROM_BUREAU = (RATING_PUBLISHED, APPEAL_DECIDED)
REASON_CHARS = 200   # of an appeal decision's reason, quoted in the notification


def notify(session: Session, kind: str, subject_id: int, *, users: Iterable[int] = (), occasion: str = "",
           params: dict | None = None) -> int:
    """Notify ``users`` of the session's tenant of ``kind`` about ``subject_id``; returns how many were made.

    Idempotent: a user gets one notification per kind, subject and ``occasion``
    (an overdue event, a period); asking again makes none.  Commits.  For the
    bureau's kinds (``FROM_BUREAU``) ``users`` and ``params`` are not given:
    the companies' admins are notified, with what the bureau's own rows say.
    """
    if kind not in KINDS:
        raise KeyError(f"unknown notification kind {kind!r}")
    if kind in FROM_BUREAU:
        return _deliver_from_bureau(session, kind, subject_id)
    made = _add(session, kind, subject_id, sorted(set(users)), occasion, params or {})
    try:
        session.commit()
    except IntegrityError:  # the same notification made concurrently (a job delivered twice): it exists
        session.rollback()
        return 0
    return made


def _add(session: Session, kind: str, subject_id: int, users: list[int], occasion: str, params: dict) -> int:
    if not users:
        return 0
    have = set(session.scalars(select(Notification.user_id).where(
        Notification.kind == kind, Notification.subject_id == subject_id, Notification.occasion == occasion,
        Notification.user_id.in_(users))))
    new = [Notification(user_id=u, kind=kind, subject_id=subject_id, occasion=occasion, params=params)
           for u in users if u not in have]
    session.add_all(new)
    session.flush()
    return len(new)


def users_with_roles(session: Session, *roles: Role) -> list[int]:
    """The session's tenant's active users with one of ``roles``."""
    return list(session.scalars(select(User.id).where(User.active.is_(True), User.role.in_(roles)).order_by(User.id)))


# --- from the bureau to companies ---------------------------------------------------------------


def _deliver_from_bureau(session: Session, kind: str, subject_id: int) -> int:
    if session.get_bind().dialect.name == "postgresql":
        made = session.scalar(text("SELECT notification_from_bureau(:kind, :subject, :at)"),
                              {"kind": kind, "subject": subject_id, "at": clock.now()})
        session.commit()
        return made
    # SQLite: the same rules in Python, each company's rows in a session of its own scope.
    targets = bureau_targets(session, kind, subject_id)
    session.commit()   # SQLite has one writer: the bureau's transaction ends before the companies' begin
    made = 0
    for company_id, subject, params in targets:
        company = fresh_session()
        try:
            activate_tenant(company, company_id)
            made += _add(company, kind, subject, users_with_roles(company, Role.ADMIN), "", params)
            company.commit()
        finally:
            company.close()
    return made


def bureau_targets(session: Session, kind: str, subject_id: int) -> list[tuple[int, int, dict]]:
    """(company, subject, params) for a bureau's notification, read from rows the bureau owns
    (what ``notification_from_bureau`` reads on PostgreSQL)."""
    from red_property.rating.models import Appeal, AppealDecision, RatingResult, RatingRun
    from red_property.tenants.models import Tenant, TenantKind

    bureau = current_tenant_id(session)
    tenant = session.get(Tenant, bureau) if bureau is not None else None
    if tenant is None or tenant.kind != TenantKind.BUREAU:
        raise PermissionError("only a housing bureau notifies other tenants")
    if kind == RATING_PUBLISHED:
        run = session.get(RatingRun, subject_id)
        if run is None or run.tenant_id != bureau or run.published_at is None:
            return []
        params = {"run_id": run.id, "period": run.period, "appeals_until": _iso(run.appeals_until)}
        companies = session.scalars(select(RatingResult.company_tenant_id).where(
            RatingResult.tenant_id == bureau, RatingResult.run_id == run.id).order_by(RatingResult.company_tenant_id))
        return [(company, run.id, params) for company in companies]
    row = session.execute(
        select(Appeal, AppealDecision, RatingRun.period)
        .join(AppealDecision, AppealDecision.appeal_id == Appeal.id)
        .join(RatingRun, RatingRun.id == Appeal.run_id)
        .where(Appeal.id == subject_id, AppealDecision.tenant_id == bureau, RatingRun.tenant_id == bureau)).first()
    if row is None:
        return []
    appeal, decision, period = row
    return [(appeal.tenant_id, appeal.id, {"run_id": appeal.run_id, "period": period,
                                           "indicator": appeal.indicator_id, "upheld": decision.upheld,
                                           "reason": decision.reason[:REASON_CHARS]})]


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.timezone.utc).isoformat() if value is not None else None


# --- reading ----------------------------------------------------------------------------------


def of_user(user_id: int):
    """The select of one user's notifications (in the session's tenant), newest first."""
    return select(Notification).where(Notification.user_id == user_id)


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def one_of_user(session: Session, user_id: int, notification_id: int) -> Notification | None:
    """The user's own notification, or None (another user's, another tenant's, or none)."""
    return session.scalar(of_user(user_id).where(Notification.id == notification_id))


def mark_read(session: Session, notification: Notification) -> Notification:
    """Mark one notification read (once: the first time stays)."""
    if notification.read_at is None:
        notification.read_at = clock.now()
        session.commit()
    return notification


def mark_all_read(session: Session, user_id: int) -> int:
    """Mark every unread notification of the user read; returns how many."""
    count = session.execute(update(Notification).where(Notification.user_id == user_id,
                                                       Notification.read_at.is_(None))
                            .values(read_at=clock.now()).execution_options(synchronize_session=False)).rowcount
    session.commit()
    return count
