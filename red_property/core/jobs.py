"""Background jobs behind one small module.

``enqueue`` records a ``JobRecord`` row (what the user sees: status, progress,
result) and hands the job to RQ when ``REDIS_URL`` is set, or runs it
in-process otherwise (a thread for the demo, inline when ``JOBS_INLINE`` is
set).  Jobs receive ids, never ORM objects; ``run_job`` sets the tenant in a
fresh session and cleans up afterwards.  Delivery through RQ is at-least-once,
so every job must be idempotent: its RQ id is derived from the record id, and
a finished record is never run twice.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String, Text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from red_property.core import clock
from red_property.core.model import Base, BigId, TenantScoped
from red_property.core.tenancy import current_actor_id, tenant_scope

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
_REGISTRY: dict[str, Callable[..., Any]] = {}


class JobRecord(TenantScoped, Base):
    __tablename__ = "job_record"
    __label__ = _l("后台任务")
    __audited__ = False  # progress ticks are not business writes

    name: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]


@dataclass(frozen=True)
class JobContext:
    """What a job function gets: ids and a way to report progress."""

    job_id: int
    tenant_id: int
    actor_id: int | None
    session: Session

    def progress(self, percent: int, message: str | None = None) -> None:
        """Record progress, visible at once on PostgreSQL (its own short transaction).

        SQLite allows one writer: while the job's transaction holds the lock a
        second connection would wait and fail, so there the update rides in the
        job's own transaction and shows at its next commit.
        """
        values = dict(progress=max(0, min(100, int(percent))), message=message)
        if self.session.get_bind().dialect.name == "sqlite" and self.session.in_transaction():
            self.session.execute(update(JobRecord).where(JobRecord.id == self.job_id,
                                                         JobRecord.tenant_id == self.tenant_id).values(**values)
                                 .execution_options(synchronize_session=False))
            return
        _update_record(self.tenant_id, self.job_id, **values)


def job(name: str):
    """Register ``fn(ctx, **params)`` as the job called ``name``."""

    def register(fn):
        _REGISTRY[name] = fn
        return fn

    return register


def enqueue(session: Session, name: str, **params: Any) -> JobRecord:
    """Record and start job ``name`` for the session's tenant and actor."""
    if name not in _REGISTRY:
        raise KeyError(f"unknown job {name!r}")
    record = JobRecord(name=name, params=params, created_by=current_actor_id(session))
    session.add(record)
    session.commit()
    app = current_app._get_current_object()
    tenant_id, job_id = record.tenant_id, record.id
    if app.config.get("JOBS_INLINE"):  # asked for explicitly (the demo builder, tests without Redis)
        run_job(tenant_id, job_id, app=app)
        session.expire(record)
    elif app.config.get("REDIS_URL"):
        queue = get_queue(app)
        queue.enqueue("red_property.core.jobs.run_job", tenant_id, job_id,
                      job_id=f"rp-job-{job_id}", job_timeout=3600, result_ttl=86400)
    else:
        threading.Thread(target=run_job, args=(tenant_id, job_id), kwargs={"app": app},
                         daemon=True, name=f"job-{job_id}").start()
    return record


def get_queue(app=None):
    from redis import Redis
    from rq import Queue

    app = app or current_app
    return Queue(app.config["RQ_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"]))


_engine_pid = os.getpid()


@contextmanager
def worker_context(app=None) -> Iterator[Any]:
    """The app context a job function runs in: the caller's app, or one built for the worker."""
    global _engine_pid
    if app is None:
        app = current_app._get_current_object() if has_app_context() else _worker_app()
    from red_property.extensions import db

    with app.app_context():
        if os.getpid() != _engine_pid:
            # RQ forks a work horse per job: never reuse the parent's connections.
            db.engine.dispose(close=False)
            _engine_pid = os.getpid()
        yield app


def run_job(tenant_id: int, job_id: int, app=None) -> None:
    """Entry point for RQ workers and the in-process runner."""
    from red_property.extensions import db

    with worker_context(app) as app:
        with tenant_scope(db.session, tenant_id) as session:
            record = session.get(JobRecord, job_id)
            if record is None or record.status in (DONE,):
                return  # already done (at-least-once delivery) or not ours
            record.status, record.started_at, record.error = RUNNING, clock.now(), None
            session.info["actor_id"] = record.created_by
            name, params = record.name, dict(record.params or {})
            session.commit()
            ctx = JobContext(job_id=job_id, tenant_id=tenant_id, actor_id=record.created_by,
                             session=session)
            try:
                result = _REGISTRY[name](ctx, **params)
                session.commit()
            except Exception:
                session.rollback()
                log.exception("job %s (%s) failed", job_id, name)
                _update_record(tenant_id, job_id, status=FAILED, finished_at=clock.now(),
                               error=traceback.format_exc(limit=5))
                raise
            _update_record(tenant_id, job_id, status=DONE, progress=100, finished_at=clock.now(),
                           result=result)


LOST_AFTER = dt.timedelta(minutes=1)


def reconcile(record: JobRecord) -> JobRecord:
    """Mark failed a queued or running record whose job ended without ``run_job`` saying so.

    ``run_job`` records its own failures; what it cannot record is its own
    death: a work horse killed by the kernel (RQ marks the job failed), a
    worker that died (RQ marks its jobs abandoned, then failed), a queue that
    lost the job (Redis here keeps nothing on disk), or, without Redis, the
    process whose thread ran it restarting (the demo).  Read pages call this so
    that a progress bar never waits forever for a job that will not come back.
    """
    app = current_app
    if record.status not in (QUEUED, RUNNING) or app.config.get("JOBS_INLINE"):
        return record
    old_enough = clock.now() - record.created_at > LOST_AFTER
    if not app.config.get("REDIS_URL"):
        if not old_enough or any(t.name == f"job-{record.id}" for t in threading.enumerate()):
            return record
        return _mark_lost(record, "任务随服务重启而中断，请重新运行", "no thread runs it")
    from redis.exceptions import RedisError
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        status = Job.fetch(f"rp-job-{record.id}", connection=get_queue(app).connection).get_status(refresh=False)
    except NoSuchJobError:
        status = None
    except RedisError:
        log.warning("job %s: the queue did not answer; its status stays as recorded", record.id)
        return record
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        return _mark_lost(record, "任务被中断（工作进程退出），请重新运行", f"rq status: {status}")
    if status is None and old_enough:
        return _mark_lost(record, "任务已从队列中丢失，请重新运行", "rq: no such job")
    return record


def _mark_lost(record: JobRecord, message: str, error: str) -> JobRecord:
    from red_property.extensions import db

    _update_record(record.tenant_id, record.id, status=FAILED, finished_at=clock.now(), message=message, error=error)
    db.session.refresh(record)
    return record


def _update_record(tenant_id: int, job_id: int, **values: Any) -> None:
    from red_property.extensions import db

    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT set_config('app.current_tenant', %s, true)", (str(tenant_id),))
        conn.execute(update(JobRecord).where(JobRecord.id == job_id, JobRecord.tenant_id == tenant_id)
                     .values(**values))


_app = None


def _worker_app():
    global _app
    if _app is None:
        from red_property import create_app

        _app = create_app()
    return _app
