"""Many rows written at once.

Every statement here is on the table, not the mapped class: the ORM's bulk INSERT leaves
out every ``None`` of a row and groups the rows by the keys left, so rows whose blanks fall
differently went one statement and one round trip each (a generated city's 30,670 demand
events went as 30,670 INSERTs).  Every row must therefore name the same columns.  A
connection (the audit log writes during a flush, where the session cannot execute) works
the same as a session.

``benchmarks.bulk_writes`` measures the ways of sending rows to PostgreSQL (psycopg 3)
against each other.  A batch as one JSON parameter (``json_to_recordset``) was the fastest
for fee bills and audit entries (1.4-1.7x faster than an executemany, 2.8-3.9x than a
multi-row VALUES list, whose every placeholder psycopg rewrites on every statement); for
rating results, few columns and large JSON, it and an executemany were within each other's
noise, both well ahead of VALUES (the README's table).
"""
from __future__ import annotations

import datetime as dt
import enum
import json
from decimal import Decimal

from sqlalchemy import JSON, Connection, Text, bindparam, cast, column, func, insert, select
from sqlalchemy.orm import Session

BATCH = 2000
# Up to this many rows (a flush's audit entries, say) a plain INSERT costs less Python than building
# the JSON statement: a payment's two audit entries 0.19 ms against 0.38 ms, ten 0.35-0.39 against
# 0.41-0.45 ms; twenty, the same either way.
FEW = 10


def write_rows(session: Session | Connection, model, rows: list[dict]) -> None:
    """Insert ``rows`` of ``model``: on PostgreSQL ``BATCH`` rows a statement, each batch one JSON
    parameter (``recordset_insert``); ``FEW`` rows or fewer, or elsewhere (the embedded SQLite), one
    executemany."""
    if not rows:
        return
    table = model.__table__
    if len(rows) <= FEW or dialect_of(session) != "postgresql":
        session.execute(insert(table), rows)
        return
    for start in range(0, len(rows), BATCH):
        session.execute(recordset_insert(table, rows[start:start + BATCH]))


def insert_rows(session: Session | Connection, model, rows: list[dict], *, ordered: bool = False) -> list[int]:
    """Insert ``rows`` of ``model`` and return their ids: in the rows' order if ``ordered``,
    else in no set order.

    Unordered on PostgreSQL, as ``write_rows`` with RETURNING.  Ordered, or elsewhere,
    SQLAlchemy's "insertmanyvalues" (up to 1,000 rows a statement, matched to their ids by
    a sentinel where the order counts).
    """
    if not rows:
        return []
    table = model.__table__
    if ordered or dialect_of(session) != "postgresql":
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=ordered)
        return list(session.execute(statement, rows).scalars())
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        ids += session.execute(recordset_insert(table, rows[start:start + BATCH]).returning(table.c.id)).scalars()
    return ids


def recordset_insert(table, rows: list[dict]):
    """``INSERT INTO table … SELECT FROM json_to_recordset(rows)`` (PostgreSQL): a whole batch as one
    parameter.  The rows have the same keys; Python-side defaults are filled in, as Core would."""
    names = list(rows[0])
    constants = {c.name: _default(c) for c in table.c if c.name not in names and not c.primary_key
                 and c.default is not None and (c.default.is_callable or c.default.is_scalar)}
    columns = [*names, *constants]
    document = json.dumps([{**row, **constants} for row in rows], default=_json_value, ensure_ascii=False)
    source = func.json_to_recordset(cast(bindparam("rows", document, type_=Text), JSON)).table_valued(
        *[column(name, table.c[name].type) for name in columns]).render_derived(name="source", with_types=True)
    return insert(table).from_select(columns, select(*[source.c[name] for name in columns]))


def dialect_of(session: Session | Connection) -> str:
    """The database's dialect name (``postgresql``, ``sqlite``) behind a session or a connection."""
    return (session.dialect if isinstance(session, Connection) else session.get_bind().dialect).name


def plain(value):
    """A column's value as JSON holds it: dates as ISO text, decimals as text, enums by value;
    anything else as it is."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _json_value(value):
    """``json.dumps``'s fallback: a value it cannot write is one ``plain`` changes, or an error."""
    if (written := plain(value)) is value:
        raise TypeError(f"{type(value).__name__} in a bulk insert")
    return written


def _default(column_):
    default = column_.default
    return default.arg(None) if default.is_callable else default.arg
