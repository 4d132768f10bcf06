"""Tenant admins manage their own users; nobody else's."""
import pytest

from tests.conftest import csrf_token


def test_admin_adds_a_user_who_can_then_log_in(api, world, client):
    admin = api.token("a-admin@test.cn")
    response = api.post("/api/v1/users", admin, json={"email": "New@Test.cn", "name": "新同事", "role": "staff",
                                                       "password": "a long enough password"})
    assert response.status_code == 201
    assert response.get_json()["email"] == "new@test.cn"
    assert client.post("/api/v1/auth/token", json={"email": "new@test.cn",
                                                   "password": "a long enough password"}).status_code == 201
    listed = {u["email"] for u in api.get("/api/v1/users", admin).get_json()}
    assert "new@test.cn" in listed and not any(e.startswith("b-") for e in listed)


@pytest.mark.parametrize("body, field", [
    ({"email": "b-admin@test.cn", "name": "x", "role": "staff", "password": "a long enough password"}, "email"),
    ({"email": "x@test.cn", "name": "x", "role": "owner", "password": "a long enough password"}, "role"),
    ({"email": "x@test.cn", "name": "x", "role": "staff", "password": "short"}, "password"),
    ({"email": "x@test.cn", "name": "", "role": "staff", "password": "a long enough password"}, "name"),
])
def test_bad_users_are_refused_with_the_field(api, world, body, field):
    admin = api.token("a-admin@test.cn")
    response = api.post("/api/v1/users", admin, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_only_admins_manage_users(api, world):
    staff = api.token("a-staff@test.cn")
    assert api.get("/api/v1/users", staff).status_code == 403
    assert api.post("/api/v1/users", staff, json={}).status_code == 403


def test_deactivating_a_user_revokes_their_tokens(api, world):
    admin = api.token("a-admin@test.cn")
    staff_token = api.token("a-staff@test.cn")
    staff_id = world.users["a"][next(r for r in world.users["a"] if r.value == "staff")]
    response = api.call("PATCH", f"/api/v1/users/{staff_id}", admin, json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert api.get("/api/v1/communities", staff_token).status_code == 401
    assert api.call("PATCH", f"/api/v1/users/{world.users['b'][next(iter(world.users['b']))]}", admin,
                    json={"active": False}).status_code == 404


def test_an_admin_cannot_lock_themselves_out(api, world):
    admin = api.token("a-admin@test.cn")
    me = world.users["a"][next(r for r in world.users["a"] if r.value == "admin")]
    response = api.call("PATCH", f"/api/v1/users/{me}", admin, json={"role": "staff"})
    assert response.status_code == 422 and "role" in response.get_json()["errors"]["json"]


def test_users_page_adds_a_user_through_the_form(client, web, world):
    web.login("a-admin@test.cn")
    token = csrf_token(client.get("/company-a/users").get_data(as_text=True))
    response = client.post("/company-a/users", data={"email": "form@test.cn", "name": "表单用户", "role": "readonly",
                                                     "password": "a long enough password", "csrf_token": token})
    assert response.status_code == 302
    assert "form@test.cn" in client.get("/company-a/users").get_data(as_text=True)
    response = client.post("/company-a/users", data={"email": "form@test.cn", "name": "重复", "role": "staff",
                                                     "password": "short", "csrf_token": token})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "该邮箱已被使用" in page or 'data-field="password"' in page
