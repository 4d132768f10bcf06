"""``GET /healthz`` and ``red-property doctor``: the state of the database, the job queue and PDF rendering."""
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


@bp.route("/healthz")
def healthz():
    """200 when the database, (if configured) Redis and PDF rendering work, else 503."""
    state = health_state()
    return jsonify(state), 200 if state["status"] == "ok" else 503
