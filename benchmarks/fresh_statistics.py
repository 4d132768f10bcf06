"""Pages of a freshly built city on PostgreSQL, with and without planner statistics.

Builds the demo city in a fresh database (``red-property demo`` on PostgreSQL), which
ends by asking for statistics on every table it filled (``core.statistics``).  Then, in
the same run and alternating, it times the pages a company and the bureau open first:

- *as built*: every table analyzed, as the build leaves it;
- *as if never analyzed* (the baseline, what a fresh city had before): every public
  table's statistics are forgotten as the superuser (``reltuples = -1`` and its
  ``pg_statistic`` rows gone), as a table just filled from empty looks to the planner
  until autovacuum gets to it, if it is on.

Each page is requested ``--repeat`` times per round (median), for ``--rounds`` rounds;
it prints both medians and the ratio.

    uv run python -m benchmarks.fresh_statistics [--repeat 3] [--rounds 2]
"""
from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks.common import fresh_database, timed
from red_property.core import clock

DATABASE = "rp_bench_fresh_stats"
PAGES = (("company1@demo.test", "/company-1/fees", "fees overview, company 1"),
         ("company1@demo.test", "/company-1/compliance", "compliance dashboard, company 1"),
         ("company1@demo.test", "/company-1/demands", "demand list, company 1"),
         ("bureau@demo.test", "/city-bureau/", "home, bureau"))


def forget_statistics(owner: str) -> None:
    engine = create_engine(owner, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DELETE FROM pg_statistic s USING pg_class c WHERE s.starelid = c.oid "
                          "AND c.relnamespace = 'public'::regnamespace"))
        conn.execute(text("UPDATE pg_class SET reltuples = -1 WHERE relnamespace = 'public'::regnamespace "
                          "AND relkind = 'r'"))
    engine.dispose()


def restore_statistics(owner: str) -> None:
    engine = create_engine(owner, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def build(owner: str, app_url: str):
    from flask_migrate import upgrade

    from red_property import create_app
    from red_property.demo.city import build_demo_city
    from red_property.extensions import db

    config = {"SQLALCHEMY_DATABASE_URI": app_url, "MIGRATE_DATABASE_URL": owner, "JOBS_INLINE": True,
              "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
    app = create_app(config)
    with app.app_context():
        upgrade(revision="heads")
        build_demo_city(db.session, Path(__file__).resolve().parent.parent / "tenants",
                        today=clock.today())
        db.session.remove()
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    owner, app_url = fresh_database(DATABASE)
    app = build(owner, app_url)
    clients = {}
    for email, *_ in PAGES:
        if email not in clients:
            clients[email] = app.test_client()
            login = clients[email].post("/login", data={"email": email, "password": "red-property-demo"})
            assert login.status_code in (302, 303), f"demo login {email} failed"

    def page(email: str, path: str):
        def get(_i):
            response = clients[email].get(path)
            assert response.status_code == 200, (path, response.status_code)
        return get

    samples = {label: {"as built": [], "never analyzed": []} for *_, label in PAGES}
    for _round in range(args.rounds):
        for variant, prepare in (("never analyzed", forget_statistics), ("as built", restore_statistics)):
            prepare(owner)
            for email, path, label in PAGES:
                page(email, path)(0)   # warm the process (templates, caches), not timed
                samples[label][variant] += timed(page(email, path), args.repeat)
    print(f"\n{'page':<34} {'as built ms':>12} {'never analyzed ms':>18} {'ratio':>7}")
    for label, by in samples.items():
        built, bare = statistics.median(by["as built"]), statistics.median(by["never analyzed"])
        print(f"{label:<34} {built:>12.1f} {bare:>18.1f} {bare / built:>6.1f}x")
    with app.app_context():
        from red_property.extensions import db
        db.engine.dispose()


if __name__ == "__main__":
    main()
