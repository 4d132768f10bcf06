"""On a phone, the bill and payment lists' filters: a date range the wrong way round is shown at its field,
then the corrected filter carries into the export links."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
OVERFLOW = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('table'))
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


@pytest.mark.parametrize("path, start, end, label", [
    ("fees/payments", "paid_from", "paid_to", "日期"),
    ("fees/bills", "due_from", "due_to", "缴费截止日"),
])
def test_a_wrong_date_range_then_a_right_one_on_a_phone(live_server, page, world, path, start, end, label):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/login")
    page.get_by_label("邮箱").fill("a-admin@test.cn")
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/company-a/{path}")
    page.get_by_label(f"{label} 从", exact=True).fill("2026-03-31")
    page.get_by_label(f"{label} 到", exact=True).fill("2026-03-01")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator(f'.field-error[data-field="{end}"]')).to_contain_text("结束日期不能早于开始日期")
    assert page.evaluate(OVERFLOW) == []
    page.get_by_label(f"{label} 到", exact=True).fill("2026-04-30")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator(".field-error")).to_have_count(0)
    href = page.get_by_role("link", name="CSV").get_attribute("href")
    assert f"{start}=2026-03-31" in href and f"{end}=2026-04-30" in href
    assert page.evaluate(OVERFLOW) == []
