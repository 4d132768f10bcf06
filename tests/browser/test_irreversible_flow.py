"""The bureau runs a rating with a wrong period label, corrects it, tries to publish without confirming (the
dialog cancelled, then the form posted without it), publishes with the confirmation, discards a second run
before publishing it, and follows a job's page to the run it made; on a 390 px phone the dialog fits."""
import re

import pytest
from playwright.sync_api import expect

from tests.factories_rating import rating_inputs

pytestmark = pytest.mark.browser


def _login(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("邮箱").fill("bureau-admin@test.cn")
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_attached()


def _start_run(page, base: str, period: str, as_of: str) -> None:
    page.goto(f"{base}/bureau/rating")   # on a phone the menu is folded: go straight there
    page.get_by_label("评价期间").fill(period)
    page.get_by_label("截止日期").fill(as_of)
    page.get_by_role("button", name="开始评价").click()


def test_publish_with_confirmation_discard_a_draft_and_follow_a_job(live_server, page, app, world, worker):
    with app.app_context():
        rating_inputs(world)
    _login(page, live_server)
    page.set_viewport_size({"width": 390, "height": 844})   # the rest on a phone

    # a label that does not contain the cut-off is refused beside the period; the corrected one runs
    _start_run(page, live_server, "2026-Q3", "2026-10-31")
    expect(page.locator('.field-error[data-field="period"]')).to_contain_text("不在评价期间")
    page.get_by_label("评价期间").fill("2026-Q4")
    page.get_by_role("button", name="开始评价").click()
    publish = page.get_by_role("button", name="发布评价结果")
    expect(publish).to_be_visible(timeout=120_000)   # the run page reloads itself when the run is ready
    run_url = page.url

    # the dialog says what cannot be undone; cancelling it publishes nothing
    publish.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("发布后所有物业企业和公众都能看到这次评价结果，不能撤回")
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390   # fits a phone
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    page.reload()
    expect(page.get_by_text("已发布")).to_have_count(0)

    # the form posted without the confirmation (as without script): the server asks instead of publishing
    page.evaluate("document.querySelector('form.confirm-form').submit()")
    expect(page.get_by_role("heading", name="请确认：发布评价结果")).to_be_visible()
    page.get_by_role("link", name="取消，返回").click()
    expect(page).to_have_url(run_url)
    expect(page.get_by_text("已发布")).to_have_count(0)

    # confirmed: published, and no discard any more
    page.get_by_role("button", name="发布评价结果").click()
    page.get_by_role("dialog").get_by_role("button", name="确认发布").click()
    expect(page.get_by_role("alert")).to_contain_text("已发布")
    expect(page.get_by_role("button", name="放弃这次评价")).to_have_count(0)

    # a second run is discarded before it is published
    _start_run(page, live_server, "2026", "2026-11-30")
    discard = page.get_by_role("button", name="放弃这次评价")
    expect(discard).to_be_visible(timeout=120_000)
    discard_url = page.url
    discard.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("不能恢复")
    dialog.get_by_role("button", name="确认放弃").click()
    expect(page.get_by_role("alert")).to_contain_text("已放弃")
    assert page.goto(discard_url).status == 404

    # the home page's list of jobs leads to the published run's job, which links to the run it made
    page.goto(f"{live_server}/bureau/")
    first_job = re.search(r"/rating/runs/(\d+)", run_url).group(1)
    page.locator("tr", has_text="计算信用评价").last.get_by_role("link").click()   # the oldest: the first run's
    link = page.get_by_role("link", name=f"评价结果（第 {first_job} 号）")
    expect(link).to_be_visible()
    expect(page.get_by_role("link", name="下载结果")).to_have_count(0)
    link.click()
    expect(page).to_have_url(run_url)
