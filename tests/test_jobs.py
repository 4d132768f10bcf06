"""Background jobs: progress visible to the user who started them, files per tenant."""
import csv
import datetime as dt
import io

import pytest

from red_property.core import clock
from red_property.core.jobs import JobRecord
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from tests.conftest import run_worker


def test_export_job_runs_and_only_its_starter_sees_it(app, api, world):
    token = api.token("a-staff@test.cn")
    started = api.post("/api/v1/jobs/exports/community-register", token)
    assert started.status_code == 202
    job_id = started.get_json()["id"]
    run_worker(app)
    job = api.get(f"/api/v1/jobs/{job_id}", token).get_json()
    assert (job["status"], job["progress"], job["result"]["rows"]) == ("done", 100, 3)

    download = api.get(f"/api/v1/jobs/{job_id}/download", token)
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    download.close()
    assert rows[0][1] == "小区"
    assert {r[1] for r in rows[1:]} == {"甲一小区", "甲二小区", "易主小区"}

    admin = api.token("a-admin@test.cn")
    assert api.get(f"/api/v1/jobs/{job_id}", admin).status_code == 200  # tenant admin
    viewer = api.token("a-readonly@test.cn")
    assert api.get(f"/api/v1/jobs/{job_id}", viewer).status_code == 404  # someone else's job
    other = api.token("b-admin@test.cn")
    assert api.get(f"/api/v1/jobs/{job_id}", other).status_code == 404
    assert api.get(f"/api/v1/jobs/{job_id}/download", other).status_code == 404


def test_job_page_shows_progress_in_the_ui(app, client, web, world):
    web.login("a-staff@test.cn")
    web.referer = "/company-a/"
    response = web.post_form("/company-a/jobs/export-register")
    assert response.status_code == 302
    run_worker(app)
    page = client.get(response.headers["Location"])
    assert "<progress" in page.get_data(as_text=True)
    status = client.get(response.headers["Location"] + ".json").get_json()
    assert status["status"] == "done" and status["progress"] == 100


def test_a_finished_job_is_not_run_again(app, world):
    from red_property.core.jobs import enqueue, run_job

    with app.app_context(), tenant_scope(db.session, world.a) as s:
        job = enqueue(s, "communities.export_register")
        job_id = job.id
    run_worker(app)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        finished = s.get(JobRecord, job_id).finished_at
    run_job(world.a, job_id, app=app)  # a redelivery
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert s.get(JobRecord, job_id).finished_at == finished


def test_a_job_cannot_be_run_for_another_tenant(app, world):
    from red_property.core.jobs import enqueue, run_job

    with app.app_context(), tenant_scope(db.session, world.a) as s:
        job_id = enqueue(s, "communities.export_register").id
    run_job(world.b, job_id, app=app)  # forged tenant: the record is invisible, nothing runs
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        assert s.get(JobRecord, job_id) is None


def test_a_job_the_queue_lost_is_shown_failed_after_a_minute(app, api, world):
    """Redis here keeps nothing on disk: after a restart the queued job is gone and no worker will
    ever run it.  Its page says so once the record is older than a minute, not before."""
    if not app.config["REDIS_URL"]:
        pytest.skip("needs Redis: the queue is what loses the job")
    from rq.job import Job

    from red_property.core.jobs import get_queue, rq_job_id

    token = api.token("a-staff@test.cn")
    job_id = api.post("/api/v1/jobs/exports/community-register", token).get_json()["id"]
    with app.app_context():
        Job.fetch(rq_job_id(job_id, app), connection=get_queue(app).connection).delete()
    assert api.get(f"/api/v1/jobs/{job_id}", token).get_json()["status"] == "queued"  # just enqueued: wait
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        s.get(JobRecord, job_id).created_at = clock.now() - dt.timedelta(minutes=2)
        s.commit()
    job = api.get(f"/api/v1/jobs/{job_id}", token).get_json()
    assert (job["status"], job["message"]) == ("failed", "任务已从队列中丢失，请重新运行")


def test_without_redis_a_job_no_thread_runs_is_shown_failed_after_a_minute(app, api, world):
    """The demo runs jobs in threads of its own process: a restart ends them, and nothing else will."""
    app.config.update(JOBS_INLINE=False, REDIS_URL=None)
    user = world.users["a"][next(iter(world.users["a"]))]
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        stale = JobRecord(name="communities.export_register", status="running", created_by=user,
                          created_at=clock.now() - dt.timedelta(minutes=2))
        fresh = JobRecord(name="communities.export_register", status="queued", created_by=user)
        s.add_all([stale, fresh])
        s.commit()
        stale_id, fresh_id = stale.id, fresh.id
    token = api.token("a-admin@test.cn")
    job = api.get(f"/api/v1/jobs/{stale_id}", token).get_json()
    assert (job["status"], job["message"]) == ("failed", "任务随服务重启而中断，请重新运行")
    assert api.get(f"/api/v1/jobs/{fresh_id}", token).get_json()["status"] == "queued"
