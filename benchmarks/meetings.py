"""Meeting cadence and activity participation at city and province scale vs. a raw SQL floor.

For each scale: a fresh PostgreSQL database (the app connects as the
unprivileged role, so row-level security is on) filled by the scale generator
(twelve months of meetings and activities per community); then, in the same run:

- each metric source for every company at once, through the bureau's audited
  cross-tenant read (what a rating run does);
- the floor: the same values from one hand-written SQL query each, as the
  schema owner (no ORM, no RLS), checked equal;
- one company's calendar grid and sources in its own scope (its pages).

    DATABASE_URL=postgresql://postgres@127.0.0.1/postgres uv run python -m benchmarks.meetings [--scale city|province]
"""
from __future__ import annotations

import argparse
from fractions import Fraction

from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from benchmarks.common import analyze, fresh_database, print_table, summary, timed
from red_property import create_app
from red_property.compliance.sources import Window, load_sources, measure
from red_property.core import clock
from red_property.core.tenancy import bureau_cross_tenant_read, tenant_scope
from red_property.demo.scale import SCALES, generate_scale
from red_property.extensions import db
from red_property.meetings.calendar import meeting_calendar
from red_property.tenants.models import Tenant, TenantKind

# Each floor query returns (company, community, part, whole): the value is part / whole.
FLOOR = {
    "meeting_cadence": """
        WITH month AS (SELECT d::date AS first, (d + interval '1 month - 1 day')::date AS last,
                              extract(year FROM d)::int * 100 + extract(month FROM d)::int AS period
                       FROM generate_series(:start, :end, interval '1 month') AS d),
             held AS MATERIALIZED (
                 SELECT DISTINCT tenant_id, community_id, monthly_period AS period, held_on FROM joint_meeting
                 WHERE parties_complete AND held_on BETWEEN :start AND :end),
             months AS (
                 SELECT mc.company_tenant_id, mc.community_id, m.period, bool_or(h.held_on IS NOT NULL) AS met,
                        bool_or(mc.starts_on <= m.first AND (mc.ends_on IS NULL OR mc.ends_on >= m.last)
                                AND m.last <= :end AND m.last < :today) AS required
                 FROM management_contract mc
                 JOIN month m ON mc.starts_on <= m.last AND (mc.ends_on IS NULL OR mc.ends_on >= m.first)
                 LEFT JOIN held h ON h.tenant_id = mc.company_tenant_id AND h.community_id = mc.community_id
                  AND h.period = m.period AND h.held_on >= mc.starts_on
                  AND (mc.ends_on IS NULL OR h.held_on <= mc.ends_on)
                 WHERE mc.starts_on <= :end
                 GROUP BY 1, 2, 3)
        SELECT company_tenant_id, community_id, count(*) FILTER (WHERE met), count(*) FILTER (WHERE met OR required)
        FROM months GROUP BY 1, 2""",
    "activity_participation": """
        WITH active AS MATERIALIZED (
                 SELECT DISTINCT p.tenant_id, p.member_id FROM party_activity_participant p
                 JOIN party_activity a ON a.id = p.activity_id AND a.tenant_id = p.tenant_id
                 WHERE a.held_on BETWEEN :start AND :end),
             managed AS MATERIALIZED (
                 SELECT DISTINCT company_tenant_id, community_id FROM management_contract
                 WHERE starts_on <= :end AND (ends_on IS NULL OR ends_on >= :start))
        SELECT pm.tenant_id, pm.community_id, count(act.member_id), count(*)
        FROM party_member pm
        JOIN managed m ON m.company_tenant_id = pm.tenant_id AND m.community_id = pm.community_id
        LEFT JOIN active act ON act.tenant_id = pm.tenant_id AND act.member_id = pm.id
        GROUP BY 1, 2""",
}


def run(scale: str, repeat: int) -> None:
    owner, app_url = fresh_database(f"rp_bench_meetings_{scale}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "MIGRATE_DATABASE_URL": owner, "JOBS_INLINE": True})
    today = clock.today()
    window = Window.months_ending(today)
    with app.app_context():
        upgrade(revision="heads")
        companies, communities = SCALES[scale]
        print(generate_scale(db.session, companies=companies, communities=communities))
        analyze(owner)
        bureau = db.session.scalar(select(Tenant.id).where(Tenant.kind == TenantKind.BUREAU))
        company = db.session.scalar(select(Tenant.id).where(Tenant.kind == TenantKind.COMPANY).order_by(Tenant.id))
        db.session.close()
        load_sources()
        rows, results = {}, {}
        for metric in FLOOR:
            def through_the_app(_i, metric=metric):
                with tenant_scope(db.session, bureau) as s, bureau_cross_tenant_read(s, reason="benchmark") as r:
                    results[metric] = measure(r, window, [metric])[metric]
            rows[f"{metric}: all companies (bureau path)"] = summary(timed(through_the_app, repeat))
        floor_engine = create_engine(owner)
        params = {"start": window.start, "end": window.end, "today": today}
        with floor_engine.connect() as conn:
            for metric, sql in FLOOR.items():
                found = {}

                def floor(_i, sql=sql, found=found):
                    found.clear()
                    for company_id, community_id, part, whole in conn.execute(text(sql), params):
                        found[(company_id, community_id)] = Fraction(part, whole) if whole else None
                rows[f"{metric}: SQL floor (owner, no RLS)"] = summary(timed(floor, repeat))
                assert found == results[metric], f"{metric}: the app and the floor disagree"
        floor_engine.dispose()
        with tenant_scope(db.session, company) as s:
            rows["one company's calendar grid"] = summary(timed(lambda _i: meeting_calendar(s, today=today), repeat))
            rows["one company's two sources"] = summary(timed(lambda _i: measure(s, window, list(FLOOR)), repeat))
        db.engine.dispose()
    print_table(f"{scale}: {companies} companies, {communities} communities", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["city", "province"], default="city")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    run(args.scale, args.repeat)


if __name__ == "__main__":
    main()
