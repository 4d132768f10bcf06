"""On a phone, a dispatcher finds the demands about a broken lamp, assigns them all at once, then closes
them: first without a reason (refused, nothing changes), then with one."""
import pytest
from playwright.sync_api import expect

from red_property.accounts.models import Role
from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from tests.factories_demands import demand

pytestmark = pytest.mark.browser


@pytest.fixture
def demands(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        lamps = [demand(s, world.community_a, at=clock.now(), description=f"{n}号楼道灯不亮，晚上看不见").id
                 for n in (3, 5)]
        other = demand(s, world.community_a, at=clock.now(), category="noise", description="楼上装修噪音太大").id
    return lamps, other


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_search_then_bulk_assign_then_bulk_close_on_a_phone(live_server, page, world, demands):
    lamps, other = demands
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/login")
    page.get_by_label("邮箱").fill("a-staff@test.cn")
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/company-a/demands")

    page.get_by_label("搜索").fill("灯不亮")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator('input[name="demand_ids"]')
    expect(rows).to_have_count(2)
    expect(page.get_by_role("link", name=str(other), exact=True)).to_have_count(0)
    _no_sideways_scroll(page)

    page.get_by_label("全选本页").check()
    for n in range(2):
        expect(rows.nth(n)).to_be_checked()
    page.get_by_label("批量操作").select_option("assign")
    page.get_by_label("办理人或单位").fill("工程部王师傅")
    page.get_by_role("button", name="执行").click()
    expect(page.get_by_role("alert").first).to_contain_text("已派单 2 条诉求")
    expect(page.get_by_label("搜索")).to_have_value("灯不亮")          # back on the list as it was searched
    expect(page.locator('tbody td[data-label="办理人"]')).to_have_text(["工程部王师傅", "工程部王师傅"])

    page.get_by_label("全选本页").check()
    for n in range(2):
        expect(rows.nth(n)).to_be_checked()
    page.get_by_label("批量操作").select_option("close")
    page.get_by_label("办结结果").select_option("resolved")
    page.get_by_role("button", name="执行").click()
    error = page.locator('.field-error[data-field="resolution"]')
    expect(error).to_contain_text("办结理由")
    for n in range(2):
        expect(rows.nth(n)).to_be_checked()                       # the selection survives the error
    status = page.locator('tbody td[data-label="状态"]')
    expect(status).to_have_text(["办理中", "办理中"])                 # nothing was closed
    _no_sideways_scroll(page)

    page.get_by_label("办结理由").fill("已更换灯具，照明恢复")
    page.get_by_role("button", name="执行").click()
    expect(page.get_by_role("alert").first).to_contain_text("已办结 2 条诉求")
    expect(status).to_have_text(["已解决", "已解决"])
    page.get_by_role("link", name=str(lamps[0]), exact=True).click()
    expect(page.get_by_text("已更换灯具，照明恢复").first).to_be_visible()


def test_a_dispatcher_assigns_to_a_colleague_who_finds_it_under_mine_on_a_phone(live_server, page, world, demands):
    lamps, other = demands
    page.set_viewport_size({"width": 390, "height": 844})

    def log_in(on, email):
        on.goto(f"{live_server}/login")
        on.get_by_label("邮箱").fill(email)
        on.get_by_label("密码").fill("correct horse battery")
        on.get_by_role("button", name="登录").click()
        expect(on).to_have_url(f"{live_server}/company-a/")

    log_in(page, "a-admin@test.cn")
    page.goto(f"{live_server}/company-a/demands?q=灯不亮")
    page.get_by_label("全选本页").check()
    bulk = page.locator("form#bulk")
    bulk.get_by_label("批量操作").select_option("assign")
    bulk.get_by_label("指派给").select_option(label="a staff")     # picked from the company's users
    bulk.get_by_role("button", name="执行").click()
    expect(page.get_by_role("alert").first).to_contain_text("已派单 2 条诉求")
    expect(page.locator('tbody td[data-label="办理人"] .assignee')).to_have_text(["a staff", "a staff"])
    _no_sideways_scroll(page)

    # the colleague, on a phone of their own (a browser of its own: nothing of the dispatcher's login)
    context = page.context.browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.set_default_timeout(15000)
    log_in(phone, "a-staff@test.cn")
    expect(phone.locator("header.topbar a.bell .count")).to_have_text("2")
    phone.locator("#my-demands-tile").click()
    expect(phone.locator('input[name="demand_ids"]')).to_have_count(2)
    expect(phone.get_by_role("link", name=str(other), exact=True)).to_have_count(0)
    expect(phone.locator("form.filters").get_by_label("指派给")).to_have_value(str(world.users["a"][Role.STAFF]))
    _no_sideways_scroll(phone)
    phone.get_by_role("link", name=str(lamps[0]), exact=True).click()
    expect(phone.locator(".facts .assignee")).to_have_text("a staff")
    _no_sideways_scroll(phone)
    context.close()
