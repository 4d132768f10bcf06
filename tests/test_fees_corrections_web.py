"""Corrections and money on the fee pages and the API: the reversal page (its reason checked beside the
field), the payee account page (admins only), the arrears notices job and its download, the payment
notice's new address (the old one redirects), and other tenants' records answering 404."""
import datetime as dt

import pytest
from sqlalchemy import select

from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.fees.models import Bill, Payment, PaymentMethod
from red_property.fees.payments import PaymentData, record_payment
from tests.conftest import csrf_token, run_worker
from tests.factories_fees import TODAY, billed

A = "a-admin@test.cn"


@pytest.fixture
def paid(app, world):
    """Company A's three Q1 bills, the first overpaid by 100.00 元; returns (bill ids, that payment's id)."""
    app.config["FEES_HELPER_IDLE_SECONDS"] = 0.2
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        billed(s, world.community_a)
        run_worker(app)
        bills = s.scalars(select(Bill).order_by(Bill.invoice_number)).all()
        payment = record_payment(s, PaymentData(bill_id=bills[0].id, amount_fen=bills[0].amount_fen + 10000,
                                                paid_on=dt.date(2026, 3, 1), method=PaymentMethod.CASH), today=TODAY)
        return [b.id for b in bills], payment.id


def logout(client):
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/company-a/").get_data(as_text=True))})


def post(client, page, data, path=None):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path or page, data={**data, "csrf_token": token})


def test_reversing_on_the_web_asks_for_a_reason_then_reopens_the_bill(app, client, web, world, paid):
    bills, payment = paid
    web.login(A)
    page = client.get(f"/company-a/fees/bills/{bills[0]}").get_data(as_text=True)
    assert 'data-testid="credit-balance"><b>100.00' in page and "该户预存余额明细" in page
    assert f"/company-a/fees/payments/{payment}/reverse" in page
    reverse = f"/company-a/fees/payments/{payment}/reverse"
    confirm = client.get(reverse)
    assert confirm.status_code == 200 and "确认红冲" in confirm.get_data(as_text=True)
    empty = post(client, reverse, {"reason": "  "})
    assert empty.status_code == 400 and 'data-field="reason"' in empty.get_data(as_text=True)
    assert "请填写红冲原因" in empty.get_data(as_text=True)
    done = post(client, reverse, {"reason": "收错了户"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/fees/bills/{bills[0]}")
    page = client.get(f"/company-a/fees/bills/{bills[0]}").get_data(as_text=True)
    assert "已红冲" in page and "收错了户" in page and "未缴" in page
    again = client.get(reverse).get_data(as_text=True)
    assert "不能重复红冲" in again and "确认红冲" not in again
    twice = post(client, f"/company-a/fees/bills/{bills[0]}", {"reason": "再红冲"}, path=reverse)
    assert twice.status_code == 422 and "不能重复红冲" in twice.get_data(as_text=True)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert s.get(Bill, bills[0]).paid_fen == 0
        assert len(s.scalars(select(Payment)).all()) == 2
    listing = client.get("/company-a/fees/payments").get_data(as_text=True)
    assert "红冲凭证 PDF" in listing
    with client.get(f"/company-a/fees/payments/{payment + 1}/receipt.pdf") as voucher:
        assert voucher.status_code == 200 and voucher.data.startswith(b"%PDF")
    # another company's payment is not there at all
    logout(client)
    web.login("b-admin@test.cn")
    assert client.get(reverse.replace("company-a", "company-b")).status_code == 404


def test_the_payment_notice_has_its_own_address_and_the_old_one_redirects(client, web, paid):
    bills, _ = paid
    web.login(A)
    old = client.get(f"/company-a/fees/bills/{bills[0]}/invoice.pdf")
    assert old.status_code == 308 and old.headers["Location"].endswith(f"/fees/bills/{bills[0]}/payment-notice.pdf")
    with client.get(f"/company-a/fees/bills/{bills[0]}/payment-notice.pdf") as response:
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
        assert "%E7%BC%B4%E8%B4%B9%E9%80%9A%E7%9F%A5%E5%8D%95" in response.headers["Content-Disposition"]   # 缴费通知单
    page = client.get("/company-a/fees/bills").get_data(as_text=True)
    assert "缴费通知单" in page and "发票" not in page


def test_the_payee_account_page_is_changed_by_admins_and_checks_each_field(client, web, paid):
    web.login("a-staff@test.cn")
    page = client.get("/company-a/fees/settings/payee")
    assert page.status_code == 200 and "尚未设置" in page.get_data(as_text=True)
    token = csrf_token(client.get("/company-a/fees").get_data(as_text=True))
    assert client.post("/company-a/fees/settings/payee", data={"csrf_token": token, "account_name": "x"}
                       ).status_code == 403
    logout(client)
    web.login(A)
    good = {"account_name": "甲物业有限公司", "bank_name": "中国工商银行锦城分行",
            "account_number": "6222 0212 3456 7890 123", "contact_phone": "028-88886666"}
    for field, value, status in (("account_number", "12AB", 422), ("account_name", "", 400),
                                 ("bank_name", "x", 422), ("contact_phone", "电话", 422)):
        response = post(client, "/company-a/fees/settings/payee", {**good, field: value})
        assert response.status_code == status, field
        assert f'data-field="{field}"' in response.get_data(as_text=True), field
    assert post(client, "/company-a/fees/settings/payee", good).status_code == 302
    assert "6222 0212 3456 7890 123" in client.get("/company-a/fees/settings/payee").get_data(as_text=True)


def test_arrears_notices_are_a_job_whose_pdf_is_downloaded_from_its_page(app, client, web, world, paid):
    web.login(A)
    foreign = post(client, "/company-a/fees/arrears-notices", {"community_id": str(world.community_b)})
    assert foreign.status_code == 400 and 'data-field="community_id"' in foreign.get_data(as_text=True)
    started = post(client, "/company-a/fees/arrears-notices", {"community_id": str(world.community_a)})
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
    run_worker(app)
    job = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "生成催缴通知书" in job and "下载结果" in job
    job_id = started.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    with client.get(f"/company-a/jobs/{job_id}/download") as download:
        assert download.status_code == 200 and download.data.startswith(b"%PDF")


def test_the_api_reverses_sets_the_payee_account_and_starts_the_arrears_job(app, api, world, paid):
    bills, payment = paid
    token = api.token(A)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        household = s.get(Bill, bills[0]).household_id
    credit = api.get(f"/api/v1/fees/households/{household}/credit", token).get_json()
    assert credit["balance_fen"] == 10000 and [e["id"] for e in credit["entries"]] == [payment]
    empty = api.post(f"/api/v1/fees/payments/{payment}/reversal", token, json={"reason": ""})
    assert empty.status_code == 422 and "reason" in empty.get_json()["errors"]["json"]
    done = api.post(f"/api/v1/fees/payments/{payment}/reversal", token, json={"reason": "录错"})
    assert done.status_code == 201
    assert (done.get_json()["reverses_id"], done.get_json()["amount_fen"], done.get_json()["credit_fen"]) == (
        payment, -api.get(f"/api/v1/fees/bills/{bills[0]}", token).get_json()["amount_fen"], -10000)
    again = api.post(f"/api/v1/fees/payments/{payment}/reversal", token, json={"reason": "录错"})
    assert again.status_code == 422 and "payment_id" in again.get_json()["errors"]["json"]
    assert api.get("/api/v1/fees/payee-account", token).status_code == 404
    staff = api.token("a-staff@test.cn")
    body = {"account_name": "甲物业有限公司", "bank_name": "中国工商银行锦城分行", "account_number": "6222021234567890"}
    assert api.call("PUT", "/api/v1/fees/payee-account", staff, json=body).status_code == 403
    bad = api.call("PUT", "/api/v1/fees/payee-account", token, json={**body, "account_number": "6222-ABCD-1234"})
    assert bad.status_code == 422 and "account_number" in bad.get_json()["errors"]["json"]
    assert api.call("PUT", "/api/v1/fees/payee-account", token, json=body).status_code == 200
    assert api.get("/api/v1/fees/payee-account", staff).get_json()["account_number"] == "6222021234567890"
    job = api.post("/api/v1/fees/arrears-notices", token, json={"community_id": world.community_a})
    assert job.status_code == 202 and job.get_json()["name"] == "fees.arrears_notices"
    old = api.get(f"/api/v1/fees/bills/{bills[0]}/invoice.pdf", token)
    assert old.status_code == 200 and old.data.startswith(b"%PDF")
    b_token = api.token("b-admin@test.cn")
    for path in (f"/api/v1/fees/households/{household}/credit", f"/api/v1/fees/bills/{bills[0]}/payment-notice.pdf"):
        assert api.get(path, b_token).status_code == 404, path
    assert api.post(f"/api/v1/fees/payments/{payment}/reversal", b_token,
                    json={"reason": "x"}).status_code == 404
    foreign = api.post("/api/v1/fees/arrears-notices", b_token, json={"community_id": world.community_a})
    assert foreign.status_code == 422 and "community_id" in foreign.get_json()["errors"]["json"]
