"""Natural order of rooms, buildings and addresses: 101 before 1001, 2栋 before 10栋, 2-1-101 before 10-1-101.

One order for every list, done by the database so that paging is right (sorting one
page in Python would put page 2's "101" after page 1's "1001").  Both databases know
a collation named ``natural_sort`` that compares runs of digits as numbers:

- PostgreSQL: an ICU collation (``und-u-kn-true``) created by migration 0032_finding;
- SQLite: ``natural_key`` registered on every connection (core.sqlite).

``natural_key`` is also the order for lists sorted in Python (whole lists, never a page).
"""
from __future__ import annotations

import re

from sqlalchemy import ColumnElement, collate

COLLATION = "natural_sort"
_RUNS = re.compile(r"(\d+)")


def natural_key(text: str | None) -> tuple:
    """Sort key: digit runs as numbers (before text, as ICU puts them), the rest as text (case-folded)."""
    parts = _RUNS.split(text or "")
    return tuple((0, int(p), "") if i % 2 else (1, 0, p.casefold()) for i, p in enumerate(parts) if p)


def sqlite_collation(left: str, right: str) -> int:
    """The SQLite collation: -1, 0 or 1 as ``natural_key`` orders the two texts."""
    a, b = natural_key(left), natural_key(right)
    return (a > b) - (a < b)


def natural(column) -> ColumnElement:
    """``column`` in natural order, for ``order_by``: ``order_by(natural(Household.room))``."""
    return collate(column, COLLATION)


def natural_rooms(building, unit, room) -> tuple[ColumnElement, ...]:
    """Building, unit and room in natural order (the order of every list of households)."""
    return natural(building), natural(unit), natural(room)
