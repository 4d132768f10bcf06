"""Changing one's own password: every other way in stops working, and read-only users may do it too."""
from tests.conftest import csrf_token

OLD = "correct horse battery"
NEW = "a much longer new secret"
PAGE = "/company-a/account/password"


def change(client, current=OLD, new=NEW, confirm=NEW):
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    return client.post(PAGE, data={"current_password": current, "new_password": new, "confirm": confirm,
                                   "csrf_token": token})


def test_a_new_password_logs_out_other_browsers_and_revokes_tokens(app, client, web, api, world):
    other_browser = app.test_client()
    token = csrf_token(other_browser.get("/login").get_data(as_text=True))
    other_browser.post("/login", data={"email": "a-staff@test.cn", "password": OLD, "csrf_token": token})
    assert other_browser.get("/company-a/").status_code == 200
    api_token = api.token("a-staff@test.cn")
    web.login("a-staff@test.cn")

    response = change(client)
    assert response.status_code == 302
    assert client.get("/company-a/").status_code == 200                 # this browser stays in
    assert other_browser.get("/company-a/").status_code == 302          # the other one must log in again
    assert api.get("/api/v1/communities", api_token).status_code == 401
    assert client.post("/api/v1/auth/token", json={"email": "a-staff@test.cn", "password": OLD}).status_code == 401
    api.token("a-staff@test.cn", password=NEW)


def test_a_wrong_current_password_or_a_weak_new_one_is_refused_beside_its_field(client, web, world):
    web.login("a-staff@test.cn")
    wrong = change(client, current="not my password")
    assert wrong.status_code == 422
    assert 'data-field="current_password"' in wrong.get_data(as_text=True)
    short = change(client, new="short", confirm="short")
    assert short.status_code == 400 and 'data-field="new_password"' in short.get_data(as_text=True)
    mismatch = change(client, confirm=NEW + "!")
    assert mismatch.status_code == 400 and 'data-field="confirm"' in mismatch.get_data(as_text=True)
    same = change(client, new=OLD, confirm=OLD)
    assert same.status_code == 422 and 'data-field="new_password"' in same.get_data(as_text=True)
    assert client.post("/api/v1/auth/token", json={"email": "a-staff@test.cn", "password": OLD}).status_code == 201


def test_a_read_only_user_changes_their_own_password(client, web, world):
    web.login("a-readonly@test.cn")
    assert change(client).status_code == 302
    assert client.post("/api/v1/auth/token", json={"email": "a-readonly@test.cn", "password": NEW}).status_code == 201


def test_through_the_api_the_asking_token_stays_and_the_others_are_revoked(api, world):
    asking, other = api.token("a-staff@test.cn"), api.token("a-staff@test.cn")
    wrong = api.post("/api/v1/auth/password", asking, json={"current_password": "nope", "new_password": NEW})
    assert wrong.status_code == 422 and "current_password" in wrong.get_json()["errors"]["json"]
    short = api.post("/api/v1/auth/password", asking, json={"current_password": OLD, "new_password": "short"})
    assert short.status_code == 422 and "new_password" in short.get_json()["errors"]["json"]
    assert api.get("/api/v1/communities", other).status_code == 200     # nothing changed yet

    assert api.post("/api/v1/auth/password", asking,
                    json={"current_password": OLD, "new_password": NEW}).status_code == 204
    assert api.get("/api/v1/communities", asking).status_code == 200
    assert api.get("/api/v1/communities", other).status_code == 401
    readonly = api.token("a-readonly@test.cn")
    assert api.post("/api/v1/auth/password", readonly,
                    json={"current_password": OLD, "new_password": NEW}).status_code == 204


def test_the_page_is_reached_from_the_name_in_the_top_bar(client, web, world):
    web.login("a-readonly@test.cn")
    home = client.get("/company-a/").get_data(as_text=True)
    assert f'href="{PAGE}"' in home
    assert client.get(PAGE).status_code == 200
