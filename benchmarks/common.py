"""Shared pieces of the benchmarks: a fresh PostgreSQL database and timing stats."""
from __future__ import annotations

import os
import statistics
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from red_property.config import database_url

SERVER = database_url(os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres")


def fresh_database(name: str) -> tuple[str, str]:
    """Create (or recreate) database ``name``; return (owner URL, app-role URL)."""
    admin = create_engine(make_url(SERVER).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    owner = make_url(SERVER).set(database=name)
    app = owner.set(username="red_property_app", password=None)
    return owner.render_as_string(hide_password=False), app.render_as_string(hide_password=False)


def analyze(owner: str) -> None:
    """A bulk load is followed by ANALYZE, as in production (only the owner may run it)."""
    engine = create_engine(owner, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def timed(fn, repeat: int) -> list[float]:
    """Milliseconds per call of ``fn``, ``repeat`` times."""
    samples = []
    for i in range(repeat):
        started = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"n": len(samples), "mean": statistics.fmean(samples), "p50": ordered[len(ordered) // 2],
            "p95": ordered[int(len(ordered) * 0.95)], "p99": ordered[int(len(ordered) * 0.99)]}


def print_table(title: str, rows: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(f"{'variant':<44} {'n':>5} {'mean ms':>8} {'p50':>7} {'p95':>7} {'p99':>7}")
    for name, s in rows.items():
        print(f"{name:<44} {s['n']:>5} {s['mean']:>8.2f} {s['p50']:>7.2f} {s['p95']:>7.2f} {s['p99']:>7.2f}")
