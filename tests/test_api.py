"""The JSON API: tokens, scoping, validation errors with the field at fault."""
import datetime as dt

import pytest
from sqlalchemy import update

from red_property.accounts.models import ApiToken
from red_property.extensions import db


def test_token_for_good_credentials(api, world, client):
    token = api.token(world.email["a"][next(iter(world.email["a"]))])
    assert token.startswith("rp_")
    assert api.get("/api/v1/communities", token).status_code == 200


@pytest.mark.parametrize("body, status, field", [
    ({"email": "a-admin@test.cn", "password": "wrong"}, 401, None),
    ({"email": "nobody@test.cn", "password": "whatever"}, 401, None),
    ({"email": "not-an-email", "password": "x"}, 422, "email"),
    ({"password": "x"}, 422, "email"),
    ({"email": "a-admin@test.cn"}, 422, "password"),
    ({"email": "a-admin@test.cn", "password": 123}, 422, "password"),
    ({"email": ["a-admin@test.cn"], "password": "x"}, 422, "email"),
])
def test_token_refuses_bad_input_with_the_field(client, world, body, status, field):
    response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == status
    payload = response.get_json()
    if field:
        assert field in payload["errors"]["json"]
    else:
        assert "token" not in payload


def test_malformed_json_is_a_400(client, world):
    response = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["status"] == "Bad Request"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer rp_forged", "Basic abc", "Bearer " + "x" * 500])
def test_bad_tokens_are_401(client, world, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/communities", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == 401


def test_revoked_and_expired_tokens_are_401(api, world, app):
    email = world.email["a"][next(iter(world.email["a"]))]
    token = api.token(email)
    assert api.call("DELETE", "/api/v1/auth/token", token).status_code == 204
    assert api.get("/api/v1/communities", token).status_code == 401
    token = api.token(email)
    with app.app_context():
        db.session.info["identity"] = True
        from red_property.core.tenancy import tenant_scope

        with tenant_scope(db.session, world.a) as s:
            s.execute(update(ApiToken).values(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc))
                      .execution_options(synchronize_session=False))
            s.commit()
    assert api.get("/api/v1/communities", token).status_code == 401


def _names(response):
    assert response.status_code == 200, response.get_json()
    return {item["name"] for item in response.get_json()["items"]}


def test_list_shows_only_visible_communities(api, world):
    a = api.token("a-admin@test.cn")
    assert _names(api.get("/api/v1/communities", a)) == {"甲一小区", "甲二小区", "易主小区"}
    b = api.token("b-admin@test.cn")
    assert _names(api.get("/api/v1/communities", b)) == {"乙一小区", "丙小区", "易主小区"}
    committee = api.token("committee-admin@test.cn")
    assert _names(api.get("/api/v1/communities", committee)) == {"丙小区"}
    bureau = api.token("bureau-admin@test.cn")
    assert len(_names(api.get("/api/v1/communities", bureau))) == 6


def test_company_sees_only_its_own_contract_periods(api, world):
    a = api.token("a-admin@test.cn")
    moved = api.get(f"/api/v1/communities/{world.community_moved}", a).get_json()
    assert [(c["company"]["id"], c["current"]) for c in moved["contracts"]] == [(world.a, False)]
    bureau = api.token("bureau-admin@test.cn")
    moved = api.get(f"/api/v1/communities/{world.community_moved}", bureau).get_json()
    assert [(c["company"]["id"], c["current"]) for c in moved["contracts"]] == [(world.b, True), (world.a, False)]


def test_detail_of_another_tenants_community_is_404(api, world):
    a = api.token("a-admin@test.cn")
    for community in (world.community_b, world.community_x, world.community_none, 999999):
        response = api.get(f"/api/v1/communities/{community}", a)
        assert response.status_code == 404
        assert response.get_json()["code"] == 404
    detail = api.get(f"/api/v1/communities/{world.community_a}", a).get_json()
    assert detail["buildings"][0]["households"] == 3


@pytest.mark.parametrize("query, field", [
    ("per_page=0", "per_page"), ("per_page=201", "per_page"), ("page=0", "page"),
    ("page=abc", "page"), ("per_page=1.5", "per_page"), ("per_page=2.589e-42", "per_page"),
    ("q=" + "x" * 101, "q"),
])
def test_list_arguments_are_validated(api, world, query, field):
    a = api.token("a-admin@test.cn")
    response = api.get(f"/api/v1/communities?{query}", a)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["query"]


def test_pagination_and_search(api, world):
    bureau = api.token("bureau-admin@test.cn")
    page = api.get("/api/v1/communities?per_page=4&page=2", bureau).get_json()
    assert (page["total"], page["page"], len(page["items"])) == (6, 2, 2)
    assert _names(api.get("/api/v1/communities?q=甲", bureau)) == {"甲一小区", "甲二小区"}


def test_list_query_count_does_not_grow_with_rows(api, world, count_queries):
    bureau = api.token("bureau-admin@test.cn")
    with count_queries() as small:
        api.get("/api/v1/communities?per_page=2", bureau)
    with count_queries() as large:
        api.get("/api/v1/communities?per_page=200", bureau)
    assert large.count == small.count <= 5, large.statements


def test_readonly_users_cannot_write(api, world):
    viewer = api.token("a-readonly@test.cn")
    response = api.post("/api/v1/jobs/exports/community-register", viewer)
    assert response.status_code == 403


def test_unknown_route_and_method_are_json(api, world, client):
    a = api.token("a-admin@test.cn")
    assert api.get("/api/v1/nothing-here", a).status_code == 404
    response = api.call("PATCH", f"/api/v1/communities/{world.community_a}", a)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.get_json()["code"] == 405


def test_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/communities", "/api/v1/communities/{community_id}", "/api/v1/auth/token"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    summary = spec["paths"]["/api/v1/communities"]["get"]["summary"]
    assert summary == "List the communities this tenant may see."


@pytest.mark.parametrize("path", ["/api/v1/communities/4475446487814551847257278411867947008",
                                  "/api/v1/communities/0", "/api/v1/jobs/99999999999999999999/download"])
def test_ids_out_of_range_are_404_not_500(api, world, path):
    token = api.token("a-admin@test.cn")
    assert api.get(path, token).status_code == 404


def test_a_nul_character_anywhere_is_refused_with_where_it_was(client, api, world):
    """PostgreSQL cannot store U+0000: it is refused at the edge, naming the field, never a 500."""
    token = api.token("a-admin@test.cn")
    body = api.post("/api/v1/demands", token, json={"community_id": world.community_a, "description": "灯\x00坏了"})
    assert body.status_code == 422 and body.get_json()["errors"] == {"json": {"description": ["含有不可见的控制字符 (NUL)"]}}
    nested = api.post("/api/v1/party/organisations", token, json={"name": "x", "community_ids": [1], "extra": ["a\x00"]})
    assert nested.get_json()["errors"] == {"json": {"extra.0": ["含有不可见的控制字符 (NUL)"]}}
    query = api.get("/api/v1/communities?q=a%00b", token)
    assert query.status_code == 422 and "q" in query.get_json()["errors"]["query"]
    from tests.conftest import csrf_token

    form = csrf_token(client.get("/login").get_data(as_text=True))
    page = client.post("/login", data={"email": "a\x00@test.cn", "password": "x", "csrf_token": form})
    assert page.status_code == 422 and "含有不可见的控制字符" in page.get_data(as_text=True)


def test_refusals_say_why_in_the_json(client, api, world):
    missing = client.get("/api/v1/communities")
    assert missing.status_code == 401 and "Bearer" in missing.get_json()["message"]
    readonly = api.post("/api/v1/jobs/exports/community-register", api.token("a-readonly@test.cn"))
    assert readonly.status_code == 403 and readonly.get_json()["message"] == "Read-only account."
