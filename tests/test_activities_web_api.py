"""Activity pages and API: bad input on every field, exports, tenancy, query counts."""
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from red_property.activities.services import record_activity, record_negative, record_report
from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from tests.conftest import csrf_token
from tests.factories_meetings import activity, add_members, member_part, volunteer

TODAY = clock.today()
DAY = TODAY - dt.timedelta(days=3)


@pytest.fixture
def members(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        return add_members(s, world.community_a, ["王建国", "李秀英"]) + add_members(
            s, world.community_a, ["陈静"], direct=False)


@pytest.fixture
def token(api, world):
    return api.token("a-staff@test.cn")


def body(community_id, members, **changes):
    out = {"community_id": community_id, "held_on": DAY.isoformat(), "kind": "volunteer", "title": "清理楼道",
           "place": "3栋", "organisation_id": None,
           "participants": [{"member_id": members[0], "hours": 2}, {"member_id": members[2], "hours": "1.5"},
                            {"name": "周阿姨", "hours": 1}]}
    out.update(changes)
    return out


def test_the_api_round_trip(api, world, members, token):
    created = api.post("/api/v1/activities", token, json=body(world.community_a, members))
    assert created.status_code == 201, created.get_json()
    detail = created.get_json()
    assert (detail["hours"], detail["members"], len(detail["participants"])) == ("4.5", 2, 3)
    listed = api.get(f"/api/v1/activities?kind=volunteer&community_id={world.community_a}", token).get_json()
    assert listed["total"] == 1 and listed["items"][0]["hours"] == "4.5"
    report = api.post("/api/v1/activities/reports", token,
                      json={"member_id": members[2], "reported_on": DAY.isoformat(), "claimed_items": ["助老"]})
    assert report.status_code == 201 and report.get_json()["claimed_items"] == ["助老"]
    assert api.get(f"/api/v1/activities/reports?member_id={members[2]}", token).get_json()["total"] == 1
    ledger = api.get(f"/api/v1/activities/ledger?year={DAY.year}", token).get_json()
    assert [(r["name"], r["hours"], r["activities"]) for r in ledger["items"]] == [("陈静", "1.5", 1)]
    assert api.get(f"/api/v1/activities/ledger?year={DAY.year}&in_service_only=false", token).get_json()["total"] == 3
    negative = api.post("/api/v1/activities/negative-records", token, json={
        "member_id": members[0], "occurred_on": "2026-01-05", "description": "占用消防通道",
        "rectify_by": "2026-01-20"})
    assert negative.status_code == 201 and negative.get_json()["status"] == "to_report"
    record_id = negative.get_json()["id"]
    assert api.get("/api/v1/activities/negative-records?status=to_report", token).get_json()["total"] == 1
    reported = api.post(f"/api/v1/activities/negative-records/{record_id}/follow-up", token,
                        json={"reported_on": "2026-02-01"})
    assert reported.status_code == 200 and reported.get_json()["status"] == "reported"
    assert api.call("DELETE", f"/api/v1/activities/{detail['id']}", token).status_code == 204
    assert api.get(f"/api/v1/activities/{detail['id']}", token).status_code == 404


def _set(data, path, value):
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


ACTIVITY_BAD = [
    (("community_id",), "1", "community_id"), (("community_id",), 2**64, "community_id"),
    (("held_on",), "yesterday", "held_on"), (("held_on",), "2999-01-01", "held_on"),
    (("kind",), "party", "kind"), (("title",), "", "title"), (("title",), " ", "title"), (("title",), "x" * 101, "title"),
    (("place",), "x" * 101, "place"), (("organisation_id",), 999_999, "organisation_id"),
    (("participants",), [], "participants"), (("participants", 0, "member_id"), 999_999, "participants.0.member_id"),
    (("participants", 0, "hours"), "NaN", "participants"), (("participants", 0, "hours"), True, "participants"),
    (("participants", 0, "hours"), 0, "participants.0.hours"), (("participants", 0, "hours"), 25, "participants.0.hours"),
    (("participants", 0, "hours"), 1.25, "participants.0.hours"), (("participants", 2, "name"), "", "participants.2.name"),
    (("participants", 2, "name"), "x" * 51, "participants"),
]


@pytest.mark.parametrize("path, value, field", ACTIVITY_BAD,
                         ids=[f"{'.'.join(map(str, p))}={str(v)[:10]}" for p, v, _ in ACTIVITY_BAD])
def test_bad_activity_input(api, world, members, token, path, value, field):
    response = api.post("/api/v1/activities", token, json=_set(body(world.community_a, members), path, value))
    assert response.status_code == 422 and field in response.get_json()["errors"]["json"], response.get_json()


@pytest.mark.parametrize("path, payload, field", [
    ("reports", {"member_id": "x", "reported_on": "2026-01-01", "claimed_items": ["a"]}, "member_id"),
    ("reports", {"member_id": 0, "reported_on": "2026-01-01", "claimed_items": ["a"]}, "member_id"),
    ("reports", {"member_id": "DIRECT", "reported_on": "2026-01-01", "claimed_items": ["a"]}, "member_id"),
    ("reports", {"member_id": "IN_SERVICE", "reported_on": "2026-13-01", "claimed_items": ["a"]}, "reported_on"),
    ("reports", {"member_id": "IN_SERVICE", "reported_on": "2026-01-01", "claimed_items": []}, "claimed_items"),
    ("reports", {"member_id": "IN_SERVICE", "reported_on": "2026-01-01", "claimed_items": ["x" * 51]}, "claimed_items"),
    ("reports", {"member_id": "IN_SERVICE", "reported_on": "2026-01-01", "claimed_items": "助老"}, "claimed_items"),
    ("negative-records", {"member_id": "DIRECT", "occurred_on": "2026-01-05", "description": "",
                          "rectify_by": "2026-01-20"}, "description"),
    ("negative-records", {"member_id": "DIRECT", "occurred_on": "2026-01-05", "description": "x" * 501,
                          "rectify_by": "2026-01-20"}, "description"),
    ("negative-records", {"member_id": "DIRECT", "occurred_on": "2026-01-05", "description": "违停",
                          "rectify_by": "2026-01-01"}, "rectify_by"),
    ("negative-records", {"member_id": "DIRECT", "occurred_on": "2999-01-05", "description": "违停",
                          "rectify_by": "2999-01-20"}, "occurred_on"),
    ("negative-records", {"member_id": 999_999, "occurred_on": "2026-01-05", "description": "违停",
                          "rectify_by": "2026-01-20"}, "member_id"),
])
def test_bad_report_and_negative_input(api, world, members, token, path, payload, field):
    ids = {"DIRECT": members[0], "IN_SERVICE": members[2]}
    payload = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    response = api.post(f"/api/v1/activities/{path}", token, json=payload)
    assert response.status_code == 422 and field in response.get_json()["errors"]["json"], response.get_json()


@pytest.mark.parametrize("payload, field", [({}, "rectified_on"), ({"rectified_on": "x"}, "rectified_on"),
                                            ({"reported_on": "2026-01-10"}, "reported_on"),
                                            ({"rectified_on": "2025-01-01"}, "rectified_on")])
def test_bad_negative_follow_up(api, world, members, token, payload, field):
    record = api.post("/api/v1/activities/negative-records", token, json={
        "member_id": members[0], "occurred_on": "2026-01-05", "description": "违停", "rectify_by": "2026-01-20"})
    response = api.post(f"/api/v1/activities/negative-records/{record.get_json()['id']}/follow-up", token, json=payload)
    assert response.status_code == 422 and field in response.get_json()["errors"]["json"], response.get_json()


@pytest.mark.parametrize("query", ["ledger", "ledger?year=1999", "ledger?year=abc", "?kind=party", "?community_id=0",
                                   "negative-records?status=done", "reports?member_id=-1"])
def test_bad_list_arguments(api, world, token, query):
    assert api.get(f"/api/v1/activities{'/' if not query.startswith('?') else ''}{query}", token).status_code == 422


def test_another_companys_records_are_out_of_reach(app, api, world, members, token):
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        (b_member,) = add_members(s, world.community_b, ["乙党员"], direct=False)
        b_activity = record_activity(s, activity(world.community_b, DAY, [member_part(b_member)]), today=TODAY).id
        b_record = record_negative(s, {"member_id": b_member, "occurred_on": DAY, "description": "违停",
                                       "rectify_by": DAY}, today=TODAY).id
    assert api.get(f"/api/v1/activities/{b_activity}", token).status_code == 404
    assert api.call("DELETE", f"/api/v1/activities/{b_activity}", token).status_code == 404
    assert api.post(f"/api/v1/activities/negative-records/{b_record}/follow-up", token,
                    json={"reported_on": TODAY.isoformat()}).status_code == 404
    for path, payload in [("reports", {"member_id": b_member, "reported_on": DAY.isoformat(), "claimed_items": ["x"]}),
                          ("negative-records", {"member_id": b_member, "occurred_on": DAY.isoformat(),
                                                "description": "x", "rectify_by": DAY.isoformat()})]:
        response = api.post(f"/api/v1/activities/{path}", token, json=payload)
        assert response.status_code == 422 and "member_id" in response.get_json()["errors"]["json"]
    response = api.post("/api/v1/activities", token, json=body(world.community_a, [b_member, members[1], members[2]]))
    assert response.status_code == 422 and "participants.0.member_id" in response.get_json()["errors"]["json"]
    ledger = api.get(f"/api/v1/activities/ledger?year={DAY.year}&in_service_only=false", token).get_json()
    assert "乙党员" not in {r["name"] for r in ledger["items"]}
    assert api.get("/api/v1/activities", api.token("bureau-admin@test.cn")).status_code == 404


def test_list_endpoints_cost_the_same_queries_for_more_rows(app, api, world, members, token, count_queries):
    paths = ["/api/v1/activities?per_page=100", f"/api/v1/activities/ledger?year={DAY.year}&in_service_only=false",
             "/api/v1/activities/negative-records", "/api/v1/activities/reports"]

    def add(n):
        with app.app_context(), tenant_scope(db.session, world.a) as s:
            more = add_members(s, world.community_a, [f"党员{n}{i}" for i in range(5)], direct=False)
            for i, member in enumerate(more):
                record_activity(s, activity(world.community_a, DAY, [member_part(member), volunteer(f"志愿者{i}")]),
                                today=TODAY)
                record_report(s, {"member_id": member, "reported_on": DAY, "claimed_items": ["助老"]}, today=TODAY)
                record_negative(s, {"member_id": member, "occurred_on": DAY, "description": "违停",
                                    "rectify_by": DAY}, today=TODAY)

    add(1)
    before = {}
    for path in paths:
        with count_queries() as q:
            assert api.get(path, token).status_code == 200
        before[path] = q.count
    add(2)
    for path in paths:
        with count_queries() as q:
            assert api.get(path, token).status_code == 200
        assert q.count == before[path], path


# --- web --------------------------------------------------------------------

@pytest.fixture
def page(client, web, world, members):
    web.login("a-staff@test.cn")

    def post(path, data):
        token = csrf_token(client.get(path.split("?")[0] if "follow-up" not in path else "/company-a/activities/negative")
                           .get_data(as_text=True))
        return client.post(path, data={**data, "csrf_token": token})

    return post


def errors(response) -> dict:
    html = response.get_data(as_text=True)
    out: dict = {}
    for name, message in re.findall(r'data-field="([^"]+)">([^<]+)<', html):
        out.setdefault(name, []).append(message)
    for message in re.findall(r'class="flash error" role="alert">([^<]+)<', html):
        out.setdefault("form", []).append(message)
    return out


def activity_form(**changes):
    data = {"held_on": DAY.isoformat(), "kind": "theme_day", "title": "主题党日", "place": "", "organisation_id": "",
            "default_hours": "2", "members-0-member_id": "", "members-0-took_part": "y",
            "members-1-member_id": "", "volunteers-0-name": "周阿姨", "volunteers-0-hours": "1.5"}
    data.update(changes)
    return data


def test_an_activity_is_recorded_by_ticking_members(client, world, members, page):
    new = f"/company-a/activities/new?community_id={world.community_a}"
    html = client.get(new).get_data(as_text=True)
    assert "王建国" in html and "陈静" in html and 'name="members-2-took_part"' in html
    ids = re.findall(r'name="members-(\d)-member_id" type="hidden" value="(\d+)"', html)
    fields = {f"members-{n}-member_id": v for n, v in ids}
    response = page(new, activity_form(**fields, **{"members-1-took_part": "y", "members-1-hours": "3"}))
    assert response.status_code == 302, errors(response)
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "王建国" in shown and "李秀英" in shown and "周阿姨" in shown and "陈静" not in shown
    listing = client.get("/company-a/activities").get_data(as_text=True)
    assert "6.5" in listing and "<svg" in listing
    shown_url = response.headers["Location"]
    assert page(f"{shown_url}/delete", {}).status_code == 302
    assert client.get(shown_url).status_code == 404


@pytest.mark.parametrize("changes, field, status", [
    ({"held_on": ""}, "held_on", 400), ({"held_on": (TODAY + dt.timedelta(days=2)).isoformat()}, "held_on", 422),
    ({"kind": "party"}, "kind", 400), ({"title": ""}, "title", 400), ({"title": "x" * 101}, "title", 400),
    ({"organisation_id": "5"}, "organisation_id", 400), ({"default_hours": "abc"}, "default_hours", 400),
    ({"default_hours": "", "volunteers-0-hours": ""}, "members-0-hours", 422),
    ({"volunteers-0-hours": "30"}, "volunteers-0-hours", 422),
    ({"volunteers-0-hours": "1.25"}, "volunteers-0-hours", 422),
    ({"members-0-took_part": "", "volunteers-0-name": ""}, "form", 422),
    ({"members-0-member_id": "abc"}, "members-0-member_id", 422),
    ({"members-0-member_id": str(2**70)}, "members-0-member_id", 422),
    ({"members-0-member_id": "999999"}, "members-0-member_id", 422),
])
def test_bad_activity_form_input(client, world, members, page, changes, field, status):
    new = f"/company-a/activities/new?community_id={world.community_a}"
    html = client.get(new).get_data(as_text=True)
    fields = {f"members-{n}-member_id": v for n, v in re.findall(r'name="members-(\d)-member_id" type="hidden" value="(\d+)"', html)}
    response = page(new, {**activity_form(**fields), **changes})
    assert response.status_code == status, errors(response)
    assert field in errors(response), errors(response)


def test_reports_ledger_and_export(client, world, members, page, app):
    bad = page("/company-a/activities/reports", {"member_id": str(members[0]), "reported_on": DAY.isoformat(),
                                                 "claimed_items": "助老"})
    assert bad.status_code == 400 and "member_id" in errors(bad)              # a direct member is not a choice
    bad = page("/company-a/activities/reports", {"member_id": str(members[2]), "reported_on": DAY.isoformat(),
                                                 "claimed_items": " 、 "})
    assert bad.status_code == 422 and "claimed_items" in errors(bad)
    ok = page("/company-a/activities/reports", {"member_id": str(members[2]), "reported_on": DAY.isoformat(),
                                                "claimed_items": "助老、政策宣讲\n楼道清洁"})
    assert ok.status_code == 302
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        record_activity(s, activity(world.community_a, DAY, [member_part(members[2], "2.5")]), today=TODAY)
    reports = client.get("/company-a/activities/reports").get_data(as_text=True)
    assert "助老、政策宣讲、楼道清洁" in reports
    with client.get(f"/company-a/activities/ledger/export?year={DAY.year}&fmt=csv") as csv:
        text = csv.data.decode("utf-8-sig")
        assert "陈静" in text and "2.5" in text and "市税务局机关党委" in text and "王建国" not in text
    with client.get(f"/company-a/activities/ledger/export?year={DAY.year}&fmt=xlsx&scope=all") as xlsx:
        rows = list(load_workbook(io.BytesIO(xlsx.data)).active.values)
        assert rows[0][0] == "姓名" and len(rows) == 4
    assert "陈静" in client.get(f"/company-a/activities/ledger?year={DAY.year}").get_data(as_text=True)
    assert client.get("/company-a/activities/ledger?year=abc").status_code == 200


def test_negative_records_through_the_page(client, world, members, page):
    data = {"member_id": str(members[0]), "occurred_on": "2026-01-05", "description": "占用消防通道",
            "rectify_by": "2026-01-20"}
    assert "member_id" in errors(page("/company-a/activities/reports", {"member_id": "", "reported_on": "2026-01-01",
                                                                        "claimed_items": "助老"}))
    for changes, field, status in [({"rectify_by": "2026-01-01"}, "rectify_by", 422), ({"description": ""}, "description", 400),
                                   ({"member_id": ""}, "member_id", 400),
                                   ({"member_id": "999999"}, "member_id", 400), ({"occurred_on": ""}, "occurred_on", 400)]:
        response = page("/company-a/activities/negative", {**data, **changes})
        assert response.status_code == status and field in errors(response), (changes, errors(response))
    assert page("/company-a/activities/negative", data).status_code == 302
    html = client.get("/company-a/activities/negative?status=to_report").get_data(as_text=True)
    assert "待报告" in html
    record_id = re.search(r'/company-a/activities/negative/(\d+)/follow-up', html).group(1)
    url = f"/company-a/activities/negative/{record_id}/follow-up"
    bad = page(url, {f"n{record_id}-reported_on": "2026-01-10"})
    assert bad.status_code == 422 and f"n{record_id}-reported_on" in errors(bad)
    assert page(url, {f"n{record_id}-reported_on": "xx"}).status_code == 400
    assert page(url, {f"n{record_id}-reported_on": "2026-02-01"}).status_code == 302
    assert "已报告所在党组织" in client.get("/company-a/activities/negative").get_data(as_text=True)


def test_activity_pages_cost_the_same_queries_for_more_rows(app, client, web, world, members, count_queries):
    web.login("a-staff@test.cn")
    paths = ["/company-a/activities", "/company-a/activities/reports", "/company-a/activities/ledger?scope=all",
             "/company-a/activities/negative"]

    def add(n):
        with app.app_context(), tenant_scope(db.session, world.a) as s:
            more = add_members(s, world.community_a, [f"党员{n}{i}" for i in range(4)], direct=False)
            for member in more:
                record_activity(s, activity(world.community_a, DAY, [member_part(member)]), today=TODAY)
                record_report(s, {"member_id": member, "reported_on": DAY, "claimed_items": ["助老"]}, today=TODAY)
                record_negative(s, {"member_id": member, "occurred_on": DAY, "description": "违停", "rectify_by": DAY},
                                today=TODAY)

    add(1)
    before = {}
    for path in paths:
        with count_queries() as q:
            assert client.get(path).status_code == 200
        before[path] = q.count
    add(2)
    for path in paths:
        with count_queries() as q:
            assert client.get(path).status_code == 200
        assert q.count == before[path], path
