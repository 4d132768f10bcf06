"""Bill and render a 2,000-household community through the real job path, vs. the WeasyPrint floor.

A fresh PostgreSQL database (the app connects as the unprivileged role, so
row-level security is on), one company managing one community of 2,000
households, fee schedules; two real RQ worker processes on Redis.  Then, in
the same run:

- the billing run as a user starts it (``start_billing_run``: the run's job and
  one helper job), timed from the request until every invoice is issued,
  numbered, rendered and stored, with the workers' resident memory sampled
  (each worker and the work horse it forks per job);
- the floor: WeasyPrint rendering the same 2,000 invoices as one multi-page
  document in this process (no database, no split into files).

Both font-subsetting paths are measured (``--subsetter both``, the default):
HarfBuzz-Subset when Debian's ``libharfbuzz-subset0`` is installed, and the
fontTools fallback that a machine without it takes (workers and floor alike).

    DATABASE_URL=postgresql://postgres@127.0.0.1/postgres REDIS_URL=redis://127.0.0.1:6379/14 \\
        uv run python -m benchmarks.invoices [--households 2000] [--subsetter harfbuzz|fonttools|both]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, insert, select

from benchmarks.common import fresh_database
from red_property import create_app
from red_property.communities.models import Building, Community, Household, ManagementContract
from red_property.core.pdf import render_pdf
from red_property.core.tenancy import tenant_scope
from red_property.demo import names
from red_property.extensions import db
from red_property.fees.billing import add_schedule, start_billing_run
from red_property.fees.documents import bill_document, documents_html
from red_property.fees.models import BillingRun, Bill, BuildingKind
from red_property.core.owner import owner_session
from red_property.tenants.changes import add_tenant
from red_property.tenants.models import Tenant, TenantKind

REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"
QUEUE = "rp-bench-invoices"
TODAY = dt.date(2026, 11, 20)


def build(app, households: int) -> tuple[int, int]:
    """A bureau, a company, one community of ``households`` households with fee schedules."""
    rng = random.Random(5)
    with app.app_context():
        session = db.session
        with owner_session() as owner:  # a bureau is the schema owner's to create (tenants.changes)
            bureau_id = add_tenant(owner, kind=TenantKind.BUREAU, slug="bench-bureau", name="基准测试住建局",
                                   credit_code=None).id
            company_id = add_tenant(owner, kind=TenantKind.COMPANY, slug="bench-co", name="锦绣物业服务有限公司",
                                    credit_code="91510100MA61JX0011").id
            owner.commit()
        with tenant_scope(session, bureau_id) as s:
            community = Community(name="锦绣花园", address="锦城市人民南路 1 号", district="锦江区",
                                  street="春熙路街道", neighbourhood="春熙东社区", household_count=households,
                                  floor_area=Decimal(households * 95))
            s.add(community)
            s.flush()
            s.add(ManagementContract(community_id=community.id, company_tenant_id=company_id, contract_no="B-1",
                                     starts_on=dt.date(2020, 1, 1)))
            s.commit()
            community_id = community.id
        with tenant_scope(session, company_id) as s:
            per_building = 96
            buildings = s.execute(insert(Building).returning(Building.id, sort_by_parameter_order=True), [
                dict(tenant_id=company_id, community_id=community_id, name=f"{b + 1}栋", floors=24,
                     kind="commercial" if b == 0 else "residential")
                for b in range(-(-households // per_building))]).scalars().all()
            s.execute(insert(Household), [dict(
                tenant_id=company_id, community_id=community_id, building_id=buildings[h // per_building],
                unit=str(h % per_building // 48 + 1), room=f"{h % 48 // 2 + 1}{h % 2 + 1:02d}",
                floor_area=Decimal(rng.randrange(5500, 14500)) / 100, owner_name=names.person(rng))
                for h in range(households)])
            s.commit()
            for kind, rate in ((BuildingKind.RESIDENTIAL, 185), (BuildingKind.COMMERCIAL, 420)):
                add_schedule(s, community_id=community_id, building_kind=kind, rate_fen=rate,
                             effective_from=dt.date(2026, 1, 1), today=TODAY)
    return company_id, community_id


class MemorySampler(threading.Thread):
    """Peak resident memory of the worker processes and their work horses, from /proc."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids, self.peak_kb, self.stopped = pids, 0, threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            for pid in self.pids:
                for process in [pid] + _children(pid):
                    self.peak_kb = max(self.peak_kb, _rss_kb(process))
            time.sleep(0.02)


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def start_workers(app_url: str, files: str, count: int, subsetter: str) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": app_url, "REDIS_URL": REDIS, "RQ_QUEUE": QUEUE, "FILE_DIR": files,
           "FEES_RENDER_HELPERS": str(count - 1)}
    cli = "benchmarks.fonttools_path" if subsetter == "fonttools" else "red_property.cli"
    workers = [subprocess.Popen([sys.executable, "-m", cli, "worker", "--no-scheduler"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
               for _ in range(count)]
    from redis import Redis
    from rq import Queue, Worker

    queue = Queue(QUEUE, connection=Redis.from_url(REDIS))
    for _ in range(300):
        if len(Worker.all(queue=queue)) >= count:
            break
        time.sleep(0.1)
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        for horse in _children(worker.pid):
            os.kill(horse, signal.SIGKILL)
        os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description="billing + invoice PDFs for one community vs the WeasyPrint floor")
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--subsetter", choices=["harfbuzz", "fonttools", "both"], default="both")
    args = parser.parse_args()
    from red_property.core.pdf import subsetter as installed

    paths = ["harfbuzz", "fonttools"] if args.subsetter == "both" else [args.subsetter]
    if "harfbuzz" in paths and installed() != "harfbuzz":
        print("libharfbuzz-subset0 is not installed here: measuring the fontTools path only")
        paths = ["fonttools"]
    results = [measure(args.households, args.workers, path) for path in paths]
    print(f"\n{'':<46} " + "".join(f"{path:>22}" for path, _ in results))
    for label in results[0][1]:
        print(f"{label:<46} " + "".join(f"{figures[label]:>22}" for _, figures in results))


def measure(households: int, workers_count: int, subsetter: str) -> tuple[str, dict[str, str]]:
    """One full run and its floor with fonts subset by ``subsetter``; prints and returns the figures."""
    if subsetter == "fonttools":
        from benchmarks.fonttools_path import force_fonttools

        force_fonttools()
    owner, app_url = fresh_database("rp_bench_invoices")
    migrate_app = create_app({"SQLALCHEMY_DATABASE_URI": owner, "MIGRATE_DATABASE_URL": owner})
    with migrate_app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    files = tempfile.mkdtemp(prefix="rp-bench-files-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "MIGRATE_DATABASE_URL": owner, "REDIS_URL": REDIS,
                      "RQ_QUEUE": QUEUE, "FILE_DIR": files,
                      "FEES_RENDER_HELPERS": workers_count - 1})
    company_id, community_id = build(app, households)
    from redis import Redis
    from rq import Queue

    Queue(QUEUE, connection=Redis.from_url(REDIS)).empty()
    workers = start_workers(app_url, files, workers_count, subsetter)
    sampler = MemorySampler([w.pid for w in workers])
    sampler.start()
    try:
        with app.app_context(), tenant_scope(db.session, company_id) as s:
            started = time.perf_counter()
            run_id = start_billing_run(s, community_id=community_id, period="2026-Q4", today=TODAY).id
            issued_s = None
            while True:
                s.commit()
                run = s.get(BillingRun, run_id)
                if issued_s is None and run.issued_complete:
                    issued_s = time.perf_counter() - started
                if run.finished_at is not None:
                    break
                if time.perf_counter() - started > 600:
                    raise SystemExit("the billing run did not finish in 10 minutes")
                time.sleep(0.02)
            total_s = time.perf_counter() - started
            bills = s.scalars(select(Bill).order_by(Bill.invoice_number)).all()
            assert [b.invoice_number for b in bills] == list(range(1, households + 1))
            assert s.scalar(select(func.count(Bill.id)).where(Bill.file_id.is_(None))) == 0
            issuer = s.get(Tenant, company_id)
            html = documents_html(issuer, [bill_document(b) for b in bills])
            first = documents_html(issuer, [bill_document(bills[0])])
    finally:
        sampler.stopped.set()
        sampler.join()
        stop_workers(workers)
    render_pdf(first)   # warm up fonts, as the workers are
    floor_started = time.perf_counter()
    floor_pdf = render_pdf(html)
    floor_s = time.perf_counter() - floor_started
    n = households
    per_invoice, floor_per = total_s * 1000 / n, floor_s * 1000 / n
    print(f"\n{n} households, {workers_count} RQ workers, PostgreSQL (RLS on) + Redis, fonts subset by {subsetter}")
    print(f"{'full run (issue + number + render + store)':<46} {total_s:>8.2f} s  {per_invoice:>7.2f} ms/invoice")
    print(f"{'  of which issuing every bill':<46} {issued_s:>8.2f} s")
    print(f"{'floor: one multi-page WeasyPrint document':<46} {floor_s:>8.2f} s  {floor_per:>7.2f} ms/invoice"
          f"  ({len(floor_pdf) // 1024} KiB)")
    print(f"{'ratio to the floor per invoice':<46} {per_invoice / floor_per:>8.2f}")
    print(f"{'peak worker RSS (worker or work horse)':<46} {sampler.peak_kb / 1024:>8.0f} MB")
    goals = [("under 30 s", total_s < 30), ("within 2x of the floor", per_invoice / floor_per <= 2),
             ("worker memory under 400 MB", sampler.peak_kb < 400 * 1024)]
    print("goals: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in goals))
    return subsetter, {"full run": f"{total_s:.2f} s", "per invoice": f"{per_invoice:.2f} ms",
                       "floor per invoice": f"{floor_per:.2f} ms", "ratio to the floor": f"{per_invoice / floor_per:.2f}",
                       "peak worker RSS": f"{sampler.peak_kb / 1024:.0f} MB",
                       "goals": "met" if all(ok for _, ok in goals) else "MISSED"}


if __name__ == "__main__":
    main()
