"""Fees on PostgreSQL: numbers under concurrent issuers, and a real worker process killed mid-run."""
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import create_engine, func, select, text

from red_property.communities.models import Building, Household
from red_property.core import clock
from red_property.core.jobs import JobRecord
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.fees.billing import pending_households, start_billing_run
from red_property.fees.models import BillingRun, Bill, DocumentCounter, Payment, PaymentMethod, Series
from red_property.fees.numbering import reserve_numbers
from red_property.fees.payments import PaymentData, record_payment
from tests.conftest import run_worker
from tests.factories_fees import TODAY, schedule

pytestmark = pytest.mark.postgres


def add_households(s, community_id: int, count: int, building: str = "9栋") -> None:
    b = Building(community_id=community_id, name=building, floors=6)
    s.add(b)
    s.flush()
    s.add_all(Household(community_id=community_id, building_id=b.id, unit="1", room=f"{n + 1:03d}",
                        floor_area=Decimal("50") + n, owner_name=f"住户{n}") for n in range(count))
    s.commit()


def numbers(s, column) -> list[int]:
    return list(s.scalars(select(column).order_by(column)))


def test_concurrent_runs_and_payments_number_without_gaps_or_duplicates(app, world):
    """Two billing runs (in-process job threads, small batches) and eight clerks taking payments at once,
    while two more transactions reserve numbers and roll back: invoices and receipts are 1..N each."""
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        add_households(s, world.community_a, 40)
        add_households(s, world.community_a2, 40)
        schedule(s, world.community_a)
        schedule(s, world.community_a2)
    app.config.update(REDIS_URL=None, JOBS_INLINE=False, FEES_ISSUE_BATCH=3)  # each job in its own thread
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        for community in (world.community_a, world.community_a2):
            start_billing_run(s, community_id=community, period="2026-Q1", today=TODAY)
    for thread in [t for t in threading.enumerate() if t.name.startswith("job-")]:
        thread.join(timeout=120)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        bills = numbers(s, Bill.invoice_number)
        assert bills == list(range(1, 84))      # 3 + 40 households, then 40: no gap, no duplicate
        bill_ids = list(s.scalars(select(Bill.id).order_by(Bill.id)))

    barrier, errors = threading.Barrier(10), []

    def clerk(k: int) -> None:
        try:
            with app.app_context(), tenant_scope(db.session, world.a) as s:
                barrier.wait()
                for n in range(5):
                    record_payment(s, PaymentData(bill_id=bill_ids[(k * 5 + n) % 8], amount_fen=100, paid_on=TODAY,
                                                  method=PaymentMethod.CASH), today=TODAY)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def rollback(k: int) -> None:
        with app.app_context(), tenant_scope(db.session, world.a) as s:
            barrier.wait()
            for _ in range(5):
                reserve_numbers(s, Series.RECEIPT, TODAY.year, 3)
                time.sleep(0.01)
                s.rollback()

    threads = [threading.Thread(target=clerk, args=(k,)) for k in range(8)]
    threads += [threading.Thread(target=rollback, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert numbers(s, Payment.receipt_number) == list(range(1, 41))
        assert s.scalar(select(DocumentCounter.last_number).where(DocumentCounter.series == Series.RECEIPT)) == 40
        paid = dict(s.execute(select(Bill.id, Bill.paid_fen).where(Bill.id.in_(bill_ids[:8]))).all())
        assert sum(paid.values()) == 40 * 100   # every locked read-modify-write of paid_fen kept


def test_a_worker_process_killed_mid_batch_leaves_whole_batches_and_a_rerun_finishes(app, api, world, database,
                                                                                     tmp_path):
    """A real ``red-property worker`` process bills 23 households in batches of 5.  An uncommitted row
    (held by the test) makes it block inside its third batch, after that batch reserved its numbers
    and inserted two bills; its work horse is killed with SIGKILL there (as the kernel's OOM killer
    would).  Two whole batches stay (invoices 1..10), nothing of the third; the job's page says it
    failed instead of waiting forever; a re-run of the period issues 11..23 and renders every PDF."""
    if not app.config["REDIS_URL"]:
        pytest.skip("needs Redis: a real RQ worker process")
    app.config["FEES_HELPER_IDLE_SECONDS"] = 0.2
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        add_households(s, world.community_a, 20)
        schedule(s, world.community_a)
        run = start_billing_run(s, community_id=world.community_a, period="2026-Q1", today=TODAY)
        thirteenth = pending_households(s, s.get(BillingRun, run.id))[12][0]
        run_id = run.id
    owner = create_engine(database.urls["MIGRATE_DATABASE_URL"])
    blocker = owner.connect()
    blocker.begin()
    blocker.execute(text("""
        INSERT INTO fee_bill (tenant_id, run_id, community_id, household_id, period, period_start, period_end, months,
            due_on, payer_name, address, building_kind, floor_area, lines, amount_fen, paid_fen, invoice_year,
            invoice_number, invoice_code, issued_at)
        VALUES (:t, :r, :c, :h, '2026-Q1', '2026-01-01', '2026-03-31', 3, '2026-01-15', 'x', 'x', 'residential', 1,
            '[]', 1, 0, 1999, 1, 'BLOCKER', now())"""),
        dict(t=world.a, r=run_id, c=world.community_a, h=thirteenth))
    env = {**os.environ, "DATABASE_URL": database.urls["SQLALCHEMY_DATABASE_URI"],
           "REDIS_URL": app.config["REDIS_URL"], "RQ_QUEUE": app.config["RQ_QUEUE"],
           "FILE_DIR": app.config["FILE_DIR"], "FEES_ISSUE_BATCH": "5", "RED_PROPERTY_INSTANCE": str(tmp_path)}
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "red_property.cli", "worker", "--burst", "--no-scheduler"],
                                  env=env, start_new_session=True, stdout=out, stderr=subprocess.STDOUT)
    try:
        waiting = 0
        with owner.connect() as watch:
            for _ in range(600):
                waiting = watch.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                            "AND usename = 'red_property_app' AND wait_event_type = 'Lock'"))
                watch.rollback()  # pg_stat_activity is a snapshot per transaction
                if waiting or worker.poll() is not None:
                    break
                time.sleep(0.1)
        assert waiting, "the worker never reached the third batch:\n" + log.read_text()[-3000:]
        # RQ runs each job in a work horse (a child with its own session id): kill it; the worker
        # sees it die, marks the RQ job failed and, in burst mode, exits.
        for horse in subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split():
            os.kill(int(horse), signal.SIGKILL)
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        blocker.rollback()
        blocker.close()
        owner.dispose()
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        job_id = s.scalar(select(JobRecord.id).where(JobRecord.name == "fees.bill_run"))
        assert s.get(JobRecord, job_id).status == "running"  # run_job never got to say otherwise
    token = api.token("a-admin@test.cn")
    # Its heartbeat stopped with the work horse: running for up to a minute more, then failed.
    assert api.get(f"/api/v1/jobs/{job_id}", token).get_json()["status"] == "running"
    with time_machine.travel(clock.now() + dt.timedelta(seconds=61), tick=True):
        job = api.get(f"/api/v1/jobs/{job_id}", token).get_json()
    assert (job["status"], job["message"]) == ("failed", "任务被中断（工作进程退出），请重新运行")
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert numbers(s, Bill.invoice_number) == list(range(1, 11))
        assert s.scalar(select(DocumentCounter.last_number)) == 10
        assert s.scalar(select(func.count(Bill.id)).where(Bill.household_id == thirteenth)) == 0
        start_billing_run(s, community_id=world.community_a, period="2026-Q1", today=TODAY)
    run_worker(app)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert numbers(s, Bill.invoice_number) == list(range(1, 24))
        assert s.scalar(select(func.count(func.distinct(Bill.household_id)))) == 23
        assert s.scalar(select(func.count(Bill.id)).where(Bill.file_id.is_(None))) == 0
        assert s.get(BillingRun, run_id).finished_at is not None


def test_row_level_security_shows_a_tenant_only_its_own_subscription_invoices(app, world):
    """Raw SQL (no ORM filter): the policy alone lets the billed tenant read its invoice and no other."""
    from tests.factories_fees import subscription_for

    to_a, to_b = subscription_for(app, world.a), subscription_for(app, world.b)
    with app.app_context():
        for tenant, expected in ((world.a, [to_a]), (world.b, [to_b]), (world.bureau, [])):
            with tenant_scope(db.session, tenant) as s:
                assert list(s.execute(text("SELECT id FROM fee_subscription_invoice ORDER BY id")).scalars()) == expected
        with tenant_scope(db.session, world.a) as s:
            assert s.execute(text("UPDATE fee_subscription_invoice SET amount_fen = 1")).rowcount == 0
            assert list(s.execute(text("SELECT id FROM fee_bill")).scalars()) == []
