"""A company user sees the bell's count, opens a notification and lands on the demand; on a phone too."""
import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from red_property.accounts.models import Role
from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.demands import services
from red_property.extensions import db
from tests.factories_demands import demand

pytestmark = pytest.mark.browser


def _assigned(app, world, descriptions) -> list[int]:
    """Demands the admin routes to the staff member (by the name the handler field names)."""
    ids = []
    with app.app_context(), tenant_scope(db.session, world.a, world.users["a"][Role.ADMIN]) as s:
        for text in descriptions:
            d = demand(s, world.community_a, at=clock.now() - dt.timedelta(hours=1), description=text)
            services.route_demand(s, d, route="service", handler="a staff")
            ids.append(d.id)
    return ids


def _login(page, base):
    page.goto(f"{base}/login")
    page.get_by_label("邮箱").fill("a-staff@test.cn")
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/company-a/")


def test_the_bell_leads_to_the_demand(live_server, page, app, world):
    first, second = _assigned(app, world, ["3栋2单元楼道灯不亮，请派人维修", "5栋电梯异响，请尽快检修"])
    _login(page, live_server)
    bell = page.locator("header.topbar a.bell")
    expect(bell.locator(".count")).to_have_text("2")

    bell.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("通知")
    expect(page.locator("li.unread")).to_have_count(2)
    page.get_by_role("link", name=f"诉求 #{first} 已分派给您").click()
    expect(page).to_have_url(f"{live_server}/company-a/demands/{first}")
    expect(page.get_by_text("3栋2单元楼道灯不亮").first).to_be_visible()
    expect(bell.locator(".count")).to_have_text("1")

    # a wrong address: a notification that is not this user's is not found, and the bell is unchanged
    response = page.goto(f"{live_server}/company-a/notifications/999999")
    assert response.status == 404
    page.goto(f"{live_server}/company-a/notifications")
    expect(page.locator("li.unread")).to_have_count(1)
    expect(page.locator("li.unread")).to_contain_text(f"诉求 #{second}")
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.get_by_role("alert")).to_contain_text("已将 1 条通知标为已读")
    expect(bell.locator(".count")).to_have_count(0)
    expect(page.locator("li.unread")).to_have_count(0)


def test_the_bell_is_beside_the_folded_menu_on_a_phone(live_server, page, app, world):
    (only,) = _assigned(app, world, ["3栋2单元楼道灯不亮，请派人维修"])
    context = page.context.browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                               device_scale_factor=3, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        _login(phone, live_server)
        expect(phone.get_by_role("button", name="退出")).to_be_hidden()   # the menu is folded
        bell = phone.locator("header.topbar a.bell")
        expect(bell).to_be_visible()
        box = bell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        assert phone.locator("header.topbar").bounding_box()["height"] < 80
        bell.click()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.get_by_role("link", name=re.compile(f"诉求 #{only}")).click()
        expect(phone).to_have_url(f"{live_server}/company-a/demands/{only}")
    finally:
        context.close()
