"""A resident reports a problem on the public page: a wrong input first, then the receipt in view;
sending it again (a double click) keeps the same number; then the resident looks it up, first
with wrong digits."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from red_property.core.tenancy import tenant_scope
from red_property.demands.models import Demand
from red_property.extensions import db

pytestmark = pytest.mark.browser


def _fill(page, description):
    page.get_by_label("问题类别").select_option("repair")
    page.get_by_label("具体情况").fill(description)
    page.get_by_label("联系电话").fill("139 1234 5678")


def test_a_resident_sends_a_demand_once_and_looks_it_up(live_server, page, app, world):
    page.set_viewport_size({"width": 390, "height": 740})
    page.goto(f"{live_server}/public/")
    page.get_by_label("小区名称、街道或区").fill("丙小区")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name="丙小区").click()

    _fill(page, "灯坏了")                                   # too short: the field says so
    page.get_by_role("button", name="提交").click()
    expect(page.locator('[data-field="description"]')).to_be_visible()
    _fill(page, "5 栋 1 单元的楼道灯坏了一周了")
    page.get_by_role("button", name="提交").click()
    receipt = page.locator("#receipt")
    expect(receipt).to_contain_text("已受理")
    expect(receipt).to_be_in_viewport()                     # not scrolled away below an empty form
    expect(receipt).to_contain_text("接下来")
    number = page.get_by_test_id("ticket").inner_text()

    page.goto(f"{live_server}/public/communities/{world.community_x}")
    _fill(page, "5 栋 1 单元的楼道灯坏了一周了")
    page.get_by_role("button", name="提交").dblclick()     # twice, impatiently
    expect(page.locator("#receipt")).to_be_in_viewport()
    expect(page.get_by_test_id("ticket")).to_have_text(number)
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        assert s.scalars(select(Demand.id)).all() == [int(number)]

    page.get_by_role("link", name="查询办理进度").click()
    expect(page.get_by_label("诉求编号")).to_have_value(number)   # the receipt's link brings it
    page.get_by_label("联系电话后四位").fill("1234")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert")).to_contain_text("编号或电话后四位不符")
    page.get_by_label("联系电话后四位").fill("5678")
    page.get_by_role("button", name="查询").click()
    result = page.locator("#lookup-result")
    expect(result).to_contain_text("已受理")
    expect(result.get_by_role("cell", name=re.compile("受理"))).to_be_visible()
    expect(result).not_to_contain_text("楼道灯")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
