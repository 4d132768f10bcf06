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
import time

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text

from red_property.extensions import db

bp = Blueprint("health", __name__)


def _database() -> dict:
    started = time.perf_counter()
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"ok": True, "backend": db.engine.dialect.name,
                "ms": round((time.perf_counter() - started) * 1000, 1)}
    except Exception as exc:  # noqa: BLE001 - any failure is "down" here
        return {"ok": False, "backend": db.engine.dialect.name, "error": type(exc).__name__}


def _jobs() -> dict:
    if not current_app.config.get("REDIS_URL"):
        mode = "inline" if current_app.config.get("JOBS_INLINE") else "thread"
        return {"ok": True, "mode": mode}
    try:
        from rq import Worker

        from red_property.core.jobs import get_queue

        queue = get_queue()
        return {"ok": True, "mode": "rq", "queued": queue.count,
                "workers": Worker.count(connection=queue.connection)}
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
