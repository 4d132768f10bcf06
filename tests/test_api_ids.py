"""Ids in JSON bodies: one too big for the database is a 422 on its field, never a 500."""
import pytest

HUGE = 2**70


@pytest.mark.parametrize("email, path, body, field", [
    ("a-admin@test.cn", "/api/v1/party/organisations",
     {"name": "甲一小区党支部", "level": "branch", "community_ids": [HUGE]}, "community_ids"),
    ("a-admin@test.cn", "/api/v1/party/organisations",
     {"name": "甲一小区党支部", "level": "branch", "community_ids": [1], "parent_id": HUGE}, "parent_id"),
    ("a-admin@test.cn", "/api/v1/party/members", {"name": "王伟", "community_id": HUGE}, "community_id"),
    ("bureau-admin@test.cn", "/api/v1/rating/events",
     {"company_tenant_id": HUGE, "kind": "award", "occurred_on": "2026-01-01", "reference": "x"}, "company_tenant_id"),
    ("bureau-admin@test.cn", "/api/v1/rating/inspections",
     {"company_tenant_id": 1, "community_id": -HUGE, "inspected_on": "2026-01-01", "score": "90"}, "community_id"),
])
def test_an_id_the_database_cannot_hold_is_refused_on_its_field(api, world, email, path, body, field):
    response = api.post(path, api.token(email), json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]
