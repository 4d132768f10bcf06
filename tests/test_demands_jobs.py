"""Overdue demands are flagged by a job per company, on a schedule, through real RQ when Redis is set."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from red_property.core import clock
from red_property.core.jobs import DONE, JobRecord, enqueue
from red_property.core.schedule import PERIODIC, cron_scheduler, enqueue_for_tenants, fan_out
from red_property.core.tenancy import tenant_scope
from red_property.demands.models import Demand, DemandEvent, EventKind
from red_property.extensions import db
from red_property.tenants.models import TenantKind
from tests.conftest import REDIS_URL, run_worker
from tests.factories_demands import demand

LATE = dt.timedelta(hours=30)  # past an urgent repair's 24 hours


def _overdue_demands(app, world) -> dict[str, int]:
    """An overdue urgent repair and a fresh one in each company; returns the overdue ids."""
    ids = {}
    with app.app_context():
        for key, tenant, community in (("a", world.a, world.community_a), ("b", world.b, world.community_b)):
            with tenant_scope(db.session, tenant) as s:
                ids[key] = demand(s, community, category="urgent_repair", at=clock.now() - LATE).id
                demand(s, community, category="urgent_repair", at=clock.now())
    return ids


def _flags(app, tenant) -> tuple[int, int]:
    """(flagged demands, overdue lines in the history) of a tenant."""
    with app.app_context(), tenant_scope(db.session, tenant) as s:
        return (s.scalar(select(func.count(Demand.id)).where(Demand.overdue_at.is_not(None))),
                s.scalar(select(func.count(DemandEvent.id)).where(DemandEvent.kind == EventKind.OVERDUE)))


def test_the_job_flags_a_companys_overdue_demands_once(app, world):
    ids = _overdue_demands(app, world)
    for _ in range(2):  # a second run (or a redelivery) changes nothing
        with app.app_context(), tenant_scope(db.session, world.a) as s:
            job_id = enqueue(s, "demands.flag_overdue").id
        run_worker(app)
        assert _flags(app, world.a) == (1, 1)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        job = s.get(JobRecord, job_id)
        assert (job.status, job.result) == (DONE, {"flagged": 0})
        assert s.get(Demand, ids["a"]).overdue_at is not None
    assert _flags(app, world.b) == (0, 0)  # only the tenant the job ran for


def test_the_schedule_runs_the_job_for_every_company_and_no_one_else(app, world):
    _overdue_demands(app, world)
    kinds = [TenantKind.COMPANY, TenantKind.COMPANY, TenantKind.BUREAU, TenantKind.COMMITTEE]  # the world's
    jobs = [p for p in PERIODIC.values() if p.when is None or p.when(app.config)]
    with app.app_context():
        assert enqueue_for_tenants(db.session) == sum(kind in p.kinds for p in jobs for kind in kinds)
    run_worker(app)
    assert _flags(app, world.a) == (1, 1) and _flags(app, world.b) == (1, 1)
    for tenant, kind in ((world.bureau, TenantKind.BUREAU), (world.committee, TenantKind.COMMITTEE)):
        with app.app_context(), tenant_scope(db.session, tenant) as s:  # only the jobs for its kind
            assert s.scalar(select(func.count(JobRecord.id))) == sum(kind in p.kinds for p in jobs)


def test_old_finished_runs_of_a_periodic_job_are_pruned(app, world):
    with app.app_context():
        with tenant_scope(db.session, world.a) as s:
            now = clock.now()
            s.add_all([JobRecord(name="demands.flag_overdue", status=DONE, finished_at=now - dt.timedelta(days=8)),
                       JobRecord(name="demands.flag_overdue", status=DONE, finished_at=now - dt.timedelta(days=6)),
                       JobRecord(name="communities.export_register", status=DONE,
                                 finished_at=now - dt.timedelta(days=30))])
            s.commit()
        enqueue_for_tenants(db.session, ["demands.flag_overdue"])
    run_worker(app)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        kept = s.execute(select(JobRecord.name, JobRecord.finished_at).order_by(JobRecord.id)).all()
    assert [name for name, _ in kept] == ["demands.flag_overdue", "communities.export_register", "demands.flag_overdue"]


def test_the_schedule_command(app, world, runner):
    _overdue_demands(app, world)
    result = runner.invoke(args=["schedule", "--job", "demands.flag_overdue"])
    assert result.exit_code == 0 and "queued 2 jobs" in result.output, result.output
    run_worker(app)
    assert _flags(app, world.a) == (1, 1)
    bad = runner.invoke(args=["schedule", "--job", "demands.nothing"])
    assert bad.exit_code != 0 and "not a periodic job" in bad.output


def test_the_cron_schedule_fans_out_through_rq(app, world):
    """RQ's cron scheduler enqueues fan_out; a worker runs it and then every company's job."""
    _overdue_demands(app, world)
    if REDIS_URL is None:
        with app.app_context():
            assert fan_out("demands.flag_overdue") == 2      # in-process: the jobs run inline
    else:
        scheduler = cron_scheduler(app)
        jobs = {job.name: job for job in scheduler.get_jobs()}
        assert jobs["periodic:demands.flag_overdue"].cron == PERIODIC["demands.flag_overdue"].cron
        jobs["periodic:demands.flag_overdue"].enqueue(scheduler.connection)  # as the scheduler does when due
        run_worker(app)
    assert _flags(app, world.a) == (1, 1) and _flags(app, world.b) == (1, 1)


def test_the_cron_command_needs_redis(app, runner):
    if REDIS_URL is not None:
        pytest.skip("checks the message shown without Redis")
    result = runner.invoke(args=["cron"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output
