"""Appeals: the window, one per indicator, the bureau's decision, and who sees what."""
import datetime as dt

import pytest
from sqlalchemy import select

from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.core.errors import InputError
from red_property.rating.appeals import file_appeal
from red_property.rating.models import Inspection, RatingRun
from tests.conftest import csrf_token, run_worker
from tests.factories_rating import rating_inputs


@pytest.fixture
def published(api, app, world):
    with app.app_context():
        rating_inputs(world)
    bureau = api.token("bureau-admin@test.cn")
    run_id = api.post("/api/v1/rating/runs", bureau, json={"period": "2026", "as_of": "2026-10-31"}).get_json()["id"]
    run_worker(app)
    assert api.post(f"/api/v1/rating/runs/{run_id}/publish", bureau).status_code == 200
    return run_id, bureau


def test_company_appeals_and_the_bureau_upholds_with_a_correction(api, app, world, published):
    run_id, bureau = published
    company = api.token("a-admin@test.cn")
    body = {"indicator_id": "inspections", "explanation": "六月检查时本小区正在改造电梯，得分应予复核。"}
    filed = api.post(f"/api/v1/rating/runs/{run_id}/appeals", company, json=body)
    assert filed.status_code == 201
    appeal_id = filed.get_json()["id"]
    again = api.post(f"/api/v1/rating/runs/{run_id}/appeals", company, json=body)
    assert again.status_code == 422 and "indicator_id" in again.get_json()["errors"]["json"]

    other = api.token("b-admin@test.cn")
    assert api.get(f"/api/v1/rating/runs/{run_id}/appeals", other).get_json() == []
    assert [a["id"] for a in api.get(f"/api/v1/rating/runs/{run_id}/appeals", bureau).get_json()] == [appeal_id]
    assert api.post(f"/api/v1/rating/appeals/{appeal_id}/decision", other,
                    json={"upheld": False, "reason": "no"}).status_code == 404

    no_correction = api.post(f"/api/v1/rating/appeals/{appeal_id}/decision", bureau,
                             json={"upheld": True, "reason": "复核后检查得分有误"})
    assert no_correction.status_code == 422 and "correction" in no_correction.get_json()["errors"]["json"]
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        inspection = s.scalars(select(Inspection.id).where(Inspection.community_id == world.community_a)).one()
    decision = api.post(f"/api/v1/rating/appeals/{appeal_id}/decision", bureau,
                        json={"upheld": True, "reason": "复核后检查得分有误",
                              "correction": {"kind": "correct", "record_kind": "inspection",
                                             "record_id": inspection, "new_value": "96"}})
    assert decision.status_code == 201, decision.get_json()
    assert decision.get_json()["correction"] == "correct"
    correction_id = decision.get_json()["correction_run_id"]
    run_worker(app)
    correction = api.get(f"/api/v1/rating/runs/{correction_id}", bureau).get_json()
    assert correction["supersedes_id"] == run_id and f"申诉 #{appeal_id} 成立" in correction["reason"]
    seen = api.get(f"/api/v1/rating/runs/{run_id}/appeals", company).get_json()
    assert seen[0]["decision"]["upheld"] is True  # the company reads the bureau's decision on its appeal
    assert api.post(f"/api/v1/rating/appeals/{appeal_id}/decision", bureau,
                    json={"upheld": False, "reason": "再次处理"}).status_code == 422


@pytest.mark.parametrize("body, field", [
    ({"indicator_id": "nonsense", "explanation": "一二三四五六七八九十"}, "indicator_id"),
    ({"indicator_id": "inspections", "explanation": "太短"}, "explanation"),
    ({"explanation": "一二三四五六七八九十"}, "indicator_id"),
])
def test_bad_appeals_name_the_field(api, published, body, field):
    run_id, _ = published
    response = api.post(f"/api/v1/rating/runs/{run_id}/appeals", api.token("a-admin@test.cn"), json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]["json"]


def test_the_window_closes(app, world, published):
    run_id, _ = published
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        run = s.get(RatingRun, run_id)
        late = run.published_at + dt.timedelta(days=16)
        with pytest.raises(InputError, match="申诉期已于"):
            file_appeal(s, run, indicator_id="inspections", explanation="一二三四五六七八九十", now=late)
        on_time = run.published_at + dt.timedelta(days=14)
        assert file_appeal(s, run, indicator_id="inspections", explanation="一二三四五六七八九十", now=on_time).id


def test_attachments_must_be_documents(app, world, published):
    run_id, _ = published
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        run = s.get(RatingRun, run_id)
        with pytest.raises(InputError, match="PDF"):
            file_appeal(s, run, indicator_id="events", explanation="一二三四五六七八九十",
                        upload=("x.exe", b"MZ\x90\x00 not a document"))
        appeal = file_appeal(s, run, indicator_id="events", explanation="一二三四五六七八九十",
                             upload=("整改报告.pdf", b"%PDF-1.7 report"))
        assert appeal.attachment.endswith(".pdf") and appeal.attachment_name == "整改报告.pdf"


def test_appeal_pages_name_the_indicator_not_its_id(api, client, web, world, published):
    run_id, _bureau = published
    company = api.token("a-admin@test.cn")
    body = {"indicator_id": "inspections", "explanation": "六月检查时本小区正在改造电梯，得分应予复核。"}
    assert api.post(f"/api/v1/rating/runs/{run_id}/appeals", company, json=body).status_code == 201
    web.login("a-admin@test.cn")
    mine = client.get(f"/company-a/rating/runs/{run_id}/companies/{world.a}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(mine)})
    web.login("bureau-admin@test.cn")
    league = client.get(f"/bureau/rating/runs/{run_id}").get_data(as_text=True)
    for page in (mine, league):
        assert "· 主管部门检查</b>" in page and "· inspections</b>" not in page
