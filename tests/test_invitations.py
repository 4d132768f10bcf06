"""Invitations instead of passwords: one-time links, hashed, expiring, revocable, rate-limited."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from red_property.core import clock
from red_property.core.audit import AuditEntry
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.onboarding.models import Invitation
from tests.conftest import csrf_token
from tests.outage import free_port

NEW_PASSWORD = "a brand new password"


def invite(api, admin_token, email="new@test.cn", role="staff"):
    response = api.post("/api/v1/users", admin_token, json={"email": email, "name": "新同事", "role": role})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def path_of(url: str) -> str:
    return url[url.index("/invitation/"):]


def accept(client, url, password=NEW_PASSWORD, confirm=None):
    page = client.get(path_of(url))
    assert page.status_code == 200, page.get_data(as_text=True)
    token = csrf_token(page.get_data(as_text=True))
    return client.post(path_of(url), data={"password": password, "confirm": confirm or password,
                                           "csrf_token": token})


def can_log_in(client, email, password=NEW_PASSWORD) -> bool:
    return client.post("/api/v1/auth/token", json={"email": email, "password": password}).status_code == 201


def test_an_invited_user_chooses_a_password_once(app, api, client, world):
    body = invite(api, api.token("a-admin@test.cn"))
    assert body["user"]["email"] == "new@test.cn" and body["invitation"]["emailed"] is None
    url = body["invitation"]["url"]
    assert url.startswith("http://localhost/invitation/rpi_")
    assert not can_log_in(client, "new@test.cn", "")  # no password until they accept
    response = accept(client, url)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert can_log_in(client, "new@test.cn")
    again = client.get(path_of(url))
    assert again.status_code == 410 and "已经使用过" in again.get_data(as_text=True)
    # only the SHA-256 of the secret is kept, and the invitation is in the tenant's audit log
    secret = url.rsplit("/", 1)[1]
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        row = s.scalars(select(Invitation)).one()
        assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in str(vars(row))
        actions = {(e.action, e.entity) for e in s.scalars(select(AuditEntry))}
        assert {("create", "invitation"), ("accept_invitation", "invitation")} <= actions
        assert not any(secret in str(e.after) for e in s.scalars(select(AuditEntry)))


def test_the_password_follows_the_rules_of_a_password_change(api, client, world):
    url = invite(api, api.token("a-admin@test.cn"))["invitation"]["url"]
    short = accept(client, url, password="short")
    assert short.status_code == 400 and 'data-field="password"' in short.get_data(as_text=True)
    mismatch = accept(client, url, confirm="something else entirely")
    assert mismatch.status_code == 400 and 'data-field="confirm"' in mismatch.get_data(as_text=True)
    assert accept(client, url).status_code == 302  # still usable after the refusals


@pytest.mark.parametrize("link", ["/invitation/nonsense", "/invitation/rpi_" + "x" * 43, "/invitation/" + "x" * 500])
def test_an_unknown_link_is_404(client, world, link):
    response = client.get(link)
    assert response.status_code == 404 and 'data-field="token"' in response.get_data(as_text=True)
    assert response.headers["Referrer-Policy"] == "same-origin" and response.headers["Cache-Control"] == "no-store"


def test_an_expired_link_is_refused(app, api, client, world):
    url = invite(api, api.token("a-admin@test.cn"))["invitation"]["url"]
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        s.scalars(select(Invitation)).one().expires_at = clock.now() - dt.timedelta(seconds=1)
        s.commit()
    response = client.get(path_of(url))
    assert response.status_code == 410 and "已过期" in response.get_data(as_text=True)


def test_reissue_replaces_the_link_and_revoke_ends_it(api, client, world):
    admin = api.token("a-admin@test.cn")
    body = invite(api, admin)
    user_id, first = body["user"]["id"], body["invitation"]["url"]
    second = api.post(f"/api/v1/users/{user_id}/invitation", admin)
    assert second.status_code == 201
    second = second.get_json()["url"]
    assert client.get(path_of(first)).status_code == 410
    assert api.call("DELETE", f"/api/v1/users/{user_id}/invitation", admin).status_code == 204
    assert "已被撤销" in client.get(path_of(second)).get_data(as_text=True)
    third = api.post(f"/api/v1/users/{user_id}/invitation", admin).get_json()["url"]
    assert accept(client, third).status_code == 302
    refused = api.post(f"/api/v1/users/{user_id}/invitation", admin)
    assert refused.status_code == 422 and "user_id" in refused.get_json()["errors"]["json"]


def test_a_company_cannot_invite_into_or_reissue_for_another(api, world):
    admin = api.token("a-admin@test.cn")
    b_user = world.users["b"][next(iter(world.users["b"]))]
    assert api.post(f"/api/v1/users/{b_user}/invitation", admin).status_code == 404
    assert api.call("DELETE", f"/api/v1/users/{b_user}/invitation", admin).status_code == 404
    staff = api.token("a-staff@test.cn")
    assert api.post("/api/v1/users", staff, json={"email": "x@test.cn", "name": "x", "role": "staff"}).status_code == 403


@pytest.mark.parametrize("body, field", [
    ({"email": "a-staff@test.cn", "name": "x", "role": "staff"}, "email"),  # this tenant's own user
    ({"email": "x@test.cn", "name": "x", "role": "owner"}, "role"),
    ({"email": "not-an-email", "name": "x", "role": "staff"}, "email"),
    ({"email": "x@test.cn", "name": "", "role": "staff"}, "name"),
    ({"email": "x@test.cn", "name": "x", "role": "staff", "password": "typed by the admin"}, "password"),
])
def test_bad_invitations_name_the_field(api, world, body, field):
    response = api.post("/api/v1/users", api.token("a-admin@test.cn"), json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]["json"]


def test_the_users_page_invites_and_shows_the_letter_once(client, web, world):
    web.login("a-admin@test.cn")
    token = csrf_token(client.get("/company-a/users").get_data(as_text=True))
    response = client.post("/company-a/users", data={"email": "form@test.cn", "name": "表单用户", "role": "readonly",
                                                     "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<svg" in page and "/invitation/rpi_" in page
    assert response.headers["Cache-Control"] == "no-store"
    users = client.get("/company-a/users").get_data(as_text=True)
    assert "form@test.cn" in users and 'data-invitation="pending"' in users and "/invitation/rpi_" not in users
    # this tenant's own user again (another tenant's address answers as a new one: test_invite_existing_email)
    taken = client.post("/company-a/users", data={"email": "form@test.cn", "name": "重复", "role": "staff",
                                                  "csrf_token": token})
    assert taken.status_code == 400 and 'data-field="email"' in taken.get_data(as_text=True)
    bad = client.post("/company-a/users", data={"email": "nope", "name": "", "role": "boss", "csrf_token": token})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and all(f'data-field="{f}"' in text for f in ("email", "name", "role"))


def test_the_users_page_reissues_and_revokes(app, client, web, world):
    web.login("a-admin@test.cn")
    token = csrf_token(client.get("/company-a/users").get_data(as_text=True))
    client.post("/company-a/users", data={"email": "r@test.cn", "name": "乙", "role": "staff", "csrf_token": token})
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        user_id = s.scalars(select(Invitation.user_id)).one()
    letter = client.post(f"/company-a/users/{user_id}/invitation", data={"csrf_token": token})
    assert letter.status_code == 200 and "/invitation/rpi_" in letter.get_data(as_text=True)
    revoked = client.post(f"/company-a/users/{user_id}/invitation/revoke", data={"csrf_token": token},
                          follow_redirects=True)
    assert "已撤销 1 个邀请链接" in revoked.get_data(as_text=True)
    assert 'data-invitation="closed"' in client.get("/company-a/users").get_data(as_text=True)
    b_user = world.users["b"][next(iter(world.users["b"]))]
    assert client.post(f"/company-a/users/{b_user}/invitation", data={"csrf_token": token}).status_code == 404


def test_someone_logged_in_can_open_anothers_invitation(api, client, web, world):
    """A shared office computer: the link names its own tenant, whoever is logged in."""
    url = invite(api, api.token("b-admin@test.cn"), email="b-new@test.cn")["invitation"]["url"]
    web.login("a-admin@test.cn")
    assert accept(client, url).status_code == 302
    assert client.get("/company-a/users").status_code == 302  # logged out: the next login is the invitee's
    assert can_log_in(client, "b-new@test.cn")


def test_the_link_is_rate_limited_like_the_login(app, client, world):
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    codes = [client.get("/invitation/rpi_guess").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


def test_an_invitation_is_emailed_when_mail_is_configured(app, api, client, world, smtp_server):
    controller, handler = smtp_server
    app.config.update(MAIL_URL=f"smtp://127.0.0.1:{controller.port}", MAIL_FROM="noreply@bureau.test",
                      BASE_URL="https://wuye.example.cn")
    body = invite(api, api.token("a-admin@test.cn"), email="mailed@test.cn")
    assert body["invitation"]["emailed"] is True
    (envelope,) = handler.messages
    assert envelope.rcpt_tos == ["mailed@test.cn"] and envelope.mail_from == "noreply@bureau.test"
    import email

    message = email.message_from_bytes(envelope.content)
    text = message.get_payload(decode=True).decode(message.get_content_charset())
    assert body["invitation"]["url"] in text and body["invitation"]["url"].startswith("https://wuye.example.cn/")
    assert accept(client, body["invitation"]["url"]).status_code == 302


def test_a_mail_failure_keeps_the_invitation_and_says_so(app, api, world):
    app.config.update(MAIL_URL=f"smtp://127.0.0.1:{free_port()}", MAIL_TIMEOUT=2)  # nobody listens there
    body = invite(api, api.token("a-admin@test.cn"), email="unsent@test.cn")
    assert body["invitation"]["emailed"] is False and body["invitation"]["mail_error"]


def test_init_starts_an_empty_city_and_prints_the_bureau_admins_link(app, runner, client):
    result = runner.invoke(args=["init", "--bureau", "锦城市住房和城乡建设局", "--admin", "Chief@JC.gov.cn"])
    assert result.exit_code == 0, result.output
    url = next(line.strip() for line in result.output.splitlines() if "/invitation/rpi_" in line)
    assert accept(client, url).status_code == 302
    token = client.post("/api/v1/auth/token", json={"email": "chief@jc.gov.cn", "password": NEW_PASSWORD})
    assert token.status_code == 201
    again = runner.invoke(args=["init", "--bureau", "另一个局", "--admin", "x@jc.gov.cn"])
    assert again.exit_code != 0 and "already has tenants" in again.output
    from red_property.tenants.models import Tenant, TenantKind

    with app.app_context():
        kinds = sorted(t.kind.value for t in db.session.scalars(select(Tenant)))
        assert kinds == [TenantKind.BUREAU.value, TenantKind.PLATFORM.value]


def test_tenant_files_without_a_password_get_invitations(app, runner, tmp_path, client):
    folder = tmp_path / "co-file"
    folder.mkdir()
    (folder / "tenant.toml").write_text('kind = "company"\nslug = "co-file"\nname = "文件物业有限公司"\n'
                                        '[[admins]]\nemail = "file@x.cn"\nname = "管理员"\n', encoding="utf-8")
    result = runner.invoke(args=["tenants", "apply", str(tmp_path)])
    assert result.exit_code == 0 and "one-time password" not in result.output
    url = next(line.split()[-1] for line in result.output.splitlines() if "/invitation/rpi_" in line)
    assert accept(client, url).status_code == 302 and can_log_in(client, "file@x.cn")
    assert "/invitation/" not in runner.invoke(args=["tenants", "apply", str(tmp_path)]).output  # idempotent
