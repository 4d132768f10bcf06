"""A company user logs in through the real UI, browses, runs a job, switches language."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_company_user_logs_in_and_sees_only_its_communities(live_server, page, world):
    page.goto(f"{live_server}/")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()

    page.get_by_label("邮箱").fill("a-admin@test.cn")
    page.get_by_label("密码").fill("wrong password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("邮箱或密码错误")

    page.get_by_label("邮箱").fill("a-admin@test.cn")
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server}/company-a/")
    expect(page.get_by_role("heading", name="甲物业有限公司")).to_be_visible()

    page.get_by_role("link", name="小区", exact=True).first.click()
    expect(page.get_by_role("link", name="甲一小区")).to_be_visible()
    expect(page.get_by_text("乙一小区")).to_have_count(0)

    response = page.goto(f"{live_server}/company-b/")
    assert response.status == 404


def test_export_job_progress_reaches_done(live_server, page, world, worker):
    page.goto(f"{live_server}/login")
    page.get_by_label("邮箱").fill("a-staff@test.cn")
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name=re.compile("导出小区名册")).click()
    expect(page.locator(".job-status")).to_have_text("已完成", timeout=30_000)  # a worker process boots first
    expect(page.locator("progress")).to_have_attribute("value", "100")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载结果").click()
    assert download.value.suggested_filename.endswith(".csv")
