"""Fee schedules and billing runs.

Amount of a bill: floor area (㎡, two decimals) × rate (fen per ㎡ per month) ×
months, summed over the months of the period with the rate in force on the
first of each month, computed exactly and rounded once, half up, to whole fen
(四舍五入到分).  Rounding once per bill, never per month, keeps a quarter's bill
equal to the exact quarterly amount.

A run bills every household of the community that has no bill for the period
yet, in batches: each batch reserves its invoice numbers and inserts its bills
in one transaction, so a worker killed halfway leaves whole batches and no
half-issued invoice, and running the period again bills only the households
left (the unique key per household and period makes a duplicate impossible).
A household with credit (``fees.credit``) pays its new bill from it as the
bill is issued, in the batch's transaction.  PDFs are rendered after issuing (``fees.documents``), by the run's job and by
helper jobs on other workers.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
import time
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy import and_, exists, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from red_property.communities.models import Building, Community, Household
from red_property.communities.services import managed_now
from red_property.core.statistics import refresh_statistics
from red_property.core import clock
from red_property.core.natural import natural
from red_property.core.audit import record_event
from red_property.core.bulk import insert_rows
from red_property.core.errors import InputError, add_unique
from red_property.core.jobs import QUEUED, RUNNING, JobContext, JobRecord, dispatch, job, reconcile, record_job
from red_property.core.tenancy import current_actor_id
from red_property.fees.credit import apply_credit
from red_property.fees.models import BillingRun, Bill, BuildingKind, FeeSchedule, Series, document_code
from red_property.fees.numbering import reserve_numbers

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2]|Q[1-4])$")
MAX_RATE_FEN = 10_000          # 100 元/㎡/月: anything above is a typo
ISSUE_BATCH = 200
KIND_NAMES = {BuildingKind.RESIDENTIAL: "住宅", BuildingKind.COMMERCIAL: "商业", BuildingKind.MIXED: "商住"}


def parse_period(text: str) -> tuple[dt.date, dt.date, int]:
    """``2026-03`` (a month) or ``2026-Q1`` (a quarter) -> (first day, last day, months)."""
    match = PERIOD.match(text or "")
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise InputError("period", "期间格式应为 2026-03（月）或 2026-Q1（季度）")
    year, part = int(match.group(1)), match.group(2)
    first, months = (3 * int(part[1]) - 2, 3) if part.startswith("Q") else (int(part), 1)
    last = first + months - 1
    return dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1]), months


def month_starts(start: dt.date, months: int) -> list[dt.date]:
    out, year, month = [], start.year, start.month
    for _ in range(months):
        out.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def bill_amount(area: Decimal, rates: list[tuple[dt.date, int]]) -> tuple[list[dict], int]:
    """Lines (consecutive months at one rate) and the amount in fen for ``rates`` = [(month, rate)]."""
    lines: list[dict] = []
    for month, rate in rates:
        if lines and lines[-1]["rate_fen"] == rate:
            lines[-1]["months"] += 1
        else:
            lines.append({"from": f"{month:%Y-%m}", "months": 1, "rate_fen": rate})
    exact = sum((Decimal(area) * line["rate_fen"] * line["months"] for line in lines), Decimal(0))
    return lines, int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- schedules ---------------------------------------------------------------

def add_schedule(session: Session, *, community_id: int, building_kind: BuildingKind, rate_fen: int,
                 effective_from: dt.date, today: dt.date) -> FeeSchedule:
    """A rate for one kind of building from the first of a month on; supersedes the previous one.

    Refused when it would overlap another schedule (same community, kind and
    start) or reach back into a period already billed: issued invoices never change.
    """
    if not managed_now(session, community_id, today):
        raise InputError("community_id", "不是本企业当前在管的小区")
    if not 1 <= rate_fen <= MAX_RATE_FEN:
        raise InputError("rate_fen", f"单价应在 1 到 {MAX_RATE_FEN} 分/㎡/月之间")
    if not dt.date(2000, 1, 1) <= effective_from <= dt.date(2100, 12, 1):
        raise InputError("effective_from", "生效日期应在 2000 年到 2100 年之间")
    if effective_from.day != 1:
        raise InputError("effective_from", "生效日期应为某月 1 日（按月计费）")
    if session.scalar(select(FeeSchedule.id).where(FeeSchedule.community_id == community_id,
                                                   FeeSchedule.building_kind == building_kind,
                                                   FeeSchedule.effective_from == effective_from)) is not None:
        raise InputError("effective_from", "该小区同类楼栋在这一天已有收费标准，不能重叠")
    billed = session.scalar(select(func.max(BillingRun.period_end)).where(BillingRun.community_id == community_id))
    if billed is not None and effective_from <= billed:
        raise InputError("effective_from", f"{billed:%Y-%m-%d} 之前的期间已开票，收费标准不能追溯")
    schedule = FeeSchedule(community_id=community_id, building_kind=building_kind, rate_fen=rate_fen,
                           effective_from=effective_from, created_by=current_actor_id(session))
    add_unique(session, schedule, "effective_from", "该小区同类楼栋在这一天已有收费标准，不能重叠")
    session.commit()
    return schedule


def rates_by_kind(session: Session, community_id: int, start: dt.date, months: int
                  ) -> dict[BuildingKind, list[tuple[dt.date, int] | tuple[dt.date, None]]]:
    """For each building kind: the rate in force on the first of each month of the period (None: none)."""
    schedules = session.execute(select(FeeSchedule.building_kind, FeeSchedule.effective_from, FeeSchedule.rate_fen)
                                .where(FeeSchedule.community_id == community_id)
                                .order_by(FeeSchedule.effective_from)).all()
    out = {}
    for kind in BuildingKind:
        own = [(since, rate) for k, since, rate in schedules if k == kind]
        out[kind] = [(m, next((rate for since, rate in reversed(own) if since <= m), None))
                     for m in month_starts(start, months)]
    return out


# --- runs --------------------------------------------------------------------

def start_billing_run(session: Session, *, community_id: int, period: str, due_on: dt.date | None = None,
                      today: dt.date) -> BillingRun:
    """Start (or resume, or join) billing a period for a community as a background job.

    The same period again resumes the existing run: households billed already
    are skipped, households added since are billed.  While the run's job is
    queued or running, starting it again joins that job: twenty clients starting
    the same run at once get one run and one job (a lock per community on
    PostgreSQL, held from the first look until the job is recorded).
    """
    start, end, months = parse_period(period)
    if not managed_now(session, community_id, today):
        raise InputError("community_id", "不是本企业当前在管的小区")
    if due_on is not None and not start <= due_on <= end + dt.timedelta(days=90):
        raise InputError("due_on", "缴费截止日应在计费期间开始之后、结束后 90 天之内")
    _lock_runs_of(session, community_id)
    run = session.scalar(select(BillingRun).where(BillingRun.community_id == community_id,
                                                  BillingRun.period == period))
    if run is None:
        overlap = session.scalar(select(BillingRun.period).where(
            BillingRun.community_id == community_id, BillingRun.period_start <= end, BillingRun.period_end >= start))
        if overlap:
            raise InputError("period", f"与已开票的期间 {overlap} 重叠，同一户同一月份不能重复计费")
        _check_schedules(session, community_id, start, months)
        if session.scalar(select(Household.id).where(Household.community_id == community_id).limit(1)) is None:
            raise InputError("community_id", "该小区还没有住户，请先导入住户名单")
        run = BillingRun(community_id=community_id, period=period, period_start=start, period_end=end, months=months,
                         due_on=due_on or start + dt.timedelta(days=14), created_by=current_actor_id(session))
        try:
            with session.begin_nested():
                session.add(run)
                session.flush()
        except IntegrityError:  # started at the same moment by someone else (SQLite: no lock): resume theirs
            run = session.scalar(select(BillingRun).where(BillingRun.community_id == community_id,
                                                          BillingRun.period == period))
    elif _job_alive(session, run.job_id):
        session.commit()  # ends the lock
        return run
    else:  # resumed: not complete until its job says so (helpers wait for the issuing to end)
        _check_schedules(session, community_id, start, months)   # a building of a new kind may have come
        run.issued_complete, run.finished_at = False, None
    record = record_job(session, "fees.bill_run", billing_run_id=run.id)
    run.job_id = record.id
    helpers = [record_job(session, "fees.render_invoices", billing_run_id=run.id) for _ in range(render_helpers())]
    session.commit()  # the run, its job and the helpers at once; ends the lock
    for each in (record, *helpers):
        dispatch(session, each)  # Redis down: the job is marked failed and a 503 says to retry
    return run


BILLING_LOCK = 0x66656573  # "fees": the advisory lock space of billing runs, keyed by community


def _lock_runs_of(session: Session, community_id: int) -> None:
    """Serialise starting runs of one community until the transaction ends (PostgreSQL; SQLite has one writer)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"),
                        {"space": BILLING_LOCK, "key": community_id % 2_147_483_647})


def _job_alive(session: Session, job_id: int | None) -> bool:
    """Whether the run's job is queued or running (a dead one, told by its heartbeat, is not)."""
    record = session.get(JobRecord, job_id) if job_id else None
    return record is not None and reconcile(record).status in (QUEUED, RUNNING)


def render_helpers() -> int:
    """Extra jobs that render PDFs beside the run's own job: one per other worker, only with RQ."""
    config = current_app.config
    if not config.get("REDIS_URL") or config.get("JOBS_INLINE"):
        return 0
    return int(config.get("FEES_RENDER_HELPERS", 1))


def _check_schedules(session: Session, community_id: int, start: dt.date, months: int) -> None:
    kinds = set(session.scalars(select(Building.kind).where(Building.community_id == community_id).distinct()))
    rates = rates_by_kind(session, community_id, start, months)
    for kind in sorted(kinds):
        known = BuildingKind(kind) if kind in BuildingKind._value2member_map_ else None
        if known is None:
            raise InputError("period", f"楼栋类型“{kind}”没有收费标准")
        missing = [f"{m:%Y-%m}" for m, rate in rates[known] if rate is None]
        if missing:
            raise InputError("period", f"{KIND_NAMES[known]}楼栋在 {'、'.join(missing)} 没有收费标准，请先设置")


def pending_households(session: Session, run: BillingRun) -> list:
    """Households of the run's community without a bill for its period, in natural building, unit, room order
    (2栋 before 10栋, 101 before 1001: the invoice numbers follow it)."""
    billed = exists().where(and_(Bill.household_id == Household.id, Bill.period == run.period))
    return session.execute(
        select(Household.id, Household.floor_area, Household.owner_name, Household.unit, Household.room,
               Building.name, Building.kind)
        .join(Building, and_(Building.id == Household.building_id, Building.tenant_id == Household.tenant_id))
        .where(Household.community_id == run.community_id, ~billed)
        .order_by(natural(Building.name), Household.building_id, natural(Household.unit), natural(Household.room),
                  Household.id)).all()


def issue_batch(session: Session, run: BillingRun, community_name: str, households: list, rates: dict) -> int:
    """Bills and their invoice numbers for ``households``, in one transaction (committed here)."""
    now = clock.now()
    year = clock.local_date(now).year  # at 17:00 UTC on 31 December it is already 1 January in Beijing
    first = reserve_numbers(session, Series.FEE_INVOICE, year, len(households))
    rows = []
    for offset, (household_id, area, owner, unit, room, building, kind) in enumerate(households):
        kind = BuildingKind(kind)
        lines, amount = bill_amount(area, rates[kind])
        number = first + offset
        rows.append(dict(tenant_id=run.tenant_id, run_id=run.id, community_id=run.community_id,
                         household_id=household_id, period=run.period, period_start=run.period_start,
                         period_end=run.period_end, months=run.months, due_on=run.due_on, payer_name=owner,
                         address=f"{community_name} {building} {unit}单元 {room}室", building_kind=kind,
                         floor_area=area, lines=lines, amount_fen=amount, paid_fen=0, invoice_year=year,
                         invoice_number=number, invoice_code=document_code(Series.FEE_INVOICE, year, number),
                         issued_at=now))
    issued = insert_rows(session, Bill, rows)
    # Households with credit (an earlier overpayment) pay their new bill from it, in the same transaction.
    from_credit = apply_credit(session, issued, today=clock.local_date(now))
    record_event(session, action="issue", entity="fee_billing_run", entity_id=run.id,
                 after={"bills": len(rows), "from": rows[0]["invoice_code"], "to": rows[-1]["invoice_code"],
                        "paid_from_credit_fen": from_credit})
    session.commit()
    return len(rows)


@job("fees.bill_run")
def bill_run(ctx: JobContext, billing_run_id: int) -> dict:
    """Issue every missing bill of the run, then render the PDFs not rendered yet; safe to run again."""
    from red_property.fees.documents import render_run_invoices

    session = ctx.session
    run = session.get(BillingRun, billing_run_id)
    if run is None:
        return {"skipped": True}
    community_name = session.scalar(select(Community.name).where(Community.id == run.community_id))
    rates = rates_by_kind(session, run.community_id, run.period_start, run.months)
    issued = 0
    batch = int(current_app.config.get("FEES_ISSUE_BATCH", ISSUE_BATCH))
    billed_before = session.scalar(select(func.count(Bill.id)).where(Bill.run_id == run.id)) or 0
    total = billed_before + len(pending_households(session, run))
    while pending := pending_households(session, run):
        try:
            for start in range(0, len(pending), batch):
                issued += issue_batch(session, run, community_name, pending[start:start + batch], rates)
                done = min(total, billed_before + issued)
                ctx.progress(20 * done // max(total, 1), f"已开票 {done}/{total} 户")
        except IntegrityError:
            # Another delivery of this job billed some of them first: look again.
            session.rollback()
        run = session.get(BillingRun, billing_run_id)
    run.issued_complete = True
    session.commit()
    refresh_statistics(session, Bill, written=issued)
    rendered = render_run_invoices(session, billing_run_id, progress=ctx.progress, wait_for_others=True)
    run = session.get(BillingRun, billing_run_id)
    run.finished_at = clock.now()
    session.commit()
    return {"bills": total, "issued_now": issued, "rendered_here": rendered}


@job("fees.render_invoices")
def render_invoices(ctx: JobContext, billing_run_id: int) -> dict:
    """Help a run render its PDFs on another worker.

    Leaves when the run is fully issued and nothing is left to claim, or when
    the run's own job has issued nothing for a while (not started on this
    single worker, or killed): that job, or the next run of the period,
    renders whatever is left.
    """
    from red_property.fees.documents import render_run_invoices

    session = ctx.session
    idle_limit = float(current_app.config.get("FEES_HELPER_IDLE_SECONDS", 2.0))
    rendered, last_count, last_change = 0, -1, time.monotonic()
    while True:
        done_now = render_run_invoices(session, billing_run_id)
        rendered += done_now
        run = session.get(BillingRun, billing_run_id)
        if run is None:
            break
        if run.issued_complete:
            rendered += render_run_invoices(session, billing_run_id)
            break
        count = session.scalar(select(func.count(Bill.id)).where(Bill.run_id == billing_run_id))
        session.commit()  # the next look sees what the run's job committed meanwhile
        now = time.monotonic()
        if done_now or count != last_count:
            last_count, last_change = count, now
        elif now - last_change > idle_limit:
            break
        time.sleep(0.05)
    return {"rendered_here": rendered}


def run_progress(session: Session, run_ids: list[int]) -> dict[int, dict]:
    """Bills issued, PDFs rendered and amounts per run: one query."""
    rows = session.execute(select(Bill.run_id, func.count(Bill.id), func.count(Bill.file_id),
                                  func.coalesce(func.sum(Bill.amount_fen), 0),
                                  func.coalesce(func.sum(Bill.paid_fen), 0))
                           .where(Bill.run_id.in_(run_ids)).group_by(Bill.run_id)).all()
    out = {rid: {"bills": 0, "rendered": 0, "amount_fen": 0, "paid_fen": 0} for rid in run_ids}
    for run_id, bills, rendered, amount, paid in rows:
        out[run_id] = {"bills": bills, "rendered": rendered, "amount_fen": int(amount), "paid_fen": int(paid)}
    return out


def run_states(session: Session, runs: list[BillingRun]) -> dict[int, str]:
    """What the list says of each run: ``done`` (every bill and PDF), ``running`` (its job queued or
    running), ``issued`` (every bill, PDFs not all rendered) or ``stopped`` (interrupted, or its job
    never queued: start it again).  A run with no job is never shown as issued unless it is."""
    job_ids = [run.job_id for run in runs if run.job_id]
    jobs = dict(session.execute(select(JobRecord.id, JobRecord.status).where(JobRecord.id.in_(job_ids))).all()
                ) if job_ids else {}
    states = {}
    for run in runs:
        if run.finished_at:
            states[run.id] = "done"
        elif jobs.get(run.job_id) in (QUEUED, RUNNING):
            states[run.id] = "running"
        else:
            states[run.id] = "issued" if run.issued_complete else "stopped"
    return states


def community_households(session: Session, community_id: int) -> int:
    return session.scalar(select(func.count(Household.id)).where(Household.community_id == community_id)) or 0
