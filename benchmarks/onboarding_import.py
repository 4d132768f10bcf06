"""Onboarding a province: register, directory and contracts imported through the jobs, vs a COPY floor.

A fresh PostgreSQL database (the app connects as the unprivileged role, so
row-level security is on) and an empty bureau.  The sheet generator writes the
province-scale sheets (20,520 communities, 9,960 companies, 20,520 contracts)
as CSV; then, in the same run:

- the product: each sheet through its import as the upload page calls it
  (read and check every row, keep the file, queue the job), the job running
  in-process: read and check again, bulk INSERT with an audit line per row, for
  the contracts also open the 9,960 company tenants; timed per sheet and in all;
- the floor: the same rows read with the csv module and written with COPY as
  the schema owner (no RLS, no checks, no audit) for a second bureau, tenants
  linked with one UPDATE, contracts resolved with two dictionary look-ups.

    DATABASE_URL=postgresql://postgres@127.0.0.1/postgres uv run python -m benchmarks.onboarding_import [--scale city|province]
"""
from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from pathlib import Path

import psycopg
from flask_migrate import upgrade
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from benchmarks.common import analyze, fresh_database
from red_property import create_app
from red_property.accounts.models import Role
from red_property.accounts.services import create_user
from red_property.communities.models import Community, ManagementContract
from red_property.core import clock
from red_property.core.jobs import JobRecord
from red_property.core.owner import owner_session
from red_property.core.tenancy import tenant_scope
from red_property.demo.scale import SCALES
from red_property.tenants.changes import add_tenant
from red_property.demo.sheets import write_sheets
from red_property.extensions import db
from red_property.onboarding.contracts import SELECTION_WORDS, start_contracts_import
from red_property.onboarding.directory import start_directory_import
from red_property.onboarding.models import Company
from red_property.onboarding.register import start_register_import
from red_property.tenants.models import TenantKind

GOAL_S = 60
STARTS = {"register": start_register_import, "directory": start_directory_import, "contracts": start_contracts_import}


def product(owner: str, app_url: str, sheets: dict[str, Path]) -> tuple[dict[str, tuple[float, float]], dict]:
    """Seconds per sheet (the whole call, and the job's part of it) through the real import path."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "MIGRATE_DATABASE_URL": owner, "JOBS_INLINE": True})
    times = {}
    with app.app_context():
        with owner_session() as session:  # a bureau is the schema owner's to create (tenants.changes)
            bureau_id = add_tenant(session, kind=TenantKind.BUREAU, slug="province-bureau", name="省住房和城乡建设厅",
                                   credit_code=None).id
            session.commit()
        with tenant_scope(db.session, bureau_id) as s:
            admin = create_user(s, email="admin@province.cn", name="管理员", role=Role.ADMIN, password=None).id
            s.commit()
        for name, start in STARTS.items():
            data = sheets[name].read_bytes()
            with tenant_scope(db.session, bureau_id, admin) as s:
                started = time.perf_counter()
                record = start(s, f"{name}.csv", data)
                total = time.perf_counter() - started
                s.refresh(record)
                assert record.status == "done" and "errors" not in record.result, (name, record.result)
                job = (record.finished_at - record.started_at).total_seconds()
                times[name] = (total, job)
                print(f"  product {name:<10} {total:6.2f} s (job {job:5.2f} s) {record.result}", flush=True)
        with tenant_scope(db.session, bureau_id) as s:
            counts = {"communities": s.scalar(select(func.count(Community.id))),
                      "companies": s.scalar(select(func.count(Company.id))),
                      "contracts": s.scalar(select(func.count(ManagementContract.id))),
                      "jobs": s.scalar(select(func.count(JobRecord.id)))}
        db.engine.dispose()
    return times, counts


def floor(owner: str, sheets: dict[str, Path]) -> dict[str, float]:
    """The same rows with COPY as the schema owner: the least a bulk load can cost here."""
    now = clock.now()
    url = make_url(owner).set(drivername="postgresql").render_as_string(hide_password=False)
    times = {}
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        bureau = cur.execute("INSERT INTO tenant (kind, slug, name, created_at, updated_at) VALUES "
                             "('bureau', 'floor-bureau', '下限住建局', %s, %s) RETURNING id", (now, now)).fetchone()[0]
        conn.commit()
        cur.execute("SELECT set_config('app.current_tenant', %s, false)", (str(bureau),))

        def rows(name):
            return list(csv.reader(io.StringIO(sheets[name].read_text("utf-8"), newline="")))[1:]

        started = time.perf_counter()
        with cur.copy("COPY community (tenant_id, name, address, district, street, neighbourhood, household_count, "
                      "floor_area, year_built, created_at, updated_at) FROM STDIN") as copy:
            for r in rows("register"):
                copy.write_row((bureau, *r[:5], int(r[5]), r[6], int(r[7]), now, now))
        conn.commit()
        times["register"] = time.perf_counter() - started

        started = time.perf_counter()
        with cur.copy("COPY company (tenant_id, credit_code, name, legal_representative, contact_name, contact_phone, "
                      "contact_email, created_at, updated_at) FROM STDIN") as copy:
            for r in rows("directory"):
                copy.write_row((bureau, *r[:5], r[5] or None, now, now))
        conn.commit()
        times["directory"] = time.perf_counter() - started

        started = time.perf_counter()
        contracts = rows("contracts")
        codes = sorted({r[2] for r in contracts})
        with cur.copy("COPY tenant (kind, slug, name, credit_code, created_at, updated_at) FROM STDIN") as copy:
            for code in codes:
                copy.write_row(("company", f"floor-co-{code.lower()}", code, code, now, now))
        cur.execute("UPDATE company c SET company_tenant_id = t.id FROM tenant t "
                    "WHERE t.slug = 'floor-co-' || lower(c.credit_code) AND c.tenant_id = %s", (bureau,))
        tenants = dict(cur.execute("SELECT credit_code, id FROM tenant WHERE slug LIKE 'floor-co-%%'").fetchall())
        communities = {(n, a): i for i, n, a in cur.execute(
            "SELECT id, name, address FROM community WHERE tenant_id = %s", (bureau,)).fetchall()}
        with cur.copy("COPY management_contract (tenant_id, community_id, company_tenant_id, contract_no, starts_on, "
                      "ends_on, selection, created_at, updated_at) FROM STDIN") as copy:
            for r in contracts:
                copy.write_row((bureau, communities[(r[0], r[1])], tenants[r[2]], r[3], r[4], r[5] or None,
                                SELECTION_WORDS[r[6]].value, now, now))
        conn.commit()
        times["contracts"] = time.perf_counter() - started
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="province")
    args = parser.parse_args()
    owner, app_url = fresh_database(f"rp_bench_onboarding_{args.scale}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": owner, "MIGRATE_DATABASE_URL": owner})
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    analyze(owner)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        sheets = write_sheets(Path(folder), scale=args.scale)
        print(f"[{args.scale}] sheets written in {time.perf_counter() - started:.1f} s: "
              + ", ".join(f"{p.name} {p.stat().st_size // 1024} KB" for p in sheets.values()), flush=True)
        timings, counts = product(owner, app_url, sheets)
        floors = floor(owner, sheets)
    companies, communities = SCALES[args.scale]
    assert counts["communities"] == communities and counts["companies"] == companies, counts
    assert counts["contracts"] == communities, counts
    print(f"\n{args.scale}: {communities} communities, {companies} companies, {communities} contracts")
    print(f"{'sheet':<12} {'product s':>10} {'(job s)':>8} {'floor s':>8} {'ratio':>6}")
    for name in STARTS:
        total, job = timings[name]
        print(f"{name:<12} {total:>10.2f} {job:>8.2f} {floors[name]:>8.2f} {total / floors[name]:>6.1f}")
    product_total = sum(t for t, _ in timings.values())
    floor_total = sum(floors.values())
    print(f"{'all three':<12} {product_total:>10.2f} {sum(j for _, j in timings.values()):>8.2f} "
          f"{floor_total:>8.2f} {product_total / floor_total:>6.1f}")
    print(f"goal: the whole import under {GOAL_S} s: {'met' if product_total < GOAL_S else 'MISSED'}")


if __name__ == "__main__":
    main()
