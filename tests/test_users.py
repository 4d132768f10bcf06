"""Tenant admins manage their own users; nobody else's."""
import re

import pytest

from tests.conftest import csrf_token, outbox, run_worker


def _link(app, to):
    """The invitation link mailed to ``to`` (the newest), or None when its mail has none."""
    mails = [m for m in outbox(app) if m["To"] == to]
    found = re.search(r"https?://\S+/invitations/\S+", mails[-1].get_content()) if mails else None
    return found.group(0) if found else None


def test_an_invited_user_sets_their_password_and_logs_in(app, api, world, client):
    admin = api.token("a-admin@test.cn")
    response = api.post("/api/v1/users", admin, json={"email": "New@Test.cn", "name": "新同事", "role": "staff"})
    assert response.status_code == 202
    assert response.get_json()["email"] == "new@test.cn" and response.get_json()["status"] == "pending"
    run_worker(app)
    link = _link(app, "new@test.cn")
    path = link.split("localhost", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and "甲物业有限公司" in page.get_data(as_text=True)
    form = {"password": "a long enough password", "confirm": "a long enough password",
            "csrf_token": csrf_token(page.get_data(as_text=True))}
    assert client.post(path, data=form).status_code == 302
    assert client.post("/api/v1/auth/token", json={"email": "new@test.cn",
                                                   "password": "a long enough password"}).status_code == 201
    listed = {u["email"]: u["role"] for u in api.get("/api/v1/users", admin).get_json()}
    assert listed["new@test.cn"] == "staff" and not any(e.startswith("b-") for e in listed)
    assert api.get("/api/v1/users/invitations", admin).get_json() == []
    assert client.get(path).status_code == 404  # a link works once


def test_the_admin_learns_nothing_about_another_tenants_address(app, api, world):
    """Issue 12, item 3: inviting an address used in another tenant answers exactly as a free one."""
    admin = api.token("a-admin@test.cn")
    answers = {}
    for email in ("free@test.cn", "b-admin@test.cn", "committee-admin@test.cn"):
        response = api.post("/api/v1/users", admin, json={"email": email, "name": "某人", "role": "staff"})
        run_worker(app)
        body = response.get_json()
        answers[email] = (response.status_code, tuple(sorted(body)), body["status"], body["role"])
    assert len(set(answers.values())) == 1, answers
    pending = {i["email"]: (i["status"], tuple(sorted(i))) for i in api.get("/api/v1/users/invitations", admin).get_json()}
    assert len(set(pending.values())) == 1 and set(pending) == set(answers)
    jobs = [api.get(f"/api/v1/jobs/{job_id}", admin).get_json() for job_id in _job_ids(app, world.a)]
    assert [(j["status"], j["result"]) for j in jobs] == [("done", {"sent": True})] * 3
    # The mail, which only the address's owner reads, is where they differ.
    assert _link(app, "free@test.cn") and not _link(app, "b-admin@test.cn")
    assert "已经有一个账号" in outbox(app)[-1].get_content()


def _job_ids(app, tenant_id):
    from sqlalchemy import select

    from red_property.core.jobs import JobRecord
    from red_property.core.tenancy import tenant_scope
    from red_property.extensions import db

    with app.app_context(), tenant_scope(db.session, tenant_id) as s:
        return list(s.scalars(select(JobRecord.id).where(JobRecord.name == "accounts.send_invitation")
                              .order_by(JobRecord.id)))


def test_an_invitation_link_dies_when_renewed_or_expired(app, api, world, client):
    admin = api.token("a-admin@test.cn")
    api.post("/api/v1/users", admin, json={"email": "late@test.cn", "name": "迟到", "role": "readonly"})
    run_worker(app)
    first = _link(app, "late@test.cn").split("localhost", 1)[1]
    api.post("/api/v1/users", admin, json={"email": "late@test.cn", "name": "迟到", "role": "staff"})
    run_worker(app)
    second = _link(app, "late@test.cn").split("localhost", 1)[1]
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    assert [i["role"] for i in api.get("/api/v1/users/invitations", admin).get_json()] == ["staff"]
    from sqlalchemy import update

    from red_property.accounts.models import Invitation
    from red_property.core.model import utcnow
    from red_property.core.tenancy import tenant_scope
    from red_property.extensions import db

    with app.app_context(), tenant_scope(db.session, world.a) as s:
        s.execute(update(Invitation).values(expires_at=utcnow()))
        s.commit()
    assert client.get(second).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"email": "a-staff@test.cn", "name": "x", "role": "staff"}, "email"),  # a user of this tenant: visible anyway
    ({"email": "x@test.cn", "name": "x", "role": "owner"}, "role"),
    ({"email": "x@test.cn", "name": "", "role": "staff"}, "name"),
    ({"email": "x@test.cn", "name": "x", "role": "staff", "password": "set by the admin"}, "password"),
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


def test_users_page_invites_a_user_through_the_form(app, client, web, world):
    web.login("a-admin@test.cn")
    token = csrf_token(client.get("/company-a/users").get_data(as_text=True))
    response = client.post("/company-a/users", data={"email": "form@test.cn", "name": "表单用户", "role": "readonly",
                                                     "csrf_token": token})
    assert response.status_code == 302
    run_worker(app)
    page = client.get("/company-a/users").get_data(as_text=True)
    assert "form@test.cn" in page and "待接受的邀请" in page and _link(app, "form@test.cn")
    response = client.post("/company-a/users", data={"email": "a-staff@test.cn", "name": "重复", "role": "staff",
                                                     "csrf_token": token})
    assert response.status_code == 400 and "已是本单位的用户" in response.get_data(as_text=True)
