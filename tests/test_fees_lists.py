"""The bill and payment lists: filters (community, period, status, dates, room search), exports that hold
exactly what the filtered list holds, rooms in natural order across pages (101 before 1001)."""
import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from red_property.communities.models import Building, Household
from red_property.core.natural import natural_key
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.fees.models import Bill, PaymentMethod
from red_property.fees.payments import PaymentData, record_payment
from tests.conftest import run_worker
from tests.factories_fees import TODAY, billed

A = "a-admin@test.cn"
ADDRESS = re.compile(r"<td>(?:<a [^>]+>)?(甲一小区 [^<]+室)(?:</a>)?</td>")   # linked to the household's account


@pytest.fixture
def bills(app, world):
    """Company A's community: three rooms of unit 1 and 32 of unit 2 (101 ... 3201), billed; three payments."""
    app.config["FEES_HELPER_IDLE_SECONDS"] = 0.2
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        building = s.scalar(select(Building.id).where(Building.community_id == world.community_a))
        s.add_all(Household(community_id=world.community_a, building_id=building, unit="2", room=f"{n}01",
                            floor_area=70, owner_name=f"新户{n}") for n in range(32, 0, -1))
        s.commit()
        billed(s, world.community_a)
        run_worker(app)
        ids = {address: i for i, address in s.execute(select(Bill.id, Bill.address))}
        for address, paid_on, method in (("甲一小区 1栋 2单元 101室", dt.date(2026, 3, 1), PaymentMethod.CASH),
                                         ("甲一小区 1栋 2单元 1001室", dt.date(2026, 3, 5), PaymentMethod.MOBILE),
                                         ("甲一小区 1栋 1单元 201室", dt.date(2026, 4, 1), PaymentMethod.CASH)):
            record_payment(s, PaymentData(bill_id=ids[address], amount_fen=100, paid_on=paid_on, method=method),
                           today=TODAY)
        return ids


def test_natural_key_orders_rooms_and_building_unit_room():
    rooms = ["1001", "101", "10-1-101", "2-1-1001", "2-1-101", "10栋", "2栋", "201"]
    assert sorted(rooms, key=natural_key) == ["2-1-101", "2-1-1001", "2栋", "10-1-101", "10栋", "101", "201", "1001"]


def test_bills_are_in_natural_room_order_across_pages(client, web, world, bills):
    web.login(A)
    first = ADDRESS.findall(client.get("/company-a/fees/bills").get_data(as_text=True))
    second = ADDRESS.findall(client.get("/company-a/fees/bills?page=2").get_data(as_text=True))
    assert len(first) == 30 and len(second) == 5
    assert first + second == sorted(bills, key=natural_key)
    # the database sorted before paging: a lexical order would have put 2单元 1001室 on page 1
    assert first[3:6] == ["甲一小区 1栋 2单元 101室", "甲一小区 1栋 2单元 201室", "甲一小区 1栋 2单元 301室"]
    assert "甲一小区 1栋 2单元 3201室" in second


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_bill_filters_and_the_export_holds_what_the_list_shows(client, web, world, bills):
    web.login(A)
    query = "q=2单元&status=partial&period=2026-Q1"
    listed = ADDRESS.findall(client.get(f"/company-a/fees/bills?{query}").get_data(as_text=True))
    assert listed == ["甲一小区 1栋 2单元 101室", "甲一小区 1栋 2单元 1001室"]
    rows = _csv(client.get(f"/company-a/fees/bills/export?fmt=csv&{query}"))
    assert [r[2] for r in rows[1:]] == listed
    book = load_workbook(io.BytesIO(client.get(f"/company-a/fees/bills/export?fmt=xlsx&{query}").get_data()))
    assert [r[2] for r in book.active.iter_rows(min_row=2, values_only=True)] == listed
    due = client.get("/company-a/fees/bills?due_from=2020-01-01&due_to=2020-12-31").get_data(as_text=True)
    assert ADDRESS.findall(due) == []
    assert len(ADDRESS.findall(client.get("/company-a/fees/bills?q=50%").get_data(as_text=True))) == 0


@pytest.mark.parametrize("query, field", [
    ("due_from=2026-13-01", "due_from"), ("due_from=2026-03-02&due_to=2026-03-01", "due_to"),
    ("period=2026-3", "period"), ("period=2026-Q5", "period"), ("status=lost", "status"),
])
def test_a_bill_filter_that_cannot_be_read_is_a_400_at_its_field(client, web, world, bills, query, field):
    web.login(A)
    response = client.get(f"/company-a/fees/bills?{query}")
    assert response.status_code == 400 and f'data-field="{field}"' in response.get_data(as_text=True)
    assert client.get(f"/company-a/fees/bills/export?fmt=csv&{query}").status_code == 400


def test_payment_filters_and_export(client, web, world, bills):
    web.login(A)
    page = client.get("/company-a/fees/payments?paid_from=2026-03-01&paid_to=2026-03-31").get_data(as_text=True)
    assert "2单元 1001室" in page and "2单元 101室" in page and "1单元 201室" not in page
    rows = _csv(client.get("/company-a/fees/payments/export?fmt=csv&paid_from=2026-03-01&paid_to=2026-03-31"))
    assert [r[2] for r in rows[1:]] == ["甲一小区 1栋 2单元 1001室", "甲一小区 1栋 2单元 101室"]  # newest first
    rows = _csv(client.get("/company-a/fees/payments/export?fmt=csv&method=cash&q=201"))
    assert [r[2] for r in rows[1:]] == ["甲一小区 1栋 1单元 201室"]
    assert _csv(client.get(f"/company-a/fees/payments/export?fmt=csv&community_id={world.community_b}")) == [rows[0]]
    response = client.get("/company-a/fees/payments?paid_from=yesterday")
    assert response.status_code == 400 and 'data-field="paid_from"' in response.get_data(as_text=True)
    assert client.get("/company-a/fees/payments/export?fmt=csv&method=gold").status_code == 400
