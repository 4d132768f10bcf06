"""Rating pages for the bureau and for a company."""
import io

from openpyxl import load_workbook

from tests.conftest import csrf_token, run_worker
from tests.factories_rating import SHIPPED, rating_inputs


def _start(app, client, web, world):
    with app.app_context():
        rating_inputs(world)
    web.login("bureau-admin@test.cn")
    token = csrf_token(client.get("/bureau/rating").get_data(as_text=True))
    response = client.post("/bureau/rating", data={"period": "2026", "as_of": "2026-10-31", "csrf_token": token})
    assert response.status_code == 302
    run_worker(app)
    return response.headers["Location"], token


def test_bureau_runs_publishes_and_exports(app, client, web, world):
    run_page, token = _start(app, client, web, world)
    page = client.get(run_page).get_data(as_text=True)
    assert "甲物业有限公司" in page and "乙物业有限公司" in page and "<svg" in page
    assert client.post(run_page + "/publish", data={"csrf_token": token, "confirm": "yes"}).status_code == 302
    assert "已发布" in client.get(run_page).get_data(as_text=True)
    csv = client.get(run_page + "/export.csv")
    assert csv.get_data().decode("utf-8-sig").splitlines()[0] == "名次,物业服务企业,得分,等级"
    xlsx = load_workbook(io.BytesIO(client.get(run_page + "/export.xlsx").get_data()))
    assert xlsx.active["B2"].value in ("甲物业有限公司", "乙物业有限公司")


def test_an_invalid_model_shows_its_lines_and_is_not_saved(app, client, web, world):
    with app.app_context():
        rating_inputs(world)
    web.login("bureau-admin@test.cn")
    token = csrf_token(client.get("/bureau/rating/model").get_data(as_text=True))
    bad = SHIPPED.read_text("utf-8").replace('metric = "inspection_score"', 'metric = "inspections"')
    response = client.post("/bureau/rating/model", data={"source": bad, "note": "x", "csrf_token": token})
    assert response.status_code == 422
    assert "未知的指标来源" in response.get_data(as_text=True) and 'data-line="' in response.get_data(as_text=True)
    assert "第 1 版" in client.get("/bureau/rating/model").get_data(as_text=True)


def test_a_company_sees_only_its_own_published_result(app, client, web, world):
    run_page, token = _start(app, client, web, world)
    run_id = run_page.rstrip("/").split("/")[-1]
    client.post(run_page + "/publish", data={"csrf_token": token, "confirm": "yes"})
    client.post("/logout", data={"csrf_token": token})
    web.login("a-admin@test.cn")
    page = client.get("/company-a/rating").get_data(as_text=True)
    assert "得分构成" in page and "排名区间" in page
    assert client.get(f"/company-a/rating/runs/{run_id}/companies/{world.b}").status_code == 404
    assert client.get(f"/company-a/rating/runs/{run_id}/companies/{world.a}").status_code == 200
    assert client.get(f"/company-a/rating/runs/{run_id}").status_code == 404  # the league table is the bureau's
    assert client.get("/company-a/rating/model").status_code == 404


def test_appeal_through_the_pages(app, client, web, world):
    run_page, token = _start(app, client, web, world)
    run_id = run_page.rstrip("/").split("/")[-1]
    client.post(run_page + "/publish", data={"csrf_token": token, "confirm": "yes"})
    client.post("/logout", data={"csrf_token": token})
    web.login("a-admin@test.cn")
    result_page = f"/company-a/rating/runs/{run_id}/companies/{world.a}"
    token = csrf_token(client.get(result_page).get_data(as_text=True))
    response = client.post(f"/company-a/rating/runs/{run_id}/appeals", data={
        "indicator_id": "inspections", "explanation": "检查当日正在进行电梯改造，请复核。", "csrf_token": token,
        "attachment": (io.BytesIO(b"%PDF-1.7 evidence"), "整改说明.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(result_page).get_data(as_text=True)
    assert "待处理" in page and "整改说明.pdf" in page
    client.post("/logout", data={"csrf_token": token})
    web.login("bureau-admin@test.cn")
    page = client.get(run_page).get_data(as_text=True)
    assert "电梯改造" in page
    appeal_id = page.split('/rating/appeals/')[1].split('/')[0]
    download = client.get(f"/bureau/rating/appeals/{appeal_id}/attachment")
    assert download.status_code == 200 and download.get_data().startswith(b"%PDF")
    download.close()
    token = csrf_token(page)
    form = {"outcome": "reject", "reason": "检查记录无误", "csrf_token": token}
    asked = client.post(f"/bureau/rating/appeals/{appeal_id}", data=form)
    assert asked.status_code == 200 and "不可撤销" in asked.get_data(as_text=True)  # nothing decided yet
    decided = client.post(f"/bureau/rating/appeals/{appeal_id}", data=form | {"confirm": "yes"})
    assert decided.status_code == 302 and decided.headers["Location"].endswith(f"/bureau/rating/appeals/{appeal_id}")
    assert "维持原评分" in client.get(run_page).get_data(as_text=True)


def test_the_pdf_report_renders_chinese_text(app, client, web, world):
    from tests.pdf_reading import glyphs_drawn, pdf_text

    run_page, token = _start(app, client, web, world)
    run_id = run_page.rstrip("/").split("/")[-1]
    response = client.get(f"/bureau/rating/runs/{run_id}/companies/{world.a}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.get_data())
    assert "物业服务企业信用评价报告" in text and "甲物业有限公司" in text and "得分构成" in text
    drawn = glyphs_drawn(response.get_data())
    assert all(drawn[char] for char in "物业服务企业信用评价报告甲有限公司得分构成")
    client.post("/logout", data={"csrf_token": token})
    web.login("b-admin@test.cn")
    assert client.get(f"/company-b/rating/runs/{run_id}/companies/{world.a}/report.pdf").status_code == 404


def test_pdf_documents_fetch_nothing(app):
    from red_property.core.pdf import render_pdf

    with app.app_context():
        pdf = render_pdf('<html><head></head><body><img src="file:///etc/passwd">'
                         '<img src="http://127.0.0.1:9/x.png">中文</body></html>')
    assert pdf.startswith(b"%PDF") and b"root:" not in pdf


def test_the_bureau_enters_inputs_through_forms(app, client, web, world):
    with app.app_context():
        rating_inputs(world)
    web.login("bureau-admin@test.cn")
    page = client.get("/bureau/rating/inputs").get_data(as_text=True)
    token = csrf_token(page)
    ok = client.post("/bureau/rating/inputs?form=inspection", data={
        "inspection-company_tenant_id": world.a, "inspection-community_id": world.community_a,
        "inspection-inspected_on": "2026-09-01", "inspection-score": "77.5", "csrf_token": token})
    assert ok.status_code == 302
    assert "77.50" in client.get("/bureau/rating/inputs").get_data(as_text=True)
    wrong = client.post("/bureau/rating/inputs?form=inspection", data={
        "inspection-company_tenant_id": world.a, "inspection-community_id": world.community_b,
        "inspection-inspected_on": "2026-09-01", "inspection-score": "177", "csrf_token": token})
    assert wrong.status_code == 400
    body = wrong.get_data(as_text=True)
    assert 'data-field="inspection-score"' in body
    event = client.post("/bureau/rating/inputs?form=event", data={
        "event-company_tenant_id": world.b, "event-community_id": 0, "event-kind": "upheld_complaint",
        "event-occurred_on": "2026-08-01", "event-authority": "district", "event-reference": "12345-0801",
        "csrf_token": token})
    assert event.status_code == 302
    repeat = client.post("/bureau/rating/inputs?form=opinion", data={
        "opinion-company_tenant_id": world.a, "opinion-community_id": world.community_a, "opinion-year": 2026,
        "opinion-score": "90", "csrf_token": token})
    assert repeat.status_code == 422 and "本年度已有评价" in repeat.get_data(as_text=True)


def test_companies_cannot_open_the_input_page(client, web, world):
    web.login("a-admin@test.cn")
    assert client.get("/company-a/rating/inputs").status_code == 404


def test_a_run_as_of_year_one_is_refused_beside_its_field(app, client, web, world):
    with app.app_context():
        rating_inputs(world)
    web.login("bureau-admin@test.cn")
    token = csrf_token(client.get("/bureau/rating").get_data(as_text=True))
    response = client.post("/bureau/rating", data={"period": "2026", "as_of": "0001-01-01", "csrf_token": token})
    assert response.status_code == 400 and "截止日期应在 2000 年之后" in response.get_data(as_text=True)
