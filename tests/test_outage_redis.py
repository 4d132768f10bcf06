"""Redis down (issue 12, item 15) and a stalled queue (item 18), on a redis-server of the test's own.

Logins and the public demand form keep working, their limits counted in memory; a job the queue cannot
take is a 503 and a failed record, never "queued" for ever; a billing run left without its job is not
shown as issued.  ``/healthz`` says degraded when jobs wait and no worker has taken one for a while.
"""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select

from red_property import create_app
from red_property.core import clock, jobs
from red_property.core.jobs import JobRecord
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.fees.models import BillingRun
from tests.conftest import _test_config, csrf_token
from tests.factories_fees import schedule
from tests.outage import own_redis  # noqa: F401 - a fixture

PASSWORD = "correct horse battery"


@pytest.fixture
def redis_app(app, world, own_redis, tmp_path):  # noqa: F811
    """The test's database, with Redis for jobs, rate limits and the login throttle."""
    urls = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    other = create_app({**_test_config(urls, tmp_path), "REDIS_URL": own_redis.url,
                        "RATELIMIT_STORAGE_URI": own_redis.url, "JOBS_INLINE": False, "RQ_QUEUE": "faults",
                        "FEES_RENDER_HELPERS": 0, "PROPAGATE_EXCEPTIONS": False})
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _web_login(client, email="a-staff@test.cn"):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})


def test_logins_and_the_public_form_keep_working_while_redis_is_down(redis_app, world, own_redis):  # noqa: F811
    client = redis_app.test_client()
    own_redis.stop()
    assert client.post("/api/v1/auth/token", json={"email": "a-staff@test.cn", "password": PASSWORD}).status_code == 201
    assert client.post("/api/v1/auth/token", json={"email": "a-staff@test.cn", "password": "wrong"}).status_code == 401
    assert _web_login(client).status_code == 302
    form = csrf_token(client.get(f"/public/communities/{world.community_x}").get_data(as_text=True))
    sent = client.post(f"/public/communities/{world.community_x}/demands", data={
        "csrf_token": form, "category": "repair", "description": "3 栋 2 单元楼道灯坏了一周了",
        "contact_phone": "13912345678", "contact_name": "张女士"})
    assert sent.status_code == 302
    # The limits still hold, counted in this process's memory (RATELIMIT_LOGIN: 10 a minute).
    codes = [client.post("/api/v1/auth/token", json={"email": "b-staff@test.cn", "password": PASSWORD}).status_code
             for _ in range(10)]
    assert codes[-1] == 429 and 500 not in codes


def test_a_job_redis_does_not_take_is_a_503_and_a_failed_record(redis_app, world, own_redis):  # noqa: F811
    client = redis_app.test_client()
    token = client.post("/api/v1/auth/token", json={"email": "a-staff@test.cn", "password": PASSWORD}
                        ).get_json()["token"]
    own_redis.stop()
    response = client.post("/api/v1/jobs/exports/community-register", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "任务队列暂时不可用" in response.get_json()["message"]
    assert _web_login(client).status_code == 302
    page = client.post("/company-a/jobs/export-register",
                       data={"csrf_token": csrf_token(client.get("/company-a/").get_data(as_text=True))})
    assert page.status_code == 503 and "任务队列暂时不可用" in page.get_data(as_text=True)
    with redis_app.app_context(), tenant_scope(db.session, world.a) as s:
        records = s.scalars(select(JobRecord)).all()
        assert [(r.status, r.message) for r in records] == [("failed", jobs.MESSAGE_QUEUE)] * 2


def test_a_billing_run_left_without_its_job_is_not_shown_issued_and_starts_again(redis_app, world, own_redis):  # noqa: F811,E501
    with redis_app.app_context(), tenant_scope(db.session, world.a) as s:
        schedule(s, world.community_a)
    client = redis_app.test_client()
    assert _web_login(client).status_code == 302
    own_redis.stop()
    page = client.get("/company-a/fees/runs").get_data(as_text=True)
    started = client.post("/company-a/fees/runs", data={"csrf_token": csrf_token(page),
                                                       "community_id": world.community_a, "period": "2026-Q1"})
    assert started.status_code == 503
    runs = client.get("/company-a/fees/runs").get_data(as_text=True)
    assert "未完成，可重新开始" in runs and "已开票</td>" not in runs
    own_redis.start()
    with redis_app.app_context(), tenant_scope(db.session, world.a) as s:
        failed_job = s.scalar(select(BillingRun.job_id))
    again = client.post("/company-a/fees/runs", data={"csrf_token": csrf_token(runs),
                                                     "community_id": world.community_a, "period": "2026-Q1"})
    assert again.status_code == 302
    with redis_app.app_context(), tenant_scope(db.session, world.a) as s:
        run = s.scalars(select(BillingRun)).one()
        assert run.job_id != failed_job and s.get(JobRecord, run.job_id).status == "queued"
    assert "进行中" in client.get("/company-a/fees/runs").get_data(as_text=True)


def test_healthz_says_degraded_when_jobs_wait_and_no_worker_takes_them(redis_app, world):
    from rq import Worker

    client = redis_app.test_client()
    token = client.post("/api/v1/auth/token", json={"email": "a-staff@test.cn", "password": PASSWORD}
                        ).get_json()["token"]
    assert client.post("/api/v1/jobs/exports/community-register",
                       headers={"Authorization": f"Bearer {token}"}).status_code == 202
    state = client.get("/healthz").get_json()["jobs"]
    assert (state["ok"], state["queued"]) == (True, 1)  # just queued: waiting is not stalling
    with redis_app.app_context():
        queue = jobs.get_queue()
        idle = Worker([queue], connection=queue.connection, name="registered-but-idle")
        idle.register_birth()  # a registration is no proof that jobs are taken
    try:
        later = clock.now() + dt.timedelta(minutes=5)
        with time_machine.travel(later, tick=True):
            response = client.get("/healthz")
            assert response.status_code == 503
            state = response.get_json()["jobs"]
            assert (state["ok"], state["error"], state["workers"]) == (False, "stalled", 1)
            assert state["idle_seconds"] >= 299
            jobs._note_taken(redis_app)  # a worker takes a job (run_job notes it)
            state = client.get("/healthz").get_json()["jobs"]
            assert state["ok"] is True and state["queued"] == 1
    finally:
        idle.register_death()
