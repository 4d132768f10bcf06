"""Billing: amounts and rounding, schedules, idempotent runs, a crash mid-run, gap-free numbers."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from red_property.core import clock
from red_property.core.errors import InputError
from red_property.core.jobs import JobRecord, run_job
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.fees.billing import bill_amount, parse_period, start_billing_run
from red_property.fees.models import BillingRun, Bill, BuildingKind, DocumentCounter
from tests.conftest import run_worker
from tests.factories_fees import TODAY, billed, schedule


@pytest.fixture
def a(app, world):
    app.config["FEES_HELPER_IDLE_SECONDS"] = 0.2  # one in-process worker: the helper must not wait long
    with app.app_context(), tenant_scope(db.session, world.a, world.users["a"][next(iter(world.users["a"]))]) as s:
        yield s


def codes(s):
    return [c for c in s.scalars(select(Bill.invoice_number).order_by(Bill.invoice_number))]


def test_periods_are_months_or_quarters():
    assert parse_period("2026-03") == (dt.date(2026, 3, 1), dt.date(2026, 3, 31), 1)
    assert parse_period("2026-Q1") == (dt.date(2026, 1, 1), dt.date(2026, 3, 31), 3)
    assert parse_period("2024-02")[1] == dt.date(2024, 2, 29)
    for bad in ("2026-13", "2026-Q5", "2026", "26-01", "", "2026-3"):
        with pytest.raises(InputError):
            parse_period(bad)


def test_amounts_are_exact_and_rounded_once_half_up():
    m = [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    # 88.50 ㎡ × 185 分 = 16372.5 分 a month: one month rounds up, a quarter is exact
    assert bill_amount(Decimal("88.50"), [(m[0], 185)])[1] == 16373
    assert bill_amount(Decimal("88.50"), [(d, 185) for d in m])[1] == 49118        # 49117.5 -> 49118
    assert bill_amount(Decimal("88.49"), [(m[0], 185)])[1] == 16371                 # 16370.65 -> 16371
    assert bill_amount(Decimal("88.41"), [(m[0], 185)])[1] == 16356                 # 16355.85 -> 16356
    assert bill_amount(Decimal("10.01"), [(m[0], 5)])[1] == 50                      # 50.05 -> 50
    lines, amount = bill_amount(Decimal("100"), [(m[0], 185), (m[1], 185), (m[2], 200)])
    assert lines == [{"from": "2026-01", "months": 2, "rate_fen": 185}, {"from": "2026-03", "months": 1, "rate_fen": 200}]
    assert amount == 100 * (185 * 2 + 200)


def test_a_run_bills_every_household_once_and_again_creates_nothing(app, a, world):
    run = billed(a, world.community_a)
    run_worker(app)
    bills = a.scalars(select(Bill).order_by(Bill.invoice_number)).all()
    assert len(bills) == 3
    assert [b.invoice_number for b in bills] == [1, 2, 3]
    assert bills[0].invoice_code == f"WY{clock.today().year}-000001"
    assert bills[0].amount_fen == 49118 and bills[0].floor_area == Decimal("88.50")
    assert all(b.file_id is not None for b in bills)           # rendered by the run
    again = start_billing_run(a, community_id=world.community_a, period="2026-Q1", today=TODAY)
    run_worker(app)
    assert again.id == run.id
    assert a.scalar(select(func.count(Bill.id))) == 3
    assert a.scalar(select(DocumentCounter.last_number)) == 3
    assert a.get(BillingRun, run.id).finished_at is not None


BEIJING_NEW_YEAR = dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.timezone.utc)   # 2027-01-01 00:00 in Beijing


def test_invoices_and_receipts_are_numbered_in_the_year_of_the_local_date(app, a, world, api):
    """From 16:00 UTC on 31 December it is 1 January in Beijing: documents start the new year's series."""
    with time_machine.travel(BEIJING_NEW_YEAR - dt.timedelta(seconds=30), tick=True):   # 23:59:30 in Beijing
        assert clock.today() == dt.date(2026, 12, 31)
        billed(a, world.community_a, period="2026-Q3")
        run_worker(app)
    with time_machine.travel(BEIJING_NEW_YEAR + dt.timedelta(hours=1), tick=True):      # 01:00, still 2026 in UTC
        assert clock.today() == dt.date(2027, 1, 1) and clock.now().year == 2026
        start_billing_run(a, community_id=world.community_a, period="2026-Q4", today=clock.today())
        run_worker(app)
        bill = a.scalars(select(Bill).where(Bill.period == "2026-Q4").order_by(Bill.invoice_number)).first()
        paid = api.post("/api/v1/fees/payments", api.token("a-admin@test.cn"),
                        json={"bill_id": bill.id, "amount_fen": 100, "paid_on": "2026-12-31", "method": "cash"})
    assert paid.status_code == 201, paid.get_json()
    issued = a.execute(select(Bill.period, Bill.invoice_code).order_by(Bill.id)).all()
    assert [code for period, code in issued if period == "2026-Q3"] == [f"WY2026-00000{n}" for n in (1, 2, 3)]
    assert [code for period, code in issued if period == "2026-Q4"] == [f"WY2027-00000{n}" for n in (1, 2, 3)]
    assert paid.get_json()["receipt_code"].endswith("2027-000001")
    from red_property.fees.documents import bill_document, documents_html
    from red_property.tenants.models import Tenant

    printed = documents_html(a.get(Tenant, world.a), [bill_document(a.get(Bill, bill.id))])
    assert "开具日期：2027-01-01" in printed   # the date beside WY2027-000001 is Beijing's too


def test_a_rerun_bills_households_added_since(app, a, world):
    from red_property.communities.models import Household

    billed(a, world.community_a)
    run_worker(app)
    first = a.scalars(select(Household)).first()
    a.add(Household(community_id=world.community_a, building_id=first.building_id, unit="2", room="101",
                    floor_area=Decimal("60"), owner_name="新业主"))
    a.commit()
    start_billing_run(a, community_id=world.community_a, period="2026-Q1", today=TODAY)
    run_worker(app)
    assert codes(a) == [1, 2, 3, 4]


def test_a_crash_mid_batch_leaves_whole_batches_and_a_rerun_finishes(app, a, world, monkeypatch):
    """The in-process equivalent of a killed worker: the third bill's batch fails after its numbers
    were reserved; nothing of that batch stays, and a re-run issues the rest without gaps."""
    from red_property.fees import billing

    app.config["FEES_ISSUE_BATCH"] = 1
    real = billing.issue_batch
    calls = {"n": 0}

    def dying(session, run, name, households, rates):
        calls["n"] += 1
        if calls["n"] == 3:
            from red_property.fees.numbering import reserve_numbers
            from red_property.fees.models import Series

            reserve_numbers(session, Series.FEE_INVOICE, clock.today().year, 1)
            raise SystemExit("worker killed")   # not an Exception: as abrupt as it gets in-process
        return real(session, run, name, households, rates)

    monkeypatch.setattr(billing, "issue_batch", dying)
    with pytest.raises(SystemExit):
        run = billed(a, world.community_a)       # jobs inline: dies in here
        run_job(world.a, run.job_id, app=app)    # queued for RQ: run it here, to die the same way
    a.rollback()
    assert codes(a) == [1, 2]
    assert a.scalar(select(DocumentCounter.last_number)) == 2
    monkeypatch.setattr(billing, "issue_batch", real)
    # A minute on, the dead job's page says failed (its heartbeat stopped: test_job_heartbeat.py);
    # until then starting the run again joins the job it believes alive.
    job = a.get(JobRecord, a.scalar(select(BillingRun.job_id)))
    job.status = "failed"
    a.commit()
    start_billing_run(a, community_id=world.community_a, period="2026-Q1", today=TODAY)
    run_worker(app)
    assert codes(a) == [1, 2, 3]


def test_schedules_refuse_overlaps_bad_dates_and_retroactive_changes(app, a, world):
    schedule(a, world.community_a)
    with pytest.raises(InputError) as exc:
        schedule(a, world.community_a, rate=200)
    assert exc.value.field == "effective_from" and "重叠" in str(exc.value)
    schedule(a, world.community_a, rate=200, kind=BuildingKind.COMMERCIAL)   # another kind: fine
    with pytest.raises(InputError, match="1 日"):
        schedule(a, world.community_a, since=dt.date(2026, 2, 15))
    for rate in (0, -5, 10_001):
        with pytest.raises(InputError) as exc:
            schedule(a, world.community_a, rate=rate, since=dt.date(2026, 6, 1))
        assert exc.value.field == "rate_fen"
    with pytest.raises(InputError) as exc:
        schedule(a, world.community_b, since=dt.date(2026, 6, 1))
    assert exc.value.field == "community_id"
    start_billing_run(a, community_id=world.community_a, period="2026-Q1", today=TODAY)
    run_worker(app)
    with pytest.raises(InputError, match="追溯"):
        schedule(a, world.community_a, rate=150, since=dt.date(2026, 3, 1))
    schedule(a, world.community_a, rate=150, since=dt.date(2026, 4, 1))      # supersedes from April


def test_runs_refuse_overlapping_periods_missing_schedules_and_other_companies(app, a, world):
    with pytest.raises(InputError, match="没有收费标准"):
        start_billing_run(a, community_id=world.community_a, period="2026-03", today=TODAY)
    schedule(a, world.community_a, since=dt.date(2026, 2, 1))
    with pytest.raises(InputError, match="2026-01"):
        start_billing_run(a, community_id=world.community_a, period="2026-Q1", today=TODAY)
    start_billing_run(a, community_id=world.community_a, period="2026-03", today=TODAY)
    with pytest.raises(InputError, match="重叠") as exc:
        start_billing_run(a, community_id=world.community_a, period="2026-Q1", today=TODAY)
    assert exc.value.field == "period"
    with pytest.raises(InputError) as exc:
        start_billing_run(a, community_id=world.community_b, period="2026-04", today=TODAY)
    assert exc.value.field == "community_id"
    with pytest.raises(InputError) as exc:
        start_billing_run(a, community_id=world.community_a, period="2026-04", due_on=dt.date(2025, 1, 1),
                          today=TODAY)
    assert exc.value.field == "due_on"


def test_issued_bills_never_change(app, a, world):
    from red_property.fees.guards import IssuedDocumentIsFinal

    billed(a, world.community_a)
    run_worker(app)
    bill = a.scalars(select(Bill)).first()
    bill.amount_fen += 1
    with pytest.raises(IssuedDocumentIsFinal):
        a.flush()
    a.rollback()
    a.delete(a.scalars(select(Bill)).first())
    with pytest.raises(IssuedDocumentIsFinal):
        a.flush()
    a.rollback()
    bill = a.scalars(select(Bill)).first()
    bill.file_id = None
    with pytest.raises(IssuedDocumentIsFinal, match="already stored"):
        a.flush()


def test_billing_progress_is_written_as_each_batch_finishes(app, a, world, job_progress):
    """Every batch issued and every batch of PDFs rendered moves the job's progress, each written in its own
    transaction (outside the job's), so that the job page sees it at once, on SQLite as on PostgreSQL."""
    app.config["FEES_ISSUE_BATCH"] = 1
    app.config["FEES_RENDER_BATCH"] = 1
    seen = job_progress
    run = billed(a, world.community_a)
    run_worker(app)
    assert [(p, m) for p, m, _ in seen] == [(6, "已开票 1/3 户"), (13, "已开票 2/3 户"), (20, "已开票 3/3 户"),
                                            (46, "已生成 PDF 1/3 张"), (73, "已生成 PDF 2/3 张"),
                                            (100, "已生成 PDF 3/3 张")]
    assert not any(in_transaction for _, _, in_transaction in seen)
    assert a.get(JobRecord, a.get(BillingRun, run.id).job_id).progress == 100
