"""Issue 13: the rating model editor numbers its lines, says a syntax error in Chinese with its
line and column, keeps Chinese comments, and shows which grades an edit changes before saving."""
import re

from sqlalchemy import select

from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.rating.model import ModelError, parse_model
from red_property.rating.models import ModelVersion
from tests.conftest import csrf_token, run_worker
from tests.factories_rating import SHIPPED, rating_inputs

MODEL = "/bureau/rating/model"
# Every company in one grade: a band from 0 up (the shipped model's five bands replaced).
ONE_BAND = re.sub(r"bands = \[.*?\n\]", 'bands = [\n  { grade = "AAA", min = 0 },\n]',
                  SHIPPED.read_text("utf-8"), flags=re.S)


def _post(client, source, action, note=""):
    token = csrf_token(client.get(MODEL).get_data(as_text=True))
    return client.post(MODEL, data={"source": source, "note": note, "action": action, "csrf_token": token})


def _versions(app, world):
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        return s.scalars(select(ModelVersion).order_by(ModelVersion.version)).all()


def _run(app, client, web, world):
    with app.app_context():
        rating_inputs(world)
    web.login("bureau-admin@test.cn")
    token = csrf_token(client.get("/bureau/rating").get_data(as_text=True))
    client.post("/bureau/rating", data={"period": "2026", "as_of": "2026-10-31", "csrf_token": token})
    run_worker(app)


def test_a_syntax_error_is_said_in_chinese_with_its_line_and_column():
    text = 'name = "x"\nscale = 100\naggregate = floor_area\n'
    try:
        parse_model(text)
    except ModelError as exc:
        issue = exc.issues[0]
    assert (issue.line, issue.column) == (3, 13)
    assert str(issue).startswith("第 3 行第 13 列") and "文字要加引号" in str(issue) and "Invalid" not in str(issue)


def test_the_editor_numbers_lines_and_marks_the_one_in_error(app, client, web, world):
    _run(app, client, web, world)
    page = client.get(MODEL).get_data(as_text=True)
    lines = SHIPPED.read_text("utf-8").count("\n") + 1
    assert re.search(r'<pre class="gutter"[^>]*>1\n2\n3\n', page) and f"\n{lines}\n</pre>" in page
    broken = SHIPPED.read_text("utf-8").replace("scale = 100", "scale = 100 分")
    response = _post(client, broken, "preview")
    html = response.get_data(as_text=True)
    line = broken.split("\n").index("scale = 100 分") + 1
    assert response.status_code == 422 and f"第 {line} 行第 13 列" in html and "一行只能写一条语句" in html
    assert f'<span class="bad">{line}</span>' in html and len(_versions(app, world)) == 1


def test_the_preview_lists_grade_changes_and_counts_and_saving_needs_it(app, client, web, world):
    _run(app, client, web, world)
    refused = _post(client, ONE_BAND, "save")      # never previewed: shown first, not saved
    assert refused.status_code == 409 and len(_versions(app, world)) == 1
    html = refused.get_data(as_text=True)
    changes = html.split('id="grade-changes"')[1].split("</table>")[0]
    assert "甲物业有限公司" in changes or "乙物业有限公司" in changes
    assert re.search(r"<td[^>]*>\s*[A-C]{1,3}\s*</td>\s*<td[^>]*><b>AAA</b>", changes)
    counts = html.split('id="grade-counts"')[1].split("</table>")[0]
    assert re.search(r'>AAA</td><td[^>]*>\d</td>\s*<td[^>]*>2 \(\+\d\)', counts)

    edited_since = _post(client, ONE_BAND + "\n# 又改了一处\n", "save")   # not the text previewed
    assert edited_since.status_code == 409 and len(_versions(app, world)) == 1
    saved = _post(client, ONE_BAND + "\n# 又改了一处\n", "save", note="只留一个等级")
    assert saved.status_code == 302
    versions = _versions(app, world)
    assert len(versions) == 2 and "# 五、等级划分" in versions[1].source and "# 又改了一处" in versions[1].source


def test_the_default_model_explains_each_section_in_chinese():
    from red_property.rating.versions import DEFAULT_MODEL

    for path in (DEFAULT_MODEL, SHIPPED):
        text = path.read_text("utf-8")
        comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
        for section in ("一、总体设置", "二、评价指标", "三、加分项", "四、扣分项", "五、等级划分", "六、特殊情形", "七、申诉"):
            assert any(section in line for line in comments), (path.name, section)
        assert all(re.search(r"[\u4e00-\u9fff]", c) for c in comments)   # no comment in English only
        parse_model(text)
