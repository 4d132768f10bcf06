"""Rating run at city and province scale vs. the SQL floor, and one-company re-rating.

For each scale: a fresh PostgreSQL database (the app connects as the
unprivileged role, so row-level security is on), the register and the bureau's
inputs (2 inspections and a branch opinion per community, awards and
deductions); then, in the same run:

- the full rating run through the real job path (gather inputs, score, grade,
  store every company's explained result);
- the floor: one hand-written SQL query per indicator computing the same
  company values (what no ORM code can beat), timed on the same connection;
- re-rating one company after one changed input.

    DATABASE_URL=postgresql://postgres@127.0.0.1/postgres uv run python -m benchmarks.rating [--scale city|province|both]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from decimal import Decimal
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, insert, select, text

from benchmarks.common import fresh_database
from red_property import create_app
from red_property.communities.models import ManagementContract
from red_property.core.tenancy import tenant_scope
from red_property.demo.scale import SCALES, generate_scale
from red_property.extensions import db
from red_property.rating.models import BranchOpinion, Inspection, RatingEvent, RatingResult, RatingRun
from red_property.rating.runs import rerate_company, start_run
from red_property.rating.versions import save_version
from red_property.tenants.models import Tenant, TenantKind

MODEL = Path(__file__).resolve().parent.parent / "tenants" / "city-bureau" / "rating-model.toml"
AS_OF = dt.date(2026, 10, 31)

# One query per indicator: company value = floor-area-weighted mean over managed communities.
FLOOR = {
    "inspection_score": """
        SELECT mc.company_tenant_id, sum(i.avg_score * c.floor_area) / nullif(sum(c.floor_area), 0)
        FROM management_contract mc
        JOIN community c ON c.id = mc.community_id AND c.tenant_id = mc.tenant_id
        JOIN (SELECT company_tenant_id, community_id, avg(score) AS avg_score FROM rating_inspection
              WHERE inspected_on > :since AND inspected_on <= :as_of GROUP BY 1, 2) i
          ON i.company_tenant_id = mc.company_tenant_id AND i.community_id = mc.community_id
        WHERE mc.starts_on <= :as_of AND (mc.ends_on IS NULL OR mc.ends_on >= :as_of)
        GROUP BY 1""",
    "branch_opinion": """
        SELECT mc.company_tenant_id, sum(o.score * c.floor_area) / nullif(sum(c.floor_area), 0)
        FROM management_contract mc
        JOIN community c ON c.id = mc.community_id AND c.tenant_id = mc.tenant_id
        JOIN rating_branch_opinion o ON o.company_tenant_id = mc.company_tenant_id AND o.community_id = mc.community_id
        WHERE o.year = :year AND mc.starts_on <= :as_of AND (mc.ends_on IS NULL OR mc.ends_on >= :as_of)
        GROUP BY 1""",
    "events": """
        SELECT company_tenant_id, count(*) FROM rating_event WHERE occurred_on <= :as_of GROUP BY 1""",
}


def build(scale: str) -> tuple[str, int]:
    owner, app_url = fresh_database(f"rp_bench_rating_{scale}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": owner, "MIGRATE_DATABASE_URL": owner})
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    companies, communities = SCALES[scale]
    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url})
    with app.app_context():
        started = time.perf_counter()
        generated = generate_scale(db.session, companies=companies, communities=communities,
                                   households_per_community=1)
        bureau = generated["bureau_id"]
        rng = random.Random(3)
        with tenant_scope(db.session, bureau) as s:
            save_version(s, MODEL.read_text("utf-8"))
            pairs = s.execute(select(ManagementContract.company_tenant_id, ManagementContract.community_id)).all()
            quality = {}
            inspections, opinions = [], []
            for company, community in pairs:
                centre = quality.setdefault(company, rng.uniform(55, 95))
                for day in (dt.date(2026, 3, 1), dt.date(2026, 9, 1)):
                    inspections.append(dict(tenant_id=bureau, company_tenant_id=company, community_id=community,
                                            inspected_on=day, score=Decimal(round(rng.gauss(centre, 6) % 100, 1))))
                opinions.append(dict(tenant_id=bureau, company_tenant_id=company, community_id=community, year=2026,
                                     score=Decimal(round(rng.gauss(centre, 8) % 100))))
            for chunk in range(0, len(inspections), 5000):
                s.execute(insert(Inspection), inspections[chunk:chunk + 5000])
            for chunk in range(0, len(opinions), 5000):
                s.execute(insert(BranchOpinion), opinions[chunk:chunk + 5000])
            company_ids = sorted(quality)
            kinds = ["award", "model_site_city", "upheld_complaint", "upheld_complaint", "failed_inspection", "penalty"]
            s.execute(insert(RatingEvent), [dict(tenant_id=bureau, company_tenant_id=rng.choice(company_ids),
                                                  kind=rng.choice(kinds), occurred_on=dt.date(2026, rng.randint(1, 10), 1),
                                                  reference=f"B-{n}") for n in range(len(company_ids) // 2)])
            s.commit()
        db.engine.dispose()
    # A bulk load is followed by ANALYZE, as in production (only the owner may run it).
    with create_engine(owner, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("ANALYZE"))
    print(f"[{scale}] built {companies} companies, {communities} communities, "
          f"{len(inspections)} inspections in {time.perf_counter() - started:.1f} s", flush=True)
    return app_url, bureau


def measure(scale: str, app_url: str, bureau: int, repeat: int) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "JOBS_INLINE": True})
    out = {}
    with app.app_context():
        runs = []
        for _ in range(repeat):
            with tenant_scope(db.session, bureau) as s:
                started = time.perf_counter()
                run_id = start_run(s, period="2026", as_of=AS_OF).id
                runs.append(time.perf_counter() - started)
                assert s.get(RatingRun, run_id).status == "ready"
        out["run_s"] = min(runs)
        floors = []
        for _ in range(repeat):
            with tenant_scope(db.session, bureau) as s:
                params = {"as_of": AS_OF, "since": dt.date(2025, 10, 31), "year": 2026}
                started = time.perf_counter()
                rows = {name: s.execute(text(sql), params).all() for name, sql in FLOOR.items()}
                floors.append(time.perf_counter() - started)
        out["floor_s"] = min(floors)
        out["companies"] = len(rows["inspection_score"])
        with tenant_scope(db.session, bureau) as s:
            company = s.scalars(select(Tenant.id).where(Tenant.kind == TenantKind.COMPANY).order_by(Tenant.id)).first()
            community = s.scalar(select(ManagementContract.community_id)
                                 .where(ManagementContract.company_tenant_id == company))
            s.add(Inspection(company_tenant_id=company, community_id=community, inspected_on=AS_OF, score=Decimal("99")))
            s.commit()
            started = time.perf_counter()
            rerate_company(s, s.get(RatingRun, run_id), company)
            out["rerate_ms"] = (time.perf_counter() - started) * 1000
            out["results"] = s.query(RatingResult).filter(RatingResult.run_id == run_id).count()
        db.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="rating run vs SQL floor")
    parser.add_argument("--scale", choices=["city", "province", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scales = ["city", "province"] if args.scale == "both" else [args.scale]
    rows = {}
    for scale in scales:
        app_url, bureau = build(scale)
        rows[scale] = measure(scale, app_url, bureau, args.repeat)
    print(f"\n{'scale':<9} {'companies':>9} {'full run s':>11} {'SQL floor s':>12} {'ratio':>7} {'re-rate one ms':>15}")
    for scale, r in rows.items():
        print(f"{scale:<9} {r['results']:>9} {r['run_s']:>11.2f} {r['floor_s']:>12.3f} "
              f"{r['run_s'] / r['floor_s']:>7.1f} {r['rerate_ms']:>15.0f}")
    print("\nfull run: gather inputs (RLS on) + score + grade + store explained results, best of "
          f"{args.repeat}; floor: one SQL query per indicator returning the same company values.")


if __name__ == "__main__":
    main()
