"""Rating API: the bureau's model, inputs and runs; a company's own published results."""
import hashlib
import re

import pytest

from tests.conftest import run_worker
from tests.factories_rating import SHIPPED, rating_inputs


@pytest.fixture
def bureau(api, world, app):
    with app.app_context():
        rating_inputs(world)
    return api.token("bureau-admin@test.cn")


def test_invalid_model_is_refused_with_lines(api, bureau):
    bad = SHIPPED.read_text("utf-8").replace("weight = 15", "weight = 16", 1)
    response = api.post("/api/v1/rating/models", bureau, json={"source": bad})
    assert response.status_code == 422
    assert any("权重合计为 101" in m and "行" in m for m in response.get_json()["errors"]["json"]["source"])
    preview = api.post("/api/v1/rating/models/preview", bureau, json={"source": bad})
    assert preview.status_code == 422 and "source" in preview.get_json()["errors"]["json"]
    source = SHIPPED.read_text("utf-8")
    digest = api.post("/api/v1/rating/models/preview", bureau, json={"source": source}).get_json()["preview_digest"]
    ok = api.post("/api/v1/rating/models", bureau, json={"source": source, "note": "再存一版", "preview_digest": digest})
    assert ok.status_code == 201 and ok.get_json()["version"] == 2


def test_a_model_nested_500_deep_is_422_not_500(api, bureau):
    deep = SHIPPED.read_text("utf-8") + "\nextra = " + "[" * 500 + "]" * 500 + "\n"
    response = api.post("/api/v1/rating/models", bureau, json={"source": deep})
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["source"] == ["(文件): 嵌套超过 16 层 (nested deeper than 16 levels)"]


@pytest.mark.parametrize("body, field", [
    ({"company_tenant_id": 999999, "kind": "award", "occurred_on": "2026-01-01", "reference": "x"}, "company_tenant_id"),
    ({"company_tenant_id": "A", "kind": "award", "occurred_on": "2026-01-01", "reference": "x"}, "company_tenant_id"),
    ({"kind": "award", "occurred_on": "2026-01-01", "reference": "x"}, "company_tenant_id"),
    ({"company_tenant_id": 0, "kind": "medal", "occurred_on": "2026-01-01", "reference": "x"}, "kind"),
    ({"company_tenant_id": 0, "kind": "penalty", "occurred_on": "2026-13-01", "reference": "x"}, "occurred_on"),
    ({"company_tenant_id": 0, "kind": "penalty", "occurred_on": "2026-05-01", "rectified_on": "2026-04-01",
      "reference": "x"}, "rectified_on"),
])
def test_bad_events_name_the_field(api, bureau, world, body, field):
    if body.get("company_tenant_id") == 0:
        body["company_tenant_id"] = world.a
    response = api.post("/api/v1/rating/events", bureau, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_inspections_only_for_communities_the_company_managed(api, bureau, world):
    body = {"company_tenant_id": world.a, "community_id": world.community_b, "inspected_on": "2026-05-01",
            "score": "88.5"}
    response = api.post("/api/v1/rating/inspections", bureau, json=body)
    assert response.status_code == 422 and "community_id" in response.get_json()["errors"]["json"]
    body["community_id"] = world.community_a
    assert api.post("/api/v1/rating/inspections", bureau, json=body).status_code == 201
    body["score"] = "101"
    assert "score" in api.post("/api/v1/rating/inspections", bureau, json=body).get_json()["errors"]["json"]


def test_one_branch_opinion_a_year(api, bureau, world):
    body = {"company_tenant_id": world.a, "community_id": world.community_a, "year": 2026, "score": "90"}
    response = api.post("/api/v1/rating/opinions", bureau, json=body)  # the factory already made one
    assert response.status_code == 422 and "year" in response.get_json()["errors"]["json"]


def test_run_publish_and_what_each_tenant_sees(api, bureau, world, app):
    run = api.post("/api/v1/rating/runs", bureau, json={"period": "2026", "as_of": "2026-10-31"})
    assert run.status_code == 202
    run_id = run.get_json()["id"]
    run_worker(app)
    company_a = api.token("a-admin@test.cn")
    assert api.get(f"/api/v1/rating/runs/{run_id}", company_a).status_code == 404  # a draft
    assert api.get("/api/v1/rating/runs", company_a).get_json()["total"] == 0
    assert len(api.get(f"/api/v1/rating/runs/{run_id}/results", bureau).get_json()) == 2
    assert api.post(f"/api/v1/rating/runs/{run_id}/publish", bureau).status_code == 200
    assert api.post(f"/api/v1/rating/runs/{run_id}/publish", bureau).status_code == 409
    own = api.get(f"/api/v1/rating/runs/{run_id}/results", company_a).get_json()
    assert [r["company_tenant_id"] for r in own] == [world.a]
    assert own[0]["breakdown"]["gains"]
    committee = api.token("committee-admin@test.cn")
    assert api.get(f"/api/v1/rating/runs/{run_id}/results", committee).status_code == 404
    assert api.post("/api/v1/rating/runs", company_a, json={"period": "2026", "as_of": "2026-10-31"}).status_code == 404
    correction = api.post(f"/api/v1/rating/runs/{run_id}/corrections", bureau, json={"reason": "更正检查得分"})
    assert correction.status_code == 202 and correction.get_json()["supersedes_id"] == run_id


@pytest.mark.parametrize("body, field", [({"period": "2026年", "as_of": "2026-10-31"}, "period"),
                                         ({"period": "2026"}, "as_of"),
                                         ({"period": "2026", "as_of": "0001-01-01"}, "as_of"),  # failed the job
                                         ({"period": "2026", "as_of": "9999-12-31"}, "as_of")])
def test_bad_run_requests(api, bureau, body, field):
    response = api.post("/api/v1/rating/runs", bureau, json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]["json"]


def test_results_list_query_count_is_flat(api, bureau, app, count_queries):
    run_id = api.post("/api/v1/rating/runs", bureau, json={"period": "2026", "as_of": "2026-10-31"}).get_json()["id"]
    run_worker(app)
    with count_queries() as q:
        api.get(f"/api/v1/rating/runs/{run_id}/results", bureau)
    assert q.count <= 5, q.statements


ONE_BAND = re.sub(r"bands = \[.*?\n\]", 'bands = [\n  { grade = "AAA", min = 0 },\n]', SHIPPED.read_text("utf-8"),
                  flags=re.S)


def _errors(response) -> dict:
    return response.get_json()["errors"]["json"]


def test_saving_a_model_needs_the_preview_of_that_very_text(api, bureau, app):
    """As the editor page: the API saves only a text whose grade changes were previewed on the version in force."""
    assert api.post("/api/v1/rating/runs", bureau, json={"period": "2026", "as_of": "2026-10-31"}).status_code == 202
    run_worker(app)
    never = api.post("/api/v1/rating/models", bureau, json={"source": ONE_BAND})
    assert never.status_code == 422 and "preview_digest" in _errors(never)
    forged = api.post("/api/v1/rating/models", bureau, json={"source": ONE_BAND,   # a plain hash of the text
                                                              "preview_digest": hashlib.sha256(ONE_BAND.encode()).hexdigest()})
    assert forged.status_code == 422 and "预览" in _errors(forged)["preview_digest"][0]

    preview = api.post("/api/v1/rating/models/preview", bureau, json={"source": ONE_BAND})
    assert preview.status_code == 200
    body = preview.get_json()
    assert body["base_version"] == 1 and body["companies"] == 2 and body["run_id"] and body["as_of"] == "2026-10-31"
    assert body["changes"] and all(c["after"] == "AAA" and c["before"] != "AAA" for c in body["changes"])
    assert {c["company_name"] for c in body["changes"]} <= {"甲物业有限公司", "乙物业有限公司"}
    assert {"grade": "AAA", "before": 2 - len(body["changes"]), "after": 2} in body["counts"]
    digest = body["preview_digest"]
    assert len(api.get("/api/v1/rating/models", bureau).get_json()) == 1          # a preview saves nothing

    edited = api.post("/api/v1/rating/models", bureau, json={"source": ONE_BAND + "\n# 又改了一处\n",
                                                               "preview_digest": digest})
    assert edited.status_code == 422 and "preview_digest" in _errors(edited)
    saved = api.post("/api/v1/rating/models", bureau, json={"source": ONE_BAND, "note": "只留一个等级",
                                                              "preview_digest": digest})
    assert saved.status_code == 201 and saved.get_json()["version"] == 2
    stale = api.post("/api/v1/rating/models", bureau, json={"source": ONE_BAND, "preview_digest": digest})
    assert stale.status_code == 422 and "preview_digest" in _errors(stale)       # version 2 is in force now


def test_the_preview_and_its_digest_are_in_the_api_schema(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/v1/rating/models/preview"]
    schemas = spec["components"]["schemas"]
    assert "Needed" in schemas["ModelVersionIn"]["properties"]["preview_digest"]["description"]
    assert "preview_digest" in schemas["ModelPreviewOut"]["properties"]
    assert "preview" in spec["paths"]["/api/v1/rating/models"]["post"]["description"]


def test_a_company_cannot_preview(api, bureau):
    company = api.token("a-admin@test.cn")
    assert api.post("/api/v1/rating/models/preview", company, json={"source": ONE_BAND}).status_code == 404
