"""Rating run at city and province scale vs. the SQL floor, and one-company re-rating.

For each scale: a fresh PostgreSQL database (the app connects as the
unprivileged role, so row-level security is on) filled by the scale generator
with every company's records (party organisation, posts, meetings, activities,
demands, fees) and the bureau's inputs (two inspections and a branch opinion
per community, awards and deductions).  Then, in the same run:

- the full rating run through the real job path: the audited cross-tenant read
  of every metric source, the bureau's inputs, scoring, grading and storing
  every company's explained result;
- the floor: one hand-written SQL query per indicator computing the same
  company values (floor-area-weighted over the communities managed on the
  rating date, missing values left out), run on the same data as the schema
  owner (no RLS, no ORM); the values are checked against the run's;
- re-rating one company after one changed input (removed again afterwards).

``--save FILE`` writes every company's score, grade, rank and a digest of its
breakdown as the run stored them; ``--expect FILE`` checks a later run (other
code, same data: ``--reuse``) gives exactly the same, and fails if not.  A
change meant to be faster is checked against the code before it this way:

    DATABASE_URL=postgresql://postgres@127.0.0.1/postgres uv run python -m benchmarks.rating [--scale city|province|both]
    ... --scale city --save /tmp/before          # with the code before the change
    ... --scale city --reuse --expect /tmp/before   # with the change
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import random
import time
from decimal import Decimal
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, delete, insert, select, text

from benchmarks.common import analyze, fresh_database
from benchmarks.meetings import FLOOR as MEETING_FLOOR
from red_property import create_app
from red_property.communities.models import ManagementContract
from red_property.compliance.sources import Window
from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.demo.scale import SCALES, generate_scale
from red_property.extensions import db
from red_property.rating.models import BranchOpinion, Inspection, RatingEvent, RatingResult, RatingRun
from red_property.rating.runs import rerate_company, start_run
from red_property.rating.versions import save_version
from red_property.tenants.models import Tenant, TenantKind

# A district: ten cities' worth, where scoring weighs as at province scale and the data builds in minutes.
SIZES = {**SCALES, "district": (SCALES["city"][0] * 10, SCALES["city"][1] * 10)}
MODEL = Path(__file__).resolve().parent.parent / "tenants" / "city-bureau" / "rating-model.toml"
AS_OF = dt.date(2026, 10, 31)
HOUSEHOLDS = 40

MANAGED = """managed AS (
    SELECT mc.company_tenant_id AS company, mc.community_id AS community, c.floor_area AS area
    FROM management_contract mc JOIN community c ON c.id = mc.community_id AND c.tenant_id = mc.tenant_id
    WHERE mc.starts_on <= :as_of AND (mc.ends_on IS NULL OR mc.ends_on >= :as_of))"""
IN_OFFICE = "p.term_start <= :end AND (coalesce(p.ended_on, p.term_end) IS NULL OR coalesce(p.ended_on, p.term_end) >= :end)"

# Per community: (company, community, value).  ``absent`` as the metric's source says: 0 or missing.
PER_COMMUNITY = {
    "party_coverage": (True, """
        SELECT DISTINCT poc.tenant_id AS company, poc.community_id AS community, 1::numeric AS value
        FROM party_organisation_community poc
        JOIN party_organisation po ON po.id = poc.organisation_id AND po.tenant_id = poc.tenant_id
        WHERE po.level IN ('community', 'joint') AND (po.founded_on IS NULL OR po.founded_on <= :end)"""),
    "committee_party_share": (False, f"""
        SELECT pe.tenant_id AS company, pe.community_id AS community,
               count(DISTINCT pe.id) FILTER (WHERE pe.party_member_id IS NOT NULL)::numeric
                 / count(DISTINCT pe.id) AS value
        FROM appointment_post p JOIN appointment_person pe ON pe.tenant_id = p.tenant_id AND pe.id = p.person_id
        WHERE p.body = 'owners_committee' AND {IN_OFFICE}
        GROUP BY 1, 2"""),
    "cross_appointment": (False, f"""
        WITH people AS (
            SELECT pe.tenant_id AS company, pe.community_id AS community, pe.id,
                   bool_or(pe.party_member_id IS NOT NULL) AS party, bool_or(p.body = 'party_branch') AS branch,
                   bool_or(p.body = 'owners_committee') AS committee,
                   bool_or(p.body = 'project_office' AND p.role = 'project_manager') AS manager
            FROM appointment_person pe JOIN appointment_post p ON p.tenant_id = pe.tenant_id AND p.person_id = pe.id
            WHERE {IN_OFFICE} GROUP BY 1, 2, 3),
        per AS (
            SELECT company, community, count(*) FILTER (WHERE committee) AS members,
                   count(*) FILTER (WHERE committee AND party) AS party_members,
                   bool_or(committee AND branch) AS bridge, bool_or(manager) AS manager,
                   bool_or(manager AND party) AS manager_party, bool_or(manager AND party AND branch) AS manager_branch
            FROM people GROUP BY 1, 2),
        checks AS (
            SELECT m.company, m.community,
                   CASE WHEN coalesce(per.members, 0) > 0 THEN (per.party_members * 2 >= per.members)::int END AS share,
                   CASE WHEN coalesce(per.members, 0) > 0 THEN per.bridge::int END AS bridge,
                   CASE WHEN NOT coalesce(per.manager, false) THEN 0
                        WHEN per.manager_party THEN per.manager_branch::int END AS manager
            FROM managed m LEFT JOIN per ON per.company = m.company AND per.community = m.community)
        SELECT company, community,
               (coalesce(share, 0) + coalesce(bridge, 0) + coalesce(manager, 0))::numeric
                 / nullif((share IS NOT NULL)::int + (bridge IS NOT NULL)::int + (manager IS NOT NULL)::int, 0) AS value
        FROM checks"""),
    "meeting_cadence": (False, f"""
        SELECT company_tenant_id AS company, community_id AS community, met::numeric / nullif(due, 0) AS value
        FROM ({MEETING_FLOOR["meeting_cadence"]}) AS cadence (company_tenant_id, community_id, met, due)"""),
    "activity_participation": (False, f"""
        SELECT tenant_id AS company, community_id AS community, active::numeric / members AS value
        FROM ({MEETING_FLOOR["activity_participation"]}) AS participation (tenant_id, community_id, active, members)"""),
    "demands_on_time": (False, """
        SELECT tenant_id AS company, community_id AS community,
               count(*) FILTER (WHERE status = 'resolved' AND closed_at <= due_at)::numeric / count(*) AS value
        FROM demand
        WHERE due_at >= :start_ts AND due_at < :end_ts AND (status IN ('resolved', 'unresolved') OR due_at < :now)
        GROUP BY 1, 2"""),
    "demands_resolved": (False, """
        SELECT tenant_id AS company, community_id AS community,
               count(*) FILTER (WHERE status = 'resolved')::numeric / count(*) AS value
        FROM demand WHERE closed_at >= :start_ts AND closed_at < :end_ts GROUP BY 1, 2"""),
    "demand_satisfaction": (False, """
        SELECT tenant_id AS company, community_id AS community, 25 * (sum(rating) - count(*))::numeric / count(*) AS value
        FROM demand WHERE closed_at >= :start_ts AND closed_at < :end_ts AND rating IS NOT NULL GROUP BY 1, 2"""),
    "fee_collection_rate": (False, """
        WITH billed AS (SELECT tenant_id, community_id, sum(amount_fen) AS fen FROM fee_bill
                        WHERE due_on BETWEEN :start AND :end GROUP BY 1, 2),
             paid AS (SELECT b.tenant_id, b.community_id, sum(p.amount_fen) AS fen
                      FROM fee_payment p JOIN fee_bill b ON b.tenant_id = p.tenant_id AND b.id = p.bill_id
                      WHERE b.due_on BETWEEN :start AND :end AND p.paid_on <= :end GROUP BY 1, 2)
        SELECT billed.tenant_id AS company, billed.community_id AS community,
               coalesce(paid.fen, 0)::numeric / nullif(billed.fen, 0) AS value
        FROM billed LEFT JOIN paid USING (tenant_id, community_id)"""),
    "inspection_score": (False, """
        SELECT company_tenant_id AS company, community_id AS community, avg(score) AS value FROM rating_inspection
        WHERE inspected_on > :since AND inspected_on <= :as_of GROUP BY 1, 2"""),
    "branch_opinion": (False, """
        SELECT company_tenant_id AS company, community_id AS community, score AS value FROM rating_branch_opinion
        WHERE year = :year"""),
}


def company_values(per_community: str, absent_zero: bool) -> str:
    """The company value: floor-area-weighted mean over managed communities that have a value."""
    value = "coalesce(v.value, 0)" if absent_zero else "v.value"
    return f"""WITH {MANAGED}, v AS ({per_community})
        SELECT m.company, sum({value} * m.area) / nullif(sum(m.area) FILTER (WHERE {value} IS NOT NULL), 0)
        FROM managed m LEFT JOIN v ON v.company = m.company AND v.community = m.community
        GROUP BY m.company"""


FLOOR = {metric: company_values(sql, absent_zero) for metric, (absent_zero, sql) in PER_COMMUNITY.items()}
FLOOR["events"] = "SELECT company_tenant_id, count(*) FROM rating_event WHERE occurred_on <= :as_of GROUP BY 1"


def floor_params() -> dict:
    window = Window.months_ending(AS_OF)
    start_ts, end_ts = clock.bounds(window.start, window.end)
    return {"as_of": AS_OF, "start": window.start, "end": window.end, "since": dt.date(2025, 10, 31),
            "year": AS_OF.year, "start_ts": start_ts, "end_ts": end_ts, "today": clock.today(),
            "now": clock.now()}


def reuse(scale: str, prefix: str = "rp_bench_rating") -> tuple[str, str, int]:
    """The database an earlier run of this benchmark built (``--reuse``: measure again without rebuilding)."""
    from sqlalchemy.engine import make_url

    from benchmarks.common import SERVER

    owner_url = make_url(SERVER).set(database=f"{prefix}_{scale}")
    owner = owner_url.render_as_string(hide_password=False)
    app_url = owner_url.set(username="red_property_app", password=None).render_as_string(hide_password=False)
    with create_engine(owner).connect() as conn:
        bureau = conn.execute(text("SELECT id FROM tenant WHERE kind = 'bureau' ORDER BY id LIMIT 1")).scalar_one()
    return owner, app_url, bureau


def build(scale: str, prefix: str = "rp_bench_rating") -> tuple[str, str, int]:
    owner, app_url = fresh_database(f"{prefix}_{scale}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": owner, "MIGRATE_DATABASE_URL": owner})
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    companies, communities = SIZES[scale]
    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "MIGRATE_DATABASE_URL": owner})  # the owner creates the bureau
    with app.app_context():
        started = time.perf_counter()
        generated = generate_scale(db.session, companies=companies, communities=communities,
                                   households_per_community=HOUSEHOLDS,
                                   progress=lambda msg: print(f"[{scale}] {msg}", flush=True))
        bureau = generated["bureau_id"]
        _bureau_inputs(bureau)
        db.engine.dispose()
    analyze(owner)
    print(f"[{scale}] built {companies} companies, {communities} communities "
          f"({ {k: v for k, v in generated.items() if k != 'bureau_id'} }) in {time.perf_counter() - started:.0f} s",
          flush=True)
    return owner, app_url, bureau


def _bureau_inputs(bureau: int) -> None:
    rng = random.Random(3)
    with tenant_scope(db.session, bureau) as s:
        save_version(s, MODEL.read_text("utf-8"))
        pairs = s.execute(select(ManagementContract.company_tenant_id, ManagementContract.community_id)).all()
        quality: dict[int, float] = {}
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


def measure(owner: str, app_url: str, bureau: int, repeat: int) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "JOBS_INLINE": True})
    out: dict = {}
    with app.app_context():
        runs, best = [], {}
        for round_ in range(repeat):  # the run and the floor alternate: the machine's noise falls on both alike
            with tenant_scope(db.session, bureau) as s:
                started = time.perf_counter()
                run_id = start_run(s, period="2026", as_of=AS_OF).id
                runs.append(time.perf_counter() - started)
                assert s.get(RatingRun, run_id).status == "ready"
            floor_s = _floor_pass(owner, best)
            print(f"round {round_ + 1}: run {runs[-1]:.2f} s, floor {floor_s:.2f} s, {runs[-1] / floor_s:.2f}x",
                  flush=True)
        out["run_s"] = min(runs)
        out["floor_s"], out["per_query"] = sum(best.values()), best
        with tenant_scope(db.session, bureau) as s:
            results = {r.company_tenant_id: r.breakdown for r in
                       s.scalars(select(RatingResult).where(RatingResult.run_id == run_id))}
        out["results"] = len(results)
        with tenant_scope(db.session, bureau) as s:
            out["fingerprint"] = fingerprint(s, run_id)
        out["mismatches"] = _compare(owner, results)
        with tenant_scope(db.session, bureau) as s:
            company = s.scalars(select(Tenant.id).where(Tenant.kind == TenantKind.COMPANY).order_by(Tenant.id)).first()
            community = s.scalar(select(ManagementContract.community_id)
                                 .where(ManagementContract.company_tenant_id == company))
            changed = Inspection(company_tenant_id=company, community_id=community, inspected_on=AS_OF,
                                 score=Decimal("99"))
            s.add(changed)
            s.commit()
            try:
                # Collect first: whether a full collection of what this benchmark itself holds (every
                # company's breakdown, loaded above) falls inside the timing depends on the history.
                gc.collect()
                started = time.perf_counter()
                rerate_company(s, s.get(RatingRun, run_id), company)
                out["rerate_ms"] = (time.perf_counter() - started) * 1000
            finally:  # leave the data as built, so that ``--reuse`` rates the same inputs again
                s.execute(delete(Inspection).where(Inspection.id == changed.id))
                s.commit()
        db.engine.dispose()
    return out


def fingerprint(session, run_id: int) -> dict[str, list]:
    """Every company's score, grade, rank and a digest of its explained breakdown, exactly as stored."""
    rows = session.execute(select(RatingResult.company_tenant_id, RatingResult.score, RatingResult.grade,
                                  RatingResult.rank, RatingResult.breakdown)
                           .where(RatingResult.run_id == run_id).order_by(RatingResult.company_tenant_id))
    return {str(company): [None if score is None else str(score), grade, rank,
                           hashlib.sha256(json.dumps(breakdown, sort_keys=True, ensure_ascii=False)
                                          .encode()).hexdigest()]
            for company, score, grade, rank, breakdown in rows}


def compare_fingerprints(ours: dict[str, list], expected: dict[str, list]) -> dict[str, int]:
    """How many companies differ from a saved run: missing or extra, score, grade, rank, breakdown."""
    differ = {"missing": len(expected.keys() - ours.keys()), "extra": len(ours.keys() - expected.keys())}
    for i, what in enumerate(("score", "grade", "rank", "breakdown")):
        differ[what] = sum(1 for company in expected.keys() & ours.keys() if ours[company][i] != expected[company][i])
    return differ


def _floor_pass(owner: str, best: dict[str, float]) -> float:
    """Each floor query once, keeping each one's best time in ``best``; returns this pass's total."""
    engine = create_engine(owner)
    params = floor_params()
    total = 0.0
    try:
        with engine.connect() as conn:
            for name, sql in FLOOR.items():
                started = time.perf_counter()
                conn.execute(text(sql), params).all()
                elapsed = time.perf_counter() - started
                best[name], total = min(best.get(name, 1e9), elapsed), total + elapsed
    finally:
        engine.dispose()
    return total


def _compare(owner: str, results: dict[int, dict]) -> dict[str, int]:
    """Companies whose run value differs from the floor's (beyond the stored 4 decimals), per indicator."""
    engine = create_engine(owner)
    params = floor_params()
    mismatches = {}
    try:
        with engine.connect() as conn:
            for metric in PER_COMMUNITY:
                floor = {company: value for company, value in conn.execute(text(FLOOR[metric]), params)}
                bad = 0
                for company, breakdown in results.items():
                    entry = next((i for i in breakdown["indicators"] if i["metric"] == metric), None)
                    if entry is None:
                        continue
                    ours, theirs = entry["value"], floor.get(company)
                    if (ours is None) != (theirs is None) or (
                            ours is not None and abs(Decimal(ours) - Decimal(theirs)) > Decimal("0.0001")):
                        bad += 1
                mismatches[metric] = bad
    finally:
        engine.dispose()
    return mismatches


def main() -> None:
    parser = argparse.ArgumentParser(description="rating run vs SQL floor")
    parser.add_argument("--scale", choices=["city", "district", "province", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="measure the databases an earlier run built")
    parser.add_argument("--prefix", default="rp_bench_rating", help="database names: PREFIX_city, PREFIX_province")
    parser.add_argument("--save", type=Path, help="write every company's score, grade, rank and breakdown digest "
                                                   "to SAVE_<scale>.json")
    parser.add_argument("--expect", type=Path, help="compare them with EXPECT_<scale>.json (an earlier --save)")
    args = parser.parse_args()
    scales = ["city", "province"] if args.scale == "both" else [args.scale]
    rows = {}
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    for scale in scales:
        owner, app_url, bureau = reuse(scale, args.prefix) if args.reuse else build(scale, args.prefix)
        rows[scale] = measure(owner, app_url, bureau, args.repeat)
        r = rows[scale]
        if args.save:
            Path(f"{args.save}_{scale}.json").write_text(json.dumps(r["fingerprint"], sort_keys=True))
        if args.expect:
            differ = compare_fingerprints(r["fingerprint"], json.loads(Path(f"{args.expect}_{scale}.json").read_text()))
            print(f"[{scale}] companies whose result differs from {args.expect}_{scale}.json: {differ}", flush=True)
            assert not any(differ.values()), "the run's results changed"
        print(f"[{scale}] floor per query (s): " + ", ".join(f"{k} {v:.3f}" for k, v in r["per_query"].items()))
        print(f"[{scale}] companies whose run value differs from the floor: {r['mismatches']}", flush=True)
    print(f"\n{'scale':<9} {'companies':>9} {'full run s':>11} {'SQL floor s':>12} {'ratio':>7} {'re-rate one ms':>15}")
    for scale, r in rows.items():
        print(f"{scale:<9} {r['results']:>9} {r['run_s']:>11.2f} {r['floor_s']:>12.3f} "
              f"{r['run_s'] / r['floor_s']:>7.1f} {r['rerate_ms']:>15.0f}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\nfull run: audited cross-tenant read of every metric source (RLS on) + the bureau's inputs + score + "
          f"grade + store explained results, best of {args.repeat}; floor: one SQL query per indicator returning "
          "the same company values, as the schema owner.")


if __name__ == "__main__":
    main()
