"""Shared fixtures.

Backends: SQLite by default; PostgreSQL when ``DATABASE_URL`` points at a
server (it must be a role that may create databases: the tests create a
throwaway database, migrate it as its owner and connect the app as the
unprivileged ``red_property_app`` role, so row-level security is in force).
With ``REDIS_URL`` set, jobs go through RQ and a real worker runs them.

Each test gets an empty, migrated database: a copy of a migrated template on
SQLite, a TRUNCATE of every table on PostgreSQL.  Tests commit for real, as the
app does, so that per-transaction settings (RLS) are exercised.

``RP_TEST_CLOCK`` runs the whole session at another hour, Python's clock moved
there and ticking (time-machine): an ISO instant (``2026-12-01T17:30:00Z``) or
a time of day with its offset (``17:30Z``: today at 17:30 UTC, 01:30 the next
day in Beijing, when the UTC and local dates differ).  Only this process moves:
worker subprocesses, the databases' ``now()`` and a browser keep the real time,
which a time of day on today's date keeps within hours of the moved one.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from red_property import create_app
from red_property.config import database_url
from red_property.core import clock
from red_property.extensions import db
from tests.factories import make_world

SERVER_URL = database_url(os.environ.get("DATABASE_URL", ""))
POSTGRES = bool(SERVER_URL and SERVER_URL.startswith("postgresql"))
REDIS_URL = os.environ.get("REDIS_URL") or None


MOVED_CLOCK = pytest.StashKey[time_machine.travel]()


def moved_clock(spec: str) -> dt.datetime:
    """Where ``RP_TEST_CLOCK`` puts the clock; it must name its offset (a naive time is no instant)."""
    try:
        moment = dt.datetime.fromisoformat(spec)
    except ValueError:
        try:
            at = dt.time.fromisoformat(spec)
        except ValueError:
            at = None
        moment = dt.datetime.combine(clock.now().astimezone(at.tzinfo).date(), at) if at and at.tzinfo else None
    if moment is None or moment.tzinfo is None:
        raise pytest.UsageError(f"RP_TEST_CLOCK={spec!r}: give an instant (2026-12-01T17:30:00Z) "
                                "or a time of day with its offset (17:30Z)")
    return moment


def pytest_configure(config):
    spec = os.environ.get("RP_TEST_CLOCK")
    if spec:  # before collection: module-level dates in the tests are read on the moved clock
        travel = config.stash[MOVED_CLOCK] = time_machine.travel(moved_clock(spec), tick=True)
        travel.start()


def pytest_unconfigure(config):
    if MOVED_CLOCK in config.stash:
        config.stash[MOVED_CLOCK].stop()


def pytest_report_header(config):
    if MOVED_CLOCK in config.stash:
        return (f"clock moved by RP_TEST_CLOCK: {clock.now():%Y-%m-%d %H:%M}Z, "
                f"{clock.local_now():%Y-%m-%d %H:%M} {clock.local_zone().key}, ticking")


def pytest_collection_modifyitems(config, items):
    if POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _migrate(config: dict) -> None:
    from flask_migrate import upgrade

    app = create_app(config)
    with _one_migration_at_a_time(), app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()


@contextlib.contextmanager
def _one_migration_at_a_time():
    """Under pytest-xdist each worker migrates its own database, but roles and their
    grants belong to the whole cluster: two first migrations at once collide on
    ``CREATE ROLE`` ("tuple concurrently updated").  An advisory lock in the server's
    maintenance database (advisory locks are per database) lines them up."""
    if not POSTGRES:
        yield
        return
    admin = create_engine(make_url(SERVER_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(hashtext('red_property tests: migrate'))"))
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(hashtext('red_property tests: migrate'))"))
    admin.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """A migrated database for the whole run; yields the app's URLs."""
    if POSTGRES:
        name = _pg_database()
        urls = _pg_urls(name)
        _migrate(urls)
        yield SimpleNamespace(backend="postgresql", urls=urls, template=None)
        for engine in _owner_engines.values():
            engine.dispose()
        _pg_drop(name)
    else:
        template = tmp_path_factory.mktemp("db") / "template.sqlite"
        urls = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{template}"}
        _migrate(urls)
        yield SimpleNamespace(backend="sqlite", urls=urls, template=template)


def _test_config(urls: dict, files) -> dict:
    return {
        **urls,
        "TESTING": True,
        "PASSWORD_HASH_FAST": True,
        "REDIS_URL": REDIS_URL,
        "RQ_QUEUE": f"rp-test-{os.getpid()}",
        "JOBS_INLINE": REDIS_URL is None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "EXPORT_DIR": str(files / "exports"),
        "FILE_DIR": str(files / "files"),
    }


@pytest.fixture
def app(database, tmp_path):
    urls = dict(database.urls)
    if database.template is not None:
        copy = tmp_path / "test.sqlite"
        shutil.copy(database.template, copy)
        urls["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{copy}"
    app = create_app(_test_config(urls, tmp_path))
    yield app
    if REDIS_URL:
        from redis import Redis
        from rq import Queue

        with Redis.from_url(REDIS_URL) as connection:  # not app.config: a test may have changed it
            Queue(app.config["RQ_QUEUE"], connection=connection).empty()  # jobs queued but never run
    with app.app_context():
        db.session.remove()
        if database.backend == "postgresql":
            _truncate(database.urls["MIGRATE_DATABASE_URL"])
        db.engine.dispose()


_owner_engines: dict[str, object] = {}


def _truncate(owner_url: str) -> None:
    """Empty the tables a test wrote to and restart every sequence.

    Truncating all eighty tables after every test cost most of the run's time;
    finding the few with rows is one cheap query (as the owner: no RLS).
    """
    engine = _owner_engines.get(owner_url) or _owner_engines.setdefault(owner_url, create_engine(owner_url))
    tables = [t.name for t in db.metadata.sorted_tables]
    probe = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})" for t in tables)
    with engine.begin() as conn:
        used = conn.execute(text(probe)).scalars().all()
        if used:
            conn.execute(text(f"TRUNCATE {', '.join(used)} CASCADE"))
        conn.execute(text("SELECT setval(c.oid::regclass, 1, false) FROM pg_class c WHERE c.relkind = 'S'"))


DEMO_TODAY = dt.date(2026, 11, 1)


def _pg_database(template: str | None = None) -> str:
    name = f"rp_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(SERVER_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()
    return name


def _pg_drop(name: str) -> None:
    admin = create_engine(make_url(SERVER_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _pg_urls(name: str) -> dict:
    owner = make_url(SERVER_URL).set(database=name)
    return {"SQLALCHEMY_DATABASE_URI": owner.set(username="red_property_app", password=None)
            .render_as_string(hide_password=False), "MIGRATE_DATABASE_URL": owner.render_as_string(hide_password=False)}


@pytest.fixture(scope="session")
def demo_database(database, tmp_path_factory):
    """The demo city (as of ``DEMO_TODAY``), built once for the whole run; tests get copies."""
    from red_property.demo.city import build_demo_city

    files = tmp_path_factory.mktemp("demo")
    if database.backend == "postgresql":
        name = _pg_database(template=None)
        urls = _pg_urls(name)
        _migrate(urls)
    else:
        copy = files / "demo.sqlite"
        shutil.copy(database.template, copy)
        urls = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}"}
    app = create_app({**_test_config(urls, files), "JOBS_INLINE": True})
    with app.app_context():
        build_demo_city(db.session, Path(__file__).resolve().parent.parent / "tenants", today=DEMO_TODAY)
        db.session.remove()
        db.engine.dispose()
    yield SimpleNamespace(urls=urls, files=files, name=name if database.backend == "postgresql" else None)
    if database.backend == "postgresql":
        _pg_drop(name)


@pytest.fixture
def demo_app(demo_database, tmp_path):
    """An app on a private copy of the demo city (files are shared with the build: read them, do not delete)."""
    if demo_database.name:
        copy = _pg_database(template=demo_database.name)
        urls = _pg_urls(copy)
    else:
        target = tmp_path / "demo.sqlite"
        shutil.copy(demo_database.urls["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"), target)
        urls = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}"}
    app = create_app({**_test_config(urls, demo_database.files), "JOBS_INLINE": True})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if demo_database.name:
        _pg_drop(copy)


@pytest.fixture
def world(app):
    """Two companies (A, B), a bureau, a committee, their communities and users."""
    with app.app_context():
        return make_world(db.session)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def api(client):
    """``api.token(email)`` and ``api.get(path, token)`` etc. for the JSON API."""

    class Api:
        def token(self, email, password="correct horse battery"):
            response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
            assert response.status_code == 201, response.get_json()
            return response.get_json()["token"]

        def call(self, method, path, token, **kwargs):
            headers = kwargs.pop("headers", {})
            headers["Authorization"] = f"Bearer {token}"
            return client.open(path, method=method, headers=headers, **kwargs)

        def get(self, path, token, **kwargs):
            return self.call("GET", path, token, **kwargs)

        def post(self, path, token, **kwargs):
            return self.call("POST", path, token, **kwargs)

    return Api()


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


@pytest.fixture
def web(client):
    """Log in through the real login form (CSRF and all)."""

    class Web:
        def login(self, email, password="correct horse battery"):
            token = csrf_token(client.get("/login").get_data(as_text=True))
            return client.post("/login", data={"email": email, "password": password, "csrf_token": token})

        def post_form(self, path, data=None):
            page = client.get(self.referer or path)
            token = csrf_token(page.get_data(as_text=True))
            return client.post(path, data={**(data or {}), "csrf_token": token})

        referer = None

    return Web()


@pytest.fixture
def count_queries(app):
    """``with count_queries() as q: ...`` then ``q.count``: statements sent to the database."""
    from contextlib import contextmanager

    @contextmanager
    def counter():
        box = SimpleNamespace(count=0, statements=[])

        def before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SELECT SET_CONFIG", "SET ")):
                box.count += 1
                box.statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield box
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counter


def run_worker(app) -> None:
    """Process queued jobs with a real RQ worker (no-op when jobs run inline)."""
    if not app.config.get("REDIS_URL"):
        return
    from rq import SimpleWorker

    from red_property.core.jobs import get_queue

    with app.app_context():
        queue = get_queue(app)
        SimpleWorker([queue], connection=queue.connection).work(burst=True)


@pytest.fixture
def smtp_server():
    """A local SMTP server (aiosmtpd) that keeps what it receives: (controller, handler with .messages)."""
    from aiosmtpd.controller import Controller

    from tests.outage import free_port

    class Keep:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            self.messages.append(envelope)
            return "250 OK"

    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def job_progress(monkeypatch) -> list[tuple]:
    """Every progress a job reports, as (percent, message, whether its own transaction was open)."""
    from red_property.core.jobs import JobContext

    seen: list[tuple] = []
    written = JobContext.progress

    def spy(self, percent, message=None):
        seen.append((percent, message, self.session.in_transaction()))
        written(self, percent, message)

    monkeypatch.setattr(JobContext, "progress", spy)
    return seen
