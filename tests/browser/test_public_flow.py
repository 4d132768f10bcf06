"""A resident finds their community on the public page, opens a published statement,
checks a printed copy's fingerprint, and reports a problem."""
import re

import pytest
from playwright.sync_api import expect

from red_property.finance.models import StatementKind
from red_property.finance.statements import create_statement, publish_statement
from tests.factories_finance import TODAY, book_year, committee_scope

pytestmark = pytest.mark.browser


def test_a_resident_reads_a_published_statement_and_reports_a_problem(live_server, page, app, world):
    with committee_scope(app, world) as s:
        book_year(s)
        statement = create_statement(s, kind=StatementKind.QUARTER, year=2025, quarter=1, today=TODAY)
        fingerprint = publish_statement(s, statement, today=TODAY).fingerprint
        create_statement(s, kind=StatementKind.QUARTER, year=2025, quarter=2, today=TODAY)  # a draft: never public

    page.goto(f"{live_server}/public/")
    page.get_by_label("小区名称、街道或区").fill("丙小区")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name="丙小区").click()
    expect(page.get_by_role("heading", name="丙小区", exact=True)).to_be_visible()
    expect(page.locator("#statements")).to_contain_text("2025-Q1")
    expect(page.locator("#statements")).not_to_contain_text("2025-Q2")

    page.locator("#statements").get_by_role("link", name="查看").click()
    expect(page.locator(".statement")).to_contain_text("停车")
    expect(page.get_by_text(fingerprint[:8])).to_be_visible()

    page.goto(f"{live_server}/public/verify")
    page.get_by_label("指纹").fill(fingerprint[:16])
    page.get_by_role("button", name="核对").click()
    expect(page.get_by_text("这是该期最新的版本")).to_be_visible()

    page.get_by_role("link", name="查看网上版本").click()
    page.get_by_role("link", name=re.compile("返回小区公开页")).click()
    page.get_by_label("问题类别").select_option("repair")
    page.get_by_label("具体情况").fill("5 栋 1 单元的楼道灯坏了一周了")
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#receipt")).to_contain_text("已受理")
