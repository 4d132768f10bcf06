"""The demand list's one search box: a keyword, a phone, a 12345 ticket or a room.

One text is matched against every place it could mean something; the demand
matches when any of them does:

- the description (the keyword);
- the contact phone, by its digits, full or partial ("5678", "138-1234-5678");
- the 12345 hotline ticket number, and the demand's own number ("#123" or "123");
- the location as told ("3栋2单元") and the recorded household's room or building.
"""
from __future__ import annotations

import re

from sqlalchemy import ColumnElement, false, func, or_, select

from red_property.communities.models import Building, Household
from red_property.demands.models import Demand

MAX_LEN = 50
_PHONE = re.compile(r"^\+?[\d\s-]{3,}$")


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_clause(q: str) -> ColumnElement[bool]:
    """The condition a demand meets when the search text ``q`` finds it (an empty text finds none)."""
    q = q.strip()[:MAX_LEN]
    if not q:
        return false()
    like = _like(q)
    places = [Demand.description.ilike(like, escape="\\"), Demand.hotline_ticket.ilike(like, escape="\\"),
              Demand.location.ilike(like, escape="\\"),
              Demand.household_id.in_(select(Household.id).where(Household.room.ilike(like, escape="\\"))),
              Demand.building_id.in_(select(Building.id).where(Building.name.ilike(like, escape="\\")))]
    if _PHONE.match(q):
        digits = re.sub(r"\D", "", q)
        # landlines are kept as 028-85551234: compare digits with digits
        places.append(func.replace(Demand.contact_phone, "-", "").like(_like(digits), escape="\\"))
    number = q.removeprefix("#")
    if number.isdigit() and len(number) <= 18:
        places.append(Demand.id == int(number))
    return or_(*places)
