"""The ways ``core.bulk`` can write many rows, against each other, on PostgreSQL with RLS.

A fresh database holds a small generated city (the scale generator: 5 companies, 10
communities, a year of quarterly bills).  As the tenant's own role (row-level security
on), rounds alternate between:

- ``executemany``: one executemany of a single-row INSERT, which psycopg pipelines and
  prepares from the sixth row on (what SQLAlchemy sends for a list of rows);
- ``VALUES``: multi-row INSERT ... RETURNING id (SQLAlchemy's insertmanyvalues, up to
  1,000 rows a statement: ``insert_rows`` before this benchmark, and still where the ids
  must come back in the rows' order);
- ``recordset``: the whole batch as one JSON parameter, ``INSERT ... SELECT FROM
  json_to_recordset`` (``write_rows``, and ``insert_rows`` without the order);

for the same rows of three tables: fee bills (22 columns; copies of the company's bills
under other invoice numbers), audit entries (9 columns, a small JSON each) and rating
results (8 columns, a breakdown of about 2.4 kB each, as a province run writes 9,960 of).
Every round is rolled back, so each starts from the same table.  Prints the median of each
and its ratio to ``recordset``.

    DATABASE_URL=postgresql://postgres@127.0.0.1/postgres uv run python -m benchmarks.bulk_writes [--rounds 9]
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from decimal import Decimal
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert, select

from benchmarks.common import analyze, fresh_database
from red_property import create_app
from red_property.core.audit import AuditEntry
from red_property.core.bulk import write_rows
from red_property.core.tenancy import tenant_scope
from red_property.demo.scale import generate_scale
from red_property.extensions import db
from red_property.fees.models import Bill
from red_property.rating.models import RatingResult, RatingRun
from red_property.rating.versions import save_version
from red_property.tenants.models import Tenant

MODEL = Path(__file__).resolve().parent.parent / "tenants" / "city-bureau" / "rating-model.toml"
RESULTS = 1_000


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


def result_rows(session, bureau: int) -> list[dict]:
    """``RESULTS`` results, each company in its own run, with a breakdown shaped as a run writes it."""
    companies = list(session.scalars(select(Tenant.id).where(Tenant.slug.like("scale7-co-%")).order_by(Tenant.id)))
    version = save_version(session, MODEL.read_text("utf-8"))
    runs = list(session.scalars(insert(RatingRun).returning(RatingRun.id), [
        dict(tenant_id=bureau, period=f"B{n}", as_of=dt.date(2026, 10, 31), model_version_id=version.id,
             status="running") for n in range(-(-RESULTS // len(companies)))]))
    session.commit()
    indicator = {"id": "meeting_cadence", "name": "三方联席会议按月召开", "metric": "meeting_cadence", "weight": "10.00",
                 "value": "0.8333", "share": "0.8333", "points": "8.33", "full": "10.00", "measured_in": "ratio",
                 "missing": False, "communities": [[101, "0.8333"], [102, "1"]]}
    breakdown = {"indicators": [indicator] * 12, "events": [], "bonus": "0.00", "deductions": "0.00", "notes": [],
                 "blacklisted": False, "gains": [{"id": "meeting_cadence", "name": "三方联席会议按月召开", "points": "1.67"}]}
    return [dict(tenant_id=bureau, run_id=runs[n // len(companies)], company_tenant_id=companies[n % len(companies)],
                 score=Decimal("83.25"), grade="AA", rank=n + 1, blacklisted=False, breakdown=breakdown)
            for n in range(RESULTS)]


def executemany(session, model, rows) -> None:
    session.execute(insert(model.__table__), rows)


def values(session, model, rows) -> None:
    session.execute(insert(model.__table__).returning(model.__table__.c.id), rows).all()


WAYS = {"executemany": executemany, "VALUES": values, "recordset": write_rows}


def timed(session, write, model, rows) -> float:
    started = time.perf_counter()
    write(session, model, rows)
    elapsed = (time.perf_counter() - started) * 1000
    session.rollback()
    return elapsed


def measure(session, name: str, model, rows: list[dict], rounds: int) -> None:
    samples: dict[str, list[float]] = {way: [] for way in WAYS}
    for _ in range(rounds):
        for way, write in WAYS.items():
            samples[way].append(timed(session, write, model, rows))
    medians = {way: statistics.median(times) for way, times in samples.items()}
    print(f"{name:<14} {len(rows):>5} " + " ".join(f"{medians[way]:>11.1f}" for way in WAYS) + "   "
          + " / ".join(f"{medians[way] / medians['recordset']:.2f}x" for way in WAYS), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": build()})
    with app.app_context():
        company = db.session.scalar(select(Tenant.id).where(Tenant.slug == "scale7-co-00000"))
        bureau = db.session.scalar(select(Tenant.id).where(Tenant.slug == "scale7-bureau"))
        print(f"{args.rounds} rounds, the ways alternating; median ms, and each way against recordset")
        print(f"{'table':<14} {'rows':>5} " + " ".join(f"{way:>11}" for way in WAYS) + "   "
              + " / ".join(WAYS))
        with tenant_scope(db.session, company) as session:
            bills = bill_copies(session)
            measure(session, "fee bills", Bill, bills, args.rounds)
            measure(session, "audit entries", AuditEntry, audit_rows(company, len(bills)), args.rounds)
        with tenant_scope(db.session, bureau) as session:
            measure(session, "rating results", RatingResult, result_rows(session, bureau), args.rounds)
        db.engine.dispose()


if __name__ == "__main__":
    main()
