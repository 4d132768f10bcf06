"""An owners' committee books an income, publishes a statement and checks its printed fingerprint."""
import pytest
from playwright.sync_api import expect

from tests.factories_finance import EMAIL, book_year, committee_scope

pytestmark = pytest.mark.browser


def test_committee_publishes_a_statement_and_checks_its_fingerprint(live_server, page, app, world):
    with committee_scope(app, world) as s:
        book_year(s)
    page.goto(f"{live_server}/login")
    page.get_by_label("邮箱").fill(EMAIL)
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="财务公示").click()
    page.get_by_role("link", name="账簿", exact=True).click()
    page.locator("select[name=entry-category]").select_option("lockers")
    page.get_by_label("金额（元）").fill("1,234.50")
    page.get_by_label("日期", exact=True).fill("2025-03-30")
    page.get_by_label("付款方 / 收款方").fill("丰巢科技")
    page.get_by_role("button", name="入账").click()
    expect(page.get_by_role("alert")).to_contain_text("已入账")

    page.get_by_role("link", name="收支公示", exact=True).click()
    page.get_by_label("年度", exact=True).fill("2025")
    page.locator("select[name=new-quarter]").select_option("1")
    page.get_by_role("button", name="新建草稿").click()
    expect(page.get_by_text("草稿，未发布")).to_be_visible()
    expect(page.locator("table.entries").get_by_role("cell", name="1,234.50")).to_be_visible()
    page.get_by_role("button", name="发布收支公示").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("不能撤回")
    dialog.get_by_role("button", name="确认发布").click()
    expect(page.get_by_text("指纹校验一致")).to_be_visible()
    fingerprint = page.locator(".fingerprint code").inner_text()

    page.get_by_role("link", name="收支公示", exact=True).click()
    page.get_by_label("公示指纹").fill(fingerprint)
    page.get_by_role("button", name="核对").click()
    expect(page.get_by_text("一致：")).to_be_visible()
    expect(page.get_by_role("link", name="2025-Q1 · 第 1 版")).to_be_visible()
