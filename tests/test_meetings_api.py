"""The joint-meeting API: the whole round trip, bad input on every field, tenancy, query counts."""
import datetime as dt
import io

import pytest

from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.meetings.services import log_meeting
from tests.factories_meetings import meeting

TODAY = clock.today()
LAST_MONTH = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=10)


def body(community_id, **changes):
    out = {"community_id": community_id, "held_on": LAST_MONTH.isoformat(), "kind": "monthly",
           "place": "党群服务站", "organisation_id": None,
           "attendees": [{"party": "party_branch", "name": "王书记", "post": "书记"},
                         {"party": "owners_committee", "name": "李主任"},
                         {"party": "property_company", "name": "张经理", "member_id": None}],
           "items": [{"title": "使用维修资金更换水泵", "category": "maintenance_fund",
                      "reviewed_on": (LAST_MONTH - dt.timedelta(days=2)).isoformat(), "review_opinion": "agreed",
                      "decision": "同意更换", "responsible": "张经理",
                      "due_on": (LAST_MONTH + dt.timedelta(days=5)).isoformat()}]}
    out.update(changes)
    return out


@pytest.fixture
def token(api, world):
    return api.token("a-staff@test.cn")


def test_log_read_correct_and_follow_up_a_meeting(api, world, token):
    created = api.post("/api/v1/meetings", token, json=body(world.community_a))
    assert created.status_code == 201, created.get_json()
    meeting_id = created.get_json()["id"]
    detail = api.get(f"/api/v1/meetings/{meeting_id}", token).get_json()
    assert detail["parties_complete"] and detail["missing_parties"] == []
    (item,) = detail["agenda"]
    assert item["major"] and not item["needs_review"] and item["status"] == "overdue"
    listed = api.get(f"/api/v1/meetings?community_id={world.community_a}&month={LAST_MONTH:%Y-%m}", token).get_json()
    assert [m["id"] for m in listed["items"]] == [meeting_id] and listed["items"][0]["overdue"] == 1
    assert api.get("/api/v1/meetings?month=1999-01", token).get_json()["total"] == 0
    put = api.call("PUT", f"/api/v1/meetings/{meeting_id}", token, json={
        k: v for k, v in body(world.community_a, attendees=[{"party": "party_branch", "name": "王书记"}]).items()
        if k not in ("community_id", "items")})
    assert put.status_code == 200 and put.get_json()["missing_parties"] == ["owners_committee", "property_company"]
    added = api.post(f"/api/v1/meetings/{meeting_id}/items", token, json={"title": "加装电梯意向", "category": "elevator"})
    assert added.status_code == 201 and added.get_json()["needs_review"] and added.get_json()["position"] == 2
    overdue = api.get("/api/v1/meetings/decisions?status=overdue", token).get_json()
    assert [d["title"] for d in overdue["items"]] == ["使用维修资金更换水泵"]
    progress = api.post(f"/api/v1/meetings/items/{item['id']}/progress", token,
                        json={"note": "水泵已到货", "done_on": TODAY.isoformat()})
    assert progress.status_code == 200, progress.get_json()
    assert progress.get_json()["status"] == "done" and progress.get_json()["progress"][0]["note"] == "水泵已到货"
    done = api.get("/api/v1/meetings/decisions?status=done", token).get_json()["items"]
    assert done[0]["last_note"] == "水泵已到货" and done[0]["community_name"] == "甲一小区"
    calendar = api.get(f"/api/v1/meetings/calendar?community_id={world.community_a}", token).get_json()
    cell = next(c for c in calendar["rows"][0]["cells"] if c["month"] == f"{LAST_MONTH:%Y-%m}")
    assert cell["status"] == "incomplete" and cell["meetings"][0]["id"] == meeting_id


def test_minutes_are_uploaded_and_served_to_the_company_only(api, world, token):
    meeting_id = api.post("/api/v1/meetings", token, json=body(world.community_a)).get_json()["id"]
    bad = api.post(f"/api/v1/meetings/{meeting_id}/minutes", token,
                   data={"file": (io.BytesIO(b"GIF89a"), "x.gif")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "minutes" in bad.get_json()["errors"]["json"]
    missing = api.post(f"/api/v1/meetings/{meeting_id}/minutes", token, data={}, content_type="multipart/form-data")
    assert missing.status_code == 422
    ok = api.post(f"/api/v1/meetings/{meeting_id}/minutes", token,
                  data={"file": (io.BytesIO(b"%PDF-1.4 minutes"), "纪要.pdf")}, content_type="multipart/form-data")
    file_id = ok.get_json()["minutes_file_id"]
    with api.get(f"/api/v1/files/{file_id}", token) as response:
        assert response.data == b"%PDF-1.4 minutes"
    assert api.get(f"/api/v1/files/{file_id}", api.token("b-admin@test.cn")).status_code == 404


def _with(path, value):
    """A copy of a valid body with one (possibly nested) field set to ``value``."""
    def apply(community_id):
        out = body(community_id)
        target = out
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return out
    return apply


BAD = [
    (("community_id",), "12", "community_id"), (("community_id",), 1.5, "community_id"),
    (("community_id",), 2**70, "community_id"), (("community_id",), None, "community_id"),
    (("held_on",), "2026-13-01", "held_on"), (("held_on",), "", "held_on"), (("held_on",), "2999-01-01", "held_on"),
    (("kind",), "weekly", "kind"), (("place",), "", "place"), (("place",), "x" * 101, "place"),
    (("place",), "   ", "place"),
    (("organisation_id",), 0, "organisation_id"), (("organisation_id",), 999_999, "organisation_id"),
    (("attendees",), [], "attendees"), (("attendees",), "王书记", "attendees"),
    (("attendees", 0, "party"), "mayor", "attendees"), (("attendees", 0, "name"), "x" * 51, "attendees"),
    (("attendees", 0, "post"), "x" * 51, "attendees"), (("attendees", 0, "member_id"), "7", "attendees"),
    (("attendees", 0, "member_id"), 999_999, "attendees.0.member_id"), (("attendees", 1, "name"), "", "attendees.1.name"),
    (("items",), [{}] * 31, "items"), (("items", 0, "title"), "", "items"),
    (("items", 0, "title"), "  ", "items.0.title"), (("items", 0, "category"), "party", "items"),
    (("items", 0, "reviewed_on"), None, "items.0.reviewed_on"),
    (("items", 0, "reviewed_on"), "2999-01-01", "items.0.reviewed_on"),
    (("items", 0, "review_opinion"), "maybe", "items"), (("items", 0, "review_opinion"), None, "items.0.review_opinion"),
    (("items", 0, "review_note"), "x" * 501, "items"), (("items", 0, "decision"), "x" * 501, "items"),
    (("items", 0, "responsible"), None, "items.0.responsible"), (("items", 0, "responsible"), "x" * 51, "items"),
    (("items", 0, "due_on"), None, "items.0.due_on"), (("items", 0, "due_on"), "2000-01-01", "items.0.due_on"),
    (("items", 0, "done_on"), "2000-01-01", "items.0.done_on"), (("items", 0, "done_on"), "soon", "items"),
]


@pytest.mark.parametrize("path, value, field", BAD, ids=[f"{'.'.join(map(str, p))}={str(v)[:12]}" for p, v, _ in BAD])
def test_bad_input_on_every_field_is_a_422_naming_it(api, world, token, path, value, field):
    response = api.post("/api/v1/meetings", token, json=_with(path, value)(world.community_a))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"], response.get_json()


def test_a_second_monthly_meeting_is_refused_on_kind(api, world, token):
    assert api.post("/api/v1/meetings", token, json=body(world.community_a)).status_code == 201
    again = api.post("/api/v1/meetings", token, json=body(world.community_a))
    assert again.status_code == 422 and "临时会议" in again.get_json()["errors"]["json"]["kind"][0]
    assert api.post("/api/v1/meetings", token, json=body(world.community_a, kind="ad_hoc")).status_code == 201


@pytest.mark.parametrize("path, payload, field", [
    ("/api/v1/meetings/{item}/items", {"title": "x", "category": "other", "decision": "做"}, "responsible"),
    ("/api/v1/meetings/items/{item}/progress", {}, "note"),
    ("/api/v1/meetings/items/{item}/progress", {"note": "x" * 501}, "note"),
    ("/api/v1/meetings/items/{item}/progress", {"done_on": "2000-01-01"}, "done_on"),
    ("/api/v1/meetings/items/{item}/progress", {"noted_on": "2999-01-01", "note": "x"}, "noted_on"),
    ("/api/v1/meetings/items/{item}/progress", {"done_on": "yesterday"}, "done_on"),
])
def test_bad_follow_up_input(api, world, token, path, payload, field):
    meeting_id = api.post("/api/v1/meetings", token, json=body(world.community_a)).get_json()["id"]
    item_id = api.get(f"/api/v1/meetings/{meeting_id}", token).get_json()["agenda"][0]["id"]
    target = path.format(item=item_id if "progress" in path else meeting_id)
    response = api.post(target, token, json=payload)
    assert response.status_code == 422 and field in response.get_json()["errors"]["json"], response.get_json()


@pytest.mark.parametrize("query", ["page=0", "per_page=500", "community_id=abc", "month=2026-13", "month=10-2026",
                                   "month=9999-12",
                                   "community_id=99999999999999999999"])
def test_bad_list_arguments(api, world, token, query):
    assert api.get(f"/api/v1/meetings?{query}", token).status_code == 422
    assert api.get(f"/api/v1/meetings/calendar?{query.replace('month', 'community_id')}", token).status_code == 422


def test_another_companys_meetings_are_404_even_for_writes_with_valid_bodies(app, api, world, token):
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        b_meeting = log_meeting(s, meeting(world.community_b, LAST_MONTH), today=TODAY).id
    valid = {k: v for k, v in body(world.community_b).items() if k not in ("community_id", "items")}
    assert api.get(f"/api/v1/meetings/{b_meeting}", token).status_code == 404
    assert api.call("PUT", f"/api/v1/meetings/{b_meeting}", token, json=valid).status_code == 404
    assert api.post(f"/api/v1/meetings/{b_meeting}/items", token,
                    json={"title": "x", "category": "other"}).status_code == 404
    assert api.get("/api/v1/meetings", token).get_json()["total"] == 0
    created = api.post("/api/v1/meetings", token, json=body(world.community_b))
    assert created.status_code == 422 and "community_id" in created.get_json()["errors"]["json"]
    for email in ("bureau-admin@test.cn", "committee-admin@test.cn"):
        assert api.get("/api/v1/meetings", api.token(email)).status_code == 404
    readonly = api.token("a-readonly@test.cn")
    assert api.post("/api/v1/meetings", readonly, json=body(world.community_a)).status_code == 403


def test_list_endpoints_cost_the_same_queries_for_more_rows(app, api, world, token, count_queries):
    api.post("/api/v1/meetings", token, json=body(world.community_a))
    paths = ["/api/v1/meetings?per_page=100", "/api/v1/meetings/decisions?per_page=100",
             "/api/v1/meetings/decisions?status=overdue&per_page=100"]
    before = {}
    for path in paths:
        with count_queries() as q:
            assert api.get(path, token).status_code == 200
        before[path] = q.count
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        for month in range(1, 11):
            day = dt.date(2025, month, 12)
            log_meeting(s, body_for_service(world.community_a2, day), today=TODAY)
    for path in paths:
        with count_queries() as q:
            assert api.get(path, token).status_code == 200
        assert q.count == before[path], path


def body_for_service(community_id, day):
    from tests.factories_meetings import decision, item

    return meeting(community_id, day, items=[item(**decision(day)), item("公示", **decision(day))])
