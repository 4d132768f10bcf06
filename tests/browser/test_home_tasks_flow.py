"""Each kind of tenant opens its home page, reads its task list and follows a task to its list.

At 1366 px (a desktop) and at 390 px (a phone): the bureau, a company and a
committee log in (the first attempt with a wrong password), see their tasks
with a count each, the page fits the screen, and one task's link opens the
list filtered to it, holding as many items as the task said.
"""
import re

import pytest
from playwright.sync_api import expect

from red_property.demo.city import DEMO_PASSWORD

pytestmark = pytest.mark.browser

# who, the task followed, and how its list shows its items
CASES = {
    "bureau": ("unpublished_runs", "table tbody tr:has(td:first-child a)"),
    "company1": ("missing_meetings", "table.calendar tbody th[scope=row]"),
    "committee1": ("open_votes", "table tbody tr:has(a[href*='/votes/'])"),
}


def _log_in(page, server: str, who: str) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("邮箱").fill(f"{who}@demo.test")
    page.get_by_label("密码").fill("not the password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("邮箱或密码错误")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="待办")).to_be_visible()


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("who", list(CASES))
def test_a_home_task_leads_to_its_list(demo_server, page, who, width):
    page.set_viewport_size({"width": width, "height": 900})
    _log_in(page, demo_server, who)
    tasks = page.locator(".task-list li")
    assert tasks.count() >= 2
    for text in tasks.all_inner_texts():
        assert re.match(r"^[\d,]+ \S", text), text       # a count, then what it counts
    fits = page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert fits, "the home page is wider than the screen"

    key, rows = CASES[who]
    task = page.locator(f'.task-list li[data-task="{key}"] a')
    count = int(task.locator(".count").inner_text().replace(",", ""))
    assert count > 0, f"the demo city has nothing for {key}"
    task.click()
    expect(page.locator(".filter-note")).to_be_visible()
    expect(page.locator(rows)).to_have_count(count)
    page.locator(".filter-note a").click()                 # and back to the whole list
    expect(page.locator(".filter-note")).to_have_count(0)
