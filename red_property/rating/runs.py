"""Rating runs: start, execute (a job), publish, correct.

A published run is final: the flush guard below refuses any change to it or
its results, whichever code path tries.  A correction is a new run.
"""
from __future__ import annotations

import calendar
import datetime as dt
import gc
import re
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from typing import Iterator

from sqlalchemy import delete, event, inspect, select
from sqlalchemy.orm import Session, defer

from red_property.core import clock
from red_property.core.audit import record_event
from red_property.core.bulk import write_rows
from red_property.core.errors import InputError
from red_property.core.jobs import FAILED, JobContext, JobRecord, QueueUnavailable, dispatch, job, reconcile, record_job
from red_property.core.tenancy import TenantSession, current_actor_id
from red_property.notifications.kinds import RATING_PUBLISHED
from red_property.notifications.services import notify
from red_property.rating.inputs import company_record_metrics, digest, gather_inputs
from red_property.rating.models import ModelVersion, RatingResult, RatingRun
from red_property.rating.scoring import CompanyScore, biggest_gains, grade_all, rate
from red_property.rating.versions import latest_version, parsed

ZERO = Fraction(0)


class RunError(ValueError):
    """A run cannot be started, published or corrected as asked (the message says why)."""


class PublishedRunIsFinal(RuntimeError):
    """Something tried to change a published run or its results."""


def start_run(session: Session, *, period: str, as_of: dt.date, reason: str | None = None,
              supersedes: RatingRun | None = None) -> RatingRun:
    """Create a draft run with the latest model version and queue its job.

    Raises ``InputError`` on ``as_of`` for a date outside 2000 .. a year from now (the
    job reads twelve months of records before it: year 1 failed it).
    """
    if not dt.date(2000, 1, 1) <= as_of <= clock.today() + dt.timedelta(days=366):
        raise InputError("as_of", "截止日期应在 2000 年之后、一年之内")
    if supersedes is None:  # a correction repeats the period and date of the run it corrects
        check_period(period, as_of)
    version = latest_version(session)
    if version is None:
        raise RunError("还没有评价模型，请先保存一个模型版本 (no rating model yet)")
    if supersedes is not None and not reason:
        raise RunError("更正必须说明原因 (a correction needs a reason)")
    run = RatingRun(period=period, as_of=as_of, model_version_id=version.id, reason=reason,
                    supersedes_id=supersedes.id if supersedes else None, created_by=current_actor_id(session))
    session.add(run)
    session.flush()
    return _queue(session, run)


PERIOD_LABEL = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]))?$")


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """The first and last day a period label names: ``2026``, ``2026-Q3`` or ``2026-H1``.

    Raises ``InputError`` on ``period`` for any other label."""
    match = PERIOD_LABEL.match(period or "")
    if match is None:
        raise InputError("period", "期间格式应为 2026、2026-Q3 或 2026-H1")
    year, part = int(match[1]), match[2]
    if not 2000 <= year <= 2100:   # a cut-off is within 2000 .. a year from now (and 0000 is no date)
        raise InputError("period", "评价期间的年份应在 2000 到 2100 之间")
    months = 12 if part is None else 3 if part[0] == "Q" else 6
    first = 1 if part is None else (int(part[1]) - 1) * months + 1
    last_month = first + months - 1
    return dt.date(year, first, 1), dt.date(year, last_month, calendar.monthrange(year, last_month)[1])


def check_period(period: str, as_of: dt.date) -> None:
    """A run's label must name the period its cut-off date falls in (``2026-Q3`` ends on 30 September:
    a cut-off of 31 October rates the fourth quarter's records too).  ``InputError`` on ``period``."""
    start, end = period_bounds(period)
    if not start <= as_of <= end:
        raise InputError("period", f"截止日期 {as_of.isoformat()} 不在评价期间 {period}（{start.isoformat()} 至 "
                                   f"{end.isoformat()}）内：请改正期间或截止日期")


def _queue(session: Session, run: RatingRun) -> RatingRun:
    """Record the run's job with the run, then hand it to the queue; if the queue does not take it
    the run is failed at once (it can be run again), never left queued."""
    run.status = "queued"
    record = record_job(session, "rating.execute_run", run_id=run.id)
    run.job_id = record.id
    session.commit()
    try:
        dispatch(session, record)
    except QueueUnavailable:
        run.status = "failed"
        session.commit()
        raise
    return run


def sync_run_status(session: Session, run: RatingRun) -> RatingRun:
    """A draft whose job died (killed, its worker gone, the database away) is failed, not running for
    ever: the job's heartbeat tells (``core.jobs.reconcile``).  A failed run can be run again."""
    if run.published_at is None and run.status in ("queued", "running") and run.job_id:
        record = session.get(JobRecord, run.job_id)
        if record is not None and reconcile(record).status == FAILED:
            run.status = "failed"
            session.commit()
    return run


def rerun(session: Session, run: RatingRun) -> RatingRun:
    """Run a failed draft again, with the same period, date and model version."""
    sync_run_status(session, run)
    if run.published_at is not None or run.status != "failed":
        raise RunError("只能重新计算失败的评价 (only a failed run is run again)")
    return _queue(session, run)


def correct_run(session: Session, run: RatingRun, reason: str) -> RatingRun:
    """A new run of the same period that supersedes a published one; both stay visible."""
    if run.published_at is None:
        raise RunError("只能更正已发布的评价；草稿可以直接重新计算 (only published runs are corrected)")
    return start_run(session, period=run.period, as_of=run.as_of, reason=reason, supersedes=run)


def publish_run(session: Session, run: RatingRun) -> RatingRun:
    """Publish a finished draft: from now on it never changes."""
    if run.published_at is not None:
        raise RunError("该评价已发布 (already published)")
    if run.status != "ready":
        raise RunError("评价尚未计算完成 (the run has not finished)")
    days = parsed(session.get(ModelVersion, run.model_version_id)).appeal_days
    now = clock.now()  # set together: once published_at is flushed, the run is final
    run.status, run.published_at, run.appeals_until = "published", now, now + dt.timedelta(days=days)
    record_event(session, action="publish", entity="rating_run", entity_id=run.id)
    session.commit()
    notify(session, RATING_PUBLISHED, run.id)
    return run


def discard_run(session: Session, run: RatingRun) -> None:
    """Delete an unpublished run and its results (audited); a published run is final, and a run
    still being computed is left to finish or fail first (its job would write into a deleted run)."""
    sync_run_status(session, run)
    if run.published_at is not None:
        raise RunError("已发布的评价不能放弃；如有错误请新建更正评价 (a published run is final)")
    if run.status in ("queued", "running"):
        raise RunError("评价正在计算，请等计算完成或失败后再放弃 (the run is still being computed)")
    record_event(session, action="discard", entity="rating_run", entity_id=run.id,
                 after={"period": run.period, "as_of": run.as_of.isoformat(), "status": run.status})
    session.execute(delete(RatingResult).where(RatingResult.run_id == run.id))
    session.delete(run)
    session.commit()


@job("rating.execute_run")
def execute_run(ctx: JobContext, run_id: int) -> dict:
    """Score every company for the run's date; safe to run again (at-least-once delivery)."""
    session = ctx.session
    run = session.get(RatingRun, run_id)
    if run is None or run.published_at is not None:
        return {"skipped": True}
    run.status = "running"
    as_of, version_id = run.as_of, run.model_version_id
    session.commit()
    ctx.progress(5, "读取企业记录")
    with cyclic_gc_paused():
        return _score_and_store(ctx, session, run_id, as_of, version_id)


def _score_and_store(ctx: JobContext, session: Session, run_id: int, as_of: dt.date, version_id: int) -> dict:
    """The run's reading, scoring and storing; its inputs and scores are freed when it returns,
    before ``execute_run`` lets the collector walk the heap again."""
    records = company_record_metrics(session, as_of, reason=f"信用评价第 {run_id} 号：读取企业党建记录")
    run = session.get(RatingRun, run_id)  # the audited read ended the previous transaction
    version = session.get(ModelVersion, version_id)
    model = parsed(version)
    ctx.progress(10, "收集数据")
    inputs = gather_inputs(session, run.as_of, records=records)
    ctx.progress(40, f"{len(inputs)} 家企业")
    scores = rate(model, inputs, run.as_of)
    ctx.progress(80, "保存结果")
    session.execute(delete(RatingResult).where(RatingResult.run_id == run.id))
    if scores:
        num = DecimalText()
        write_rows(session, RatingResult, [
            dict(tenant_id=run.tenant_id, run_id=run.id, company_tenant_id=s.company_id, score=s.score,
                 grade=s.grade, rank=s.rank, blacklisted=s.blacklisted, breakdown=breakdown(s, num)) for s in scores])
    run.status, run.input_digest = "ready", digest(inputs, version.source, run.as_of)
    run.rated_companies = len(scores)
    session.commit()
    return {"companies": len(scores), "digest": run.input_digest}


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a run reads, scores and stores.

    A province-scale run allocates millions of small objects (fractions, tuples,
    dicts, rows) that reference counting frees: each burst of allocations set off
    a full collection walking the whole, growing heap again (2.4 of 4.7 s of
    scoring 9,960 companies, measured).  The few cycles a run makes wait for
    the next collection after it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def rerate_company(session: Session, run: RatingRun, company_id: int) -> RatingResult:
    """Re-score one company of a draft run after an input changed, then regrade everyone.

    The company's inputs come from the same queries filtered to it; the other
    companies keep their stored scores, and only grades and ranks that moved
    are written.
    """
    if run.published_at is not None:
        raise RunError("已发布的评价不能重算，请新建更正评价 (published: start a correction)")
    run_id, as_of = run.id, run.as_of
    records = company_record_metrics(session, as_of, reason=f"信用评价第 {run_id} 号：重算企业 {company_id}",
                                     company_ids=[company_id])
    run = session.get(RatingRun, run_id)
    model = parsed(session.get(ModelVersion, run.model_version_id))
    inputs = gather_inputs(session, as_of, company_ids=[company_id], records=records)
    fresh = rate(model, inputs, run.as_of)  # graded alone; regraded below with everyone
    # Everyone's stored score, grade, rank and blacklist flag as plain rows: regrading needs no more,
    # and only the rows whose grade or rank moved are loaded to be written.
    stored = session.execute(
        select(RatingResult.company_tenant_id, RatingResult.score, RatingResult.grade, RatingResult.rank,
               RatingResult.blacklisted)
        .where(RatingResult.run_id == run.id)).all()
    before = {company: (grade, rank) for company, _, grade, rank, _ in stored}
    if company_id not in before or not fresh:
        raise RunError("该企业不在这次评价中 (company not in this run)")
    scores = [fresh[0] if company == company_id else _stored(company, score, bool(blacklisted))
              for company, score, _, _, blacklisted in stored]
    moved = {s.company_id: s for s in grade_all(model, scores)
             if s.company_id == company_id or before[s.company_id] != (s.grade, s.rank)}
    rows = session.scalars(select(RatingResult).options(defer(RatingResult.breakdown))
                           .where(RatingResult.run_id == run.id, RatingResult.company_tenant_id.in_(moved))).all()
    for row in rows:
        score = moved[row.company_tenant_id]
        if row.company_tenant_id == company_id:
            row.score, row.blacklisted, row.breakdown, rerated = score.score, score.blacklisted, breakdown(score), row
        row.grade, row.rank = score.grade, score.rank
    session.commit()
    return rerated


def _stored(company_id: int, score: Decimal | None, blacklisted: bool) -> CompanyScore:
    """A stored result as far as grading needs it."""
    return CompanyScore(company_id, [], [], ZERO, ZERO, score, blacklisted)


class DecimalText:
    """A fraction as the breakdown writes it: ``str(round(Decimal(n) / Decimal(d), places))``.

    A run writes the same numbers again and again (weights, maxima, shares of
    1, community values of 0 or 1/2): each is worked out once and remembered,
    by numerator and denominator, up to ``limit`` of them at a time.
    """

    def __init__(self, limit: int = 50_000):
        self.limit = limit
        self.seen: dict[tuple[int, int, int], str] = {}

    def __call__(self, value: Fraction | None, places: int = 4) -> str | None:
        if value is None:
            return None
        key = (value.numerator, value.denominator, places)
        text = self.seen.get(key)
        if text is None:
            if len(self.seen) >= self.limit:
                self.seen.clear()
            text = self.seen[key] = str(round(Decimal(key[0]) / Decimal(key[1]), places))
        return text


def breakdown(score: CompanyScore, num: DecimalText | None = None) -> dict:
    """What a score is made of, down to the records behind each number (JSON).

    A run passes one ``num`` for all its companies, so that repeated numbers are written once."""
    num = num or DecimalText()
    return {
        "indicators": [{"id": i.id, "name": i.name, "metric": i.metric, "weight": num(i.weight, 2),
                        "value": num(i.value), "share": num(i.share), "points": num(i.points, 2),
                        "full": num(i.full, 2), "measured_in": i.measured_in, "missing": i.share is None,
                        "communities": [[cid, num(v)] for cid, v in i.by_community]}
                       for i in score.indicators],
        "events": [{"kind": e.event.kind, "name": e.name, "points": num(e.points, 2), "on": e.event.on.isoformat(),
                    "ref": e.event.ref, "authority": e.event.authority, "counted": e.counted}
                   for e in score.events],
        "bonus": num(score.bonus, 2), "deductions": num(score.deductions, 2), "notes": score.notes,
        "blacklisted": score.blacklisted,
        "gains": [{"id": i.id, "name": i.name, "points": num(gain, 2)} for i, gain in biggest_gains(score)],
    }


def results_of(session: Session, run: RatingRun) -> list[RatingResult]:
    return list(session.scalars(select(RatingResult).where(RatingResult.run_id == run.id)
                                .order_by(RatingResult.rank.is_(None), RatingResult.rank,
                                          RatingResult.company_tenant_id)))


def _was_published(run: RatingRun) -> bool:
    history = inspect(run).attrs.published_at.history
    before = history.deleted or history.unchanged
    return bool(before) and before[0] is not None


@event.listens_for(TenantSession, "before_flush")
def _published_runs_are_final(session: Session, flush_context, instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, RatingRun) and _was_published(obj):
            raise PublishedRunIsFinal(f"rating run {obj.id} is published")
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, RatingRun) and session.is_modified(obj) and _was_published(obj):
            raise PublishedRunIsFinal(f"rating run {obj.id} is published")
        if isinstance(obj, RatingResult) and (obj in session.deleted or session.is_modified(obj)):
            run = session.get(RatingRun, obj.run_id)
            if run is not None and run.published_at is not None:
                raise PublishedRunIsFinal(f"results of rating run {obj.run_id} are published")
