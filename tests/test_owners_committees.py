"""Owners' committees: one per community at a time, term and filing day; a new term takes over access."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from red_property.communities.models import Community, OwnersCommittee
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from tests.conftest import csrf_token


def term(**changes) -> dict:
    return {"term_starts_on": "2025-01-01", "term_ends_on": "2029-12-31", "filed_on": "2025-01-10",
            "admin_email": "weiyuan@test.cn", "admin_name": "王主任", **changes}


def committee_of(app, world, community_id) -> int | None:
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        return s.get(Community, community_id).committee_tenant_id


def test_the_bureau_sets_up_a_committee_and_invites_its_admin(app, api, world):
    bureau = api.token("bureau-admin@test.cn")
    url = f"/api/v1/register/communities/{world.community_none}/committees"
    made = api.post(url, bureau, json=term())
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["invitation"]["url"] and body["committee"]["filed_on"] == "2025-01-10"
    assert committee_of(app, world, world.community_none) == body["committee"]["committee_tenant_id"]
    assert [t["term_starts_on"] for t in api.get(url, bureau).get_json()] == ["2025-01-01"]
    again = api.post(url, bureau, json=term(admin_email="other@test.cn", term_starts_on="2024-06-01", term_ends_on="2029-05-31"))
    assert again.status_code == 422 and "term_starts_on" in again.get_json()["errors"]["json"]


def test_a_new_term_ends_the_old_one_and_takes_over_access(app, api, world):
    bureau = api.token("bureau-admin@test.cn")
    old = api.token("committee-admin@test.cn")
    assert api.get(f"/api/v1/communities/{world.community_x}", old).status_code == 200
    url = f"/api/v1/register/communities/{world.community_x}/committees"
    first = api.post(url, bureau, json=term(admin_email="first@test.cn"))
    assert first.status_code == 201
    second = api.post(url, bureau, json=term(admin_email="second@test.cn", term_starts_on="2026-03-01",
                                             term_ends_on="2031-02-28", filed_on="2025-12-01"))
    assert second.status_code == 201, second.get_json()
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        terms = [(t.term_starts_on, t.term_ends_on) for t in s.scalars(
            select(OwnersCommittee).where(OwnersCommittee.community_id == world.community_x)
            .order_by(OwnersCommittee.term_starts_on))]
    assert terms == [(dt.date(2025, 1, 1), dt.date(2026, 2, 28)), (dt.date(2026, 3, 1), dt.date(2031, 2, 28))]
    assert committee_of(app, world, world.community_x) == second.get_json()["committee"]["committee_tenant_id"]
    # the committee that was replaced no longer sees the community, but still logs in to its own records
    assert api.get(f"/api/v1/communities/{world.community_x}", old).status_code == 404
    assert api.get("/api/v1/users", old).status_code == 200


@pytest.mark.parametrize("field, value", [("term_ends_on", "2024-12-31"), ("term_ends_on", "2035-01-01"),
                                          ("filed_on", "2999-01-01"), ("admin_email", "committee-admin@test.cn"),
                                          ("term_starts_on", "2025-02-30")])
def test_wrong_input_names_the_field(api, world, field, value):
    response = api.post(f"/api/v1/register/communities/{world.community_none}/committees",
                        api.token("bureau-admin@test.cn"), json=term(**{field: value}))
    assert response.status_code == 422 and field in response.get_json()["errors"]["json"], response.get_json()


def test_other_tenants_get_404(api, world):
    for email in ("a-admin@test.cn", "committee-admin@test.cn"):
        token = api.token(email)
        url = f"/api/v1/register/communities/{world.community_x}/committees"
        assert api.get(url, token).status_code == 404
        assert api.post(url, token, json=term()).status_code == 404
    assert api.get("/api/v1/register/communities/999999/committees",
                   api.token("bureau-admin@test.cn")).status_code == 404


def test_the_register_page_sets_up_a_committee(client, web, world):
    web.login("bureau-admin@test.cn")
    page = client.get(f"/bureau/register/{world.community_none}")
    token = csrf_token(page.get_data(as_text=True))
    url = f"/bureau/register/{world.community_none}/committees"
    bad = client.post(url, data={**term(filed_on="2999-01-01"), "csrf_token": token})
    assert bad.status_code == 422 and 'data-field="filed_on"' in bad.get_data(as_text=True)
    done = client.post(url, data={**term(), "csrf_token": token})
    assert done.status_code == 200 and 'data-testid="invitation-link"' in done.get_data(as_text=True)
    assert 'data-testid="committee"' in client.get(f"/bureau/register/{world.community_none}").get_data(as_text=True)
