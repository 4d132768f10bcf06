"""The two ways ``core.bulk`` writes many rows, against each other, on PostgreSQL with RLS.

A fresh database holds a small generated city (the scale generator: 5 companies, 10
communities, a year of quarterly bills).  As the company's own role (row-level security
on), rounds alternate between:

- ``write_rows``: one executemany of a single-row INSERT, which psycopg pipelines and
  prepares from the sixth row on;
- ``insert_rows``: multi-row INSERT ... RETURNING id (SQLAlchemy's insertmanyvalues,
  up to 1,000 rows a statement);

for the same rows of two tables: fee bills (22 columns; copies of the company's bills under
other invoice numbers) and audit entries (9 columns, a small JSON each).  Every round is
rolled back, so each starts from the same table.  Prints the median of each and the ratio.

    DATABASE_URL=postgresql://postgres@127.0.0.1/postgres uv run python -m benchmarks.bulk_writes [--rounds 9]
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from flask_migrate import upgrade
from sqlalchemy import select

from benchmarks.common import analyze, fresh_database
from red_property import create_app
from red_property.core.audit import AuditEntry
from red_property.core.bulk import insert_rows, write_rows
from red_property.core.tenancy import tenant_scope
from red_property.demo.scale import generate_scale
from red_property.extensions import db
from red_property.fees.models import Bill
from red_property.tenants.models import Tenant


def build() -> str:
    owner, app_url = fresh_database("rp_bench_bulk_writes")
    app = create_app({"SQLALCHEMY_DATABASE_URI": owner, "MIGRATE_DATABASE_URL": owner})
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "MIGRATE_DATABASE_URL": owner})
    with app.app_context():
        generate_scale(db.session, companies=5, communities=10)
        db.engine.dispose()
    analyze(owner)
    return app_url


def bill_copies(session) -> list[dict]:
    """The company's bills again, ten years on and under other invoice codes (the unique keys)."""
    rows = []
    for bill in session.execute(select(Bill.__table__)).mappings():
        row = dict(bill)
        del row["id"]
        row.update(period=f"{int(row['period'][:4]) + 10}{row['period'][4:]}", invoice_year=row["invoice_year"] + 10,
                   invoice_code="B" + row["invoice_code"])
        rows.append(row)
    return rows


def audit_rows(tenant_id: int, count: int) -> list[dict]:
    at = dt.datetime(2026, 11, 20, 2, tzinfo=dt.timezone.utc)
    return [dict(tenant_id=tenant_id, actor_id=None, action="create", entity="fee_bill", entity_id=n, before=None,
                 after={"amount_fen": 100_000 + n, "payer_name": "张三", "period": "2026-Q4"}, at=at)
            for n in range(count)]


def timed(session, write, model, rows) -> float:
    started = time.perf_counter()
    write(session, model, rows)
    elapsed = (time.perf_counter() - started) * 1000
    session.rollback()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": build()})
    with app.app_context():
        company = db.session.scalar(select(Tenant.id).where(Tenant.slug == "scale7-co-00000"))
        with tenant_scope(db.session, company) as session:
            bills = bill_copies(session)
            cases = {"fee bills": (Bill, bills), "audit entries": (AuditEntry, audit_rows(company, len(bills)))}
            print(f"{len(bills)} rows a write, {args.rounds} rounds, alternating; median ms")
            print(f"{'table':<14} {'write_rows':>10} {'insert_rows':>11}  ratio (insert/write)")
            for name, (model, rows) in cases.items():
                samples: dict[str, list[float]] = {"write": [], "insert": []}
                for _ in range(args.rounds):
                    samples["write"].append(timed(session, write_rows, model, rows))
                    samples["insert"].append(timed(session, insert_rows, model, rows))
                write_ms, insert_ms = (statistics.median(samples[k]) for k in ("write", "insert"))
                print(f"{name:<14} {write_ms:>10.1f} {insert_ms:>11.1f}  {insert_ms / write_ms:.2f}x")
        db.engine.dispose()


if __name__ == "__main__":
    main()
