"""One shape for the bureau's sheet imports (the register, the company directory,
the management contracts): checked whole when uploaded, written by a job.

The upload is read and every row checked at once, so a bad sheet is refused
with all its rows and columns (422) before anything is queued.  A good one is
kept in the tenant's folder and a job writes it, with progress, in one
transaction: it checks the rows again (the register may have changed since)
and writes nothing when one fails, leaving the rows at fault in its result
for the job page.  Run twice (at-least-once delivery), the second run finds
the file gone and writes nothing.

Rows are written with bulk INSERTs (one statement per few thousand rows, not
one per row) and each gets its "create" line in the audit log, as the flush
listener would have written it.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import func, insert, literal, select
from sqlalchemy.orm import Session

from red_property.core.audit import AuditEntry
from red_property.core.bulk import dialect_of, plain, recordset_insert
from red_property.core.exports import tenant_dir
from red_property.core.generations import note_written
from red_property.core.jobs import JobContext, JobRecord, enqueue
from red_property.core.statistics import refresh_statistics
from red_property.core.table_import import ImportRejected, read_table
from red_property.core.tenancy import current_actor_id, current_tenant_id
from red_property.core import clock

Progress = Callable[[int], None]
BATCH = 2000
MAX_ERRORS = 200  # kept in a job's result; the upload page lists them all


@dataclass(frozen=True)
class SheetImport:
    """What differs between the imports: the job's name, how rows are checked and how they are written.

    ``check(session, table, progress)`` returns the rows to write or raises
    ``ImportRejected``; ``write(session, rows, progress)`` adds them (without
    committing) and returns the counts shown to the user.  ``progress`` takes
    a percentage of that step.  ``tables`` are those it fills in bulk: their
    planner statistics are refreshed after the commit (``core.statistics``).
    """

    job_name: str
    check: Callable[[Session, list[list[str]], Progress], Any]
    write: Callable[[Session, Any, Progress], dict]
    max_bytes: int
    tables: tuple[str, ...] = ()


def start_import(session: Session, kind: SheetImport, filename: str, data: bytes) -> JobRecord:
    """Check a sheet now (``ImportRejected`` with every bad row), then queue the job that writes it."""
    kind.check(session, read_table(filename, data, max_bytes=kind.max_bytes), lambda _p: None)
    stored = f"{secrets.token_hex(16)}.upload"
    folder = tenant_dir(current_tenant_id(session)) / "imports"
    folder.mkdir(exist_ok=True)
    (folder / stored).write_bytes(data)
    return enqueue(session, kind.job_name, stored=stored, filename=filename[:200])


def run_import(ctx: JobContext, kind: SheetImport, stored: str, filename: str) -> dict:
    """The job: read the kept sheet, check it again, write it all or nothing (commits)."""
    path = tenant_dir(ctx.tenant_id) / "imports" / stored
    if not path.exists():
        return {"rows": 0, "created": 0, "note": "already imported"}
    ctx.progress(2, "读取文件")
    try:
        table = read_table(filename, path.read_bytes())
        rows = kind.check(ctx.session, table, lambda p: ctx.progress(5 + 40 * p // 100, "正在校验"))
    except ImportRejected as exc:  # nothing written; the job page lists the rows, as the upload page would
        ctx.session.rollback()
        path.unlink(missing_ok=True)
        return {"rows": 0, "created": 0, "error_count": len(exc.errors),
                "errors": [e.as_dict() for e in exc.errors[:MAX_ERRORS]]}
    ctx.progress(45, "正在写入")
    result = kind.write(ctx.session, rows, lambda p: ctx.progress(45 + 53 * p // 100, "正在写入"))
    ctx.session.commit()
    path.unlink(missing_ok=True)
    refresh_statistics(ctx.session, *kind.tables, AuditEntry, written=result["created"])
    return result


def insert_audited(session: Session, model, rows: list[dict], progress: Progress = lambda _p: None) -> list[int]:
    """Insert ``rows`` of a tenant-owned ``model`` for the session's tenant in batches, with an audit
    line each (the row as written); their ids.  Bulk INSERTs skip the ORM's tenant stamp and audit
    listener, so both are done here."""
    tenant_id, actor_id, now = current_tenant_id(session), current_actor_id(session), clock.now()
    insert_batch = _insert_postgresql if dialect_of(session) == "postgresql" else _insert_portable
    note_written(session, model.__tablename__)   # the PostgreSQL batch is a statement of its own
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = [{**row, "tenant_id": tenant_id} for row in rows[start:start + BATCH]]
        ids += insert_batch(session, model.__table__, chunk, dict(tenant_id=tenant_id, actor_id=actor_id,
                                                                   action="create", entity=model.__tablename__, at=now))
        progress(100 * (start + len(chunk)) // len(rows))
    return ids


def _insert_portable(session: Session, table, rows: list[dict], audit: dict) -> list[int]:
    made = session.execute(insert(table).returning(*table.c), rows).mappings().all()
    session.execute(insert(AuditEntry), [
        {**audit, "entity_id": row["id"], "before": None, "after": {k: plain(v) for k, v in row.items()}}
        for row in made])
    return [row["id"] for row in made]


def _insert_postgresql(session: Session, table, rows: list[dict], audit: dict) -> list[int]:
    """One statement per batch: the rows arrive as one JSON parameter (``json_to_recordset``), and a
    data-modifying CTE writes each row's audit line from the row as stored (``to_json``).

    What SQLAlchemy sends otherwise cost more on the client than the writes on
    the server: a multi-row VALUES list has a placeholder per cell, which
    psycopg parses; arrays per column (``unnest``) have psycopg quote every
    string; ids in the order sent (``sort_by_parameter_order``) mean an INSERT
    per row; and the audit lines went to the server and back again.
    Python-side defaults (timestamps) are filled in here, as Core would.
    """
    made = recordset_insert(table, rows).returning(*table.c).cte("made")
    audit_table = AuditEntry.__table__
    lines = insert(audit_table).from_select(
        ["tenant_id", "actor_id", "action", "entity", "entity_id", "after", "at"],
        select(made.c.tenant_id, literal(audit["actor_id"], audit_table.c.actor_id.type),
               literal(audit["action"]), literal(audit["entity"]), made.c.id,
               func.to_json(made.table_valued()), literal(audit["at"], audit_table.c.at.type)))
    return list(session.execute(lines.add_cte(made).returning(audit_table.c.entity_id)).scalars())
