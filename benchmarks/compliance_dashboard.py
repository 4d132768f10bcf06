"""The company's compliance dashboard on the demo city (SQLite) vs. a hand-written SQL floor.

Builds the demo city once in ``--instance`` (``red-property demo --no-serve``: about
20-30 s; reused afterwards), logs in as company 1's admin and, in the same run,
requests alternating:

- the product: ``GET /company-1/compliance`` in-process (Flask test client): the
  register, every indicator for the last twelve months and each month, the charts;
- the floor: one hand-written SQL query per indicator (the two cross-appointment
  indicators share one) for the same thirteen windows (the twelve months and each
  month), on a plain connection to the database file (no ORM, no tenant filter),
  its values checked equal to what the dashboard's sources measure, window by
  window and community by community.

It prints both medians and the ratio.  PostgreSQL is not covered here (the floor's
SQL is SQLite's: booleans as 0/1).

    uv run python -m benchmarks.compliance_dashboard [--instance DIR] [--repeat N]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

from sqlalchemy import create_engine, select, text

from benchmarks.common import print_table, summary

COMPANY_SLUG = "company-1"
LOGIN = "company1@demo.test"

# Each query returns (window idx, community id, part, whole): the value is part / whole.
# ``win`` is (idx, ws, we, ts, te): the window's first and last day, and its local days' UTC bounds.
FLOOR = {
    "demands_on_time": """
        SELECT w.idx, d.community_id,
               sum(CASE WHEN d.status = 'resolved' AND d.closed_at <= d.due_at THEN 1 ELSE 0 END), count(*)
        FROM demand d JOIN win w ON d.due_at >= w.ts AND d.due_at < w.te
        WHERE d.tenant_id = :company AND (d.status IN ('resolved', 'unresolved') OR d.due_at < :now)
        GROUP BY 1, 2""",
    "demands_resolved": """
        SELECT w.idx, d.community_id, sum(CASE WHEN d.status = 'resolved' THEN 1 ELSE 0 END), count(*)
        FROM demand d JOIN win w ON d.closed_at >= w.ts AND d.closed_at < w.te
        WHERE d.tenant_id = :company
        GROUP BY 1, 2""",
    "demand_satisfaction": """
        SELECT w.idx, d.community_id, 25 * (sum(d.rating) - count(d.rating)), count(d.rating)
        FROM demand d JOIN win w ON d.closed_at >= w.ts AND d.closed_at < w.te
        WHERE d.tenant_id = :company AND d.rating IS NOT NULL
        GROUP BY 1, 2""",
    "fee_collection_rate": """
        WITH billed_day AS (
                 SELECT community_id, due_on, sum(amount_fen) AS billed FROM fee_bill
                 WHERE tenant_id = :company AND due_on BETWEEN :first AND :last GROUP BY 1, 2),
             paid_day AS (
                 SELECT b.community_id, b.due_on, p.paid_on, sum(p.amount_fen) AS paid
                 FROM fee_payment p JOIN fee_bill b ON b.id = p.bill_id AND b.tenant_id = p.tenant_id
                 WHERE p.tenant_id = :company AND b.due_on BETWEEN :first AND :last AND p.paid_on <= :last
                 GROUP BY 1, 2, 3),
             billed AS (SELECT w.idx, community_id, sum(billed) AS billed FROM billed_day
                        JOIN win w ON due_on BETWEEN w.ws AND w.we GROUP BY 1, 2),
             paid AS (SELECT w.idx, community_id, sum(paid) AS paid FROM paid_day
                      JOIN win w ON due_on BETWEEN w.ws AND w.we AND paid_on <= w.we GROUP BY 1, 2),
             managed AS (SELECT DISTINCT w.idx, mc.community_id FROM management_contract mc
                         JOIN win w ON mc.starts_on <= w.we AND (mc.ends_on IS NULL OR mc.ends_on >= w.ws)
                         WHERE mc.company_tenant_id = :company)
        SELECT billed.idx, billed.community_id, coalesce(paid.paid, 0), billed.billed
        FROM billed JOIN managed USING (idx, community_id) LEFT JOIN paid USING (idx, community_id)
        WHERE billed.billed <> 0""",
    "party_coverage": """
        SELECT DISTINCT w.idx, oc.community_id, 1, 1
        FROM party_organisation o
        JOIN party_organisation_community oc ON oc.organisation_id = o.id AND oc.tenant_id = o.tenant_id
        JOIN win w ON o.founded_on IS NULL OR o.founded_on <= w.we
        WHERE o.tenant_id = :company AND o.level IN ('community', 'joint')""",
    "activity_participation": """
        SELECT w.idx, m.community_id,
               sum(CASE WHEN EXISTS (
                   SELECT 1 FROM party_activity_participant p
                   JOIN party_activity a ON a.id = p.activity_id AND a.tenant_id = p.tenant_id
                   WHERE p.member_id = m.id AND p.tenant_id = m.tenant_id AND a.held_on BETWEEN w.ws AND w.we)
                   THEN 1 ELSE 0 END), count(*)
        FROM party_member m CROSS JOIN win w
        WHERE m.tenant_id = :company AND EXISTS (
            SELECT 1 FROM management_contract mc
            WHERE mc.company_tenant_id = m.tenant_id AND mc.community_id = m.community_id
              AND mc.starts_on <= w.we AND (mc.ends_on IS NULL OR mc.ends_on >= w.ws))
        GROUP BY 1, 2""",
    "meeting_cadence": """
        WITH months AS (
            SELECT wm.idx, mc.community_id, wm.period,
                   max(EXISTS (SELECT 1 FROM joint_meeting jm
                               WHERE jm.tenant_id = mc.company_tenant_id AND jm.community_id = mc.community_id
                                 AND jm.monthly_period = wm.period AND jm.parties_complete
                                 AND jm.held_on >= mc.starts_on AND (mc.ends_on IS NULL OR jm.held_on <= mc.ends_on)
                                 AND jm.held_on BETWEEN wm.ws AND wm.we)) AS met,
                   max(mc.starts_on <= wm.mfirst AND (mc.ends_on IS NULL OR mc.ends_on >= wm.mlast)
                       AND wm.mlast <= wm.we AND wm.mfirst >= wm.ws AND wm.mlast < :today) AS required
            FROM management_contract mc
            JOIN wm ON mc.starts_on <= wm.mlast AND (mc.ends_on IS NULL OR mc.ends_on >= wm.mfirst)
                   AND mc.starts_on <= wm.we
            WHERE mc.company_tenant_id = :company
            GROUP BY 1, 2, 3)
        SELECT idx, community_id, sum(met), sum(met OR required) FROM months GROUP BY 1, 2""",
}

# (idx, community, committee members, of them party members, branch on committee, branch chairs it,
#  manager, manager a party member, manager on the branch)
CROSS_APPOINTMENTS = """
    WITH pairs AS (
             SELECT w.idx, mc.community_id,
                    max(CASE WHEN mc.ends_on IS NULL OR mc.ends_on >= w.we THEN w.we ELSE mc.ends_on END) AS as_of
             FROM management_contract mc
             JOIN win w ON mc.starts_on <= w.we AND (mc.ends_on IS NULL OR mc.ends_on >= w.ws)
             WHERE mc.company_tenant_id = :company GROUP BY 1, 2),
         people AS (
             SELECT pr.idx, pr.community_id, pe.id,
                    max(pe.party_member_id IS NOT NULL) AS party, max(po.body = 'party_branch') AS branch,
                    max(po.body = 'owners_committee') AS committee,
                    max(po.body = 'owners_committee' AND po.role = 'chair') AS chair,
                    max(po.body = 'project_office' AND po.role = 'project_manager') AS manager
             FROM pairs pr
             JOIN appointment_person pe ON pe.tenant_id = :company AND pe.community_id = pr.community_id
             JOIN appointment_post po ON po.tenant_id = pe.tenant_id AND po.person_id = pe.id
             WHERE po.term_start <= pr.as_of
               AND (coalesce(po.ended_on, po.term_end) IS NULL OR coalesce(po.ended_on, po.term_end) >= pr.as_of)
             GROUP BY 1, 2, 3)
    SELECT pr.idx, pr.community_id, coalesce(sum(committee), 0), coalesce(sum(committee AND party), 0),
           max(committee AND branch), max(chair AND branch), max(manager), max(manager AND party),
           max(manager AND party AND branch)
    FROM pairs pr LEFT JOIN people USING (idx, community_id) GROUP BY 1, 2"""


def _sqlite_instant(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def floor(conn, company: int, windows, today: dt.date, now: dt.datetime) -> list[dict[str, dict]]:
    """Every indicator's values for each window, from hand-written SQL: [{metric: {(company, community): v}}]."""
    import calendar

    from red_property.core import clock

    win = " UNION ALL ".join(
        f"SELECT {i}, '{w.start}', '{w.end}', '{_sqlite_instant(clock.bounds(w.start, w.end)[0])}', "
        f"'{_sqlite_instant(clock.bounds(w.start, w.end)[1])}'" for i, w in enumerate(windows))
    wm = " UNION ALL ".join(
        f"SELECT {i}, '{w.start}', '{w.end}', {y * 100 + m}, '{dt.date(y, m, 1)}', "
        f"'{dt.date(y, m, calendar.monthrange(y, m)[1])}'" for i, w in enumerate(windows) for y, m in w.months())
    prefix = (f"WITH win(idx, ws, we, ts, te) AS ({win}), wm(idx, ws, we, period, mfirst, mlast) AS ({wm}) ")
    params = {"company": company, "today": str(today), "now": _sqlite_instant(now),
              "first": str(min(w.start for w in windows)), "last": str(max(w.end for w in windows))}
    out: list[dict[str, dict]] = [{} for _ in windows]
    for metric, sql in FLOOR.items():
        for measured in out:
            measured[metric] = {}
        body = sql.strip()
        statement = prefix + ("," + body.removeprefix("WITH") if body.startswith("WITH") else body)
        for idx, community, part, whole in conn.execute(text(statement), params):
            out[idx][metric][(company, community)] = Fraction(part, whole) if whole else None
    for measured in out:
        measured["committee_party_share"], measured["cross_appointment"] = {}, {}
    statement = prefix + "," + CROSS_APPOINTMENTS.strip().removeprefix("WITH")
    for idx, community, members, party, bridge, chair, manager, manager_party, manager_branch in conn.execute(
            text(statement), params):
        checks = []
        if members:
            out[idx]["committee_party_share"][(company, community)] = Fraction(party, members)
            checks += [2 * party >= members, bool(bridge or chair)]
        if not manager:
            checks.append(False)
        elif manager_party:
            checks.append(bool(manager_branch))
        if checks:
            out[idx]["cross_appointment"][(company, community)] = Fraction(sum(checks), len(checks))
    return out


def build_demo(instance: Path) -> None:
    if not (instance / "red_property.sqlite").exists():
        print(f"building the demo city in {instance} ...", flush=True)
        subprocess.run([sys.executable, "-m", "flask", "--app", "red_property:create_app", "demo", "--no-serve"],
                       env={**os.environ, "RED_PROPERTY_INSTANCE": str(instance)}, check=True,
                       stdout=subprocess.DEVNULL)


def run(instance: Path, repeat: int) -> None:
    import time

    build_demo(instance)
    os.environ["RED_PROPERTY_INSTANCE"] = str(instance)
    from red_property import create_app
    from red_property.compliance import dashboard
    from red_property.compliance.sources import Window, measure, measure_windows
    from red_property.core import clock
    from red_property.core.generations import clear_kept
    from red_property.core.tenancy import tenant_scope
    from red_property.extensions import db
    from red_property.tenants.models import Tenant

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    login = client.post("/login", data={"email": LOGIN, "password": "red-property-demo"})
    assert login.status_code in (302, 303), "the demo login failed"
    today, now = clock.today(), clock.now()
    window = Window.months_ending(today)
    windows = [window, *(Window.month(y, m) for y, m in window.months())]
    with app.app_context():
        company = db.session.scalar(select(Tenant.id).where(Tenant.slug == COMPANY_SLUG))  # the register is not tenant-owned
        with tenant_scope(db.session, company) as s:
            product_values = measure_windows(s, windows)
        uri = db.engine.url
    engine = create_engine(uri)
    with engine.connect() as conn:
        floor_values = floor(conn, company, windows, today, now)
        for i, (mine, theirs) in enumerate(zip(product_values, floor_values)):
            for metric in theirs:
                assert mine[metric] == theirs[metric], f"{metric}, window {windows[i]}: the product and the floor disagree"

        def kept_page(_i):
            """A look after no write: the measurements kept by ``core.generations``."""
            assert client.get(f"/{COMPANY_SLUG}/compliance").status_code == 200

        def product(_i):
            """The page computed: the first look after a write."""
            clear_kept()
            kept_page(_i)

        def month_by_month(_i):
            """The same page with each window measured alone (the path before ``measure_windows``)."""
            dashboard.measure_windows = lambda session, ws, metrics, parts=None: [measure(session, w, metrics)
                                                                                  for w in ws]
            try:
                product(_i)
            finally:
                dashboard.measure_windows = measure_windows

        def hand_written(_i):
            with engine.connect() as own:   # a connection per run, as the product's request gets one
                floor(own, company, windows, today, now)

        variants = {"product": product, "kept": kept_page, "month by month": month_by_month, "floor": hand_written}
        for warm in variants.values():
            warm(0)
        samples: dict[str, list[float]] = {name: [] for name in variants}
        for i in range(repeat):   # interleaved: whatever else the machine does falls on all alike
            for name, fn in variants.items():
                started = time.perf_counter()
                fn(i)
                samples[name].append((time.perf_counter() - started) * 1000)
    engine.dispose()
    rows = {f"GET /{COMPANY_SLUG}/compliance (in-process), computed": summary(samples["product"]),
            "same, a look after no write (kept)": summary(samples["kept"]),
            "same, each window measured alone (before)": summary(samples["month by month"]),
            "SQL floor: one query per indicator, 13 windows": summary(samples["floor"])}
    print_table("compliance dashboard, demo city, SQLite", rows)
    product_p50, kept_p50, before_p50, floor_p50 = (rows[k]["p50"] for k in rows)
    print(f"\nproduct p50 {product_p50:.1f} ms, floor p50 {floor_p50:.1f} ms, ratio {product_p50 / floor_p50:.2f}x"
          f" (kept: {kept_p50:.1f} ms, {kept_p50 / floor_p50:.2f}x;"
          f" each window alone: {before_p50:.1f} ms, {before_p50 / floor_p50:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, default=Path("instance-bench-dashboard"),
                        help="where the demo city is built (or already is)")
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    run(args.instance.resolve(), args.repeat)


if __name__ == "__main__":
    main()
