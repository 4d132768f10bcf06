"""A job's page: a download button only for a job that wrote a file, links to what the job made, and no error
page of mixed languages for a download that is not there (issue 13)."""
from sqlalchemy import select

from red_property.core.jobs import DONE, FAILED, RUNNING, JobRecord
from red_property.core.tenancy import tenant_scope
from red_property.core.views import JOB_NAMES
from red_property.extensions import db
from red_property.fees.models import BillingRun
from red_property.rating.models import RatingRun
from tests.conftest import csrf_token, run_worker
from tests.factories_fees import billed
from tests.factories_rating import AS_OF, rating_inputs

# What each kind of job returns when it is done (as its function writes it); None for the two that write a
# file (the register export, the arrears notices).
RESULTS = {"communities.export_register": None, "communities.import_households": {"rows": 2, "created": 2},
           "fees.bill_run": {"bills": 3}, "fees.render_invoices": {"rendered_here": 0},
           "rating.execute_run": {"companies": 2, "digest": "x"}, "demands.flag_overdue": {"flagged": 0},
           "onboarding.import_register": {"rows": 1, "created": 1}, "onboarding.import_directory": {"rows": 1, "created": 1},
           "onboarding.import_contracts": {"rows": 1, "created": 1},
           "notifications.send_mail": {"sent": 0, "failed": 0}, "notifications.statement_due": {"notified": 0},
           "fees.arrears_notices": None}


def _record(app, tenant, **values) -> int:
    with app.app_context(), tenant_scope(db.session, tenant) as s:
        record = JobRecord(**values)
        s.add(record)
        s.commit()
        return record.id


def test_every_kind_of_job_is_listed_here():
    assert set(RESULTS) == set(JOB_NAMES)


def test_a_job_without_a_file_has_no_download_button_and_its_download_url_goes_back(app, client, web, world):
    web.login("a-admin@test.cn")
    for name in sorted(n for n, result in RESULTS.items() if result is not None):
        for status in (DONE, RUNNING, FAILED):
            job_id = _record(app, world.a, name=name, params={}, status=status, progress=40,
                             result=RESULTS[name] if status == DONE else None)
            page = client.get(f"/company-a/jobs/{job_id}").get_data(as_text=True)
            assert "下载结果" not in page and "/download" not in page, (name, status)
            response = client.get(f"/company-a/jobs/{job_id}/download")
            assert response.status_code == 303 and response.headers["Location"].endswith(f"/company-a/jobs/{job_id}")
            shown = client.get(response.headers["Location"]).get_data(as_text=True)
            assert ("这个任务没有可下载的文件" if status != RUNNING else "任务尚未完成，完成后才能下载结果") in shown
            assert "Conflict" not in shown and "409" not in shown


def test_an_export_has_its_download_button_once_done(app, client, web, world):
    web.login("a-staff@test.cn")
    web.referer = "/company-a/"
    started = web.post_form("/company-a/jobs/export-register")
    run_worker(app)
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "下载结果" in page
    with client.get(started.headers["Location"] + "/download") as download:
        assert download.status_code == 200 and "甲一小区" in download.get_data().decode("utf-8-sig")


def test_a_rating_job_links_to_its_run(app, client, web, world):
    with app.app_context():
        rating_inputs(world)
    web.login("bureau-admin@test.cn")
    token = csrf_token(client.get("/bureau/rating").get_data(as_text=True))
    client.post("/bureau/rating", data={"period": "2026", "as_of": AS_OF.isoformat(), "csrf_token": token})
    run_worker(app)
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        run = s.scalars(select(RatingRun)).one()
        run_id, job_id = run.id, run.job_id
    page = client.get(f"/bureau/jobs/{job_id}").get_data(as_text=True)
    assert f'href="/bureau/rating/runs/{run_id}"' in page and "下载结果" not in page
    client.post(f"/bureau/rating/runs/{run_id}/discard", data={"csrf_token": token, "confirm": "yes"})
    assert f'href="/bureau/rating/runs/{run_id}"' not in client.get(f"/bureau/jobs/{job_id}").get_data(as_text=True)


def test_a_billing_job_links_to_its_bills_and_its_run_page_follows_it(app, client, web, world):
    with app.app_context(), tenant_scope(db.session, world.a, world.users["a"][next(iter(world.users["a"]))]) as s:
        run = billed(s, world.community_a)
        run_id, job_id = run.id, run.job_id
    run_worker(app)
    web.login("a-admin@test.cn")
    page = client.get(f"/company-a/jobs/{job_id}").get_data(as_text=True)
    assert f"/company-a/fees/bills?community_id={world.community_a}&amp;period=2026-Q1" in page
    assert f'href="/company-a/fees/runs/{run_id}"' in page and "下载结果" not in page
    assert "data-status-url" not in client.get(f"/company-a/fees/runs/{run_id}").get_data(as_text=True)  # finished
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        s.get(BillingRun, run_id).finished_at = None
        s.get(JobRecord, job_id).status = RUNNING
        s.commit()
    following = client.get(f"/company-a/fees/runs/{run_id}").get_data(as_text=True)
    assert f'data-status-url="/company-a/jobs/{job_id}.json"' in following and "js/job.js" in following


def test_an_import_links_to_the_list_it_filled_only_when_it_wrote_it(app, client, web, world):
    done = _record(app, world.bureau, name="onboarding.import_directory", params={}, status=DONE, progress=100,
                   result={"rows": 1, "created": 1})
    refused = _record(app, world.bureau, name="onboarding.import_directory", params={}, status=DONE, progress=100,
                      result={"errors": [{"row": 2, "column": "企业名称", "message": "必填"}], "error_count": 1})
    web.login("bureau-admin@test.cn")
    assert 'href="/bureau/companies"' in client.get(f"/bureau/jobs/{done}").get_data(as_text=True)
    page = client.get(f"/bureau/jobs/{refused}").get_data(as_text=True)
    assert "未导入任何数据" in page and "查看：" not in page
