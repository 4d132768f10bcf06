"""PostgreSQL down or frozen (issue 12, item 14): a 503 with a plain message and ``Retry-After``, never a 500,
and ``/healthz`` answers within its own timeout.  The cluster is the test's own (tests/outage.py)."""
from __future__ import annotations

import gc
import threading
import time
import warnings
from types import SimpleNamespace

import pytest
from flask import request
from sqlalchemy import text

from red_property import create_app
from red_property.extensions import db
from tests.conftest import _test_config, csrf_token
from tests.factories import make_world
from tests.outage import own_postgres  # noqa: F401 - a fixture

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def pg(own_postgres, tmp_path_factory):  # noqa: F811
    cluster, urls = own_postgres
    config = {**_test_config(urls, tmp_path_factory.mktemp("files")), "REDIS_URL": None, "JOBS_INLINE": True,
              "PROPAGATE_EXCEPTIONS": False,  # as served: errors reach the handlers, not the test
              "HEALTH_DATABASE_TIMEOUT": 1.0}
    app = create_app(config)
    with app.app_context():
        make_world(db.session)
        db.session.remove()
    yield SimpleNamespace(app=app, cluster=cluster, config=config)
    with app.app_context():
        db.engine.dispose()
    with warnings.catch_warnings():
        # connections that checks of the frozen database held while their pool was disposed: collected
        # here, not later in some other test that the ResourceWarning would fail
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture
def down(pg):
    """Stop the cluster for the test; it is up again afterwards, whatever happened."""
    yield pg.cluster.stop
    if not _port_open(pg.cluster.port):
        pg.cluster.start()


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _login(client) -> None:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": "a-staff@test.cn", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302


def test_database_down_is_a_503_with_retry_after_in_json_and_html(pg, down):
    api, web = pg.app.test_client(), pg.app.test_client()
    token = api.post("/api/v1/auth/token", json={"email": "a-staff@test.cn", "password": PASSWORD}).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    _login(web)
    assert api.get("/api/v1/jobs/999999", headers=bearer).status_code == 404
    down()
    answers = {"api": api.get("/api/v1/jobs/999999", headers=bearer),
               "api login": api.post("/api/v1/auth/token", json={"email": "a-staff@test.cn", "password": PASSWORD}),
               "page": web.get("/company-a/"),
               "public page": web.get("/public/communities/1")}
    for what, response in answers.items():
        assert response.status_code == 503, (what, response.status_code)
        assert response.headers["Retry-After"] == "10", what
    assert "服务暂时不可用" in answers["api"].get_json()["message"]
    page = answers["page"].get_data(as_text=True)
    assert answers["page"].mimetype == "text/html" and "服务暂时不可用" in page and "Traceback" not in page
    pg.cluster.start()
    assert api.get("/api/v1/jobs/999999", headers=bearer).status_code == 404  # back by itself (pool_pre_ping)


def test_a_database_lost_after_the_view_gives_no_500(pg, down):
    """The session's cleanup after the request (its rollback) and after-request work meet a dead connection:
    the first must not turn a finished answer into the server's HTML 500, the second is a 503."""
    app = create_app(pg.config)

    @app.route("/probe/cleanup")
    def cleanup():
        db.session.execute(text("SELECT 1"))  # a transaction open on a connection the database then drops
        down()
        return "answered"

    @app.route("/probe/after")
    def after():
        return "answered"

    @app.after_request
    def touch_database(response):
        if request.path == "/probe/after":
            down()
            db.session.execute(text("SELECT 1"))
        return response

    client = app.test_client()
    response = client.get("/probe/cleanup")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "answered")
    pg.cluster.start()
    response = client.get("/probe/after")
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"
    with app.app_context():
        db.engine.dispose()


def _in_thread(fn, seconds: float):
    box = {}
    worker = threading.Thread(target=lambda: box.update(result=fn()), daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(seconds)
    return box.get("result"), time.monotonic() - started


def test_healthz_and_requests_answer_in_their_own_time_when_the_database_hangs(pg):
    client = pg.app.test_client()
    assert client.get("/healthz").status_code == 200  # its connection waits in the pool for the next check
    pg.cluster.freeze()
    try:
        response, took = _in_thread(lambda: client.get("/healthz"), 10)
        assert response is not None, "healthz hung with the database"
        assert response.status_code == 503 and took < 5
        assert response.get_json()["database"] == {"ok": False, "backend": "postgresql", "error": "timeout"}
        again, took = _in_thread(lambda: client.get("/healthz"), 10)  # the first check still waits: no second
        assert again is not None and again.status_code == 503 and took < 2
        with pg.app.app_context():
            db.engine.dispose()  # the request below opens a new connection (DB_CONNECT_TIMEOUT, 5 s)
        page, took = _in_thread(lambda: client.get("/public/communities/1"), 15)
        assert page is not None, "a request hung with the database"
        assert page.status_code == 503 and page.headers["Retry-After"] == "10"
    finally:
        pg.cluster.thaw()
    deadline = time.monotonic() + 10
    while client.get("/healthz").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert client.get("/healthz").get_json()["database"]["ok"] is True
