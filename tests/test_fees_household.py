"""A household's fee account page (户账): its bills, payments, reversals and credit with the running balance,
linked from the bill and payment lists, stacked on a phone, and another company's household a 404."""
import datetime as dt
import re

import pytest
from sqlalchemy import select

from red_property.core.formatting import money
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.fees.billing import start_billing_run
from red_property.fees.ledger import household_ledger
from red_property.fees.models import Bill, PaymentMethod
from red_property.fees.payments import PaymentData, record_payment, reverse_payment
from tests.conftest import run_worker
from tests.factories_fees import TODAY, billed


def _pay(s, bill_id, fen, on):
    return record_payment(s, PaymentData(bill_id=bill_id, amount_fen=fen, paid_on=on, method=PaymentMethod.CASH),
                          today=TODAY)


@pytest.fixture
def account(app, world):
    """Company A's first household: Q1 billed, a payment reversed (红冲), the bill overpaid by 108.82 元,
    then Q2 billed and partly paid from that credit.  Returns (household id, Q1 bill, Q2 bill)."""
    app.config["FEES_HELPER_IDLE_SECONDS"] = 0.2
    with app.app_context(), tenant_scope(db.session, world.a, world.users["a"][next(iter(world.users["a"]))]) as s:
        billed(s, world.community_a)
        run_worker(app)
        q1 = s.scalars(select(Bill).order_by(Bill.invoice_number)).first()
        wrong = _pay(s, q1.id, 20000, dt.date(2026, 3, 1))
        reverse_payment(s, wrong.id, "收银员录错金额", today=TODAY)
        _pay(s, q1.id, q1.amount_fen + 10882, dt.date(2026, 3, 2))
        start_billing_run(s, community_id=world.community_a, period="2026-Q2", today=TODAY)
        run_worker(app)
        s.expire_all()
        q2 = s.scalars(select(Bill).where(Bill.household_id == q1.household_id, Bill.period == "2026-Q2")).one()
        return q1.household_id, (q1.id, q1.invoice_code, q1.amount_fen), (q2.id, q2.invoice_code, q2.amount_fen)


def test_the_ledger_runs_the_balance_through_bills_payments_reversals_and_credit(app, world, account):
    household_id, (_q1, _code1, amount1), (_q2, _code2, amount2) = account
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        from red_property.communities.models import Household

        ledger = household_ledger(s, s.get(Household, household_id))
    rows = [(r.kind, r.billed_fen, r.received_fen, r.credit_fen, r.balance_fen, r.credit_balance_fen)
            for r in ledger.rows]
    assert rows == [
        ("bill", amount1, 0, 0, -amount1, 0),
        ("payment", 0, 20000, 0, 20000 - amount1, 0),
        ("reversal", 0, -20000, 0, -amount1, 0),
        ("payment", 0, amount1 + 10882, 10882, 10882, 10882),             # the bill paid, 108.82 on the credit
        ("bill", amount2, 0, 0, 10882 - amount2, 10882),
        ("credit_applied", 0, 0, -10882, 10882 - amount2, 0),             # credit moves to the bill: same balance
    ]
    assert ledger.owed_fen == amount2 - 10882 and ledger.credit_fen == 0
    assert ledger.balance_fen == ledger.credit_fen - ledger.owed_fen


def test_the_household_page_shows_the_ledger_and_the_lists_link_to_it(app, client, web, world, account,
                                                                     count_queries):
    household_id, (q1, code1, amount1), (q2, code2, amount2) = account
    web.login("a-staff@test.cn")
    url = f"/company-a/fees/households/{household_id}"
    for page in ("/company-a/fees/bills", "/company-a/fees/payments", f"/company-a/fees/bills/{q1}"):
        assert f'href="{url}"' in client.get(page).get_data(as_text=True), page
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200 and q.count <= 8, q.statements
    html = response.get_data(as_text=True)
    assert "甲一小区 1栋" in html and "1单元 101室" in html and "业主0" in html
    table = html[html.index('id="ledger"'):html.index("</table>", html.index('id="ledger"'))]
    assert re.findall(r'data-kind="(\w+)"', table) == ["bill", "payment", "reversal", "payment", "bill",
                                                        "credit_applied"]
    # amounts through the shared helpers: ¥ and separators, signs on movements and on the balance
    for shown in (money(amount1), money(amount1 + 10882), money(10882, sign=True), money(-10882, sign=True),
                  money(10882 - amount2, sign=True), money(-20000)):
        assert shown in table, shown
    assert code1 in table and code2 in table and "收银员录错金额" in table
    assert f'data-testid="owed"><b>{money(amount2 - 10882)}</b>' in html
    assert f'data-testid="balance"><b>{money(10882 - amount2, sign=True)}</b>' in html
    # at 390 px the table stacks: every cell carries its column's name
    assert '<table class="stack" id="ledger">' in html
    cells = re.findall(r"<td( data-label=\"[^\"]+\")?", table)
    assert cells and all(cells)


def test_another_companys_household_is_404(app, client, web, world, account):
    household_id = account[0]
    web.login("b-admin@test.cn")
    assert client.get(f"/company-b/fees/households/{household_id}").status_code == 404
    assert client.get(f"/company-a/fees/households/{household_id}").status_code in (403, 404)


def test_the_household_page_reads_in_english(app, client, web, world, account):
    web.login("a-staff@test.cn")
    client.get("/lang/en")
    html = client.get(f"/company-a/fees/households/{account[0]}").get_data(as_text=True)
    assert "Running balance" in html and "Household account" in html
