"""The web under load: four endpoints through gunicorn as configured in ``ops/``, each against a floor.

City scale (249 companies, 513 communities) on PostgreSQL with row-level security,
Redis for the limiter.  gunicorn runs ``ops/gunicorn.conf.py`` (gthread; 5 workers
x 4 threads on 2 cores) with one WSGI app that mounts, in the same workers:

- the product at ``/``: bearer-token login, the tenant session, RLS, marshmallow;
- the floors at ``/floor``: minimal Flask views with SQLAlchemy Core that read (or
  write) the same rows as the same database role in one transaction that sets the
  same tenant (no token check, no ORM, no schema):

  * ``GET /api/v1/communities`` (the bureau, and a company): the page of 50, its
    total, and the page's contracts with their companies' names;
  * ``GET /api/v1/demands`` (a company's demand list, 30 a page): the page with its
    communities' names, and the total;
  * ``GET /api/v1/compliance`` (what a company's dashboard shows, as JSON): its floor
    reads the rows the indicators are measured from (the company's demands, bills and
    payments, contracts, party organisations, members, activities, meetings and
    appointments of the twelve months) and computes nothing, so it is a low floor;
  * ``POST /api/v1/fees/payments`` (a write: one fen paid on a random open bill of
    another company, so that the dashboard above never reads these payments, drawn in
    proportion to what it owes): its floor locks and updates the bill, takes the next
    receipt number from the tenant's counter and inserts the payment, in one transaction.

wrk (``apt-get install wrk``) drives each for ``--seconds`` at concurrency 8 and
32, product and floor alternating, and the script prints requests per second, p50
and p99 and the product's share of the floor's throughput (issue 14 goal: at
least 50%, p99 under 250 ms at concurrency 32).  Beside them it prints what a request
cost: the CPU milliseconds the gunicorn workers and PostgreSQL spent over each run
(``/proc``), divided by its requests, and the product's cost against the floor's.  On a
shared, noisy VM the throughput of two runs minutes apart moves by 2x; the cost per
request much less, and it says whether the time went to Python or to the database
(with ``--with-rating`` the database's figure includes the rating's own work).  ``--with-rating`` measures the
same while another process runs rating runs back to back (each as the worker's job
runs it), of this city or (``--with-rating province``) of the province database that
``benchmarks.rating --scale province`` built on the same server.  ``--alone ROUNDS``
first times the compliance dashboard one request at a time in-process (issue 14 part 1
on PostgreSQL): after a write (measured), after none (kept), and its floor.

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
import tempfile
import time
import urllib.request
from pathlib import Path

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from benchmarks.api_latency import build, issue_token
from benchmarks.common import SERVER, analyze, fresh_database
from red_property.compliance.sources import Window
from red_property.core import clock

ROOT = Path(__file__).resolve().parent.parent
PORT = 8123
PER_PAGE = 50
DEMANDS_PER_PAGE = 30
DATABASE = "rp_bench_web"
WRITER = "bench-co-staff@test.cn"
COLUMNS = ("c.id, c.tenant_id, c.name, c.address, c.district, c.street, c.neighbourhood, c.household_count, "
           "c.floor_area, c.year_built, c.retired_on")
COMPLIANCE_ROWS = {  # what the dashboard's indicators are measured from, for the twelve months
    "demands": "SELECT community_id, status, due_at, closed_at, rating FROM demand "
               "WHERE due_at >= :start OR closed_at >= :start",
    "bills": "SELECT id, community_id, due_on, amount_fen FROM fee_bill WHERE due_on >= :start_day",
    "payments": "SELECT p.bill_id, p.paid_on, p.amount_fen FROM fee_payment p JOIN fee_bill b "
                "ON b.id = p.bill_id AND b.tenant_id = p.tenant_id WHERE b.due_on >= :start_day",
    "contracts": "SELECT community_id, starts_on, ends_on FROM management_contract",
    "organisations": "SELECT o.id, o.level, o.founded_on, oc.community_id FROM party_organisation o "
                     "JOIN party_organisation_community oc ON oc.organisation_id = o.id",
    "members": "SELECT id, community_id FROM party_member",
    "participants": "SELECT p.member_id, a.held_on FROM party_activity_participant p JOIN party_activity a "
                    "ON a.id = p.activity_id AND a.tenant_id = p.tenant_id WHERE a.held_on >= :start_day",
    "meetings": "SELECT community_id, monthly_period, parties_complete, held_on FROM joint_meeting "
                "WHERE held_on >= :start_day",
    "appointments": "SELECT pe.community_id, pe.party_member_id, po.body, po.role, po.term_start, po.term_end, "
                    "po.ended_on FROM appointment_person pe JOIN appointment_post po "
                    "ON po.person_id = pe.id AND po.tenant_id = pe.tenant_id",
}


def floor_app(url: str) -> Flask:
    """The floors: the same rows, the same role, the tenant set as the product sets it."""
    app = Flask("floor")
    engine = create_engine(url, pool_size=4, max_overflow=0)

    def begin(conn, tenant: str) -> None:
        conn.execute(text("SELECT set_config('app.current_tenant', :t, true), "
                          "set_config('app.current_day', to_char(now(), 'YYYY-MM-DD'), true)"), {"t": tenant})

    @app.get("/communities")
    def communities():
        tenant, page = request.args["tenant"], int(request.args.get("page", 1))
        with engine.begin() as conn:
            begin(conn, tenant)
            rows = conn.execute(text(f"SELECT {COLUMNS} FROM community c ORDER BY c.district, c.name, c.id "
                                     "LIMIT :n OFFSET :o"), {"n": PER_PAGE, "o": (page - 1) * PER_PAGE}).mappings().all()
            total = conn.execute(text("SELECT count(*) FROM community")).scalar()
            contracts = conn.execute(text(
                "SELECT mc.community_id, mc.contract_no, mc.starts_on, mc.ends_on, t.id AS company_id, t.name "
                "FROM management_contract mc JOIN tenant t ON t.id = mc.company_tenant_id "
                "WHERE mc.community_id = ANY(:ids) ORDER BY mc.starts_on DESC"),
                {"ids": [r["id"] for r in rows]}).mappings().all()
        by_community: dict[int, list] = {r["id"]: [] for r in rows}
        for c in contracts:
            by_community[c["community_id"]].append(dict(c))
        return jsonify(items=[{**r, "floor_area": str(r["floor_area"]), "contracts": by_community[r["id"]]}
                              for r in rows], total=total, page=page, per_page=PER_PAGE)

    @app.get("/demands")
    def demands():
        with engine.begin() as conn:
            begin(conn, request.args["tenant"])
            rows = conn.execute(text(
                "SELECT d.*, c.name AS community_name FROM demand d JOIN community c ON c.id = d.community_id "
                "ORDER BY d.received_at DESC, d.id DESC LIMIT :n"), {"n": DEMANDS_PER_PAGE}).mappings().all()
            total = conn.execute(text("SELECT count(*) FROM demand")).scalar()
        return jsonify(items=[{k: str(v) if v is not None else None for k, v in r.items()} for r in rows],
                       total=total)

    @app.get("/compliance")
    def compliance():
        start_day = Window.months_ending(clock.today()).start
        params = {"start": clock.bounds(start_day, start_day)[0], "start_day": start_day}
        with engine.begin() as conn:
            begin(conn, request.args["tenant"])
            counts = {name: len(conn.execute(text(sql), params).all()) for name, sql in COMPLIANCE_ROWS.items()}
        return jsonify(counts)

    @app.post("/payments")
    def payments():
        body = request.get_json()
        with engine.begin() as conn:
            begin(conn, request.args["tenant"])
            bill = conn.execute(text("UPDATE fee_bill SET paid_fen = paid_fen + :fen WHERE id = :bill "
                                     "AND amount_fen - paid_fen >= :fen RETURNING payer_name"),
                                {"fen": body["amount_fen"], "bill": body["bill_id"]}).first()
            year = int(body["paid_on"][:4])
            number = conn.execute(text("UPDATE fee_document_counter SET last_number = last_number + 1 "
                                       "WHERE series = 'receipt' AND year = :y RETURNING last_number"),
                                  {"y": year}).scalar_one()
            payment = conn.execute(text(
                "INSERT INTO fee_payment (tenant_id, bill_id, amount_fen, paid_on, method, payer_name, receipt_year, "
                "receipt_number, receipt_code, recorded_at) VALUES (:t, :bill, :fen, :day, :method, :payer, :y, :n, "
                ":code, now()) RETURNING id"),
                {"t": int(request.args["tenant"]), "bill": body["bill_id"], "fen": body["amount_fen"],
                 "day": body["paid_on"], "method": body["method"], "payer": bill.payer_name, "y": year, "n": number,
                 "code": f"SJ{year}-{number:06d}"}).scalar_one()
        return jsonify(id=payment, receipt_number=number), 201

    return app


def make_app():
    """gunicorn's factory (``benchmarks.web_load:make_app()``): the product and the floors in one app."""
    from red_property import create_app

    product = create_app()
    product.wsgi_app = DispatcherMiddleware(product.wsgi_app, {"/floor": floor_app(os.environ["DATABASE_URL"])})
    return product


def prepare(owner: str, app_role: str) -> None:
    """The city, the bureau's rating inputs (for ``--with-rating``) and a company user who may write."""
    from red_property import create_app
    from red_property.accounts.models import Role
    from red_property.accounts.services import create_user
    from red_property.core import tenancy
    from red_property.extensions import db
    from red_property.tenants.models import Tenant, TenantKind

    build(owner)
    app = create_app({"SQLALCHEMY_DATABASE_URI": app_role, "MIGRATE_DATABASE_URL": owner, "PASSWORD_HASH_FAST": True})
    with app.app_context():
        from benchmarks.rating import _bureau_inputs

        ids = _ids(owner)
        _bureau_inputs(ids["bench-bureau@test.cn"])
        # The writer works for another company than the one whose dashboard is measured: the payment
        # case adds thousands of payments a run, and the compliance case would read them all.
        writer_company = db.session.scalars(select(Tenant.id).where(Tenant.kind == TenantKind.COMPANY,
                                                                    Tenant.id != ids["bench-co@test.cn"])
                                            .order_by(Tenant.id)).first()
        with tenancy.tenant_scope(db.session, writer_company):
            create_user(db.session, email=WRITER, name="bench", role=Role.STAFF, password="bench password 1")
            db.session.commit()
        db.engine.dispose()
    analyze(owner)


def _psql(owner: str, sql: str) -> str:
    return subprocess.run(["psql", owner.replace("postgresql+psycopg://", "postgresql://"), "-Atc", sql],
                          capture_output=True, text=True, check=True).stdout.strip()


def _ids(owner: str) -> dict[str, int]:
    return json.loads(_psql(owner, "SELECT json_object_agg(email, tenant_id) FROM user_account "
                                   "WHERE email LIKE 'bench-%'"))


def open_bills(owner: str, company: int) -> list[int]:
    """The company's open bills, each as often as it has 20 yuan outstanding: one fen at a time,
    a run of the benchmark takes a few thousand fen from the largest, far from paying one off."""
    rows = _psql(owner, f"SELECT id, (amount_fen - paid_fen) / 2000 FROM fee_bill WHERE tenant_id = {company} "
                        "AND amount_fen - paid_fen >= 2000 ORDER BY id")
    return [int(bill) for line in rows.split() for bill, times in [line.split("|")] for _ in range(int(times))]


def payment_script(bills: list[int], day: str) -> str:
    """A wrk script: POST one fen on a random open bill."""
    body = '{"bill_id":%d,"amount_fen":1,"paid_on":"' + day + '","method":"cash"}'
    handle, path = tempfile.mkstemp(suffix=".lua")
    with os.fdopen(handle, "w") as f:
        f.write(f'bills = {{{",".join(map(str, bills))}}}\nwrk.method = "POST"\n'
                'wrk.headers["Content-Type"] = "application/json"\n'
                'request = function()\n  local b = bills[math.random(#bills)]\n'
                f'  return wrk.format(nil, nil, nil, string.format(\'{body}\', b))\nend\n')
    return path


def wrk(url: str, seconds: int, connections: int, token: str | None, script: str | None = None) -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "20s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    if script:
        command[1:1] = ["-s", script]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    return {"rps": rps, "requests": requests, "p50": _ms(latency["50"]), "p99": _ms(latency["99"]),
            "errors": (int(non2xx.group(1)) if non2xx else 0) + (int(timeouts.group(1)) if timeouts else 0)}


def cpu_seconds(server: int) -> tuple[float, float]:
    """CPU seconds used so far by the gunicorn master's process group and by PostgreSQL, from
    ``/proc``: each live process's user and system time, plus what the reaped ones used (the
    master's and the postmaster's children's time, so recycled workers and ended backends count)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        try:
            text_ = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:  # the process ended while we looked
            continue
        if text_:
            comm = text_[text_.index("(") + 1:text_.rindex(")")]
            fields = text_[text_.rindex(")") + 2:].split()
            stats[int(entry.name)] = (comm, int(fields[1]), int(fields[2]), *map(int, fields[11:15]))
    app = db = 0
    for pid, (comm, ppid, group, utime, stime, cutime, cstime) in stats.items():
        reaped = cutime + cstime
        if group == server:
            app += utime + stime + (reaped if pid == server else 0)
        elif comm == "postgres":
            db += utime + stime + (reaped if stats.get(ppid, ("",))[0] != "postgres" else 0)
    return app / tick, db / tick


def measured(url: str, seconds: int, connections: int, token: str | None, script: str | None, server: int) -> dict:
    """``wrk`` and the CPU milliseconds the app and the database spent per request meanwhile: on a
    shared, noisy machine the throughput moves with whatever else runs, the work per request much less."""
    before = cpu_seconds(server)
    result = wrk(url, seconds, connections, token, script)
    after = cpu_seconds(server)
    result["app_ms"], result["db_ms"] = (1000 * (b - a) / max(result["requests"], 1) for a, b in zip(before, after))
    return result


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def dashboard_alone(token: str, company: int, rounds: int) -> None:
    """``--alone``: the compliance dashboard of one of the largest companies, one request at a time
    in-process (issue 14 part 1 on PostgreSQL): as the API answers it after a write (every indicator
    measured; the kept measurements cleared first), after no write (kept), and the floor's rows, each
    round in turn; p50 of ``rounds``."""
    from red_property.core.generations import clear_kept

    app = make_app()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def computed():
        clear_kept()
        return client.get("/api/v1/compliance", headers=headers)

    cases = {"computed (after a write)": computed,
             "kept (after no write)": lambda: client.get("/api/v1/compliance", headers=headers),
             "floor (reads the rows)": lambda: client.get(f"/floor/compliance?tenant={company}")}
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for n in range(rounds + 2):
        for name, call in cases.items():
            started = time.perf_counter()
            response = call()
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.get_data(as_text=True)[:200]
            if n >= 2:  # the first two rounds warm the caches and the connections
                samples[name].append(elapsed)
    floor = sorted(samples["floor (reads the rows)"])[rounds // 2]
    print(f"\ncompliance dashboard alone, in-process, p50 of {rounds} (goal: under 150 ms):")
    for name, values in samples.items():
        p50 = sorted(values)[rounds // 2]
        print(f"  {name:<26} {p50:7.1f} ms  {p50 / floor:5.1f}x the floor")


def rating_loop(app_role: str, bureau: int) -> None:
    """``--rating-loop``: rating runs back to back, each executed as the worker's job executes it."""
    from benchmarks.rating import AS_OF
    from red_property import create_app
    from red_property.core.tenancy import tenant_scope
    from red_property.extensions import db
    from red_property.rating.runs import start_run

    app = create_app({"SQLALCHEMY_DATABASE_URI": app_role, "JOBS_INLINE": True})
    with app.app_context():
        n = 0
        while True:
            started = time.perf_counter()
            with tenant_scope(db.session, bureau) as s:
                start_run(s, period="2026", as_of=AS_OF)
            n += 1
            print(f"[rating] run {n}: {time.perf_counter() - started:.2f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help=f"measure the database {DATABASE} an earlier run built")
    parser.add_argument("--with-rating", nargs="?", const="city", choices=["city", "province"],
                        help="while rating runs go on in another process: of this city (the default), or of the "
                             "province that benchmarks.rating --scale province built, on the same server")
    parser.add_argument("--only", help="comma-separated case names (communities-bureau, communities-company, "
                                       "demands, compliance, payment)")
    parser.add_argument("--alone", type=int, metavar="ROUNDS", help="first time the compliance dashboard one "
                                                                   "request at a time, in-process (part 1)")
    parser.add_argument("--rating-loop", nargs=2, metavar=("APP_URL", "BUREAU"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rating_loop:
        return rating_loop(args.rating_loop[0], int(args.rating_loop[1]))
    if args.reuse:
        url = make_url(SERVER).set(database=DATABASE)
        owner = url.render_as_string(hide_password=False)
        app_role = url.set(username="red_property_app", password=None).render_as_string(hide_password=False)
    else:
        owner, app_role = fresh_database(DATABASE)
        prepare(owner, app_role)
    ids = _ids(owner)
    bureau, company, writer_company = ids["bench-bureau@test.cn"], ids["bench-co@test.cn"], ids[WRITER]
    tokens = {email: issue_token(app_role, email) for email in ("bench-bureau@test.cn", "bench-co@test.cn", WRITER)}
    script = payment_script(open_bills(owner, writer_company), clock.today().isoformat())
    env = {**os.environ, "DATABASE_URL": app_role, "MIGRATE_DATABASE_URL": owner,
           "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
           "SECRET_KEY": "benchmark-" + "x" * 40, "GUNICORN_BIND": f"127.0.0.1:{PORT}"}
    if args.alone:
        os.environ.update(env)
        dashboard_alone(tokens["bench-co@test.cn"], company, args.alone)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "ops" / "gunicorn.conf.py"),
                               "--access-logfile", "/dev/null", "benchmarks.web_load:make_app()"],
                              env=env, cwd=ROOT, start_new_session=True)
    rating = None
    if args.with_rating:
        rated, rated_bureau = app_role, bureau
        if args.with_rating != "city":  # the province the rating benchmark built (benchmarks.rating --scale province)
            from benchmarks.rating import reuse

            _owner, rated, rated_bureau = reuse(args.with_rating)
        rating = subprocess.Popen([sys.executable, "-m", "benchmarks.web_load", "--rating-loop", rated,
                                   str(rated_bureau)],
                                  env=env, cwd=ROOT, start_new_session=True)
    base = f"http://127.0.0.1:{PORT}"
    cases = {  # name: (product path, token, floor path, wrk script)
        "communities-bureau": (f"/api/v1/communities?per_page={PER_PAGE}", tokens["bench-bureau@test.cn"],
                               f"/floor/communities?tenant={bureau}", None),
        "communities-company": (f"/api/v1/communities?per_page={PER_PAGE}", tokens["bench-co@test.cn"],
                                f"/floor/communities?tenant={company}", None),
        "demands": (f"/api/v1/demands?per_page={DEMANDS_PER_PAGE}", tokens["bench-co@test.cn"],
                    f"/floor/demands?tenant={company}", None),
        "compliance": ("/api/v1/compliance", tokens["bench-co@test.cn"], f"/floor/compliance?tenant={company}", None),
        "payment": ("/api/v1/fees/payments", tokens[WRITER], f"/floor/payments?tenant={writer_company}", script),
    }
    if args.only:
        cases = {name: cases[name] for name in args.only.split(",")}
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        print(f"\n{args.seconds} s each, product and floor alternating"
              f"{', rating runs going on in another process' if rating else ''}; "
              f"load average at start: {os.getloadavg()[0]:.1f}")
        print("CPU ms/request: the gunicorn workers (app) and PostgreSQL (db) over the run, divided by its "
              "requests; cost x: the product's app + db against the floor's")
        print(f"{'case':<22} {'c':>3} {'product rps':>12} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'floor rps':>10} {'p50 ms':>8} {'p99 ms':>8} {'share':>6}   {'product app/db':>14} "
              f"{'floor app/db':>12} {'cost x':>6}")
        for name, (path, token, floor_path, lua) in cases.items():
            for connections in (8, 32):
                wrk(f"{base}{path}", 3, connections, token, lua)  # warm up
                product = measured(f"{base}{path}", args.seconds, connections, token, lua, server.pid)
                floor = measured(f"{base}{floor_path}", args.seconds, connections, None, lua, server.pid)
                failed = product["errors"] + floor["errors"]  # non-2xx answers and wrk's 20 s timeouts
                print(f"{name:<22} {connections:>3} {product['rps']:>12.0f} {product['p50']:>8.1f} "
                      f"{product['p99']:>8.1f} {floor['rps']:>10.0f} {floor['p50']:>8.1f} {floor['p99']:>8.1f} "
                      f"{product['rps'] / max(floor['rps'], 0.01):>6.0%}   "
                      f"{product['app_ms']:>6.2f}/{product['db_ms']:<7.2f} {floor['app_ms']:>5.2f}/{floor['db_ms']:<6.2f} "
                      f"{(product['app_ms'] + product['db_ms']) / max(floor['app_ms'] + floor['db_ms'], 0.001):>5.2f}x"
                      + (f"  failed: product {product['errors']}, floor {floor['errors']}" if failed else ""), flush=True)
    finally:
        for process in (rating, server):
            if process is not None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
        os.unlink(script)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
