"""Fee pages and API: forms and fields refuse bad input with a 4xx, lists keep a fixed query count,
other tenants' ids are 404, and subscription invoices are seen by the issuer and the billed tenant only."""
import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from red_property.communities.models import Household
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.fees.models import Bill, FeeSchedule, Payment
from tests.conftest import csrf_token, run_worker
from tests.factories_fees import billed, subscription_for

A = "a-admin@test.cn"


@pytest.fixture
def a_bills(app, world):
    app.config["FEES_HELPER_IDLE_SECONDS"] = 0.2
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        billed(s, world.community_a)
        run_worker(app)
        return list(s.scalars(select(Bill.id).order_by(Bill.invoice_number)))


def post(client, page, path, data, **kwargs):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


def test_company_pages_render_and_other_kinds_get_404(client, web, world, a_bills):
    web.login(A)
    for path in ("fees", "fees/schedules", "fees/runs", "fees/bills", f"fees/bills/{a_bills[0]}", "fees/payments",
                 "fees/commitments", "subscriptions", "fees/bills?status=overdue&q=WY&community_id=1&page=2"):
        response = client.get(f"/company-a/{path}")
        assert response.status_code == 200, path
    for fmt, kind in (("csv", "text/csv"), ("xlsx", "spreadsheetml")):
        with client.get(f"/company-a/fees/bills/export?fmt={fmt}&status=unpaid") as response:
            assert response.status_code == 200 and kind in response.content_type
        with client.get(f"/company-a/fees/collection/export?fmt={fmt}") as response:
            assert response.status_code == 200
    assert client.get("/company-a/fees/collection/export?fmt=pdf").status_code == 404
    with client.get(f"/company-a/fees/bills/{a_bills[0]}/payment-notice.pdf") as response:
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/company-a/").get_data(as_text=True))})
    web.login("bureau-admin@test.cn")
    assert client.get("/bureau/fees").status_code == 404
    assert client.get("/bureau/fees/bills").status_code == 404
    assert client.get("/bureau/subscriptions").status_code == 200


@pytest.mark.parametrize("data, status, field", [
    ({"rate": "abc", "effective_from": "2026-06-01", "building_kind": "residential"}, 400, "rate"),
    ({"rate": "1.234", "effective_from": "2026-06-01", "building_kind": "residential"}, 400, "rate"),
    ({"rate": "1.85", "effective_from": "2026-06-15", "building_kind": "residential"}, 422, "effective_from"),
    ({"rate": "1.85", "effective_from": "2026-02-01", "building_kind": "residential"}, 422, "effective_from"),
    ({"rate": "200", "effective_from": "2026-06-01", "building_kind": "residential"}, 422, "rate"),
    ({"rate": "1.85", "effective_from": "2026-06-01", "building_kind": "tower"}, 400, "building_kind"),
    ({"rate": "1.85", "effective_from": "not a date", "building_kind": "residential"}, 400, "effective_from"),
])
def test_the_schedule_form_refuses_bad_input(client, web, world, a_bills, data, status, field):
    web.login(A)
    response = post(client, "/company-a/fees/schedules", "/company-a/fees/schedules",
                    {"community_id": str(world.community_a), **data})
    assert response.status_code == status
    assert f'data-field="{field}"' in response.get_data(as_text=True)


def test_the_schedule_form_saves_and_refuses_another_companys_community(app, client, web, world, a_bills):
    web.login(A)
    good = {"community_id": str(world.community_a), "rate": "2.10", "effective_from": "2026-07-01",
            "building_kind": "commercial"}
    assert post(client, "/company-a/fees/schedules", "/company-a/fees/schedules", good).status_code == 302
    foreign = post(client, "/company-a/fees/schedules", "/company-a/fees/schedules",
                   {**good, "community_id": str(world.community_b)})
    assert foreign.status_code == 400 and 'data-field="community_id"' in foreign.get_data(as_text=True)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert s.scalar(select(FeeSchedule.rate_fen).where(FeeSchedule.building_kind == "commercial")) == 210


@pytest.mark.parametrize("data, status, field", [
    ({"period": "2026-13"}, 400, "period"),
    ({"period": ""}, 400, "period"),
    ({"period": "2026-Q1"}, 422, "period"),                         # overlaps the billed quarter... same label resumes
    ({"period": "2026-03"}, 422, "period"),                         # overlaps 2026-Q1
    ({"period": "2026-04", "due_on": "2020-01-01"}, 422, "due_on"),
    ({"period": "2026-04", "due_on": "soon"}, 400, "due_on"),
])
def test_the_run_form_refuses_bad_input(client, web, world, a_bills, data, status, field):
    web.login(A)
    response = post(client, "/company-a/fees/runs", "/company-a/fees/runs",
                    {"community_id": str(world.community_a), **data})
    if data["period"] == "2026-Q1":   # the same period again is a resume, not an error
        assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
        return
    assert response.status_code == status
    assert f'data-field="{field}"' in response.get_data(as_text=True)


@pytest.mark.parametrize("data, status", [
    ({"amount": "1.234", "paid_on": "2026-03-01", "method": "cash"}, 400),
    ({"amount": "-1", "paid_on": "2026-03-01", "method": "cash"}, 400),
    ({"amount": "0", "paid_on": "2026-03-01", "method": "cash"}, 422),
    ({"amount": "1000001", "paid_on": "2026-03-01", "method": "cash"}, 422),   # above 100 万; more than owed is credit
    ({"amount": "10", "paid_on": "2026-03-01", "method": "credit"}, 400),      # the system's own method
    ({"amount": "10", "paid_on": "2999-01-01", "method": "cash"}, 422),
    ({"amount": "10", "paid_on": "2026-03-01", "method": "gold"}, 400),
    ({"amount": "10", "paid_on": "2026-03-01", "method": "cash", "payer_name": "长" * 51}, 400),
])
def test_the_payment_form_refuses_bad_input(app, client, web, world, a_bills, data, status):
    web.login(A)
    page = f"/company-a/fees/bills/{a_bills[0]}"
    assert post(client, page, f"{page}/payments", data).status_code == status
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert s.scalar(select(func.count(Payment.id))) == 0


def test_payment_receipt_and_commitment_letter_through_the_pages(app, client, web, world, a_bills):
    web.login(A)
    page = f"/company-a/fees/bills/{a_bills[0]}"
    response = post(client, page, f"{page}/payments", {"amount": "100.50", "paid_on": "2026-03-01", "method": "cash"})
    assert response.status_code == 302
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        payment = s.scalars(select(Payment)).one()
        assert payment.amount_fen == 10050 and payment.receipt_code.startswith("SJ")
    with client.get(f"/company-a/fees/payments/{payment.id}/receipt.pdf") as pdf:
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    letter = {"signer_name": "王党员", "signer_kind": "civil_servant", "organisation": "", "signed_on": "2026-03-01"}
    refused = post(client, page, f"{page}/commitments", letter)
    assert refused.status_code == 422 and 'data-field="organisation"' in refused.get_data(as_text=True)
    bad_file = post(client, page, f"{page}/commitments",
                    {**letter, "organisation": "市税务局", "file": (io.BytesIO(b"not a pdf"), "x.txt")},
                    content_type="multipart/form-data")
    assert bad_file.status_code == 422 and 'data-field="file"' in bad_file.get_data(as_text=True)
    assert post(client, page, f"{page}/commitments", {**letter, "signed_on": "2026-03-01", "pay_by": "2026-02-01",
                                                       "organisation": "市税务局"}).status_code == 422
    ok = post(client, page, f"{page}/commitments", {**letter, "organisation": "市税务局",
                                                     "file": (io.BytesIO(b"%PDF-1.4 letter"), "承诺书.pdf")},
              content_type="multipart/form-data")
    assert ok.status_code == 302
    listing = client.get("/company-a/fees/commitments?arrears=1").get_data(as_text=True)
    assert "王党员" in listing and "市税务局" in listing


def test_the_bank_import_page_lists_bad_rows_and_writes_nothing(app, client, web, world, a_bills):
    web.login(A)
    data = "交易日期,交易流水号,收入金额,付款人,摘要\n2026-03-01,X1,abc,张三,WY2026-000001\n".encode("gb18030")
    response = post(client, "/company-a/fees/payments", "/company-a/fees/payments",
                    {"file": (io.BytesIO(data), "流水.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "不是金额" in response.get_data(as_text=True)
    assert post(client, "/company-a/fees/payments", "/company-a/fees/payments", {}).status_code == 400
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert s.scalar(select(func.count(Payment.id))) == 0


def test_read_only_users_cannot_write(client, web, world, a_bills):
    web.login("a-readonly@test.cn")
    assert client.get("/company-a/fees/bills").status_code == 200
    page = f"/company-a/fees/bills/{a_bills[0]}"
    assert post(client, page, f"{page}/payments", {"amount": "1", "paid_on": "2026-03-01",
                                                  "method": "cash"}).status_code == 403


def test_list_pages_and_api_lists_keep_a_fixed_query_count(app, client, web, api, world, a_bills, count_queries):
    web.login(A)
    token = api.token(A)
    paths = ["/company-a/fees/bills", "/company-a/fees", "/company-a/fees/payments", "/company-a/fees/runs",
             "/company-a/fees/commitments", "/api/v1/fees/bills", "/api/v1/fees/payments", "/api/v1/fees/collection",
             "/api/v1/fees/runs", "/api/v1/fees/commitments"]

    def counts():
        out = {}
        for path in paths:
            with count_queries() as q:
                response = api.get(path, token) if path.startswith("/api") else client.get(path)
            assert response.status_code == 200, path
            out[path] = q.count
        return out

    before = counts()
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        building = s.scalar(select(Household.building_id))
        s.add_all(Household(community_id=world.community_a, building_id=building, unit="3", room=str(n),
                            floor_area=70, owner_name=f"新户{n}") for n in range(12))
        s.commit()
        from red_property.fees.billing import start_billing_run

        start_billing_run(s, community_id=world.community_a, period="2026-04", today=dt.date(2026, 11, 20))
        run_worker(app)
        from red_property.fees.payments import PaymentData, record_payment
        from red_property.fees.models import PaymentMethod
        from red_property.fees.services import add_commitment_letter
        from red_property.fees.models import SignerKind

        for bill_id in s.scalars(select(Bill.id).limit(6)):
            record_payment(s, PaymentData(bill_id=bill_id, amount_fen=1, paid_on=dt.date(2026, 4, 2),
                                          method=PaymentMethod.CASH), today=dt.date(2026, 11, 20))
        for household in s.scalars(select(Household.id).limit(4)):
            add_commitment_letter(s, household_id=household, signer_name="党员", signer_kind=SignerKind.PARTY_MEMBER,
                                  organisation=None, signed_on=dt.date(2026, 4, 1), pay_by=None, upload=None,
                                  today=dt.date(2026, 11, 20))
    assert counts() == before


def test_the_api_checks_every_field(api, world, a_bills):
    token = api.token(A)
    cases = [
        ("/api/v1/fees/schedules", {"community_id": world.community_a, "building_kind": "residential",
                                    "rate_fen": 1.5, "effective_from": "2026-06-01"}, "rate_fen"),
        ("/api/v1/fees/schedules", {"community_id": world.community_a, "building_kind": "castle",
                                    "rate_fen": 150, "effective_from": "2026-06-01"}, "building_kind"),
        ("/api/v1/fees/schedules", {"community_id": world.community_b, "building_kind": "residential",
                                    "rate_fen": 150, "effective_from": "2026-06-01"}, "community_id"),
        ("/api/v1/fees/schedules", {"community_id": world.community_a, "building_kind": "residential",
                                    "rate_fen": 150, "effective_from": "2026-06-02"}, "effective_from"),
        ("/api/v1/fees/runs", {"community_id": world.community_a, "period": "2026-Q9"}, "period"),
        ("/api/v1/fees/runs", {"community_id": "1", "period": "2026-05"}, "community_id"),
        ("/api/v1/fees/runs", {"community_id": world.community_a, "period": "2026-02"}, "period"),
        ("/api/v1/fees/payments", {"bill_id": a_bills[0], "amount_fen": 2.589e-42, "paid_on": "2026-03-01",
                                   "method": "cash"}, "amount_fen"),
        ("/api/v1/fees/payments", {"bill_id": a_bills[0], "amount_fen": 100_000_001, "paid_on": "2026-03-01",
                                   "method": "cash"}, "amount_fen"),
        ("/api/v1/fees/payments", {"bill_id": a_bills[0], "amount_fen": 100, "paid_on": "2026-03-01",
                                   "method": "credit"}, "method"),
        ("/api/v1/fees/payments", {"bill_id": a_bills[0], "amount_fen": 100, "paid_on": "2026-03-01",
                                   "method": "cheque"}, "method"),
        ("/api/v1/fees/payments", {"bill_id": 999_999, "amount_fen": 100, "paid_on": "2026-03-01",
                                   "method": "cash"}, "bill_id"),
        ("/api/v1/fees/commitments", {"household_id": world.households_b[0], "signer_name": "x",
                                      "signer_kind": "party_member", "signed_on": "2026-03-01"}, "household_id"),
        ("/api/v1/fees/commitments", {"household_id": world.households_a[0], "signer_name": "x",
                                      "signer_kind": "mayor", "signed_on": "2026-03-01"}, "signer_kind"),
        ("/api/v1/fees/commitments", {"household_id": world.households_a[0], "signer_name": "x",
                                      "signer_kind": "party_member", "signed_on": "2999-03-01"}, "signed_on"),
    ]
    for path, body, field in cases:
        response = api.post(path, token, json=body)
        assert response.status_code == 422, (path, body, response.get_json())
        assert field in response.get_json()["errors"]["json"], (path, body, response.get_json())
    good = api.post("/api/v1/fees/payments", token, json={"bill_id": a_bills[0], "amount_fen": 100,
                                                           "paid_on": "2026-03-01", "method": "bank_transfer"})
    assert good.status_code == 201 and good.get_json()["receipt_code"].startswith("SJ")
    bad_rows = api.post("/api/v1/fees/payments/import", token, data={"file": (io.BytesIO(
        "交易日期,交易流水号,收入金额,付款人,摘要\n2026-03-01,,1,x,WY2026-000001\n".encode()), "s.csv")},
        content_type="multipart/form-data")
    assert bad_rows.status_code == 422
    assert bad_rows.get_json()["errors"]["rows"] == [{"row": 2, "column": "交易流水号", "message": "不能为空"}]
    started = api.post("/api/v1/fees/runs", token, json={"community_id": world.community_a, "period": "2026-Q1"})
    assert started.status_code == 202 and started.get_json()["bills"] == 3
    report = api.get("/api/v1/fees/collection?as_of=2026-11-20", token).get_json()
    assert report["company"]["bills"] == 3 and report["communities"][0]["community_id"] == world.community_a


def test_another_companys_fee_records_are_404_through_the_api(app, api, world, a_bills):
    from red_property.fees.models import BillingRun

    with app.app_context(), tenant_scope(db.session, world.a) as s:
        a_run = s.scalar(select(BillingRun.id))
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        billed(s, world.community_b)
        run_worker(app)
        bill = s.scalars(select(Bill)).first().id
    token = api.token("b-admin@test.cn")
    for path in (f"/api/v1/fees/bills/{a_bills[0]}", f"/api/v1/fees/bills/{a_bills[0]}/invoice.pdf",
                 f"/api/v1/fees/runs/{a_run}"):
        assert api.get(path, token).status_code == 404, path
    assert api.get(f"/api/v1/fees/bills/{bill}", token).status_code == 200
    listed = api.get("/api/v1/fees/bills", token).get_json()
    assert {b["id"] for b in listed["items"]} == {bill, bill + 1}
    pay = api.post("/api/v1/fees/payments", token, json={"bill_id": a_bills[0], "amount_fen": 1,
                                                          "paid_on": "2026-03-01", "method": "cash"})
    assert pay.status_code == 422 and "bill_id" in pay.get_json()["errors"]["json"]


def test_subscription_invoices_are_read_by_the_issuer_and_the_billed_tenant_only(app, client, web, api, world):
    from red_property.accounts.models import Role
    from tests.factories import make_users
    from tests.factories_fees import platform

    to_a = subscription_for(app, world.a, amount_fen=880_000)
    to_b = subscription_for(app, world.b)
    a_token, b_token = api.token(A), api.token("b-admin@test.cn")
    assert [i["id"] for i in api.get("/api/v1/fees/subscription-invoices", a_token).get_json()["items"]] == [to_a]
    assert [i["id"] for i in api.get("/api/v1/fees/subscription-invoices", b_token).get_json()["items"]] == [to_b]
    assert api.get(f"/api/v1/fees/subscription-invoices/{to_b}.pdf", a_token).status_code == 404
    with api.get(f"/api/v1/fees/subscription-invoices/{to_a}.pdf", a_token) as pdf:
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert api.post("/api/v1/fees/subscription-invoices", a_token, json={
        "billed_tenant_id": world.b, "description": "服务费", "period": "2026", "amount_fen": 1,
        "due_on": "2030-01-01"}).status_code == 404
    web.login(A)
    assert client.get(f"/company-a/subscriptions/{to_b}.pdf").status_code == 404
    assert "880.00" not in client.get("/company-b/subscriptions").get_data(as_text=True)
    page = client.get("/company-a/subscriptions").get_data(as_text=True)
    assert "8,800.00" in page and "1,200.00" not in page
    with app.app_context():
        platform_id = platform(db.session)
        make_users(db.session, platform_id, "platform", (Role.ADMIN,))
    p_token = api.token("platform-admin@test.cn")
    assert {i["id"] for i in api.get("/api/v1/fees/subscription-invoices", p_token).get_json()["items"]} == {to_a, to_b}
    for body, field in (({"billed_tenant_id": platform_id}, "billed_tenant_id"), ({"amount_fen": 0}, "amount_fen"),
                        ({"due_on": "2001-01-01"}, "due_on"), ({"description": "x"}, "description")):
        response = api.post("/api/v1/fees/subscription-invoices", p_token, json={
            "billed_tenant_id": world.committee, "description": "平台服务费", "period": "2026", "amount_fen": 100,
            "due_on": "2030-01-01", **body})
        assert response.status_code == 422 and field in response.get_json()["errors"]["json"]
    issued = api.post("/api/v1/fees/subscription-invoices", p_token, json={
        "billed_tenant_id": world.committee, "description": "平台服务费", "period": "2026", "amount_fen": 100,
        "due_on": "2030-01-01"})
    assert issued.status_code == 201 and issued.get_json()["invoice_code"].endswith("-000003")


@pytest.mark.parametrize("data, status, field", [
    ({"amount": "abc"}, 400, "amount"),
    ({"amount": "0"}, 422, "amount"),
    ({"due_on": "2001-01-01"}, 422, "due_on"),
    ({"description": "x"}, 400, "description"),
    ({"billed_tenant_id": "999999"}, 400, "billed_tenant_id"),
    ({}, 302, None),
])
def test_the_platform_issues_subscription_invoices_through_its_page(app, client, web, world, data, status, field):
    from red_property.accounts.models import Role
    from tests.factories import make_users
    from tests.factories_fees import platform

    with app.app_context():
        make_users(db.session, platform(db.session), "platform", (Role.ADMIN,))
    web.login("platform-admin@test.cn")
    good = {"billed_tenant_id": str(world.a), "description": "红色物业平台年度服务费", "period": "2027",
            "amount": "1200.00", "due_on": "2030-01-31"}
    response = post(client, "/platform/subscriptions", "/platform/subscriptions", {**good, **data})
    assert response.status_code == status
    if field:
        assert f'data-field="{field}"' in response.get_data(as_text=True)
    else:
        assert "PT" in client.get("/platform/subscriptions").get_data(as_text=True)
