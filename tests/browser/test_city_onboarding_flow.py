"""A real city starts from an empty database through the product alone.

``red-property init`` → the bureau's admin accepts the invitation → imports the
register, the company directory and the management contracts (the city-scale
sheets in ``tests/data/city/``) → opens company 1's account and invites its
admin → that admin accepts, sees exactly its communities and logs a joint
meeting → the bureau runs and publishes a rating that includes company 1.
"""
import csv
import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from red_property.core import clock

pytestmark = pytest.mark.browser

CITY = Path(__file__).resolve().parent.parent / "data" / "city"
BUREAU_PASSWORD = "a long bureau password"
COMPANY_PASSWORD = "a long company password"
LAST_MONTH = (clock.today().replace(day=1) - dt.timedelta(days=1)).replace(day=12)


def _rows(name: str) -> list[dict]:
    with (CITY / name).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _accept(page, base: str, url: str, password: str) -> None:
    page.goto(base + url[url.index("/invitation/"):])
    page.get_by_label("新密码", exact=True).fill(password)
    page.get_by_label("再次输入新密码").fill(password)
    page.get_by_role("button", name="设置密码").click()


def _login(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_attached()


def _logout(page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()


def _import(page, button_scope, path: Path) -> None:
    """Upload a sheet and wait for its job to finish (the page follows the job)."""
    button_scope.locator("input[type=file]").set_input_files(path)
    button_scope.get_by_role("button", name="导入").click()
    expect(page.get_by_text(re.compile("已完成|导入完成|已导入")).first).to_be_visible(timeout=120_000)


def test_a_city_goes_from_an_empty_database_to_its_first_published_rating(live_server, page, runner, worker):
    register, directory, contracts = _rows("register.csv"), _rows("directory.csv"), _rows("contracts.csv")
    assert (len(register), len(directory)) == (513, 249)

    result = runner.invoke(args=["init", "--bureau", "锦城市住房和城乡建设局", "--admin", "chief@jc.gov.cn"])
    assert result.exit_code == 0, result.output
    bureau_link = re.search(r"\S+/invitation/\S+", result.output).group(0)

    # the bureau's admin sets a password and signs in
    _accept(page, live_server, bureau_link, BUREAU_PASSWORD)
    _login(page, live_server, "chief@jc.gov.cn", BUREAU_PASSWORD)

    # the register, the directory, the contracts
    page.get_by_role("link", name="小区", exact=True).click()
    page.get_by_role("link", name="登记小区 / 导入登记簿").click()
    _import(page, page.locator("section", has=page.get_by_role("heading", name="导入小区登记簿")),
            CITY / "register.csv")
    page.get_by_role("link", name="企业名录", exact=True).click()
    _import(page, page.locator("section", has=page.get_by_role("heading", name="导入企业名录")),
            CITY / "directory.csv")
    page.get_by_role("link", name="小区", exact=True).click()
    page.get_by_role("link", name="登记小区 / 导入登记簿").click()
    page.get_by_role("link", name="导入物业服务合同").click()
    _import(page, page.locator("main"), CITY / "contracts.csv")

    # company 1: open its account and invite its admin
    company = directory[0]
    page.get_by_role("link", name="企业名录", exact=True).click()
    page.get_by_placeholder("按名称或统一社会信用代码搜索").fill(company["统一社会信用代码"])
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name=company["企业名称"]).click()
    expect(page.get_by_test_id("company-tenant")).to_be_visible()   # opened with its first contract
    page.get_by_label("首位管理员邮箱").fill("admin@company1.cn")
    page.get_by_label("首位管理员姓名").fill("周经理")
    page.get_by_role("button", name="邀请首位管理员").click()
    company_link = page.get_by_test_id("invitation-link").inner_text()
    _logout(page)

    # company 1's admin accepts and sees exactly its communities
    _accept(page, live_server, company_link, COMPANY_PASSWORD)
    _login(page, live_server, "admin@company1.cn", COMPANY_PASSWORD)
    mine = {(r["小区名称"], r["地址"]) for r in contracts
            if r["统一社会信用代码"] == company["统一社会信用代码"] and r["开始日期"] <= clock.today().isoformat()}
    assert mine
    page.get_by_role("link", name="小区", exact=True).click()
    shown = page.locator("table tbody tr td:first-child a").all_inner_texts()
    assert sorted(shown) == sorted(name for name, _ in mine)

    # ... and logs last month's joint meeting
    page.get_by_role("link", name="联席会议", exact=True).click()
    page.locator(f'td[data-month="{LAST_MONTH:%Y-%m}"]').first.get_by_role("link", name="登记").click()
    page.get_by_label("会议日期").fill(LAST_MONTH.isoformat())
    page.get_by_label("会议地点").fill("小区党群服务站")
    page.get_by_label("参会人员 1 姓名").fill("王书记")
    page.get_by_label("参会人员 2 姓名").fill("李主任")
    page.get_by_label("参会人员 3 姓名").fill("周经理")
    page.get_by_label("议题 1 名称").fill("电梯年检")
    page.get_by_label("议题 1 决议").fill("本月内完成")
    page.get_by_label("议题 1 责任人").fill("周经理")
    page.get_by_label("议题 1 完成时限").fill((LAST_MONTH + dt.timedelta(days=10)).isoformat())
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_contain_text("联席会议已登记")
    _logout(page)

    # the bureau runs and publishes a rating that includes company 1
    _login(page, live_server, "chief@jc.gov.cn", BUREAU_PASSWORD)
    page.get_by_role("link", name="信用评价", exact=True).click()
    page.get_by_role("button", name="开始评价").click()
    page.get_by_role("button", name="发布评价结果").click(timeout=120_000)   # the page reloads when the run is ready
    page.get_by_role("dialog").get_by_role("button", name="确认发布").click()
    expect(page.get_by_text("已发布").first).to_be_visible()
    expect(page.get_by_role("link", name=company["企业名称"])).to_be_visible()
