"""Periodic jobs: a registered job that every tenant of some kinds runs on a schedule.

A domain declares one beside its ``@job``::

    periodic("demands.flag_overdue", cron="5 * * * *")   # every hour, at :05

Two ways run them, both ending in ``enqueue_for_tenants``, which enqueues the
job once per tenant (through ``core.jobs.enqueue``: a ``JobRecord`` per
tenant, so a failure shows in that tenant's job list, and the job runs in that
tenant's scope like any other):

- ``red-property cron``: RQ's own cron scheduler (``rq.cron``, rq >= 2.5)
  enqueues ``fan_out(name)`` on each job's cron schedule; a worker runs it.
  Run one such process (``ops/systemd/red-property-cron.service``): two would
  enqueue every job twice, harmless (jobs are idempotent) but wasted.
- ``red-property schedule``: the same fan-out for every periodic job, now.
  The demo runs it when it starts; operators may run it after downtime.

Missed ticks are not replayed: periodic jobs work from the state of the
records (e.g. "open and past due"), so the next run catches up.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from red_property.core import clock
from red_property.core.jobs import DONE, JobRecord, enqueue, worker_context
from red_property.core.tenancy import tenant_scope
from red_property.tenants.models import Tenant, TenantKind

# Finished runs of a periodic job are kept this long (an hourly job would
# otherwise add 8,760 rows a year per tenant).
KEEP = dt.timedelta(days=7)


@dataclass(frozen=True)
class Periodic:
    name: str                       # a job registered with @job
    cron: str                       # when, as a cron expression (in UTC, as rq.cron reads it)
    kinds: tuple[TenantKind, ...]   # which tenants run it
    # Whether the app's config needs it at all (the mail sweep without MAIL_URL is not fanned out)
    when: Callable[[dict], bool] | None = None


PERIODIC: dict[str, Periodic] = {}


def periodic(name: str, *, cron: str, kinds: tuple[TenantKind, ...] = (TenantKind.COMPANY,),
             when: Callable[[dict], bool] | None = None) -> None:
    """Run job ``name`` for every tenant of ``kinds`` on the ``cron`` schedule (if ``when(config)``, when given)."""
    PERIODIC[name] = Periodic(name, cron, tuple(kinds), when)


def enqueue_for_tenants(session: Session, names: list[str] | None = None) -> int:
    """Enqueue each periodic job (or only ``names``) once for every tenant it is for; returns how many.

    ``session`` must have no tenant yet: each tenant gets its own fresh scope.
    """
    names = sorted(PERIODIC) if names is None else names
    unknown = set(names) - set(PERIODIC)
    if unknown:
        raise KeyError(f"not a periodic job: {', '.join(sorted(unknown))}")
    tenants = session.execute(select(Tenant.id, Tenant.kind).order_by(Tenant.id)).all()
    session.rollback()
    queued = 0
    for name in names:
        kinds, when = PERIODIC[name].kinds, PERIODIC[name].when
        if when is not None and not when(current_app.config):
            continue
        for tenant_id, kind in tenants:
            if kind not in kinds:
                continue
            with tenant_scope(session, tenant_id) as scoped:
                scoped.execute(delete(JobRecord).where(JobRecord.name == name, JobRecord.status == DONE,
                                                       JobRecord.finished_at < clock.now() - KEEP))
                enqueue(scoped, name)
            queued += 1
    return queued


def fan_out(name: str) -> int:
    """What the cron scheduler enqueues: run by an RQ worker, it enqueues ``name`` for every tenant."""
    from red_property.extensions import db

    with worker_context():
        return enqueue_for_tenants(db.session, [name])


def cron_scheduler(app):
    """RQ's cron scheduler with every periodic job registered (start it with ``.start()``)."""
    from rq.cron import CronScheduler

    from red_property.core.jobs import get_queue

    queue = get_queue(app)
    scheduler = CronScheduler(connection=queue.connection)
    for job in PERIODIC.values():
        scheduler.register(fan_out, queue_name=queue.name, kwargs={"name": job.name}, cron=job.cron,
                           name=f"periodic:{job.name}", job_timeout=3600)
    return scheduler
