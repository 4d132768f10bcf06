"""Metrics from people and posts (see ``compliance.sources``)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.appointments.indicators import cross_appointments, cross_appointments_many, managed_until
from red_property.appointments.models import Body, Person, Post
from red_property.compliance.sources import EvidenceRow, Values, Window, measures_many, shared, source


def posts_evidence(session: Session, window: Window, company_id: int, community_id: int) -> list[EvidenceRow]:
    """The posts in office on the day the indicators were read, with who is a party member."""
    from red_property.appointments.forms import BODY_LABELS, ROLE_LABELS

    pairs = managed_until(window).subquery()
    rows = session.execute(
        select(Person.name, Person.party_member_id, Post.body, Post.role, Post.term_start, Post.term_end)
        .join(Post, (Post.tenant_id == Person.tenant_id) & (Post.person_id == Person.id))
        .join(pairs, (pairs.c.company_id == Person.tenant_id) & (pairs.c.community_id == Person.community_id))
        .where(Person.tenant_id == company_id, Person.community_id == community_id, Post.in_office_on(pairs.c.as_of),
               Post.body != Body.RESIDENTS_COMMITTEE)
        .order_by(Post.body, Post.role, Person.name)).all()
    return [EvidenceRow(r.term_start, f"{r.name} · {BODY_LABELS[r.body]} {ROLE_LABELS[r.role]}",
                        ("党员" if r.party_member_id else "非党员") + f"，任期至 {r.term_end or '—'}")
            for r in rows]


def _indicators(session: Session, window: Window):
    return shared(session, ("cross_appointments", window), lambda: cross_appointments(session, window))


RECORDS = dict(records="appointments.index", community_records="appointments.community", evidence=posts_evidence)


@source("committee_party_share", absent=None, **RECORDS)
def committee_party_share(session: Session, window: Window) -> Values:
    """Party members among the owners' committee members in office at the window's end.

    A community with no owners' committee member recorded is missing, not 0:
    many communities have no owners' committee at all.
    """
    return {pair: values.party_share for pair, values in _indicators(session, window).items()
            if values.party_share is not None}


@source("cross_appointment", absent=None, **RECORDS)
def cross_appointment(session: Session, window: Window) -> Values:
    """The share of the three cross-appointment checks met (0..1), counting only those that apply.

    The owners' committee checks apply where an owners' committee is in office;
    the project-manager check applies where the manager is a party member, and
    counts as unmet where no manager is recorded (the company keeps its own
    project office's records, so their absence is a real shortfall).  Every
    managed community therefore has a value unless its manager is recorded,
    is not a party member and there is no owners' committee: then nothing
    applies and the value is missing.
    """
    return {pair: values.score for pair, values in _indicators(session, window).items()
            if values.score is not None}


def _indicators_many(session: Session, windows: list[Window]):
    return shared(session, ("cross_appointments_many", tuple(windows)),
                  lambda: cross_appointments_many(session, windows))


@measures_many("committee_party_share")
def committee_party_share_many(session: Session, windows: list[Window]) -> list[Values]:
    return [{pair: values.party_share for pair, values in measured.items() if values.party_share is not None}
            for measured in _indicators_many(session, windows)]


@measures_many("cross_appointment")
def cross_appointment_many(session: Session, windows: list[Window]) -> list[Values]:
    return [{pair: values.score for pair, values in measured.items() if values.score is not None}
            for measured in _indicators_many(session, windows)]
