"""The bureau's community register: add, correct with history, retire, filter, import through a job."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from red_property.communities.models import Community
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from tests.conftest import csrf_token, run_worker

HEADER = ["小区名称", "地址", "区", "街道", "社区", "户数", "建筑面积", "建成年份"]


def entry(**changes) -> dict:
    return {"name": "新登记小区", "address": "锦城市新华路 1 号", "district": "青羊区", "street": "府南街道",
            "neighbourhood": "新华社区", "household_count": 300, "floor_area": "25000.50", "year_built": 2005,
            **changes}


def count(app, world) -> int:
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        return s.scalar(select(func.count(Community.id)))


def test_the_bureau_adds_corrects_and_retires_a_community(app, api, world):
    bureau = api.token("bureau-admin@test.cn")
    made = api.post("/api/v1/register/communities", bureau, json=entry())
    assert made.status_code == 201, made.get_json()
    cid = made.get_json()["id"]
    duplicate = api.post("/api/v1/register/communities", bureau, json=entry(household_count=1))
    assert duplicate.status_code == 422 and "name" in duplicate.get_json()["errors"]["json"]
    for field, value in (("household_count", -1), ("year_built", 1700), ("floor_area", "1.234"), ("street", "")):
        response = api.post("/api/v1/register/communities", bureau, json=entry(name=f"x{field}", **{field: value}))
        assert response.status_code == 422 and field in response.get_json()["errors"]["json"], field
    fixed = api.call("PUT", f"/api/v1/register/communities/{cid}", bureau, json=entry(household_count=320))
    assert fixed.status_code == 200 and fixed.get_json()["household_count"] == 320
    retired = api.post(f"/api/v1/register/communities/{cid}/retire", bureau, json={})
    assert retired.status_code == 200 and retired.get_json()["retired_on"]
    again = api.post(f"/api/v1/register/communities/{cid}/retire", bureau, json={})
    assert again.status_code == 422 and "retired_on" in again.get_json()["errors"]["json"]
    managed = api.post(f"/api/v1/register/communities/{world.community_a}/retire", bureau, json={})
    assert managed.status_code == 422 and "请先结束合同" in managed.get_json()["errors"]["json"]["retired_on"][0]
    future = api.post(f"/api/v1/register/communities/{world.community_none}/retire", bureau,
                      json={"retired_on": "2999-01-01"})
    assert future.status_code == 422


def test_companies_and_committees_cannot_write_the_register(api, world):
    company = api.token("a-admin@test.cn")
    assert api.post("/api/v1/register/communities", company, json=entry()).status_code == 404
    assert api.call("PUT", f"/api/v1/register/communities/{world.community_a}", company,
                    json=entry()).status_code == 404
    committee = api.token("committee-admin@test.cn")
    assert api.post(f"/api/v1/register/communities/{world.community_x}/retire", committee, json={}).status_code == 404


def test_the_list_filters_by_district_street_and_managing_company(api, world):
    bureau = api.token("bureau-admin@test.cn")
    api.post("/api/v1/register/communities", bureau, json=entry())
    names = lambda query: {c["name"] for c in api.get(f"/api/v1/communities?{query}", bureau).get_json()["items"]}  # noqa: E731
    assert names("district=青羊区") == {"新登记小区"}
    assert names("street=府南街道") == {"新登记小区"}
    assert names(f"company_id={world.a}") == {"甲一小区", "甲二小区"}  # 易主小区 went to B in 2025
    assert names(f"company_id={world.b}") == {"乙一小区", "丙小区", "易主小区"}
    assert names("q=新华路") == {"新登记小区"}  # the address is searched too
    company = api.token("a-admin@test.cn")
    assert {c["name"] for c in api.get(f"/api/v1/communities?company_id={world.b}", company).get_json()["items"]} \
        == {"易主小区"} - {"易主小区"}  # company A never sees B's current communities through the filter


def sheet(rows, fmt="csv") -> tuple[io.BytesIO, str]:
    if fmt == "xlsx":
        workbook = Workbook()
        workbook.active.append(HEADER)
        for row in rows:
            workbook.active.append(row)
        data = io.BytesIO()
        workbook.save(data)
        return io.BytesIO(data.getvalue()), "register.xlsx"
    text = "\n".join(",".join(map(str, r)) for r in [HEADER, *rows]) + "\n"
    return io.BytesIO(text.encode("utf-8")), "register.csv"


def rows(n: int) -> list[list]:
    return [[f"导入小区{i}", f"锦城市导入路 {i} 号", "武侯区", f"第{i % 7}街道", "导入社区", 100 + i, "9000.00", 2000]
            for i in range(1, n + 1)]


def test_a_register_sheet_is_checked_then_written_by_a_job(app, api, world):
    bureau = api.token("bureau-admin@test.cn")
    before = count(app, world)
    bad = rows(20) + [["导入小区1", "锦城市导入路 1 号", "武侯区", "街", "社区", "", "", ""],   # the same as row 2
                      ["甲一小区", "锦城市测试路4号", "锦江区", "街", "社区", "", "", ""],      # already registered
                      ["坏行", "地址", "区", "街", "社区", "很多", "-1", "1066"]]
    data, name = sheet(bad, "xlsx")
    refused = api.post("/api/v1/register/communities/import", bureau, data={"file": (data, name)},
                       content_type="multipart/form-data")
    assert refused.status_code == 422
    where = {(e["row"], e["column"]) for e in refused.get_json()["errors"]["rows"]}
    assert {(22, "小区名称"), (23, "小区名称"), (24, "户数"), (24, "建筑面积"), (24, "建成年份")} <= where
    assert count(app, world) == before
    data, name = sheet(rows(1200))
    started = api.post("/api/v1/register/communities/import", bureau, data={"file": (data, name)},
                       content_type="multipart/form-data")
    assert started.status_code == 202
    run_worker(app)
    job = api.get(f"/api/v1/jobs/{started.get_json()['id']}", bureau).get_json()
    assert job["status"] == "done" and job["progress"] == 100 and job["result"]["created"] == 1200
    assert count(app, world) == before + 1200


def test_a_job_that_finds_the_sheet_registered_meanwhile_writes_nothing(app, world):
    """Two uploads of one sheet both pass the check; the later job finds duplicates and says which."""
    from red_property.core.jobs import JobContext
    from red_property.core.exports import tenant_dir
    from red_property.onboarding.register import create_community, import_register_job

    data, name = sheet(rows(2))
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        folder = tenant_dir(world.bureau) / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "x.upload").write_bytes(data.getvalue())
        create_community(s, {"name": "导入小区2", "address": "锦城市导入路 2 号", "district": "武侯区",
                             "street": "街", "neighbourhood": "社区"})
        result = import_register_job(JobContext(job_id=0, tenant_id=world.bureau, actor_id=None, session=s),
                                     stored="x.upload", filename=name)
        assert result["created"] == 0 and result["errors"][0]["row"] == 3
        assert s.scalar(select(func.count(Community.id)).where(Community.name == "导入小区1")) == 0


def test_the_register_pages_as_the_bureau_uses_them(app, client, web, world):
    web.login("bureau-admin@test.cn")
    listing = client.get("/bureau/communities?district=锦江区&company=%d" % world.a)
    text = listing.get_data(as_text=True)
    assert listing.status_code == 200 and "甲一小区" in text and "乙一小区" not in text
    page = client.get("/bureau/register/new")
    token = csrf_token(page.get_data(as_text=True))
    bad = client.post("/bureau/register/new", data={**entry(household_count="三百"), "csrf_token": token})
    assert bad.status_code == 422 and 'data-field="household_count"' in bad.get_data(as_text=True)
    empty = client.post("/bureau/register/new", data={"csrf_token": token})
    assert empty.status_code == 400 and 'data-field="address"' in empty.get_data(as_text=True)
    made = client.post("/bureau/register/new", data={**entry(), "csrf_token": token})
    assert made.status_code == 302
    edit = made.headers["Location"]
    assert client.post(edit, data={**entry(street="金沙街道"), "csrf_token": token}).status_code == 302
    history = client.get(edit).get_data(as_text=True)
    assert history.count('data-testid="history"') == 2 and "府南街道" in history and "金沙街道" in history
    retired = client.post(f"{edit}/retire", data={"retired_on": "", "csrf_token": token})
    assert retired.status_code == 302 and 'data-testid="retired"' in client.get(edit).get_data(as_text=True)
    data, name = sheet(rows(3))
    job = client.post("/bureau/register/import", data={"file": (data, name), "csrf_token": token},
                      content_type="multipart/form-data")
    assert job.status_code == 302 and "/bureau/jobs/" in job.headers["Location"]
    run_worker(app)
    data, name = sheet(rows(3))  # the same sheet again: every row is now a duplicate
    again = client.post("/bureau/register/import", data={"file": (data, name), "csrf_token": token},
                        content_type="multipart/form-data")
    assert again.status_code == 422 and "同名同地址" in again.get_data(as_text=True)
    busy = client.post(f"/bureau/register/{world.community_a}/retire", data={"csrf_token": token})
    assert busy.status_code == 422 and "请先结束合同" in busy.get_data(as_text=True)


@pytest.mark.parametrize("email, slug", [("a-admin@test.cn", "company-a"), ("committee-admin@test.cn", "committee-x")])
def test_the_register_pages_are_the_bureaus(client, web, world, email, slug):
    web.login(email)
    assert client.get(f"/{slug}/register/new").status_code == 404
    assert client.get(f"/{slug}/register/{world.community_a}").status_code == 404


def test_the_onboarding_pages_speak_english(client, web, world):
    web.login("bureau-admin@test.cn")
    client.get("/lang/en")
    assert "Import the community register" in client.get("/bureau/register/new").get_data(as_text=True)
    assert "Property company directory" in client.get("/bureau/companies").get_data(as_text=True)
    token = csrf_token(client.get("/bureau/users").get_data(as_text=True))
    letter = client.post("/bureau/users", data={"email": "en@test.cn", "name": "Lee", "role": "staff",
                                                "csrf_token": token}).get_data(as_text=True)
    assert "Invitation to red-property" in letter and "shown only once" in letter
