"""The rating drill-down as a list: filters (community, dates, indicator), record numbers that open the
record; and the dashboard's "查看相关记录" opening the list already filtered."""
import datetime as dt

import pytest

from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from tests.conftest import csrf_token
from tests.factories import PASSWORD
from tests.factories_demands import NOW, resolved
from tests.test_rating_web import _start


@pytest.fixture
def published(app, client, web, world):
    """Company A: demands resolved in September (甲一小区) and August (甲二小区); a published run; A logged in."""
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        ids = {"sep": resolved(s, world.community_a, at=NOW - dt.timedelta(days=30), source="hotline",
                               hotline_ticket="2026092000017").id,
               "aug": resolved(s, world.community_a2, at=NOW - dt.timedelta(days=60),
                               after=dt.timedelta(hours=100)).id}   # resolved after its 72 hours
    run_page, token = _start(app, client, web, world)
    run_id = int(run_page.rstrip("/").split("/")[-1])
    client.post(run_page + "/publish", data={"csrf_token": token, "confirm": "yes"})   # publishing asks first
    company = app.test_client()
    form = csrf_token(company.get("/login").get_data(as_text=True))
    company.post("/login", data={"email": "a-staff@test.cn", "password": PASSWORD, "csrf_token": form})
    return company, run_id, ids


def test_record_numbers_open_the_record_and_filters_narrow_the_list(world, client, published):
    company, run_id, ids = published
    base = f"/company-a/rating/runs/{run_id}/companies/{world.a}/evidence"
    html = company.get(f"{base}/demands_on_time").get_data(as_text=True)
    for demand_id in ids.values():
        assert f'href="/company-a/demands/{demand_id}">#{demand_id}</a>' in html
    assert company.get(f"/company-a/demands/{ids['sep']}").status_code == 200
    one = company.get(f"{base}/demands_on_time?community_id={world.community_a}").get_data(as_text=True)
    link = 'href="/company-a/demands/{}"'.format
    assert link(ids["sep"]) in one and link(ids["aug"]) not in one
    assert f'data-community="{world.community_a2}"' not in one
    august = company.get(f"{base}/demands_on_time?from=2026-08-01&to=2026-08-31").get_data(as_text=True)
    assert link(ids["aug"]) in august and link(ids["sep"]) not in august
    hotline = company.get(f"{base}/demands_on_time?source=12345 热线").get_data(as_text=True)
    assert link(ids["sep"]) in hotline and link(ids["aug"]) not in hotline
    assert '<option selected>12345 热线</option>' in hotline and "<option>来电</option>" in hotline
    # the indicator tabs keep the filters
    assert f'{base}/demand_satisfaction?community_id={world.community_a}"' in one
    for query, field in (("from=31-08-2026", "from"), ("from=2026-09-01&to=2026-08-01", "to")):
        bad = company.get(f"{base}/demands_on_time?{query}")
        assert bad.status_code == 400 and f'data-field="{field}"' in bad.get_data(as_text=True)
    # the bureau sees the numbers, not links into the company's pages (which it cannot open)
    bureau = client.get(f"/bureau/rating/runs/{run_id}/companies/{world.a}/evidence/demands_on_time")
    text = bureau.get_data(as_text=True)
    assert f">#{ids['sep']}</td>" in text and link(ids["sep"]) not in text


def test_see_related_records_opens_the_list_already_filtered(world, published):
    company, _run_id, ids = published
    board = company.get("/company-a/compliance").get_data(as_text=True)
    assert 'href="/company-a/demands?overdue=1"' in board
    assert 'href="/company-a/demands?status=unresolved"' in board
    assert 'href="/company-a/fees/bills?status=overdue"' in board
    one = company.get(f"/company-a/compliance/communities/{world.community_a2}").get_data(as_text=True)
    assert f'href="/company-a/demands?overdue=1&amp;community_id={world.community_a2}"' in one
    listed = company.get(f"/company-a/demands?overdue=1&community_id={world.community_a2}").get_data(as_text=True)
    assert f'>{ids["aug"]}</a>' in listed and f'>{ids["sep"]}</a>' not in listed
