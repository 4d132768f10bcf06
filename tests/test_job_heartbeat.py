"""Job status from a heartbeat the job writes itself (issue 12, item 16): failed within a minute of its death,
never while it lives; a database failure is not blamed on the worker; a killed rating run can be run again."""
from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from red_property.core import clock, jobs
from red_property.core.jobs import JobRecord, job, reconcile, record_job, run_job
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.rating.models import RatingRun
from tests.factories_rating import AS_OF, bureau_admin, rating_inputs
from tests.outage import own_redis  # noqa: F401 - a fixture

SEEN: dict[str, object] = {}


@job("tests.sleeper")
def _sleeper(ctx, seconds: float) -> dict:
    """Sleeps without reporting progress, as a long render does; notes the heartbeat it sees."""
    time.sleep(seconds)
    ctx.session.commit()  # a new transaction sees what the heartbeat committed
    SEEN["beat"] = ctx.session.scalar(select(JobRecord.heartbeat_at).where(JobRecord.id == ctx.job_id))
    SEEN["started"] = ctx.session.scalar(select(JobRecord.started_at).where(JobRecord.id == ctx.job_id))
    return {}


@job("tests.database_lost")
def _database_lost(ctx) -> dict:
    raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


@job("tests.given_up_then_done")
def _given_up_then_done(ctx) -> dict:
    """An orphaned work horse: its page gives it up (failed, with an error) while it still works, then it ends."""
    jobs._update_record(ctx.tenant_id, ctx.job_id, status=jobs.FAILED, error="rq: worker gone")
    return {"rendered": 3}


def _record(app, world, name: str, **params) -> int:
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        record = record_job(s, name, **params)
        s.commit()
        return record.id


def _job(app, world, job_id: int) -> JobRecord:
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        record = s.get(JobRecord, job_id)
        s.expunge(record)
        return record


def test_a_running_job_writes_its_own_heartbeat(app, world, own_redis):  # noqa: F811
    app.config.update(JOBS_INLINE=False, REDIS_URL=own_redis.url, JOBS_HEARTBEAT_SECONDS=0.05)
    job_id = _record(app, world, "tests.sleeper", seconds=0.5)
    run_job(world.a, job_id, app=app)
    assert SEEN["beat"] > SEEN["started"]  # written while the job slept, by no progress call
    assert _job(app, world, job_id).status == "done"


def test_a_job_is_failed_within_a_minute_of_its_death_and_never_while_it_beats(app, world, own_redis):  # noqa: F811
    """RQ may say failed (its worker died; the work horse lives on) while the job still beats: running.
    A heartbeat over a minute old: failed, and the message says the job stopped answering."""
    from rq.job import Job, JobStatus

    app.config.update(JOBS_INLINE=False, REDIS_URL=own_redis.url)
    job_id = _record(app, world, "tests.sleeper", seconds=0)
    beat = clock.now()
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        record = s.get(JobRecord, job_id)
        record.status, record.started_at, record.heartbeat_at = "running", beat, beat
        s.commit()
        rq_job = Job.create("red_property.core.jobs.run_job", args=(world.a, job_id), id=jobs.rq_job_id(job_id, app),
                            connection=jobs.get_queue(app).connection)
        rq_job.save()
        rq_job.set_status(JobStatus.FAILED)  # what RQ says of a job whose worker died
        for seconds in (0, 30, 59):
            with time_machine.travel(beat + dt.timedelta(seconds=seconds)):
                assert reconcile(s.get(JobRecord, job_id)).status == "running", seconds
        rq_job.delete()
        with time_machine.travel(beat + dt.timedelta(seconds=61)):
            record = reconcile(s.get(JobRecord, job_id))
        assert (record.status, record.message) == ("failed", jobs.MESSAGE_SILENT)


def test_a_job_the_database_failed_is_not_blamed_on_the_worker(app, world):
    app.config.update(JOBS_INLINE=False)
    job_id = _record(app, world, "tests.database_lost")
    with pytest.raises(OperationalError):
        run_job(world.a, job_id, app=app)
    record = _job(app, world, job_id)
    assert (record.status, record.message) == ("failed", jobs.MESSAGE_DATABASE)
    assert "工作进程" not in record.message
    # RQ's account of a failure (when the job could not write its own) names the database too:
    assert jobs._names_database("sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed")


def test_a_job_given_up_that_finishes_is_done_without_an_error(app, world):
    app.config.update(JOBS_INLINE=False)
    job_id = _record(app, world, "tests.given_up_then_done")
    run_job(world.a, job_id, app=app)
    record = _job(app, world, job_id)
    assert (record.status, record.error, record.result) == ("done", None, {"rendered": 3})


def test_a_killed_rating_run_is_failed_after_a_minute_and_can_be_run_again(app, world, web, client, own_redis,  # noqa: F811
                                                                         monkeypatch):
    from red_property.rating import runs

    with app.app_context():
        rating_inputs(world)
    app.config.update(JOBS_INLINE=True)

    def killed(*args, **kwargs):
        raise SystemExit("work horse killed")  # not an Exception: the job records nothing, as under kill -9

    monkeypatch.setattr(runs, "gather_inputs", killed)
    with app.app_context(), tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
        with pytest.raises(SystemExit):
            runs.start_run(s, period="2026", as_of=AS_OF)
        s.rollback()
        run_id = s.scalar(select(RatingRun.id))
        died = clock.now()
    monkeypatch.undo()
    app.config.update(JOBS_INLINE=False, REDIS_URL=own_redis.url)  # pages reconcile as in production
    with app.app_context(), tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
        assert runs.sync_run_status(s, s.get(RatingRun, run_id)).status == "running"  # not a minute yet
        with pytest.raises(runs.RunError):
            runs.rerun(s, s.get(RatingRun, run_id))
    with time_machine.travel(died + dt.timedelta(seconds=90), tick=True):
        web.login("bureau-admin@test.cn")
        page = client.get(f"/bureau/rating/runs/{run_id}").get_data(as_text=True)
        assert "计算未完成" in page and "重新计算" in page
        with app.app_context(), tenant_scope(db.session, world.bureau) as s:
            assert s.get(RatingRun, run_id).status == "failed"
        app.config.update(JOBS_INLINE=True)
        web.referer = f"/bureau/rating/runs/{run_id}"
        assert web.post_form(f"/bureau/rating/runs/{run_id}/rerun").status_code == 302
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        run = s.get(RatingRun, run_id)
        assert run.status == "ready" and run.rated_companies
