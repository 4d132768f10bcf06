"""A city from an empty bureau: the fixtures' register, directory and contracts through the import jobs."""
from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from red_property.communities.models import Community, ManagementContract
from red_property.core.audit import AuditEntry
from red_property.core.tenancy import tenant_scope
from red_property.demo.sheets import credit_code
from red_property.extensions import db
from red_property.onboarding.models import Company
from red_property.tenants.models import Tenant, TenantKind
from tests.conftest import csrf_token, run_worker
from tests.factories import make_tenant, make_users

CITY = Path(__file__).parent / "data" / "city"
URLS = {"register": "/api/v1/register/communities/import", "directory": "/api/v1/companies/import",
        "contracts": "/api/v1/register/contracts/import"}


def empty_bureau(app) -> int:
    with app.app_context():
        bureau = make_tenant(db.session, TenantKind.BUREAU, "jincheng", "锦城市住建局")
        make_users(db.session, bureau, "jc")
        return bureau


def upload(api, token, what: str, data: bytes | None = None):
    data = (CITY / f"{what}.csv").read_bytes() if data is None else data
    return api.post(URLS[what], token, data={"file": (io.BytesIO(data), f"{what}.csv")},
                    content_type="multipart/form-data")


def finished(app, api, token, started) -> dict:
    assert started.status_code == 202, started.get_json()
    run_worker(app)
    job = api.get(f"/api/v1/jobs/{started.get_json()['id']}", token).get_json()
    assert job["status"] == "done" and job["progress"] == 100, job
    return job["result"]


def test_the_city_fixtures_import_into_an_empty_bureau(app, api):
    bureau = empty_bureau(app)
    token = api.token("jc-admin@test.cn")
    early = upload(api, token, "contracts")  # before the register and the directory: every row is refused
    assert early.status_code == 422
    assert {e["column"] for e in early.get_json()["errors"]["rows"]} == {"小区名称", "统一社会信用代码"}
    assert finished(app, api, token, upload(api, token, "register")) == {"rows": 513, "created": 513}
    assert finished(app, api, token, upload(api, token, "directory")) == {
        "rows": 249, "created": 249, "updated": 0, "unchanged": 0}
    assert finished(app, api, token, upload(api, token, "contracts")) == {
        "rows": 513, "created": 513, "tenants_opened": 249}
    with app.app_context(), tenant_scope(db.session, bureau) as s:
        assert s.scalar(select(func.count(Community.id))) == 513
        assert s.scalar(select(func.count(Company.id)).where(Company.company_tenant_id.is_not(None))) == 249
        assert s.scalar(select(func.count(ManagementContract.id))) == 513
        audited = dict(s.execute(select(AuditEntry.entity, func.count()).where(AuditEntry.tenant_id == bureau)
                                 .group_by(AuditEntry.entity)).all())
        assert audited["community"] == 513 and audited["company"] == 249 and audited["management_contract"] == 513
        assert audited["tenant"] == 249  # each tenant opened by the import
        first = s.scalar(select(Company.company_tenant_id).where(Company.credit_code == credit_code(0)))
    with app.app_context():
        tenant = db.session.get(Tenant, first)
        assert (tenant.kind, tenant.slug) == (TenantKind.COMPANY, f"co-{credit_code(0).lower()}")
    with app.app_context(), tenant_scope(db.session, first) as s:
        # community n is managed by company n % 249: the first company sees exactly communities 0, 249 and 498
        assert s.scalar(select(func.count(Community.id))) == 3
    again = upload(api, token, "contracts")  # the same sheet twice: every row overlaps its own contract
    assert again.status_code == 422 and len(again.get_json()["errors"]["rows"]) == 513
    assert finished(app, api, token, upload(api, token, "directory"))["unchanged"] == 249


def test_a_sheet_that_went_bad_meanwhile_is_reported_on_the_job_page(app, client, web, api):
    """The job checks again: rows that became duplicates after the upload are listed on its page, nothing written."""
    from red_property.core.exports import tenant_dir
    from red_property.core.jobs import enqueue

    bureau = empty_bureau(app)
    token = api.token("jc-admin@test.cn")
    finished(app, api, token, upload(api, token, "register"))
    with app.app_context(), tenant_scope(db.session, bureau) as s:
        folder = tenant_dir(bureau) / "imports"
        (folder / "late.upload").write_bytes((CITY / "register.csv").read_bytes())
        job_id = enqueue(s, "onboarding.import_register", stored="late.upload", filename="register.csv").id
    run_worker(app)
    web.login("jc-admin@test.cn")  # an admin sees every job of the tenant
    page = client.get(f"/jincheng/jobs/{job_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="import-rejected"' in text
    assert text.count("同名同地址") == 200 and "513" in text  # the first 200 rows, and how many there were
    with app.app_context(), tenant_scope(db.session, bureau) as s:
        assert s.scalar(select(func.count(Community.id))) == 513


def test_the_import_pages_go_through_jobs_and_the_opened_tenants_get_their_first_admin(app, client, web):
    bureau = empty_bureau(app)
    web.login("jc-admin@test.cn")
    for page, url, what in (("/jincheng/register/new", "/jincheng/register/import", "register"),
                            ("/jincheng/companies", "/jincheng/companies/import", "directory"),
                            ("/jincheng/register/contracts/import", "/jincheng/register/contracts/import",
                             "contracts")):
        token = csrf_token(client.get(page).get_data(as_text=True))
        data = (CITY / f"{what}.csv").read_bytes()
        started = client.post(url, data={"file": (io.BytesIO(data), f"{what}.csv"), "csrf_token": token},
                              content_type="multipart/form-data")
        assert started.status_code == 302 and "/jincheng/jobs/" in started.headers["Location"], what
        run_worker(app)
        done = client.get(started.headers["Location"]).get_data(as_text=True)
        # done, no file to download (issue 13: no button where there is nothing), a link to the list it filled
        assert 'data-testid="import-done"' in done and "job-download" not in done and 'class="job-links"' in done, what
    with app.app_context(), tenant_scope(db.session, bureau) as s:
        first = s.scalar(select(Company.id).where(Company.credit_code == credit_code(0)))
    entry = client.get(f"/jincheng/companies/{first}").get_data(as_text=True)
    assert 'data-testid="company-tenant"' in entry and "邀请首位管理员" in entry  # opened, nobody to log in yet
    token = csrf_token(entry)
    letter = client.post(f"/jincheng/companies/{first}/tenant",
                         data={"admin_email": "boss@co0.cn", "admin_name": "曹雪超", "csrf_token": token})
    assert letter.status_code == 200 and "/invitation/rpi_" in letter.get_data(as_text=True)
    assert "邀请首位管理员" not in client.get(f"/jincheng/companies/{first}").get_data(as_text=True)
    twice = client.post(f"/jincheng/companies/{first}/tenant",
                        data={"admin_email": "other@co0.cn", "admin_name": "王", "csrf_token": token})
    assert twice.status_code == 422
    bad = b"\xe7\xbb\x9f\xe4\xb8\x80\xe7\xa4\xbe\xe4\xbc\x9a\xe4\xbf\xa1\xe7\x94\xa8\xe4\xbb\xa3\xe7\xa0\x81\n"
    token = csrf_token(client.get("/jincheng/companies").get_data(as_text=True))
    refused = client.post("/jincheng/companies/import", data={"file": (io.BytesIO(bad), "d.csv"), "csrf_token": token},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "企业名称" in refused.get_data(as_text=True)  # a missing column
