"""Party and cross-appointment records for tests, written through the services (so the rules apply)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from red_property.appointments.models import Body, PostRole, Procedure
from red_property.appointments.services import create_person, create_post
from red_property.core import clock
from red_property.party.models import Level
from red_property.party.services import add_member, create_organisation

TODAY = clock.today()
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n%test\n"


def branch(s: Session, community_id: int, name: str = "甲一小区党支部", level: Level = Level.COMMUNITY,
           communities: list[int] | None = None):
    return create_organisation(s, name=name, level=level, community_ids=communities or [community_id], today=TODAY)


def member(s: Session, community_id: int, name: str, *, formal: bool = True, **extra):
    return add_member(s, {"name": name, "community_id": community_id, "formal": formal, **extra})


def person(s: Session, community_id: int, name: str, *, party: bool = False, formal: bool = True):
    member_id = member(s, community_id, name, formal=formal).id if party else None
    return create_person(s, {"community_id": community_id, "name": name, "party_member_id": member_id}, today=TODAY)


def post(s: Session, who, body: Body, role: PostRole, *, organisation=None, start: dt.date | None = None,
         end: dt.date | None = None, years: int = 3, record: tuple[str, bytes] | None = None):
    start = start or TODAY.replace(year=TODAY.year - 1)
    if end is None and body != Body.PROJECT_OFFICE:
        end = start.replace(year=start.year + years) - dt.timedelta(days=1)
    procedure = Procedure.APPOINTMENT if body == Body.PROJECT_OFFICE else Procedure.ELECTION
    return create_post(s, {"person_id": who.id, "body": body, "role": role,
                           "organisation_id": organisation.id if organisation is not None else None,
                           "term_start": start, "term_end": end, "procedure": procedure, "procedure_on": start},
                       today=TODAY, record=record)
