"""The bureau edits its rating model: a syntax error is named in Chinese at its line, marked in
the line numbers; fixed, the edit is previewed (which companies change grade), then saved."""
import re

import pytest
from playwright.sync_api import expect

from tests.factories_rating import SHIPPED

pytestmark = pytest.mark.browser


def test_the_bureau_previews_an_edit_then_saves_it(live_server, page, app, world):
    from tests.test_public import _rate
    from tests.factories_rating import rating_inputs

    with app.app_context():
        rating_inputs(world)
    _rate(app, world, publish=False)
    page.goto(f"{live_server}/login")
    page.get_by_label("邮箱").fill("bureau-admin@test.cn")
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/bureau/rating/model")
    expect(page.locator(".gutter")).to_contain_text("1\n2\n3")
    expect(page.get_by_role("button", name="保存为新版本")).to_have_count(0)   # nothing previewed yet

    text = SHIPPED.read_text("utf-8")
    broken = text.replace("scale = 100", "scale = 100 分")
    line = broken.split("\n").index("scale = 100 分") + 1
    page.locator("textarea#source").fill(broken)
    page.get_by_role("button", name="预览等级变化").click()
    expect(page.get_by_role("alert")).to_contain_text(f"第 {line} 行第 13 列")
    expect(page.get_by_role("alert")).to_contain_text("一行只能写一条语句")
    expect(page.locator(".gutter .bad")).to_have_text(str(line))

    one_band = re.sub(r"bands = \[.*?\n\]", 'bands = [\n  { grade = "AAA", min = 0 },\n]', text, flags=re.S)
    page.locator("textarea#source").fill("# 本局只留一个等级（试算）\n" + one_band)
    page.get_by_label("修改说明").fill("只留一个等级")
    page.get_by_role("button", name="预览等级变化").click()
    expect(page.locator("#grade-changes")).to_contain_text("AAA")
    expect(page.locator("#grade-counts")).to_contain_text("AAA")
    page.get_by_role("button", name="保存为新版本").click()
    expect(page.get_by_role("alert")).to_contain_text("已保存为第 2 版")
    expect(page.locator("textarea#source")).to_contain_text("# 本局只留一个等级（试算）")
