"""``GET /healthz``: the state of the database and the job queue."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify
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


@bp.route("/healthz")
def healthz():
    """200 when the database and (if configured) Redis answer, else 503."""
    state = {"database": _database(), "jobs": _jobs()}
    healthy = all(part["ok"] for part in state.values())
    state["status"] = "ok" if healthy else "degraded"
    return jsonify(state), 200 if healthy else 503
