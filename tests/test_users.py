"""Tenant admins manage their own users; nobody else's."""


def test_admin_invites_a_user_who_is_listed_in_the_tenant_only(api, world, client):
    """Adding a user is an invitation (tests/test_invitations.py): no admin types a password for anyone."""
    admin = api.token("a-admin@test.cn")
    response = api.post("/api/v1/users", admin, json={"email": "New@Test.cn", "name": "新同事", "role": "staff"})
    assert response.status_code == 201
    assert response.get_json()["user"]["email"] == "new@test.cn"
    listed = {u["email"] for u in api.get("/api/v1/users", admin).get_json()}
    assert "new@test.cn" in listed and not any(e.startswith("b-") for e in listed)


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


def test_users_page_has_no_password_field(client, web, world):
    web.login("a-admin@test.cn")
    page = client.get("/company-a/users").get_data(as_text=True)
    assert 'type="password"' not in page and 'name="email"' in page
