"""The platform operator suspends and reactivates a tenant: no login, no session, no token; data kept."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from red_property.accounts.models import Role
from red_property.communities.models import Household
from red_property.core.audit import AuditEntry
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_users
from tests.factories_fees import platform


@pytest.fixture
def operator(app, world):
    """The platform tenant with an admin (platform-admin@test.cn) and a staff user."""
    with app.app_context():
        world.platform = platform(db.session)
        make_users(db.session, world.platform, "platform", (Role.ADMIN, Role.STAFF))
    return world


def test_a_suspended_tenant_cannot_log_in_or_use_tokens_and_keeps_its_data(app, api, client, web, operator):
    w = operator
    token_a = api.token("a-admin@test.cn")
    web.login("a-staff@test.cn")
    assert client.get("/company-a/users").status_code in (200, 403)
    admin = api.token("platform-admin@test.cn")
    done = api.post(f"/api/v1/platform/tenants/{w.a}/suspend", admin)
    assert done.status_code == 200 and done.get_json()["suspended_at"]
    assert api.get("/api/v1/communities", token_a).status_code == 401                  # the token stopped
    assert client.get("/company-a/users").status_code == 302                            # the session too
    refused = api.post("/api/v1/auth/token", None, json={"email": "a-admin@test.cn",
                                                         "password": "correct horse battery"})
    assert refused.status_code == 403 and "暂停" in refused.get_json()["message"]
    wrong = api.post("/api/v1/auth/token", None, json={"email": "a-admin@test.cn", "password": "wrong password!"})
    assert wrong.status_code == 401  # a wrong password learns nothing about the suspension
    page = client.post("/login", data={"email": "a-admin@test.cn", "password": "correct horse battery",
                                       "csrf_token": csrf_token(client.get("/login").get_data(as_text=True))})
    assert page.status_code == 403 and "暂停" in page.get_data(as_text=True)
    assert api.get("/api/v1/communities", api.token("b-admin@test.cn")).status_code == 200  # others go on
    again = api.post(f"/api/v1/platform/tenants/{w.a}/suspend", admin)
    assert again.status_code == 422 and "tenant_id" in again.get_json()["errors"]["json"]
    with app.app_context(), tenant_scope(db.session, w.a) as s:
        assert s.scalar(select(func.count(Household.id))) == 3  # kept
    assert api.post(f"/api/v1/platform/tenants/{w.a}/reactivate", admin).status_code == 200
    assert api.get("/api/v1/communities", token_a).status_code == 200                  # the same token again
    with app.app_context(), tenant_scope(db.session, w.platform) as s:
        assert [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.entity == "tenant")
                                            .order_by(AuditEntry.id))] == ["suspend_tenant", "reactivate_tenant"]


def test_only_platform_admins_suspend(api, operator):
    w = operator
    assert api.post(f"/api/v1/platform/tenants/{w.platform}/suspend",
                    api.token("platform-admin@test.cn")).status_code == 422  # not itself
    assert api.post("/api/v1/platform/tenants/999999/suspend", api.token("platform-admin@test.cn")).status_code == 404
    assert api.post(f"/api/v1/platform/tenants/{w.b}/suspend", api.token("platform-staff@test.cn")).status_code == 403
    for email in ("a-admin@test.cn", "bureau-admin@test.cn", "committee-admin@test.cn"):
        token = api.token(email)
        assert api.get("/api/v1/platform/tenants", token).status_code == 404
        assert api.post(f"/api/v1/platform/tenants/{w.b}/suspend", token).status_code == 404
    assert api.post(f"/api/v1/platform/tenants/{w.b}/reactivate",
                    api.token("platform-admin@test.cn")).status_code == 422  # not suspended


def test_the_platform_page_confirms_then_suspends_and_reactivates(client, web, operator):
    w = operator
    web.login("platform-admin@test.cn")
    listing = client.get("/platform/tenants")
    assert listing.status_code == 200 and listing.get_data(as_text=True).count('data-testid="tenant"') >= 5
    assert 'href="/platform/tenants"' in listing.get_data(as_text=True)  # in the platform admin's navigation
    confirm = client.get(f"/platform/tenants/{w.b}/suspend")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and 'data-testid="confirm"' in text and "乙物业有限公司" in text
    token = csrf_token(text)
    assert client.post(f"/platform/tenants/{w.b}/suspend", data={}).status_code == 400  # no token: nothing
    done = client.post(f"/platform/tenants/{w.b}/suspend", data={"csrf_token": token})
    assert done.status_code == 302
    assert client.get("/platform/tenants").get_data(as_text=True).count('data-testid="suspended"') == 1
    back = client.post(f"/platform/tenants/{w.b}/reactivate", data={"csrf_token": token})
    assert back.status_code == 302
    assert 'data-testid="suspended"' not in client.get("/platform/tenants").get_data(as_text=True)


@pytest.mark.parametrize("email, slug", [("a-admin@test.cn", "company-a"), ("bureau-admin@test.cn", "bureau")])
def test_the_platform_pages_are_the_platforms(client, web, operator, email, slug):
    web.login(email)
    assert client.get(f"/{slug}/tenants").status_code == 404
    assert client.get(f"/{slug}/tenants/{operator.b}/suspend").status_code == 404
