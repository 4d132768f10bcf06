"""The web UI: login, tenant pages under /<slug>/, CSRF, headers, language."""
import datetime as dt

import pytest

from red_property.core import clock
from tests.conftest import csrf_token


def test_login_page_is_chinese_and_english_on_request(client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page and "邮箱" in page
    client.get("/lang/en")
    page = client.get("/login").get_data(as_text=True)
    assert "Log in" in page and "登录" not in page


def test_login_lands_on_the_tenants_home(client, web, world):
    response = web.login("a-admin@test.cn")
    assert response.status_code == 302
    assert response.headers["Location"] == "/company-a/"
    home = client.get("/company-a/").get_data(as_text=True)
    assert "甲物业有限公司" in home


def test_wrong_password_and_bad_form_input(client, web, world):
    response = web.login("a-admin@test.cn", "wrong password")
    assert response.status_code == 401
    assert "邮箱或密码错误" in response.get_data(as_text=True)
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": "", "password": "", "csrf_token": token})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'data-field="email"' in body and 'data-field="password"' in body


def test_forms_without_csrf_token_are_refused(client, world):
    response = client.post("/login", data={"email": "a-admin@test.cn", "password": "correct horse battery"})
    assert response.status_code == 400
    assert "/company-a/" not in response.headers.get("Location", "")


def test_tenant_pages_need_a_login(client, world):
    response = client.get("/company-a/communities")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_another_tenants_slug_and_ids_are_404(client, web, world):
    web.login("a-admin@test.cn")
    assert client.get("/company-b/").status_code == 404
    assert client.get(f"/company-b/communities/{world.community_b}").status_code == 404
    assert client.get(f"/company-a/communities/{world.community_b}").status_code == 404
    assert client.get(f"/company-a/communities/{world.community_a}").status_code == 200
    listing = client.get("/company-a/communities").get_data(as_text=True)
    assert "甲一小区" in listing and "乙一小区" not in listing


def test_security_headers_and_cookie_flags(client, web, world):
    response = web.login("a-admin@test.cn")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/company-a/")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_login_is_rate_limited_per_address(client, world):
    """Ten attempts a minute from one address, whichever accounts they name (one account's
    failures back off sooner: tests/test_login_throttle.py)."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    statuses = [client.post("/login", data={"email": f"user{n}@test.cn", "password": "guess",
                                            "csrf_token": token}).status_code for n in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_audit_log_is_for_admins(client, web, world):
    web.login("a-readonly@test.cn")
    assert client.get("/company-a/audit").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/company-a/").get_data(as_text=True))})
    web.login("a-admin@test.cn")
    page = client.get("/company-a/audit").get_data(as_text=True)
    assert "登录" in page and '="对象">住户 #' in page and '="对象">household' not in page  # action and object in words


def test_the_audit_log_shows_beijing_time_and_says_so(app, client, web, world):
    """Stored in UTC, shown on the users' clock: 17:30 UTC is 01:30 the next morning in Beijing."""
    from red_property.core.audit import AuditEntry
    from red_property.core.tenancy import tenant_scope
    from red_property.extensions import db

    with app.app_context(), tenant_scope(db.session, world.a) as s:
        s.add(AuditEntry(action="export", entity="household", at=dt.datetime(2026, 12, 1, 17, 30, tzinfo=dt.UTC)))
        s.commit()
    web.login("a-admin@test.cn")
    page = client.get("/company-a/audit").get_data(as_text=True)
    assert "时间（北京时间）" in page and ">2026-12-02 01:30:00</time>" in page and "2026-12-01 17:30" not in page
    assert "Time (Beijing time)" in client.get("/company-a/audit?lang=en").get_data(as_text=True)


def test_every_audited_table_has_a_label_in_both_languages(app):
    from red_property.core.model import Base
    from red_property.core.views import entity_labels

    with app.test_request_context("/?lang=en"):
        labels = {table: str(label) for table, label in entity_labels().items()}
    assert set(labels) == set(Base.metadata.tables)
    assert labels["household"] == "Household" and labels["party_member"] == "Party member"


@pytest.mark.parametrize("path", ["/lang/en?next=//evil.example", "/lang/en?next=https://evil.example"])
def test_language_switch_never_redirects_off_site(client, path):
    location = client.get(path).headers["Location"]
    assert location.startswith("/") and not location.startswith("//")


def test_error_pages_are_html_in_chinese(client, web, world):
    web.login("a-admin@test.cn")
    response = client.get("/company-a/communities/999999")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_behind_a_proxy_https_and_client_ip_come_from_forwarded_headers(database, tmp_path):
    from red_property import create_app

    app = create_app({**database.urls, "TESTING": True, "PROXY_COUNT": 1, "FORCE_HTTPS": True,
                      "SQLALCHEMY_DATABASE_URI": database.urls["SQLALCHEMY_DATABASE_URI"]})
    client = app.test_client()
    assert client.get("/login").status_code == 302  # plain HTTP is sent to HTTPS
    response = client.get("/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 200
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_browser_side_requests_never_touch_the_session(client, web, world):
    """/favicon.ico once matched /<tenant_slug>/ and reset the CSRF token mid-login."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    icon.close()
    assert client.get("/favicon.ico/").status_code == 404
    response = client.post("/login", data={"email": "a-admin@test.cn", "password": "correct horse battery",
                                           "csrf_token": token})
    assert response.status_code == 302


def test_logging_in_starts_a_fresh_session(client, world):
    """What the session held before login (its CSRF token, anything planted) does not survive it."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    with client.session_transaction() as before:
        before["planted"] = "x"
        old = before["csrf_token"]
    response = client.post("/login", data={"email": "a-admin@test.cn", "password": "correct horse battery",
                                           "csrf_token": token})
    assert response.status_code == 302
    with client.session_transaction() as after:
        assert "planted" not in after and after.get("csrf_token") != old and after.get("_user_id")
    assert client.get("/company-a/").status_code == 200


def test_a_committee_sees_who_manages_its_community_and_its_own_roll_on_its_home_page(client, web, api, world):
    """A committee keeps no contracts and no buildings: its pages read who manages its community as the
    public may, and count its owners' roll."""
    web.login("committee-admin@test.cn")
    token = api.token("committee-admin@test.cn")
    api.post("/api/v1/finance/owners", token, json={"building": "1栋", "unit": "1", "room": "101", "name": "张三",
                                                     "floor_area": "88.50"})
    home = client.get("/committee-x/").get_data(as_text=True)
    assert "业主" in home and "<b>1</b>" in home and "88.50" in home and "楼栋" not in home
    page = client.get(f"/committee-x/communities/{world.community_x}").get_data(as_text=True)
    assert "乙物业有限公司" in page
    listing = client.get("/committee-x/communities").get_data(as_text=True)
    assert "乙物业有限公司" in listing


def test_a_browser_session_ends_after_its_idle_time(app, client, web, world):
    """Eight idle hours by default: the browser drops the cookie then, and the server refuses one whose
    signature is older, whatever the browser keeps."""
    import time
    from email.utils import parsedate_to_datetime

    login = web.login("a-staff@test.cn")
    cookie = next(c for c in login.headers.getlist("Set-Cookie") if c.startswith("session="))
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    assert abs(expires - clock.now() - dt.timedelta(hours=8)) < dt.timedelta(minutes=1)

    app.config["PERMANENT_SESSION_LIFETIME"] = 2  # seconds, for the test
    assert client.get("/company-a/").status_code == 200
    time.sleep(1.2)
    assert client.get("/company-a/").status_code == 200   # a request renews it
    time.sleep(1.2)
    assert client.get("/company-a/").status_code == 200
    time.sleep(3.1)
    assert client.get("/company-a/").status_code == 302   # idle too long: log in again
