"""A company appeals an inspection score from its rating page; the bureau finds it on its home page,
upholds it by correcting the score (after a wrong step and the confirmation), sees what changed, and
the company reads the decision."""
import pytest
from playwright.sync_api import expect

from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.rating.runs import publish_run, start_run
from tests.conftest import run_worker
from tests.factories_rating import AS_OF, bureau_admin, rating_inputs

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
EXPLANATION = "六月检查时甲一小区正在改造电梯，检查得分应予复核。"


def _published_run(app, world) -> int:
    with app.app_context():
        rating_inputs(world)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            run_id = start_run(s, period="2026", as_of=AS_OF).id
        run_worker(app)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            from red_property.rating.models import RatingRun

            publish_run(s, s.get(RatingRun, run_id))
        return run_id


def _login(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _logout(page) -> None:
    page.get_by_role("button", name="退出").click()


def test_company_appeals_bureau_upholds_with_a_correction(live_server, page, app, world, worker, tmp_path):
    _published_run(app, world)

    _login(page, live_server, "a-admin@test.cn")
    page.goto(f"{live_server}/company-a/rating")
    page.get_by_test_id("appeal-link").click()
    page.get_by_label("申诉的指标").select_option(label="主管部门检查")
    page.get_by_label("申诉理由").fill(EXPLANATION)
    wrong = tmp_path / "说明.exe"
    wrong.write_bytes(b"MZ\x90\x00 not a document")
    page.get_by_label("证明材料").set_input_files(wrong)
    page.get_by_role("button", name="提交申诉").click()
    expect(page.locator('.field-error[data-field="attachment"]')).to_be_visible()
    expect(page.get_by_label("申诉理由")).to_have_value(EXPLANATION)  # the typed text is kept
    report = tmp_path / "整改说明.pdf"
    report.write_bytes(b"%PDF-1.7 evidence")
    page.get_by_label("证明材料").set_input_files(report)
    page.get_by_role("button", name="提交申诉").click()
    expect(page.get_by_role("alert")).to_contain_text("申诉已提交")
    expect(page.get_by_text("待处理")).to_be_visible()
    _logout(page)

    _login(page, live_server, "bureau-admin@test.cn")
    task = page.locator('[data-task="appeals"]')   # the home page's task list
    expect(task.locator(".count")).to_have_text("1")
    task.get_by_role("link").click()
    row = page.locator("tr[data-appeal]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("甲物业有限公司")
    row.get_by_role("link", name="处理").click()
    expect(page.get_by_text(EXPLANATION)).to_be_visible()
    page.get_by_label("申诉成立（更正后新建更正评价）").check()
    page.get_by_label("处理理由").fill("复核属实：六月检查得分录入有误")
    correction = page.get_by_label("更正方式（申诉成立时必选）")
    option = correction.locator("option", has_text="更正本局记录的分数：检查").filter(has_text="甲一小区")
    correction.select_option(option.get_attribute("value"))
    page.get_by_role("button", name="下一步：确认").click()
    expect(page.locator('.field-error[data-field="new_value"]')).to_contain_text("请填写更正后的数值")
    page.get_by_label("更正后的数值").fill("100")
    page.get_by_role("button", name="下一步：确认").click()
    expect(page.get_by_test_id("confirm-note")).to_contain_text("不可撤销")
    page.get_by_test_id("confirm").click()

    run_worker(app)
    page.reload()
    changes = page.get_by_test_id("changes")
    expect(changes).to_contain_text("甲物业有限公司")
    expect(changes).to_contain_text("主管部门检查")
    expect(changes.locator('tr[data-company="%s"]' % world.a).first).to_contain_text("→")
    expect(changes).not_to_contain_text("乙物业")  # B's inputs did not change
    page.goto(f"{live_server}/bureau/")
    expect(page.locator('[data-task="appeals"] .count')).to_have_text("0")
    _logout(page)

    _login(page, live_server, "a-admin@test.cn")
    page.goto(f"{live_server}/company-a/rating")
    page.get_by_role("link", name="详情").first.click()
    expect(page.get_by_test_id("appeal-decision")).to_contain_text("申诉成立")
    expect(page.get_by_test_id("appeal-decision")).to_contain_text("复核属实")
