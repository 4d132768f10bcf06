"""Background jobs behind one small module.

``enqueue`` records a ``JobRecord`` row (what the user sees: status, progress,
result) and hands the job to RQ when ``REDIS_URL`` is set, or runs it
in-process otherwise (a thread for the demo, inline when ``JOBS_INLINE`` is
set).  Jobs receive ids, never ORM objects; ``run_job`` sets the tenant in a
fresh session and cleans up afterwards.  Delivery through RQ is at-least-once,
so every job must be idempotent: its RQ id is derived from the record id, and
a finished record is never run twice.

A running job writes ``heartbeat_at`` itself (a thread beside the job, and every
progress update), so its page can tell a dead job from a slow one without
trusting RQ's registries, which notice a dead worker only minutes later
(issue 12, item 16).  A job the queue cannot take (Redis down) is marked failed
at once and the caller gets a 503 (``QueueUnavailable``), never a row that says
"queued" for ever (item 15).
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

from flask import current_app, has_app_context, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String, Text, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.exceptions import ServiceUnavailable

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
    heartbeat_at: Mapped[dt.datetime | None]   # written by the running job itself (HEARTBEAT_SECONDS)


# A running job writes its heartbeat this often; a job whose heartbeat is older than
# LOST_AFTER is dead (its worker, work horse or database connection is gone).
HEARTBEAT_SECONDS = 15
LOST_AFTER = dt.timedelta(minutes=1)


class QueueUnavailable(ServiceUnavailable):
    """The job queue (Redis) did not take the job: a 503 with ``Retry-After``; the record is marked failed."""

    def __init__(self):
        text = (_("任务队列暂时不可用，任务未能开始，请稍后重试。") if has_request_context()
                else "任务队列暂时不可用，任务未能开始，请稍后重试。")
        super().__init__(text, retry_after=30)


def database_failed(exc: BaseException) -> bool:
    """Whether ``exc`` says the database was unreachable, not that the job or its input was wrong."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (OperationalError, InterfaceError, PoolTimeout))


MESSAGE_DATABASE = "数据库暂时不可用，任务未完成，请稍后重新运行"
MESSAGE_ERROR = "任务出错，未完成，请重新运行或联系管理员"
MESSAGE_QUEUE = "任务队列暂时不可用，任务未能开始，请稍后重试"
MESSAGE_SILENT = "任务一分钟没有回应，已停止，请重新运行"
MESSAGE_WORKER = "任务被中断（工作进程退出），请重新运行"


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
        values = dict(progress=max(0, min(100, int(percent))), message=message, heartbeat_at=clock.now())
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


def record_job(session: Session, name: str, **params: Any) -> JobRecord:
    """Add (not commit) the record of job ``name`` for the session's tenant and actor; ``dispatch`` it after
    the commit.  Callers that decide and record in one transaction (a lock held) use this pair."""
    if name not in _REGISTRY:
        raise KeyError(f"unknown job {name!r}")
    record = JobRecord(name=name, params=params, created_by=current_actor_id(session))
    session.add(record)
    session.flush()
    return record


def dispatch(session: Session, record: JobRecord) -> JobRecord:
    """Start a committed record: inline, on RQ or in a thread.

    If Redis does not take it, the record is marked failed (nothing will run it) and
    ``QueueUnavailable`` (503) is raised.
    """
    app = current_app._get_current_object()
    tenant_id, job_id = record.tenant_id, record.id
    if app.config.get("JOBS_INLINE"):  # asked for explicitly (the demo builder, tests without Redis)
        run_job(tenant_id, job_id, app=app)
        session.expire(record)
    elif app.config.get("REDIS_URL"):
        from redis.exceptions import RedisError

        try:
            get_queue(app).enqueue("red_property.core.jobs.run_job", tenant_id, job_id,
                                   job_id=rq_job_id(job_id, app), job_timeout=3600, result_ttl=86400)
        except RedisError as exc:
            log.error("job %s could not be queued: %s", job_id, exc)
            _update_record(tenant_id, job_id, status=FAILED, finished_at=clock.now(), message=MESSAGE_QUEUE,
                           error=f"queue: {type(exc).__name__}: {exc}"[:2000])
            session.expire(record)
            raise QueueUnavailable() from exc
    else:
        threading.Thread(target=run_job, args=(tenant_id, job_id), kwargs={"app": app},
                         daemon=True, name=f"job-{job_id}").start()
    return record


def enqueue(session: Session, name: str, **params: Any) -> JobRecord:
    """Record and start job ``name`` for the session's tenant and actor (``QueueUnavailable`` if Redis is down)."""
    record = record_job(session, name, **params)
    session.commit()
    return dispatch(session, record)

def rq_job_id(record_id: int, app=None) -> str:
    """RQ's id for a job record: its queue's name and the record's id.  Record ids restart in
    every database, and RQ keeps a job's data under its id for the whole Redis database:
    two installations (or test databases) sharing one Redis, each with its own queue,
    would otherwise overwrite each other's job 1."""
    return f"{(app or current_app).config['RQ_QUEUE']}-job-{record_id}"


def get_queue(app=None, *, worker: bool = False):
    """The app's RQ queue.  Web requests give Redis a few seconds to answer (a frozen Redis is then a 503,
    not a hung request); a worker's connection has no read timeout, as its blocking dequeue needs."""
    from redis import Redis
    from rq import Queue

    app = app or current_app
    timeouts = {"socket_connect_timeout": 3} if worker else {"socket_connect_timeout": 3, "socket_timeout": 5}
    return Queue(app.config["RQ_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"], **timeouts))


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
            now = clock.now()
            record.status, record.started_at, record.heartbeat_at, record.error = RUNNING, now, now, None
            session.info["actor_id"] = record.created_by
            name, params = record.name, dict(record.params or {})
            session.commit()
            _note_taken(app)
            ctx = JobContext(job_id=job_id, tenant_id=tenant_id, actor_id=record.created_by,
                             session=session)
            heartbeat = _Heartbeat(app, tenant_id, job_id)
            heartbeat.start()
            try:
                result = _REGISTRY[name](ctx, **params)
                session.commit()
            except Exception as exc:
                heartbeat.stop()
                _record_failure(session, tenant_id, job_id, name, exc)
                raise
            finally:
                heartbeat.stop()  # also on SystemExit: the job is over, whoever says so
            # An orphaned work horse may finish after its page gave it up: done, and no error left.
            _update_record(tenant_id, job_id, status=DONE, progress=100, finished_at=clock.now(),
                           heartbeat_at=clock.now(), result=result, error=None)


def _record_failure(session: Session, tenant_id: int, job_id: int, name: str, exc: Exception) -> None:
    try:
        session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone with the database
        log.warning("job %s: rollback failed", job_id, exc_info=True)
    log.error("job %s (%s) failed", job_id, name, exc_info=exc)
    message = MESSAGE_DATABASE if database_failed(exc) else MESSAGE_ERROR
    try:
        _update_record(tenant_id, job_id, status=FAILED, finished_at=clock.now(), message=message,
                       error="".join(traceback.format_exception(exc, limit=5)))
    except Exception:  # noqa: BLE001 - the database is down: the stale heartbeat will tell
        log.warning("job %s: could not record its failure", job_id, exc_info=True)


class _Heartbeat(threading.Thread):
    """Writes the record's ``heartbeat_at`` every ``JOBS_HEARTBEAT_SECONDS`` while the job function runs.

    It lives in the process that runs the job, so it stops when that process dies, whatever
    RQ's registries say.  A failed write (the database away for a moment) is only logged.
    """

    def __init__(self, app, tenant_id: int, job_id: int):
        super().__init__(daemon=True, name=f"job-{job_id}-heartbeat")
        self.app, self.tenant_id, self.job_id = app, tenant_id, job_id
        self.interval = float(app.config.get("JOBS_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))
        self._stopped = threading.Event()

    def start(self) -> None:
        # Only RQ's jobs: inline ones finish before anyone reads their page, and a thread of the
        # demo's own process is seen alive or not directly (``reconcile``).
        if self.app.config.get("REDIS_URL") and not self.app.config.get("JOBS_INLINE"):
            super().start()

    def run(self) -> None:
        with self.app.app_context():
            while not self._stopped.wait(self.interval):
                try:
                    _update_record(self.tenant_id, self.job_id, heartbeat_at=clock.now())
                except Exception:  # noqa: BLE001
                    log.warning("job %s: heartbeat not written", self.job_id, exc_info=True)

    def stop(self) -> None:
        self._stopped.set()


def taken_key(app) -> str:
    return f"rp:{app.config['RQ_QUEUE']}:last-taken"


def _note_taken(app) -> None:
    """When a worker last took a job (read by /healthz to tell waiting jobs from a stalled queue)."""
    if not app.config.get("REDIS_URL") or app.config.get("JOBS_INLINE"):
        return
    try:
        get_queue(app).connection.set(taken_key(app), clock.now().timestamp())
    except Exception:  # noqa: BLE001 - a health hint, not the job
        log.warning("could not note the job as taken", exc_info=True)


def reconcile(record: JobRecord) -> JobRecord:
    """Mark failed a queued or running record whose job ended without ``run_job`` saying so.

    ``run_job`` records its own failures; what it cannot record is its own death
    (a work horse killed, a worker gone, the database away when it failed) or a
    queue that lost the job (Redis here keeps nothing on disk).  A running job
    writes a heartbeat: one older than ``LOST_AFTER`` is dead, and one that beats is
    alive whatever RQ says (an orphaned work horse still rendering).  A queued job
    is lost when RQ failed it or no longer has it a minute on.  Without Redis the
    demo runs jobs in threads of its own process, which a restart ends.  Read pages
    call this so that a progress bar never waits for ever.
    """
    app = current_app
    if record.status not in (QUEUED, RUNNING) or app.config.get("JOBS_INLINE"):
        return record
    now = clock.now()
    old_enough = now - record.created_at > LOST_AFTER
    if not app.config.get("REDIS_URL"):
        if not old_enough or any(t.name == f"job-{record.id}" for t in threading.enumerate()):
            return record
        return _mark_lost(record, "任务随服务重启而中断，请重新运行", "no thread runs it")
    if record.status == RUNNING:
        beat = record.heartbeat_at or record.started_at or record.created_at
        if now - beat <= LOST_AFTER:
            return record
        failure = _rq_failure(record.id)
        message = MESSAGE_SILENT if failure is None else (
            MESSAGE_DATABASE if _names_database(failure) else MESSAGE_WORKER)
        return _mark_lost(record, message, f"no heartbeat since {beat.isoformat()}; rq: {failure or '-'}"[:2000])
    from redis.exceptions import RedisError
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        status = Job.fetch(rq_job_id(record.id, app), connection=get_queue(app).connection).get_status(refresh=False)
    except NoSuchJobError:
        status = None
    except RedisError:
        log.warning("job %s: the queue did not answer; its status stays as recorded", record.id)
        return record
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        failure = _rq_failure(record.id) or f"rq status: {status}"
        return _mark_lost(record, MESSAGE_DATABASE if _names_database(failure) else MESSAGE_WORKER, failure[:2000])
    if status is None and old_enough:
        return _mark_lost(record, "任务已从队列中丢失，请重新运行", "rq: no such job")
    return record


def _rq_failure(job_id: int) -> str | None:
    """RQ's account of how the job failed (its exception text), or None if RQ saw no failure."""
    from rq.job import Job, JobStatus

    try:
        job = Job.fetch(rq_job_id(job_id), connection=get_queue().connection)
        status = job.get_status(refresh=False)
        if status not in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            return None
        result = job.latest_result()
        return (result.exc_string if result is not None else None) or f"rq status: {status}"
    except Exception:  # noqa: BLE001 - no such job, or Redis away: no account
        return None


def _names_database(failure: str) -> bool:
    """Whether RQ's exception text says the database failed (the job then did not fail by itself)."""
    return any(word in failure for word in ("OperationalError", "InterfaceError", "psycopg", "QueuePool limit"))

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
