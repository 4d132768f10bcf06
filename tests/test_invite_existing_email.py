"""Inviting an address that has an account in another tenant answers exactly as for a new address
(issue 12, item 3): the admin learns nothing; the account's owner can only decline by accepting,
which changes nothing; their own login keeps working."""
import pytest
from sqlalchemy import func, select

from red_property.accounts.models import User
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from tests.test_invitations import NEW_PASSWORD, accept, can_log_in

TAKEN = "committee-admin@test.cn"  # the committee's admin (tests.factories.make_world)
PASSWORD = "correct horse battery"


def _shape(body: dict) -> dict:
    """What the answer says, without the values that differ for any two invitations."""
    return {"user": sorted(body["user"]), "role": body["user"]["role"], "active": body["user"]["active"],
            "invitation": sorted(body["invitation"]), "emailed": body["invitation"]["emailed"]}


def test_the_api_answers_the_same_for_a_taken_and_a_new_email(app, api, client, world):
    admin = api.token("a-admin@test.cn")
    new = api.post("/api/v1/users", admin, json={"email": "nobody-yet@test.cn", "name": "新同事", "role": "staff"})
    taken = api.post("/api/v1/users", admin, json={"email": TAKEN, "name": "新同事", "role": "staff"})
    assert (new.status_code, taken.status_code) == (201, 201)
    assert _shape(new.get_json()) == _shape(taken.get_json())
    assert taken.get_json()["user"]["email"] == TAKEN
    listed = {u["email"]: u for u in api.get("/api/v1/users", admin).get_json()}
    assert TAKEN in listed and "nobody-yet@test.cn" in listed  # both are pending users of company A

    # the owner opens the letter: accepting changes nothing, and says only what they know
    refused = accept(client, taken.get_json()["invitation"]["url"])
    assert refused.status_code == 422 and "已有账户" in refused.get_data(as_text=True)
    assert can_log_in(client, TAKEN, PASSWORD) and not can_log_in(client, TAKEN, NEW_PASSWORD)
    me = client.post("/api/v1/auth/token", json={"email": TAKEN, "password": PASSWORD})
    assert me.status_code == 201
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        pending = s.scalar(select(User).where(User.email == TAKEN))
        assert pending.password_hash == "!invited"  # still an unaccepted invitation to company A
    # a second invitation of the same address by the same tenant is that tenant's own duplicate
    again = api.post("/api/v1/users", admin, json={"email": TAKEN, "name": "新同事", "role": "staff"})
    assert again.status_code == 422 and "email" in again.get_json()["errors"]["json"]


def test_the_users_page_answers_the_same(client, web, world):
    web.login("a-admin@test.cn")
    pages = {}
    for email in ("another-new@test.cn", TAKEN):
        web.referer = "/company-a/users"
        answer = web.post_form("/company-a/users", {"email": email, "name": "新同事", "role": "staff"})
        pages[email] = (answer.status_code, "/invitation/rpi_" in answer.get_data(as_text=True))
    assert pages["another-new@test.cn"] == pages[TAKEN] == (200, True)


def test_the_first_to_accept_takes_the_login(app, api, client, world):
    """Two tenants invite the same new address: whoever accepts first owns it, the other link is refused."""
    first = api.post("/api/v1/users", api.token("a-admin@test.cn"),
                     json={"email": "wanted@test.cn", "name": "甲", "role": "staff"}).get_json()
    second = api.post("/api/v1/users", api.token("b-admin@test.cn"),
                      json={"email": "wanted@test.cn", "name": "乙", "role": "staff"}).get_json()
    assert accept(client, second["invitation"]["url"]).status_code == 302
    assert accept(client, first["invitation"]["url"], password="another new password").status_code == 422
    token = client.post("/api/v1/auth/token", json={"email": "wanted@test.cn", "password": NEW_PASSWORD})
    assert token.status_code == 201
    with app.app_context():
        with pytest.raises(Exception):  # the database keeps one login per address
            with tenant_scope(db.session, world.a) as s:
                s.get(User, first["user"]["id"]).password_hash = "x"
                s.commit()
        with tenant_scope(db.session, world.b) as s:
            assert s.scalar(select(func.count(User.id)).where(User.email == "wanted@test.cn")) == 1
