"""``GET /healthz`` and ``red-property doctor``: the state of the database, the job queue and PDF rendering.

The world (a load balancer, a monitor) gets only the status and its HTTP code; the
details (backend, query time, queue length, workers, fonts) go to the platform
operator's logged-in users and to requests from the machine itself (``curl`` on
the host, CI).  "From the machine itself" means every address the request passed
through is a loopback address: behind nginx ``ProxyFix`` (``PROXY_COUNT=1``) puts
the client's address in ``remote_addr``, and if ``PROXY_COUNT`` is left at 0 behind
a proxy, the ``X-Forwarded-For`` nginx appends still names the outside client, so
a visitor is never taken for localhost.  A header a client forges can only add
addresses, never remove the one nginx appends.
"""
from __future__ import annotations

import ipaddress
import threading
import time

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text

from red_property.core import clock
from red_property.extensions import db

bp = Blueprint("health", __name__)


_checks_lock = threading.Lock()
_checks: dict[int, threading.Thread] = {}  # per engine: the database check still running, if any


def _ping(app, box: dict) -> None:
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                if conn.dialect.name == "postgresql":  # a database that is slow, not frozen, stops itself
                    ms = int(app.config["HEALTH_DATABASE_TIMEOUT"] * 1000)
                    conn.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")
                conn.execute(text("SELECT 1"))
                conn.rollback()
        except Exception as exc:  # noqa: BLE001 - any failure is "down" here
            box["error"] = type(exc).__name__


def _database() -> dict:
    """``SELECT 1`` within ``HEALTH_DATABASE_TIMEOUT`` seconds, in a thread of its own.

    A frozen server (stopped, or its machine gone without closing connections) never
    answers, and neither ``statement_timeout`` (the server's) nor TCP notices: only a
    wait we stop ourselves answers in time.  One check runs at a time per process: while
    an earlier one still hangs, the answer is "down" at once rather than another thread.
    """
    app = current_app._get_current_object()
    backend = db.engine.dialect.name
    started = time.perf_counter()
    box: dict = {}
    with _checks_lock:
        earlier = _checks.get(id(db.engine))
        if earlier is not None and earlier.is_alive():
            return {"ok": False, "backend": backend, "error": "timeout"}
        check = _checks[id(db.engine)] = threading.Thread(target=_ping, args=(app, box), daemon=True,
                                                          name="healthz-database")
        check.start()
    check.join(app.config["HEALTH_DATABASE_TIMEOUT"])
    if check.is_alive():
        return {"ok": False, "backend": backend, "error": "timeout"}
    if "error" in box:
        return {"ok": False, "backend": backend, "error": box["error"]}
    return {"ok": True, "backend": backend, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _jobs() -> dict:
    """The queue's state; degraded when jobs wait and no worker has taken one for a while.

    Workers are counted for information only: RQ's registrations vanish when Redis restarts
    while the workers live on, and a registered worker may be stuck.  What matters is whether
    jobs are taken: ``run_job`` notes when a worker last took one (``taken_key``).
    """
    if not current_app.config.get("REDIS_URL"):
        mode = "inline" if current_app.config.get("JOBS_INLINE") else "thread"
        return {"ok": True, "mode": mode}
    try:
        from rq import Worker
        from rq.job import Job

        from red_property.core.jobs import get_queue, taken_key

        queue = get_queue()
        connection = queue.connection
        state = {"ok": True, "mode": "rq", "queued": queue.count, "workers": Worker.count(connection=connection)}
        if state["queued"]:
            oldest = next((job.enqueued_at for job in Job.fetch_many(queue.get_job_ids(0, 0), connection=connection)
                           if job is not None and job.enqueued_at is not None), None)
            taken = connection.get(taken_key(current_app))
            since = max(filter(None, [oldest.timestamp() if oldest else None, float(taken) if taken else None]),
                        default=None)
            if since is not None:
                idle = int(clock.now().timestamp() - since)
                state["idle_seconds"] = max(0, idle)
                if idle > current_app.config["HEALTH_QUEUE_STALL_SECONDS"]:
                    state.update(ok=False, error="stalled")
        return state
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "mode": "rq", "error": type(exc).__name__}


def _pdf() -> dict:
    """Where Chinese glyphs come from and how fonts are subset (fontTools when libharfbuzz-subset0 is missing)."""
    from red_property.core.pdf import CJKFontMissing, font_source, subsetter

    try:
        return {"ok": True, "fonts": font_source(), "subsetter": subsetter()}
    except CJKFontMissing as exc:
        return {"ok": False, "error": str(exc)}


def health_state() -> dict:
    state = {"database": _database(), "jobs": _jobs(), "pdf": _pdf()}
    state["status"] = "ok" if all(part["ok"] for part in state.values()) else "degraded"
    return state


def _loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").strip()).is_loopback
    except ValueError:
        return False


def _from_this_machine() -> bool:
    """The peer and every ``X-Forwarded-For`` hop are loopback addresses."""
    return _loopback(request.remote_addr) and all(_loopback(hop) for hop in request.access_route)


def _platform_operator() -> bool:
    from red_property.tenants.access import current_kind
    from red_property.tenants.models import TenantKind

    try:
        return current_kind() == TenantKind.PLATFORM
    except Exception:  # noqa: BLE001 - the session lookup needs the database, which may be what is down
        return False


@bp.route("/healthz")
def healthz():
    """200 when the database, (if configured) Redis and PDF rendering work, else 503.

    Everyone gets ``{"status": ...}``; the platform operator and the host itself get the details.
    """
    state = health_state()
    code = 200 if state["status"] == "ok" else 503
    if not (_from_this_machine() or _platform_operator()):
        state = {"status": state["status"]}
    return jsonify(state), code
