"""The bureau's company directory: credit codes checked, sheets all or nothing, a tenant from an entry."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from red_property.core.audit import AuditEntry
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.onboarding.directory import credit_code_check, credit_code_problem
from red_property.onboarding.models import Company
from red_property.tenants.models import Tenant
from tests.conftest import csrf_token
from tests.test_invitations import accept, can_log_in


def code(n: int) -> str:
    first = f"91510100MA{n:07d}"
    return first + credit_code_check(first)


def entry(n: int = 1, **changes) -> dict:
    return {"credit_code": code(n), "name": f"第{n}物业服务有限公司", "legal_representative": "张三",
            "contact_name": "李四", "contact_phone": "028-8888 0000", **changes}


@pytest.mark.parametrize("text, ok", [
    ("91350100M000100Y43", True),          # a published example
    ("91350100M000100Y44", False),         # wrong check character
    ("91350100M000100I43", False),         # I is not in the character set
    ("91350100M000100Y4", False),          # 17 characters
])
def test_credit_codes_follow_gb_32100(text, ok):
    assert (credit_code_problem(text) is None) is ok


def test_the_bureau_registers_companies_and_only_it(api, world):
    bureau = api.token("bureau-admin@test.cn")
    created = api.post("/api/v1/companies", bureau, json=entry(1, credit_code=code(1).lower()))
    assert created.status_code == 201 and created.get_json()["credit_code"] == code(1)
    again = api.post("/api/v1/companies", bureau, json=entry(1))
    assert again.status_code == 422 and "credit_code" in again.get_json()["errors"]["json"]
    wrong = api.post("/api/v1/companies", bureau, json=entry(2, credit_code=code(2)[:17] + "X"))
    assert wrong.status_code == 422 and "校验位" in wrong.get_json()["errors"]["json"]["credit_code"][0]
    for field, value in (("contact_email", "nope"), ("contact_phone", "call me"), ("name", "")):
        response = api.post("/api/v1/companies", bureau, json=entry(3, **{field: value}))
        assert response.status_code == 422 and field in response.get_json()["errors"]["json"], field
    company = api.token("a-admin@test.cn")
    assert api.post("/api/v1/companies", company, json=entry(4)).status_code == 404
    assert api.get("/api/v1/companies", company).get_json()["total"] == 0  # not its entry
    assert api.get(f"/api/v1/companies/{created.get_json()['id']}", company).status_code == 404
    assert api.get("/api/v1/companies", api.token("committee-admin@test.cn")).status_code == 404


def test_a_tenant_from_the_entry_and_its_first_admin(app, api, client, world):
    bureau = api.token("bureau-admin@test.cn")
    company_id = api.post("/api/v1/companies", bureau, json=entry(7)).get_json()["id"]
    taken = api.post(f"/api/v1/companies/{company_id}/tenant", bureau,
                     json={"admin_email": "a-admin@test.cn", "admin_name": "王"})
    assert taken.status_code == 422 and "admin_email" in taken.get_json()["errors"]["json"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Tenant.id)).where(Tenant.slug == f"co-{code(7).lower()}")) == 0
    made = api.post(f"/api/v1/companies/{company_id}/tenant", bureau,
                    json={"admin_email": "boss@seven.cn", "admin_name": "王经理"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    second = api.post(f"/api/v1/companies/{company_id}/tenant", bureau,  # one tenant; another admin in it
                      json={"admin_email": "x@seven.cn", "admin_name": "x"})
    assert second.status_code == 201 and second.get_json()["tenant_id"] == body["tenant_id"]
    assert accept(client, body["invitation"]["url"]).status_code == 302 and can_log_in(client, "boss@seven.cn")
    own = api.token("boss@seven.cn", password="a brand new password")
    listed = api.get("/api/v1/companies", own).get_json()
    assert [c["credit_code"] for c in listed["items"]] == [code(7)]  # its own entry, read-only
    assert api.call("PUT", f"/api/v1/companies/{company_id}", own, json=entry(7)).status_code == 404
    with app.app_context():
        tenant = db.session.get(Tenant, body["tenant_id"])
        assert (tenant.kind.value, tenant.credit_code, tenant.name) == ("company", code(7), "第7物业服务有限公司")
        with tenant_scope(db.session, world.bureau) as s:
            assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "create_tenant")) is not None


def sheet_csv(rows: list[list[str]]) -> bytes:
    header = "统一社会信用代码,企业名称,法定代表人,联系人,联系电话,联系邮箱"
    return ("\n".join([header] + [",".join(r) for r in rows]) + "\n").encode("utf-8")


def upload(api, token, data: bytes, name="directory.csv"):
    return api.post("/api/v1/companies/import", token, data={"file": (io.BytesIO(data), name)},
                    content_type="multipart/form-data")


def test_a_directory_sheet_is_all_or_nothing(app, api, world):
    bureau = api.token("bureau-admin@test.cn")
    good = [[code(n), f"企业{n}", "法人", "联系人", "13800000000", ""] for n in range(1, 250)]
    bad = good[:3] + [[code(4)[:17] + "0", "企业4", "法人", "联系人", "1380", "x@"],
                      [code(1), "重复", "法人", "联系人", "13800000000", ""],
                      ["", "", "法人", "联系人", "13800000000", ""]]
    refused = upload(api, bureau, sheet_csv(bad))
    assert refused.status_code == 422
    where = {(e["row"], e["column"]) for e in refused.get_json()["errors"]["rows"]}
    assert {(5, "统一社会信用代码"), (5, "联系电话"), (5, "联系邮箱"), (6, "统一社会信用代码"),
            (7, "统一社会信用代码"), (7, "企业名称")} <= where
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        assert s.scalar(select(func.count(Company.id))) == 0
    first = upload(api, bureau, sheet_csv(good))
    assert first.status_code == 200 and first.get_json()["created"] == 249
    good[0][1] = "改名企业"
    again = upload(api, bureau, sheet_csv(good))
    assert again.get_json() == {"rows": 249, "created": 0, "updated": 1, "unchanged": 248}
    header = upload(api, bureau, "名称,电话\n甲,1\n".encode())
    assert header.status_code == 422 and {e["column"] for e in header.get_json()["errors"]["rows"]} >= {"名称", "统一社会信用代码"}


def test_the_directory_pages_register_import_and_open_a_tenant(app, client, web, world):
    web.login("bureau-admin@test.cn")
    page = client.get("/bureau/companies")
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    wrong = client.post("/bureau/companies", data={**entry(1, credit_code="91510100MA0000001X"), "csrf_token": token})
    assert wrong.status_code == 422 and 'data-field="credit_code"' in wrong.get_data(as_text=True)
    empty = client.post("/bureau/companies", data={"csrf_token": token})
    assert empty.status_code == 400 and 'data-field="legal_representative"' in empty.get_data(as_text=True)
    made = client.post("/bureau/companies", data={**entry(1), "csrf_token": token})
    assert made.status_code == 302
    show = made.headers["Location"]
    saved = client.post(show, data={**entry(1, contact_phone="13900000000"), "csrf_token": token})
    assert saved.status_code == 302
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        change = s.scalars(select(AuditEntry).where(AuditEntry.entity == "company", AuditEntry.action == "update")).one()
        assert change.before == {"contact_phone": "028-8888 0000"} and change.after == {"contact_phone": "13900000000"}
    workbook = Workbook()
    workbook.active.append(["统一社会信用代码", "企业名称", "法定代表人", "联系人", "联系电话"])
    workbook.active.append([code(2), "表格企业", "法人", "联系人", "13800000000"])
    workbook.active.append(["bad", "", "法人", "联系人", "13800000000"])
    data = io.BytesIO()
    workbook.save(data)
    refused = client.post("/bureau/companies/import", data={"file": (io.BytesIO(data.getvalue()), "d.xlsx"),
                                                             "csrf_token": token}, content_type="multipart/form-data")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "<td>3</td><td>统一社会信用代码</td>" in text and "<td>3</td><td>企业名称</td>" in text
    missing = client.post("/bureau/companies/import", data={"csrf_token": token})
    assert missing.status_code == 400 and 'data-field="file"' in missing.get_data(as_text=True)
    bad_admin = client.post(f"{show}/tenant", data={"admin_email": "x", "admin_name": "", "csrf_token": token})
    assert bad_admin.status_code == 400 and 'data-field="admin_email"' in bad_admin.get_data(as_text=True)
    bad_slug = client.post(f"{show}/tenant", data={"admin_email": "new@one.cn", "admin_name": "王",
                                                    "slug": "Bad Slug", "csrf_token": token})
    assert bad_slug.status_code == 422 and "网址名" in bad_slug.get_data(as_text=True)
    letter = client.post(f"{show}/tenant", data={"admin_email": "new@one.cn", "admin_name": "王", "csrf_token": token})
    assert letter.status_code == 200 and "/invitation/rpi_" in letter.get_data(as_text=True)
    assert "已开通" in client.get(show).get_data(as_text=True)


@pytest.mark.parametrize("email, slug", [("a-admin@test.cn", "company-a"), ("committee-admin@test.cn", "committee-x")])
def test_a_company_and_a_committee_never_see_the_directory_pages(client, web, world, email, slug):
    web.login(email)
    assert client.get(f"/{slug}/companies").status_code == 404
    assert client.get(f"/{slug}/companies/1").status_code == 404


def test_correcting_an_entry_to_anothers_code_names_the_field(api, world):
    bureau = api.token("bureau-admin@test.cn")
    first = api.post("/api/v1/companies", bureau, json=entry(1)).get_json()["id"]
    api.post("/api/v1/companies", bureau, json=entry(2))
    clash = api.call("PUT", f"/api/v1/companies/{first}", bureau, json=entry(2))
    assert clash.status_code == 422 and "credit_code" in clash.get_json()["errors"]["json"]
