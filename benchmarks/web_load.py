"""The web under load: ``GET /api/v1/communities`` through gunicorn as configured in ``ops/``.

City scale (249 companies, 513 communities) on PostgreSQL with row-level security,
Redis for the limiter.  gunicorn runs ``ops/gunicorn.conf.py`` (gthread; 5 workers
x 4 threads on 2 cores) with one WSGI app that mounts, in the same workers:

- the product at ``/``: bearer-token login, the tenant session, RLS, marshmallow;
- the floor at ``/floor``: a minimal Flask view with SQLAlchemy Core reading the
  same 50 rows as the same database role in one transaction that sets the same
  tenant (no token check, no ORM, no schema).

wrk (``apt-get install wrk``) drives each for ``--seconds`` at concurrency 8 and
32, product and floor alternating, and the script prints requests per second, p50
and p99 and the product's share of the floor's throughput (issue 14 goal: at
least 50%, p99 under 250 ms at concurrency 32).

    DATABASE_URL=postgresql://postgres@127.0.0.1/postgres uv run python -m benchmarks.web_load
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from benchmarks.api_latency import build, issue_token
from benchmarks.common import analyze, fresh_database

ROOT = Path(__file__).resolve().parent.parent
PORT = 8123
PER_PAGE = 50
COLUMNS = "id, tenant_id, name, address, district, street, neighbourhood, household_count, committee_tenant_id"


def floor_app(url: str) -> Flask:
    """The floor: the same rows, the same role, the tenant set as the product sets it."""
    app = Flask("floor")
    engine = create_engine(url, pool_size=4, max_overflow=0)

    @app.get("/communities")
    def communities():
        tenant, page = request.args["tenant"], int(request.args.get("page", 1))
        with engine.begin() as conn:
            conn.execute(text("SELECT set_config('app.current_tenant', :t, true), "
                              "set_config('app.current_day', to_char(now(), 'YYYY-MM-DD'), true)"), {"t": tenant})
            rows = conn.execute(text(f"SELECT {COLUMNS} FROM community ORDER BY name, id LIMIT :n OFFSET :o"),
                                {"n": PER_PAGE, "o": (page - 1) * PER_PAGE}).mappings().all()
            total = conn.execute(text("SELECT count(*) FROM community")).scalar()
        return jsonify(items=[dict(r) for r in rows], total=total, page=page, per_page=PER_PAGE)

    return app


def make_app():
    """gunicorn's factory (``benchmarks.web_load:make_app()``): the product and the floor in one app."""
    from red_property import create_app

    product = create_app()
    product.wsgi_app = DispatcherMiddleware(product.wsgi_app, {"/floor": floor_app(os.environ["DATABASE_URL"])})
    return product


def wrk(url: str, seconds: int, connections: int, token: str | None) -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    return {"rps": rps, "p50": _ms(latency["50"]), "p99": _ms(latency["99"]),
            "errors": int(non2xx.group(1)) if non2xx else 0}


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    owner, app_role = fresh_database("rp_bench_web")
    build(owner)
    analyze(owner)
    bureau, company = (issue_token(app_role, e) for e in ("bench-bureau@test.cn", "bench-co@test.cn"))
    ids = json.loads(subprocess.run(
        ["psql", owner.replace("postgresql+psycopg://", "postgresql://"), "-Atc",
         "SELECT json_object_agg(email, tenant_id) FROM user_account WHERE email LIKE 'bench-%'"],
        capture_output=True, text=True, check=True).stdout)
    env = {**os.environ, "DATABASE_URL": app_role, "MIGRATE_DATABASE_URL": owner,
           "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"),
           "SECRET_KEY": "benchmark-" + "x" * 40, "GUNICORN_BIND": f"127.0.0.1:{PORT}"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "ops" / "gunicorn.conf.py"),
                               "--access-logfile", "/dev/null", "benchmarks.web_load:make_app()"],
                              env=env, cwd=ROOT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{PORT}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        cases = {"bureau": (bureau, ids["bench-bureau@test.cn"]), "company": (company, ids["bench-co@test.cn"])}
        print(f"\nGET /api/v1/communities?per_page={PER_PAGE}, {args.seconds} s each, product and floor alternating")
        print(f"{'case':<22} {'c':>3} {'product rps':>12} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'floor rps':>10} {'p50 ms':>8} {'p99 ms':>8} {'share':>6}")
        for name, (token, tenant) in cases.items():
            for connections in (8, 32):
                wrk(f"{base}/api/v1/communities?per_page={PER_PAGE}", 3, connections, token)  # warm up
                product = wrk(f"{base}/api/v1/communities?per_page={PER_PAGE}", args.seconds, connections, token)
                floor = wrk(f"{base}/floor/communities?tenant={tenant}", args.seconds, connections, None)
                assert product["errors"] == 0 and floor["errors"] == 0, (product, floor)
                print(f"{name:<22} {connections:>3} {product['rps']:>12.0f} {product['p50']:>8.1f} "
                      f"{product['p99']:>8.1f} {floor['rps']:>10.0f} {floor['p50']:>8.1f} {floor['p99']:>8.1f} "
                      f"{product['rps'] / floor['rps']:>6.0%}", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
