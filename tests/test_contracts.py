"""Management contracts: record, hand over without overlap, gaps shown, a sheet all or nothing."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from red_property.core.owner import owner_session
from red_property.tenants.changes import set_details
from red_property.communities.models import ContractSelection, ManagementContract
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.onboarding.directory import credit_code_check
from red_property.tenants.models import Tenant
from tests.conftest import csrf_token, run_worker

CODE_A = "9151010000000000" + "1"
CODE_A += credit_code_check(CODE_A)
CODE_B = "9151010000000000" + "2"
CODE_B += credit_code_check(CODE_B)
HEADER = ["小区编号", "小区名称", "地址", "统一社会信用代码", "合同编号", "开始日期", "结束日期", "选聘方式"]


@pytest.fixture
def codes(app, world):
    """Companies A and B with their 统一社会信用代码 (as the directory gives them when it creates the tenant)."""
    with app.app_context(), owner_session() as owner:  # the app role may not change the register
        set_details(owner, owner.get(Tenant, world.a), name="甲物业有限公司", credit_code=CODE_A)
        set_details(owner, owner.get(Tenant, world.b), name="乙物业有限公司", credit_code=CODE_B)
        owner.commit()
    return world


def contract(**changes) -> dict:
    return {"company_credit_code": CODE_A, "contract_no": "WY-2026-001", "starts_on": "2026-01-01",
            "ends_on": None, "selection": "tender", **changes}


def contracts_of(app, world, community_id) -> list[tuple]:
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        return [(c.company_tenant_id, c.starts_on, c.ends_on) for c in s.scalars(
            select(ManagementContract).where(ManagementContract.community_id == community_id)
            .order_by(ManagementContract.starts_on))]


def test_record_refuse_overlap_and_show_the_gap(app, api, codes):
    w = codes
    bureau = api.token("bureau-admin@test.cn")
    url = f"/api/v1/register/communities/{w.community_none}/contracts"
    made = api.post(url, bureau, json=contract(ends_on="2026-06-30"))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["selection"] == "tender" and made.get_json()["company_tenant_id"] == w.a
    overlap = api.post(url, bureau, json=contract(contract_no="WY-2", starts_on="2026-06-01",
                                                   company_credit_code=CODE_B))
    assert overlap.status_code == 422 and "starts_on" in overlap.get_json()["errors"]["json"]
    before = api.post(url, bureau, json=contract(contract_no="WY-0", starts_on="2025-01-01", ends_on="2026-01-01"))
    assert before.status_code == 422 and "ends_on" in before.get_json()["errors"]["json"]
    later = api.post(url, bureau, json=contract(contract_no="WY-3", starts_on="2026-09-01", company_credit_code=CODE_B,
                                                selection="owners_assembly"))
    assert later.status_code == 201
    lines = api.get(url, bureau).get_json()
    assert [(line["gap"], line["starts_on"], line["ends_on"]) for line in lines] == [
        (False, "2026-01-01", "2026-06-30"), (True, "2026-07-01", "2026-08-31"), (False, "2026-09-01", None)]
    assert lines[2]["company_name"] == "乙物业有限公司"


@pytest.mark.parametrize("field, value", [("company_credit_code", "91510100000000001X"),  # wrong check character
                                          ("company_credit_code", CODE_A[:-1] + "0" if CODE_A[-1] != "0" else "1"),
                                          ("starts_on", "2026-13-01"), ("selection", "lottery"),
                                          ("contract_no", ""), ("ends_on", "2025-12-31")])
def test_wrong_input_names_the_field(api, codes, field, value):
    bureau = api.token("bureau-admin@test.cn")
    response = api.post(f"/api/v1/register/communities/{codes.community_none}/contracts", bureau,
                        json=contract(**{field: value}))
    assert response.status_code == 422 and field in response.get_json()["errors"]["json"], response.get_json()


def test_an_unknown_company_is_refused_naming_the_field(api, codes):
    bureau = api.token("bureau-admin@test.cn")
    code = "9151010000000000" + "9"
    response = api.post(f"/api/v1/register/communities/{codes.community_none}/contracts", bureau,
                        json=contract(company_credit_code=code + credit_code_check(code)))
    assert response.status_code == 422 and "company_credit_code" in response.get_json()["errors"]["json"]


def test_a_directory_company_without_an_account_gets_one_with_its_first_contract(app, api, client, codes):
    """The bureau records the city's contracts before every company has someone to log in:
    the account opens with the contract, without users, and the bureau invites its admin later."""
    bureau = api.token("bureau-admin@test.cn")
    code = "9151010000000000" + "8"
    code += credit_code_check(code)
    entry = {"credit_code": code, "name": "第八物业服务有限公司", "legal_representative": "刘", "contact_name": "陈",
             "contact_phone": "13800000008"}
    company_id = api.post("/api/v1/companies", bureau, json=entry).get_json()["id"]
    recorded = api.post(f"/api/v1/register/communities/{codes.community_none}/contracts", bureau,
                        json=contract(company_credit_code=code))
    assert recorded.status_code == 201, recorded.get_json()
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.credit_code == code))
        assert (tenant.kind.value, tenant.name, tenant.slug) == ("company", "第八物业服务有限公司", f"co-{code.lower()}")
        tenant_id = tenant.id
    assert contracts_of(app, codes, codes.community_none)[-1][0] == tenant_id
    listed = api.get(f"/api/v1/companies/{company_id}", bureau).get_json()
    assert listed["company_tenant_id"] == tenant_id
    invited = api.post(f"/api/v1/companies/{company_id}/tenant", bureau,
                       json={"admin_email": "boss@eight.cn", "admin_name": "刘经理"})
    assert invited.status_code == 201 and invited.get_json()["tenant_id"] == tenant_id


def test_a_handover_ends_the_running_contract_the_day_before(app, api, codes):
    w = codes
    bureau = api.token("bureau-admin@test.cn")
    url = f"/api/v1/register/communities/{w.community_a}/handover"
    same = api.post(url, bureau, json=contract(starts_on="2026-03-01"))
    assert same.status_code == 422 and "company_credit_code" in same.get_json()["errors"]["json"]
    moved = api.post(url, bureau, json=contract(starts_on="2026-03-01", company_credit_code=CODE_B,
                                                selection="agreement"))
    assert moved.status_code == 201, moved.get_json()
    assert contracts_of(app, w, w.community_a) == [(w.a, dt.date(2019, 1, 1), dt.date(2026, 2, 28)),
                                                   (w.b, dt.date(2026, 3, 1), None)]
    # a handover before the running contract began would overlap the one before it: refused, nothing changed
    back = api.post(url, bureau, json=contract(starts_on="2026-03-01", company_credit_code=CODE_A))
    assert back.status_code == 422 and "starts_on" in back.get_json()["errors"]["json"]
    assert len(contracts_of(app, w, w.community_a)) == 2
    # company A keeps seeing the community whose contract it had (its records stay its own)
    company = api.token("a-admin@test.cn")
    assert api.get(f"/api/v1/communities/{w.community_a}", company).status_code == 200


def test_other_tenants_get_404(api, codes):
    w = codes
    for email in ("a-admin@test.cn", "committee-admin@test.cn"):
        token = api.token(email)
        assert api.get(f"/api/v1/register/communities/{w.community_a}/contracts", token).status_code == 404
        assert api.post(f"/api/v1/register/communities/{w.community_a}/contracts", token,
                        json=contract()).status_code == 404
        assert api.post(f"/api/v1/register/communities/{w.community_a}/handover", token,
                        json=contract()).status_code == 404
        assert api.post("/api/v1/register/contracts/import", token, data={"file": (io.BytesIO(b"x"), "c.csv")},
                        content_type="multipart/form-data").status_code == 404
    bureau = api.token("bureau-admin@test.cn")
    assert api.get("/api/v1/register/communities/999999/contracts", bureau).status_code == 404


def sheet(rows) -> tuple[io.BytesIO, str]:
    text = "\n".join(",".join(map(str, r)) for r in [HEADER, *rows]) + "\n"
    return io.BytesIO(text.encode("utf-8")), "contracts.csv"


def test_a_contracts_sheet_is_all_or_nothing(app, api, codes):
    w = codes
    bureau = api.token("bureau-admin@test.cn")
    with app.app_context(), tenant_scope(db.session, w.bureau) as s:
        before = s.scalar(select(func.count(ManagementContract.id)))
    bad = [[w.community_none, "", "", CODE_A, "S-1", "2026-01-01", "2026-06-30", "招投标"],
           ["", "无主小区", "锦城市测试路4号", CODE_B, "S-2", "2026/6/1", "", "协议选聘"],      # overlaps row 2
           ["", "没有的小区", "哪里", CODE_B, "S-3", "2026-01-01", "", "招投标"],
           [w.community_a2, "", "", "123", "S-4", "明天", "", "抽签"],
           [w.community_b, "", "", CODE_A, "S-5", "2026-01-01", "", "招投标"]]                # overlaps B's contract
    data, name = sheet(bad)
    refused = api.post("/api/v1/register/contracts/import", bureau, data={"file": (data, name)},
                       content_type="multipart/form-data")
    assert refused.status_code == 422
    where = {(e["row"], e["column"]) for e in refused.get_json()["errors"]["rows"]}
    assert {(3, "开始日期"), (4, "小区名称"), (5, "统一社会信用代码"), (5, "开始日期"), (5, "选聘方式"),
            (6, "开始日期")} <= where, where
    assert (2, "开始日期") not in where
    with app.app_context(), tenant_scope(db.session, w.bureau) as s:
        assert s.scalar(select(func.count(ManagementContract.id))) == before
    good = [[w.community_none, "", "", CODE_A, "S-1", "2026-01-01", "2026-06-30", "招投标"],
            [w.community_none, "", "", CODE_B, "S-2", "2026-07-01", "", "业主大会选聘"]]
    data, name = sheet(good)
    done = api.post("/api/v1/register/contracts/import", bureau, data={"file": (data, name)},
                    content_type="multipart/form-data")
    assert done.status_code == 202
    run_worker(app)
    job = api.get(f"/api/v1/jobs/{done.get_json()['id']}", bureau).get_json()
    assert job["status"] == "done" and job["result"]["created"] == 2, job
    with app.app_context(), tenant_scope(db.session, w.bureau) as s:
        assert {c.selection for c in s.scalars(select(ManagementContract).where(
            ManagementContract.community_id == w.community_none))} == {ContractSelection.TENDER,
                                                                      ContractSelection.OWNERS_ASSEMBLY}


def test_the_contract_pages_as_the_bureau_uses_them(app, client, web, codes):
    w = codes
    web.login("bureau-admin@test.cn")
    page = client.get(f"/bureau/register/{w.community_moved}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and text.count('data-testid="contract"') == 2
    token = csrf_token(text)
    form = {"company_credit_code": CODE_A, "contract_no": "WEB-1", "starts_on": "2026-01-01", "ends_on": "2026-03-31",
            "selection": "tender", "csrf_token": token}
    overlap = client.post(f"/bureau/register/{w.community_moved}/contracts", data=form)
    assert overlap.status_code == 422 and 'data-field="starts_on"' in overlap.get_data(as_text=True)
    bad = client.post(f"/bureau/register/{w.community_none}/contracts", data={**form, "company_credit_code": "X"})
    assert bad.status_code == 422 and 'data-field="company_credit_code"' in bad.get_data(as_text=True)
    assert client.post(f"/bureau/register/{w.community_none}/contracts", data=form).status_code == 302
    moved = client.post(f"/bureau/register/{w.community_none}/handover",
                        data={**form, "company_credit_code": CODE_B, "contract_no": "WEB-2", "starts_on": "2026-06-01",
                              "ends_on": "", "selection": "agreement"})
    assert moved.status_code == 302
    history = client.get(f"/bureau/register/{w.community_none}").get_data(as_text=True)
    assert history.count('data-testid="contract"') == 2 and history.count('data-testid="contract-gap"') == 1
    assert "协议选聘" in history
    upload = client.get("/bureau/register/contracts/import")
    assert upload.status_code == 200
    data, name = sheet([[w.community_a2, "", "", CODE_B, "S-9", "2026-01-01", "", "招投标"]])  # overlaps A's
    refused = client.post("/bureau/register/contracts/import", data={"file": (data, name), "csrf_token": token},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "开始日期" in refused.get_data(as_text=True)


@pytest.mark.parametrize("email, slug", [("a-admin@test.cn", "company-a"), ("committee-admin@test.cn", "committee-x")])
def test_the_contract_pages_are_the_bureaus(client, web, codes, email, slug):
    web.login(email)
    assert client.get(f"/{slug}/register/contracts/import").status_code == 404
    assert client.get(f"/{slug}/register/{codes.community_a}").status_code == 404  # the history is on this page
