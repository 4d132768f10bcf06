"""A compliance officer logs last month's joint meeting and sees the calendar turn from missed to met."""
import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from red_property.core import clock

pytestmark = pytest.mark.browser

LAST_MONTH = (clock.today().replace(day=1) - dt.timedelta(days=1)).replace(day=12)


def test_logging_a_joint_meeting_turns_the_month_from_missed_to_met(live_server, page, world):
    page.goto(f"{live_server}/login")
    page.get_by_label("邮箱").fill("a-staff@test.cn")
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()

    page.get_by_role("link", name="联席会议", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("联席会议日历"))).to_be_visible()
    cell = page.locator(f'td[data-month="{LAST_MONTH:%Y-%m}"][data-community="{world.community_a}"]')
    expect(cell.locator(".month-status")).to_have_text("未开")

    cell.get_by_role("link", name="登记").click()
    expect(page.get_by_role("heading", name="登记联席会议")).to_be_visible()
    expect(page.get_by_text(f"补登 {LAST_MONTH:%Y-%m} 的会议")).to_be_visible()
    page.get_by_label("会议日期").fill(LAST_MONTH.isoformat())
    page.get_by_label("会议地点").fill("小区党群服务站")
    # the first rows come with their party chosen: the officer types names
    expect(page.get_by_label("参会人员 1 代表")).to_have_value("party_branch")
    page.get_by_label("参会人员 1 姓名").fill("王书记")
    page.get_by_label("参会人员 2 姓名").fill("李主任")
    page.get_by_label("参会人员 3 姓名").fill("张经理")
    page.get_by_label("议题 1 名称").fill("更换 3 栋楼道灯")
    page.get_by_label("议题 1 决议").fill("本月内更换完毕")
    page.get_by_label("议题 1 责任人").fill("张经理")
    page.get_by_label("议题 1 完成时限").fill((LAST_MONTH + dt.timedelta(days=10)).isoformat())
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("alert")).to_contain_text("联席会议已登记")
    expect(page.get_by_text("本月内更换完毕")).to_be_visible()

    page.get_by_role("link", name="本小区会议日历").click()
    expect(cell.locator(".month-status")).to_have_text("已开")
    expect(cell.get_by_role("link", name=f"{LAST_MONTH.day}日")).to_be_visible()
