"""The committee's pages: every form refuses bad input beside the field, the flows work, lists cost a fixed
number of queries, and other kinds of tenant see none of it."""
import io
import re

import pytest
from sqlalchemy import select

from red_property.finance.ledger import add_entry
from red_property.finance.models import Category, LedgerEntry, Statement
from tests.conftest import csrf_token
from tests.factories_finance import EMAIL, TODAY, book_year, committee_records, committee_scope, make_roll

BASE = "/committee-x"


@pytest.fixture
def records(app, world):
    with app.app_context():
        return committee_records(world)


@pytest.fixture
def logged_in(client, web, world):
    web.login(EMAIL)
    return csrf_token(client.get(f"{BASE}/finance").get_data(as_text=True))


def post(client, token, path, data, **kwargs):
    return client.post(BASE + path, data={**data, "csrf_token": token}, **kwargs)


def errors(response) -> set[str]:
    return set(re.findall(r'data-field="([^"]+)"', response.get_data(as_text=True)))


FORMS = [
    ("/finance/owners", {"owner-building": "", "owner-unit": "1", "owner-room": "1", "owner-name": "x",
                         "owner-floor_area": "1"}, "building"),
    ("/finance/owners", {"owner-building": "1栋", "owner-unit": "1", "owner-room": "1", "owner-name": "x",
                         "owner-floor_area": "abc"}, "floor_area"),
    ("/finance/owners", {"owner-building": "1栋", "owner-unit": "1", "owner-room": "1", "owner-name": "x",
                         "owner-floor_area": "-1"}, "floor_area"),
    ("/finance/owners", {"owner-building": "1栋", "owner-unit": "1", "owner-room": "101", "owner-name": "x",
                         "owner-floor_area": "80"}, "room"),
    ("/finance/owners", {"owner-building": "1栋", "owner-unit": "1" * 11, "owner-room": "9", "owner-name": "x",
                         "owner-floor_area": "80"}, "unit"),
    ("/finance/ledger", {"entry-category": "lottery", "entry-amount": "1", "entry-occurred_on": "2025-02-01",
                         "entry-counterparty": "x"}, "category"),
    ("/finance/ledger", {"entry-category": "parking", "entry-amount": "一百", "entry-occurred_on": "2025-02-01",
                         "entry-counterparty": "x"}, "amount"),
    ("/finance/ledger", {"entry-category": "parking", "entry-amount": "1.005", "entry-occurred_on": "2025-02-01",
                         "entry-counterparty": "x"}, "amount"),
    ("/finance/ledger", {"entry-category": "parking", "entry-amount": "0", "entry-occurred_on": "2025-02-01",
                         "entry-counterparty": "x"}, "amount"),
    ("/finance/ledger", {"entry-category": "parking", "entry-amount": "1", "entry-occurred_on": "2099-02-01",
                         "entry-counterparty": "x"}, "occurred_on"),
    ("/finance/ledger", {"entry-category": "parking", "entry-amount": "1", "entry-occurred_on": "02/01/2025",
                         "entry-counterparty": "x"}, "occurred_on"),
    ("/finance/ledger", {"entry-category": "parking", "entry-amount": "1", "entry-occurred_on": "2025-02-01",
                         "entry-counterparty": ""}, "counterparty"),
    ("/finance/ledger", {"entry-category": "parking", "entry-amount": "1", "entry-occurred_on": "2025-02-01",
                         "entry-counterparty": "x", "entry-note": "x" * 501}, "note"),
    ("/finance/ledger/book", {"book-opened_on": "2025-06-01", "book-opening_balance": "1"}, "opened_on"),
    ("/finance/ledger/book", {"book-opened_on": "2025-01-01", "book-opening_balance": "-1"}, "opening_balance"),
    ("/finance/ledger/book", {"book-opened_on": "", "book-opening_balance": "1"}, "opened_on"),
    ("/finance/statements", {"new-kind": "quarter", "new-year": "2025", "new-quarter": "1"}, "year"),
    ("/finance/statements", {"new-kind": "month", "new-year": "2025", "new-quarter": "1"}, "kind"),
    ("/finance/statements", {"new-kind": "quarter", "new-year": "1999", "new-quarter": "1"}, "year"),
    ("/finance/statements", {"new-kind": "quarter", "new-year": "2025", "new-quarter": "5"}, "quarter"),
    ("/finance/distributions", {"new-title": "x", "new-method": "area", "new-total": "1"}, "title"),
    ("/finance/distributions", {"new-title": "分配", "new-method": "lottery", "new-total": "1"}, "method"),
    ("/finance/distributions", {"new-title": "分配", "new-method": "area", "new-total": "99999999"}, "total"),
    ("/finance/distributions", {"new-title": "分配", "new-method": "area", "new-total": "abc"}, "total"),
    ("/votes", {"new-title": "x", "new-kind": "other"}, "title"),
    ("/votes", {"new-title": "正常的事项", "new-kind": "referendum"}, "kind"),
    ("/votes", {"new-title": "正常的事项", "new-kind": "other", "new-description": "x" * 5001}, "description"),
]


@pytest.mark.parametrize("path, data, field", FORMS, ids=[f"{p} {f}" for p, _d, f in FORMS])
def test_every_form_names_the_bad_field(client, records, logged_in, path, data, field):
    response = post(client, logged_in, path, data)
    assert response.status_code == 400, response.status_code
    assert field in errors(response)


def test_forms_on_pages_with_ids(client, app, world, records, logged_in):
    r = records
    entry = post(client, logged_in, f"/finance/ledger/{r['entry_id']}", {
        "entry-category": "parking", "entry-amount": "x", "entry-occurred_on": "2025-01-05",
        "entry-counterparty": "x"})
    assert entry.status_code == 400 and "amount" in errors(entry)
    receipt = post(client, logged_in, f"/finance/ledger/{r['entry_id']}/receipts",
                   {"receipt-file": (io.BytesIO(b"not a receipt"), "x.pdf")}, content_type="multipart/form-data")
    assert receipt.status_code == 422 and "file" in errors(receipt)
    correction = post(client, logged_in, f"/finance/statements/{r['statement_id']}", {"correct-reason": "改"})
    assert correction.status_code == 400 and "reason" in errors(correction)
    draft_correction = post(client, logged_in, f"/finance/statements/{r['statement_id']}",
                            {"correct-reason": "草稿不能更正"})
    assert draft_correction.status_code == 400 and "reason" in errors(draft_correction)
    record = post(client, logged_in, f"/finance/distributions/{r['distribution_id']}",
                  {"record-paid_on": "2026-01-01", "record-vote_id": "0", "record-decision": ""})
    assert record.status_code == 400 and "decision" in errors(record)
    wrong_vote = post(client, logged_in, f"/finance/distributions/{r['distribution_id']}",
                      {"record-paid_on": "2026-01-01", "record-vote_id": str(r["vote_id"])})
    assert wrong_vote.status_code == 400 and "vote_id" in errors(wrong_vote)  # a draft vote is no choice
    edit = post(client, logged_in, f"/votes/{r['vote_id']}", {"edit-title": "", "edit-kind": "other"})
    assert edit.status_code == 400 and "title" in errors(edit)
    ballot = post(client, logged_in, f"/votes/{r['vote_id']}/ballots", {
        "ballot-building": "1栋", "ballot-unit": "1", "ballot-room": "101", "ballot-choice": "for"})
    assert ballot.status_code == 422 and "choice" in errors(ballot)  # the vote has not opened
    bad_choice = post(client, logged_in, f"/votes/{r['vote_id']}/ballots", {
        "ballot-building": "1栋", "ballot-unit": "1", "ballot-room": "101", "ballot-choice": "maybe"})
    assert bad_choice.status_code == 400 and "choice" in errors(bad_choice)
    no_sheet = post(client, logged_in, f"/votes/{r['vote_id']}/ballots/import", {}, content_type="multipart/form-data")
    assert no_sheet.status_code == 400 and "file" in errors(no_sheet)
    check = client.get(f"{BASE}/finance/statements?check-fingerprint=xyz")
    assert check.status_code == 400 and "fingerprint" in errors(check)


def test_ledger_statement_and_correction_through_the_pages(client, app, world, logged_in):
    with committee_scope(app, world) as s:
        book_year(s)
    booked = post(client, logged_in, "/finance/ledger", {
        "entry-category": "lockers", "entry-amount": "1,234.50", "entry-occurred_on": "2025-03-30",
        "entry-counterparty": "丰巢科技", "entry-note": "一季度"})
    assert booked.status_code == 302
    with committee_scope(app, world) as s:
        entry = s.scalars(select(LedgerEntry).where(LedgerEntry.category == Category.LOCKERS)).one()
        assert entry.amount_fen == 123450
        entry_id = entry.id
    page = client.get(f"{BASE}/finance/ledger/{entry_id}").get_data(as_text=True)
    assert 'value="1234.50"' in page
    uploaded = post(client, logged_in, f"/finance/ledger/{entry_id}/receipts",
                    {"receipt-file": (io.BytesIO(b"%PDF-1.4 x"), "收据.pdf")}, content_type="multipart/form-data")
    assert uploaded.status_code == 302 and "收据.pdf" in client.get(f"{BASE}/finance/ledger/{entry_id}").get_data(
        as_text=True)
    made = post(client, logged_in, "/finance/statements", {"new-kind": "quarter", "new-year": "2025",
                                                           "new-quarter": "1"})
    assert made.status_code == 302
    statement_url = made.headers["Location"]
    draft = client.get(statement_url).get_data(as_text=True)
    assert "草稿，未发布" in draft and "1,234.50" in draft
    assert client.post(statement_url + "/publish", data={"csrf_token": logged_in, "confirm": "yes"}).status_code == 302
    published = client.get(statement_url).get_data(as_text=True)
    assert "指纹校验一致" in published and "公示指纹" in published
    with client.get(statement_url + "/statement.pdf") as pdf:
        assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"
    changed = post(client, logged_in, f"/finance/ledger/{entry_id}", {
        "entry-category": "lockers", "entry-amount": "1300", "entry-occurred_on": "2025-03-30",
        "entry-counterparty": "丰巢科技", "entry-note": "一季度"})
    assert changed.status_code == 302
    assert "账簿在发布后有变动" in client.get(statement_url).get_data(as_text=True)
    corrected = client.post(statement_url, data={"correct-reason": "快递柜金额录错", "csrf_token": logged_in})
    assert corrected.status_code == 302
    second = corrected.headers["Location"]
    assert client.post(second + "/publish", data={"csrf_token": logged_in, "confirm": "yes"}).status_code == 302
    page = client.get(second).get_data(as_text=True)
    assert "本版更正第 1 版" in page and "快递柜金额录错" in page and "1,234.50 → 1,300.00" in page
    with committee_scope(app, world) as s:
        fingerprint = s.scalars(select(Statement.fingerprint).where(Statement.version == 1)).one()
    listing = client.get(f"{BASE}/finance/statements?check-fingerprint={fingerprint[:20]}").get_data(as_text=True)
    assert "一致：" in listing and "此版本已被更正" in listing
    nothing = client.get(f"{BASE}/finance/statements?check-fingerprint={'0' * 64}").get_data(as_text=True)
    assert "没有与此指纹一致" in nothing


def test_distribution_and_vote_through_the_pages(client, app, world, logged_in):
    with committee_scope(app, world) as s:
        book_year(s)
        make_roll(s, ["80.00", "90.00", "100.00"])
    made = post(client, logged_in, "/votes", {"new-title": "分配公共收益结余", "new-kind": "public_income"})
    assert made.status_code == 302
    vote_url = made.headers["Location"]
    assert client.post(vote_url + "/open", data={"csrf_token": logged_in}).status_code == 302
    one = client.post(vote_url + "/ballots", data={"ballot-building": "1栋", "ballot-unit": "1", "ballot-room": "101",
                                                   "ballot-choice": "for", "csrf_token": logged_in})
    assert one.status_code == 302
    twice = client.post(vote_url + "/ballots", data={"ballot-building": "1栋", "ballot-unit": "1",
                                                     "ballot-room": "101", "ballot-choice": "for",
                                                     "csrf_token": logged_in})
    assert twice.status_code == 422 and "只能投一次" in twice.get_data(as_text=True)
    bad_sheet = client.post(vote_url + "/ballots/import", data={
        "sheet-file": (io.BytesIO("楼栋,单元,室,表决意见\n1栋,1,102,同意\n1栋,1,109,同意".encode()), "s.csv"),
        "csrf_token": logged_in}, content_type="multipart/form-data")
    assert bad_sheet.status_code == 422 and "不在这次表决的业主名册中" in bad_sheet.get_data(as_text=True)
    sheet = client.post(vote_url + "/ballots/import", data={
        "sheet-file": (io.BytesIO("楼栋,单元,室,表决意见\n1栋,1,102,同意\n1栋,1,103,反对".encode()), "s.csv"),
        "csrf_token": logged_in}, content_type="multipart/form-data")
    assert sheet.status_code == 302
    page = client.get(vote_url).get_data(as_text=True)
    assert "<svg" in page and "过半数" in page and "通过" in page
    assert client.post(vote_url + "/close", data={"csrf_token": logged_in, "confirm": "yes"}).status_code == 302
    assert "表决结果" in client.get(vote_url).get_data(as_text=True)
    vote_id = int(vote_url.rsplit("/", 1)[1])
    created = post(client, logged_in, "/finance/distributions", {"new-title": "2025年度分配", "new-method": "area",
                                                                 "new-total": "2,700.00"})
    assert created.status_code == 302
    url = created.headers["Location"]
    table = client.get(url).get_data(as_text=True)
    assert "800.00" in table and "900.00" in table and "1,000.00" in table
    with client.get(url + "/shares.csv") as csv_:
        lines = csv_.data.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("楼栋") and lines[-1].endswith(",270000") and len(lines) == 5
    with client.get(url + "/shares.xlsx") as xlsx:
        assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    recorded = client.post(url, data={"record-paid_on": "2026-01-10", "record-vote_id": str(vote_id),
                                      "record-decision": "", "csrf_token": logged_in})
    assert recorded.status_code == 302 and "已入账" in client.get(url).get_data(as_text=True)
    assert client.post(url + "/delete", data={"csrf_token": logged_in}).status_code == 302
    assert "已入账的分配不能删除" in client.get(url).get_data(as_text=True)


PAGES = ["/finance", "/finance/owners", "/finance/ledger", "/finance/statements", "/finance/distributions", "/votes"]


def test_pages_cost_the_same_for_more_rows(client, app, world, records, logged_in, count_queries):
    def grow(year: int):
        with committee_scope(app, world) as s:
            make_roll(s, ["70.00"] * 30, building=f"{year}栋")
            for month in range(1, 13):
                add_entry(s, category=Category.PARKING, amount_fen=1000, occurred_on=TODAY.replace(year=year,
                          month=month), counterparty="x", note="", today=TODAY)

    vote_url = f"/votes/{records['vote_id']}"
    client.post(BASE + vote_url + "/open", data={"csrf_token": logged_in})
    counts = {}
    for path in PAGES + [vote_url]:
        with count_queries() as q:
            assert client.get(BASE + path).status_code == 200
        counts[path] = q.count
    grow(2025)
    for path in PAGES + [vote_url]:
        with count_queries() as q:
            assert client.get(BASE + path).status_code == 200
        assert q.count == counts[path], (path, q.count, counts[path])


def test_other_kinds_of_tenant_get_404_and_committees_see_no_company_page(client, web, world, records):
    web.login("a-admin@test.cn")
    for path in PAGES + [f"/finance/statements/{records['statement_id']}", f"/votes/{records['vote_id']}"]:
        assert client.get("/company-a" + path).status_code == 404, path
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/company-a/").get_data(as_text=True))})
    web.login(EMAIL)
    assert client.get(f"{BASE}/rating").status_code == 404
    assert client.get(f"{BASE}/communities/{world.community_a}").status_code == 404
    nav = client.get(f"{BASE}/").get_data(as_text=True)
    assert "财务公示" in nav and "信用评价" not in nav
