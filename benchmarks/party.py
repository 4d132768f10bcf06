"""Party and cross-appointment metric sources at city and province scale vs. the SQL floor.

For each scale: a fresh PostgreSQL database (the app role, so row-level
security is on) filled by the scale generator (members, branches, party groups,
people and posts for every company), then, in the same run:

- each source (``party_coverage``, ``committee_party_share``, ``cross_appointment``)
  as the bureau's rating reads it: inside ``bureau_cross_tenant_read``, over every company;
- the floor: one hand-written SQL query for the owners' committee share (no
  contract join, no ORM), on the same connection;
- one company's party overview (``formation_for`` over its communities), in its own scope.

    DATABASE_URL=postgresql://postgres@127.0.0.1/postgres uv run python -m benchmarks.party [--scale city|province|both]
"""
from __future__ import annotations

import argparse
import time

from flask_migrate import upgrade
from sqlalchemy import select, text

from benchmarks.common import analyze, fresh_database
from red_property import create_app
from red_property.compliance.sources import Window, measure
from red_property.core import clock
from red_property.core.tenancy import bureau_cross_tenant_read, tenant_scope
from red_property.demo.scale import SCALES, generate_scale
from red_property.extensions import db
from red_property.party.rules import formation_for
from red_property.party.services import managed_communities
from red_property.tenants.models import Tenant, TenantKind

METRICS = ["party_coverage", "committee_party_share", "cross_appointment"]
FLOOR = """
    SELECT pe.tenant_id, pe.community_id,
           count(*) FILTER (WHERE pe.party_member_id IS NOT NULL)::numeric / count(*)
    FROM appointment_post p JOIN appointment_person pe ON pe.tenant_id = p.tenant_id AND pe.id = p.person_id
    WHERE p.body = 'owners_committee' AND p.term_start <= :end AND coalesce(p.ended_on, p.term_end) >= :end
    GROUP BY 1, 2"""


def build(scale: str) -> tuple[str, int]:
    owner, app_url = fresh_database(f"rp_bench_party_{scale}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": owner, "MIGRATE_DATABASE_URL": owner})
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    companies, communities = SCALES[scale]
    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "MIGRATE_DATABASE_URL": owner})  # the owner creates the bureau
    with app.app_context():
        started = time.perf_counter()
        generated = generate_scale(db.session, companies=companies, communities=communities, households_per_community=1)
        db.engine.dispose()
    analyze(owner)
    print(f"[{scale}] built {companies} companies, {communities} communities, {generated['posts']} posts "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    return app_url, generated["bureau_id"]


def run(scale: str, app_url: str, bureau: int, repeat: int) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url})
    window = Window.months_ending(clock.today())
    out = {}
    with app.app_context():
        for metric in METRICS:
            samples = []
            for _ in range(repeat):
                with tenant_scope(db.session, bureau) as s, bureau_cross_tenant_read(s, reason="benchmark") as reader:
                    started = time.perf_counter()
                    values = measure(reader, window, [metric])[metric]
                    samples.append(time.perf_counter() - started)
            out[metric] = (min(samples) * 1000, len(values))
        samples = []
        for _ in range(repeat):
            with tenant_scope(db.session, bureau) as s, bureau_cross_tenant_read(s, reason="benchmark") as reader:
                started = time.perf_counter()
                rows = reader.execute(text(FLOOR), {"end": window.end}).all()
                samples.append(time.perf_counter() - started)
        out["floor"] = (min(samples) * 1000, len(rows))
        with tenant_scope(db.session, bureau) as s:
            company = s.scalar(select(Tenant.id).where(Tenant.kind == TenantKind.COMPANY).order_by(Tenant.id))
        with tenant_scope(db.session, company) as s:
            today = clock.today()
            started = time.perf_counter()
            formation_for(s, [c for c, _ in managed_communities(s, today)], today)
            out["overview"] = ((time.perf_counter() - started) * 1000, 0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["city", "province", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for scale in (["city", "province"] if args.scale == "both" else [args.scale]):
        app_url, bureau = build(scale)
        result = run(scale, app_url, bureau, args.repeat)
        print(f"[{scale}] best of {args.repeat}, ms (rows):")
        for name, (ms, rows) in result.items():
            print(f"  {name:<24} {ms:>9.1f}  ({rows})")


if __name__ == "__main__":
    main()
