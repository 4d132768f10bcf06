"""The committee's JSON API: the whole flow, bad input on every field, tenancy, query counts."""
import io

import pytest

from red_property.finance.ledger import add_entry
from red_property.finance.models import Category
from tests.factories_finance import EMAIL, TODAY, book_year, committee_records, committee_scope, make_roll

PDF = b"%PDF-1.4 receipt"


@pytest.fixture
def token(api, world):
    return api.token(EMAIL)


def call(api, token, method, path, **kwargs):
    return api.call(method, f"/api/v1/{path}", token, **kwargs)


def test_roll_book_and_ledger(api, app, world, token):
    made = call(api, token, "POST", "finance/owners", json={"building": "1栋", "unit": "1", "room": "101",
                                                             "name": "王伟", "floor_area": "88.50"})
    assert made.status_code == 201 and made.get_json()["floor_area"] == "88.50"
    owner = made.get_json()["id"]
    assert call(api, token, "GET", f"finance/owners/{owner}").get_json()["name"] == "王伟"
    page = call(api, token, "GET", "finance/owners?q=王").get_json()
    assert page["total"] == 1 and page["items"][0]["room"] == "101"
    book = call(api, token, "PUT", "finance/book", json={"opened_on": "2025-01-01", "opening_balance_fen": 500000})
    assert book.status_code == 200 and book.get_json()["balance_fen"] == 500000
    entry = call(api, token, "POST", "finance/entries", json={
        "category": "parking", "amount_fen": 1200000, "occurred_on": "2025-02-03", "counterparty": "物业服务中心"})
    assert entry.status_code == 201
    entry_id = entry.get_json()["id"]
    receipt = call(api, token, "POST", f"finance/entries/{entry_id}/receipts", data={"file": (io.BytesIO(PDF), "r.pdf")},
                   content_type="multipart/form-data")
    assert receipt.status_code == 201 and receipt.get_json()["content_type"] == "application/pdf"
    shown = call(api, token, "GET", f"finance/entries/{entry_id}").get_json()
    assert shown["direction"] == "income" and len(shown["receipts"]) == 1
    with call(api, token, "GET", f"files/{shown['receipts'][0]['id']}") as download:
        assert download.status_code == 200 and download.data == PDF
    fixed = call(api, token, "PUT", f"finance/entries/{entry_id}", json={
        "category": "advertising", "amount_fen": 1100000, "occurred_on": "2025-02-03", "counterparty": "分众传媒",
        "note": "电梯广告"})
    assert fixed.status_code == 200 and fixed.get_json()["category"] == "advertising"
    listed = call(api, token, "GET", "finance/entries?year=2025&category=advertising").get_json()
    assert listed["total"] == 1 and listed["items"][0]["amount_fen"] == 1100000
    quarters = call(api, token, "GET", "finance/quarters?year=2025").get_json()
    assert quarters[0] == {"quarter": "2025-Q1", "income_fen": 1100000, "expense_fen": 0}
    assert call(api, token, "GET", "finance/book").get_json()["balance_fen"] == 1600000
    assert call(api, token, "DELETE", f"finance/entries/{entry_id}").status_code == 204
    assert call(api, token, "DELETE", f"finance/owners/{owner}").status_code == 204
    assert call(api, token, "GET", f"finance/owners/{owner}").status_code == 404


def test_statements_publish_correct_and_check(api, app, world, token):
    with committee_scope(app, world) as s:
        book_year(s)
    draft = call(api, token, "POST", "finance/statements", json={"year": 2025, "quarter": 1})
    assert draft.status_code == 201 and draft.get_json()["status"] == "draft"
    statement_id = draft.get_json()["id"]
    detail = call(api, token, "GET", f"finance/statements/{statement_id}").get_json()
    assert detail["content"]["income_total"] == 1560050 and detail["fingerprint"] is None
    published = call(api, token, "POST", f"finance/statements/{statement_id}/publish")
    assert published.status_code == 200
    fingerprint = published.get_json()["fingerprint"]
    assert call(api, token, "POST", f"finance/statements/{statement_id}/publish").status_code == 422
    assert call(api, token, "DELETE", f"finance/statements/{statement_id}").status_code == 422
    with call(api, token, "GET", f"finance/statements/{statement_id}/pdf") as pdf:
        assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"
    found = call(api, token, "GET", f"finance/statements/by-fingerprint?fingerprint={fingerprint[:16]}").get_json()
    assert [f["id"] for f in found] == [statement_id]
    nothing = "f" * 64 if fingerprint[0] != "f" else "e" * 64
    assert call(api, token, "GET", f"finance/statements/by-fingerprint?fingerprint={nothing}").get_json() == []
    assert call(api, token, "GET", "finance/statements/by-fingerprint?fingerprint=nothex").status_code == 422
    with committee_scope(app, world) as s:
        add_entry(s, category=Category.LOCKERS, amount_fen=80000, occurred_on=TODAY.replace(year=2025, month=3),
                  counterparty="丰巢", note="", today=TODAY)
    drift = call(api, token, "GET", f"finance/statements/{statement_id}").get_json()["ledger_changes"]
    assert {"kind": "category", "field": "lockers", "before": 0, "after": 80000} in drift
    correction = call(api, token, "POST", f"finance/statements/{statement_id}/corrections", json={"reason": "补记快递柜"})
    assert correction.status_code == 201 and correction.get_json()["supersedes_id"] == statement_id
    second = call(api, token, "POST", f"finance/statements/{correction.get_json()['id']}/publish").get_json()
    assert second["version"] == 2 and second["content"]["changes"]
    listed = call(api, token, "GET", "finance/statements").get_json()
    assert [(s["period"], s["version"]) for s in listed] == [("2025-Q1", 2), ("2025-Q1", 1)]
    year = call(api, token, "POST", "finance/statements", json={"kind": "year", "year": 2025})
    assert year.status_code == 201 and year.get_json()["period"] == "2025"
    assert call(api, token, "DELETE", f"finance/statements/{year.get_json()['id']}").status_code == 204


def test_distribution_and_vote(api, app, world, token):
    with committee_scope(app, world) as s:
        book_year(s)
        make_roll(s, ["80.00", "90.00", "100.00"])
    vote = call(api, token, "POST", "votes", json={"title": "分配公共收益结余", "kind": "public_income"})
    assert vote.status_code == 201
    vote_id = vote.get_json()["id"]
    assert call(api, token, "PUT", f"votes/{vote_id}", json={"title": "分配2025年公共收益结余",
                                                              "kind": "public_income"}).status_code == 200
    assert call(api, token, "GET", f"votes/{vote_id}/tally").status_code == 404  # a draft has no electorate
    opened = call(api, token, "POST", f"votes/{vote_id}/open").get_json()
    assert opened["status"] == "open" and opened["total_owners"] == 3 and opened["tally"]["passed"] is False
    ballots = call(api, token, "GET", f"votes/{vote_id}/ballots?cast=false").get_json()
    assert ballots["total"] == 3
    owners = [b["owner_id"] for b in ballots["items"]]
    cast = call(api, token, "POST", f"votes/{vote_id}/ballots", json={"owner_id": owners[0], "choice": "for"})
    assert cast.status_code == 201 and cast.get_json()["choice"] == "for"
    again = call(api, token, "POST", f"votes/{vote_id}/ballots", json={"owner_id": owners[0], "choice": "against"})
    assert again.status_code == 422 and "owner_id" in again.get_json()["errors"]["json"]
    sheet = "楼栋,单元,室,表决意见\n1栋,1,102,同意\n1栋,1,103,弃权".encode("utf-8-sig")
    imported = call(api, token, "POST", f"votes/{vote_id}/ballots/import",
                    data={"file": (io.BytesIO(sheet), "选票.csv")}, content_type="multipart/form-data")
    assert imported.status_code == 200 and imported.get_json() == {"ballots": 2, "for": 1, "against": 0, "abstain": 1}
    tally = call(api, token, "GET", f"votes/{vote_id}/tally").get_json()
    assert tally["passed"] is True and tally["participating_owners"] == 3
    closed = call(api, token, "POST", f"votes/{vote_id}/close").get_json()
    assert closed["status"] == "closed" and closed["passed"] is True
    late = call(api, token, "POST", f"votes/{vote_id}/ballots", json={"owner_id": owners[1], "choice": "for"})
    assert late.status_code == 422
    made = call(api, token, "POST", "finance/distributions", json={"title": "2025年度分配", "method": "household",
                                                                   "total_fen": 100})
    assert made.status_code == 201 and [s["amount_fen"] for s in made.get_json()["shares"]] == [34, 33, 33]
    distribution_id = made.get_json()["id"]
    recorded = call(api, token, "POST", f"finance/distributions/{distribution_id}/record",
                    json={"paid_on": "2026-01-15", "vote_id": vote_id})
    assert recorded.status_code == 201 and recorded.get_json()["entry_id"]
    assert call(api, token, "DELETE", f"finance/distributions/{distribution_id}").status_code == 422
    assert call(api, token, "GET", "finance/distributions").get_json()[0]["vote_id"] == vote_id
    assert call(api, token, "DELETE", f"votes/{vote_id}").status_code == 422


@pytest.fixture
def records(app, world):
    with app.app_context():
        return committee_records(world)


BAD = [
    ("POST", "finance/owners", {"building": "", "unit": "1", "room": "1", "name": "x", "floor_area": "1"}, "building"),
    ("POST", "finance/owners", {"building": "1栋", "unit": "1" * 11, "room": "1", "name": "x", "floor_area": "1"}, "unit"),
    ("POST", "finance/owners", {"building": "1栋", "unit": "1", "room": "", "name": "x", "floor_area": "1"}, "room"),
    ("POST", "finance/owners", {"building": "1栋", "unit": "1", "room": "1", "name": "x" * 51, "floor_area": "1"}, "name"),
    ("POST", "finance/owners", {"building": "1栋", "unit": "1", "room": "1", "name": "x", "floor_area": "abc"},
     "floor_area"),
    ("POST", "finance/owners", {"building": "1栋", "unit": "1", "room": "1", "name": "x", "floor_area": "1.001"},
     "floor_area"),
    ("POST", "finance/owners", {"building": "1栋", "unit": "1", "room": "1", "name": "x", "floor_area": -5},
     "floor_area"),
    ("POST", "finance/owners", {"building": "1栋", "unit": "1", "room": "101", "name": "x", "floor_area": "80"}, "room"),
    ("PUT", "finance/book", {"opened_on": "2025-13-01", "opening_balance_fen": 0}, "opened_on"),
    ("PUT", "finance/book", {"opened_on": "2099-01-01", "opening_balance_fen": 0}, "opened_on"),
    ("PUT", "finance/book", {"opened_on": "2025-01-01", "opening_balance_fen": -1}, "opening_balance_fen"),
    ("PUT", "finance/book", {"opened_on": "2025-01-01", "opening_balance_fen": 1.5}, "opening_balance_fen"),
    ("PUT", "finance/book", {"opened_on": "2025-06-01", "opening_balance_fen": 0}, "opened_on"),  # entries before
    ("POST", "finance/entries", {"category": "lottery", "amount_fen": 1, "occurred_on": "2025-02-01",
                                 "counterparty": "x"}, "category"),
    ("POST", "finance/entries", {"category": "parking", "amount_fen": 0, "occurred_on": "2025-02-01",
                                 "counterparty": "x"}, "amount_fen"),
    ("POST", "finance/entries", {"category": "parking", "amount_fen": "100", "occurred_on": "2025-02-01",
                                 "counterparty": "x"}, "amount_fen"),
    ("POST", "finance/entries", {"category": "parking", "amount_fen": 10**13, "occurred_on": "2025-02-01",
                                 "counterparty": "x"}, "amount_fen"),
    ("POST", "finance/entries", {"category": "parking", "amount_fen": 1, "occurred_on": "2099-02-01",
                                 "counterparty": "x"}, "occurred_on"),
    ("POST", "finance/entries", {"category": "parking", "amount_fen": 1, "occurred_on": "2024-12-31",
                                 "counterparty": "x"}, "occurred_on"),
    ("POST", "finance/entries", {"category": "parking", "amount_fen": 1, "occurred_on": "2025-02-01",
                                 "counterparty": " "}, "counterparty"),
    ("POST", "finance/entries", {"category": "parking", "amount_fen": 1, "occurred_on": "2025-02-01",
                                 "counterparty": "x", "note": "x" * 501}, "note"),
    ("POST", "finance/statements", {"year": 2025}, "quarter"),
    ("POST", "finance/statements", {"kind": "year", "year": 2025, "quarter": 2}, "quarter"),
    ("POST", "finance/statements", {"kind": "month", "year": 2025, "quarter": 2}, "kind"),
    ("POST", "finance/statements", {"year": 1999, "quarter": 1}, "year"),
    ("POST", "finance/statements", {"year": 2025, "quarter": 5}, "quarter"),
    ("POST", "finance/statements", {"year": 2025, "quarter": 1}, "year"),   # already has a draft
    ("POST", "finance/statements", {"year": 2027, "quarter": 1}, "year"),   # has not started
    ("POST", "finance/distributions", {"title": "x", "method": "area", "total_fen": 100}, "title"),
    ("POST", "finance/distributions", {"title": "分配", "method": "lottery", "total_fen": 100}, "method"),
    ("POST", "finance/distributions", {"title": "分配", "method": "area", "total_fen": 0}, "total_fen"),
    ("POST", "finance/distributions", {"title": "分配", "method": "area", "total_fen": 10**11}, "total_fen"),
    ("POST", "votes", {"title": "x", "kind": "other"}, "title"),
    ("POST", "votes", {"title": "正常的事项", "kind": "referendum"}, "kind"),
    ("POST", "votes", {"title": "正常的事项", "kind": "other", "description": "x" * 5001}, "description"),
]


@pytest.mark.parametrize("method, path, body, field", BAD, ids=[f"{m} {p} {f}" for m, p, _b, f in BAD])
def test_bad_input_names_the_field(api, records, token, method, path, body, field):
    response = call(api, token, method, path, json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"], response.get_json()


def test_bad_input_on_routes_with_ids(api, records, token):
    r = records
    cases = [
        ("PUT", f"finance/entries/{r['entry_id']}", {"category": "parking", "amount_fen": -1,
                                                     "occurred_on": "2025-01-05", "counterparty": "x"}, "amount_fen"),
        ("POST", f"finance/statements/{r['statement_id']}/corrections", {"reason": "改"}, "reason"),
        ("POST", f"finance/statements/{r['statement_id']}/corrections", {"reason": "草稿不能更正"}, "reason"),
        ("POST", f"finance/distributions/{r['distribution_id']}/record", {"paid_on": "x"}, "paid_on"),
        ("POST", f"finance/distributions/{r['distribution_id']}/record", {"paid_on": "2026-01-01",
                                                                          "vote_id": "1"}, "vote_id"),
        ("POST", f"finance/distributions/{r['distribution_id']}/record", {"paid_on": "2026-01-01"}, "decision"),
        ("PUT", f"votes/{r['vote_id']}", {"title": "正常的事项", "kind": "x"}, "kind"),
        ("POST", f"votes/{r['vote_id']}/ballots", {"owner_id": r["owner_id"], "choice": "for"}, "choice"),  # draft
        ("POST", f"votes/{r['vote_id']}/ballots", {"owner_id": "1", "choice": "for"}, "owner_id"),
        ("POST", f"votes/{r['vote_id']}/ballots", {"owner_id": r["owner_id"], "choice": "maybe"}, "choice"),
        ("POST", f"votes/{r['vote_id']}/close", None, "vote_id"),
    ]
    for method, path, body, field in cases:
        response = call(api, token, method, path, json=body)
        assert response.status_code == 422 and field in response.get_json()["errors"]["json"], (path, response.json)
    no_file = call(api, token, "POST", f"finance/entries/{r['entry_id']}/receipts", data={},
                   content_type="multipart/form-data")
    assert no_file.status_code == 422
    not_a_receipt = call(api, token, "POST", f"finance/entries/{r['entry_id']}/receipts",
                         data={"file": (io.BytesIO(b"MZ\x90\x00"), "virus.pdf")}, content_type="multipart/form-data")
    assert not_a_receipt.status_code == 422 and "file" in not_a_receipt.get_json()["errors"]["json"]
    for query in ("page=0", "per_page=201", "year=1999", "category=lottery", "q="):
        assert call(api, token, "GET", f"finance/entries?{query}").status_code == 422 or query == "q="


def test_companies_never_see_the_committees_books_nor_the_committee_theirs(api, app, world, records, token):
    company = api.token("a-admin@test.cn")
    r = records
    for path in ("finance/owners", "finance/entries", "finance/statements", "finance/distributions", "votes",
                 f"finance/owners/{r['owner_id']}", f"finance/entries/{r['entry_id']}",
                 f"finance/statements/{r['statement_id']}", f"finance/statements/{r['statement_id']}/pdf",
                 f"finance/distributions/{r['distribution_id']}", f"votes/{r['vote_id']}", "finance/book",
                 "finance/quarters?year=2025"):
        assert call(api, company, "GET", path).status_code == 404, path
    for method, path in (("POST", f"finance/statements/{r['statement_id']}/publish"),
                         ("DELETE", f"finance/statements/{r['statement_id']}"), ("POST", f"votes/{r['vote_id']}/open"),
                         ("DELETE", f"finance/owners/{r['owner_id']}")):
        assert call(api, company, method, path).status_code == 404, path
    # and the committee reaches none of a company's records
    for path in ("party/members", "rating/runs", f"communities/{world.community_a}",
                 f"communities/{world.community_a}/households/import"):
        method = "POST" if path.endswith("import") else "GET"
        assert call(api, token, method, path).status_code == 404, path
    assert call(api, token, "GET", f"communities/{world.community_x}").status_code == 200  # its own community


LISTS = ["finance/owners", "finance/entries", "finance/statements", "finance/distributions", "votes"]


def test_list_endpoints_cost_the_same_for_more_rows(api, app, world, token, count_queries):
    from red_property.finance.distribution import create_distribution
    from red_property.finance.models import DistributionMethod, StatementKind
    from red_property.finance.statements import create_statement
    from red_property.votes.models import ProposalKind
    from red_property.votes.services import create_vote, open_vote

    def grow(n: int, year: int):
        with committee_scope(app, world) as s:
            make_roll(s, ["80.00"] * n, building=f"{year}栋")
            for i in range(n):
                entry = add_entry(s, category=Category.PARKING, amount_fen=100 + i, occurred_on=TODAY.replace(
                    year=year, month=1 + i % 12), counterparty="x", note="", today=TODAY)
                from red_property.finance.ledger import attach_receipt
                attach_receipt(s, entry, filename="r.pdf", data=PDF)
            for quarter in range(1, 1 + min(n, 4)):
                create_statement(s, kind=StatementKind.QUARTER, year=year, quarter=quarter, today=TODAY)
            for _ in range(n):
                create_distribution(s, title="分配试算", method=DistributionMethod.AREA, total_fen=1)
                open_vote(s, create_vote(s, title="表决事项", kind=ProposalKind.OTHER))

    with committee_scope(app, world) as s:
        from red_property.finance.ledger import set_book
        set_book(s, opened_on=TODAY.replace(year=2020, month=1, day=1), opening_balance_fen=10**8, today=TODAY)
    grow(2, 2024)
    counts = {}
    for path in LISTS:
        with count_queries() as q:
            assert call(api, token, "GET", path).status_code == 200
        counts[path] = q.count
    grow(6, 2025)
    vote_id = call(api, token, "GET", "votes").get_json()[0]["id"]
    for path in LISTS + [f"votes/{vote_id}/ballots"]:
        with count_queries() as q:
            assert call(api, token, "GET", path).status_code == 200
        assert path not in counts or q.count == counts[path], (path, q.count, counts[path])
        assert q.count <= 8, (path, q.statements)
