"""Demand API: the whole life of a demand, bad input on every field, tenancy, query counts."""

import pytest

from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from tests.factories_demands import demand

BASE = "/api/v1/demands"


@pytest.fixture
def token(api, world):
    return api.token("a-staff@test.cn")


def create(api, token, world, **body):
    payload = {"community_id": world.community_a, "source": "phone", "category": "repair",
               "description": "2栋1单元楼道灯不亮", "contact_name": "王女士", "contact_phone": "13812345678", **body}
    return api.post(BASE, token, json=payload)


def test_a_demand_through_its_whole_life(api, token, world):
    earlier = create(api, token, world, received_at="2026-11-20T09:00:00").get_json()
    assert earlier["received_at"].startswith("2026-11-20T01:00:00")    # no offset: Beijing time
    assert earlier["due_at"].startswith("2026-11-23T01:00:00")         # repair: 72 hours
    made = create(api, token, world)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["status"], body["route"], body["contact_phone"]) == ("received", "service", "13812345678")
    demand_id = body["id"]
    listed = api.get(BASE, token).get_json()
    assert listed["total"] == 2 and listed["items"][0]["contact_phone"] == "138****5678"  # masked in lists
    steps = [("route", {"route": "service", "handler": "工程部王师傅"}),
             ("progress", {"note": "已上门查看，需更换灯座"}),
             ("close", {"outcome": "resolved", "resolution": "已更换灯座，照明恢复"}),
             ("inform", {}),
             ("rating", {"rating": 5, "comment": "很及时"})]
    for path, payload in steps:
        response = api.post(f"{BASE}/{demand_id}/{path}", token, json=payload)
        assert response.status_code == 200, (path, response.get_json())
    final = api.get(f"{BASE}/{demand_id}", token).get_json()
    assert (final["status"], final["rating"], final["handler"]) == ("resolved", 5, "工程部王师傅")
    assert [e["kind"] for e in final["events"]] == ["received", "routed", "progress", "resolved", "informed", "rated"]
    assert final["events"][1]["actor"] == "a staff" and final["events"][1]["route"] == "service"
    again = api.post(f"{BASE}/{demand_id}/rating", token, json={"rating": 1})
    assert again.status_code == 422 and "rating" in again.get_json()["errors"]["json"]


def test_a_dispute_with_its_mediation(api, token, world):
    demand_id = create(api, token, world, category="dispute", description="楼上装修噪音与漏水，两户协商不成").get_json()["id"]
    api.post(f"{BASE}/{demand_id}/route", token, json={"route": "management", "handler": "小区党支部调解室"})
    early = api.post(f"{BASE}/{demand_id}/close", token, json={"outcome": "resolved", "resolution": "已调解完毕"})
    assert early.status_code == 422 and "outcome" in early.get_json()["errors"]["json"]
    today = clock.today().isoformat()
    held = api.post(f"{BASE}/{demand_id}/mediations", token, json={
        "held_on": today, "mediator": "李书记", "parties": "1201 与 1101 住户", "agreed": True, "summary": "楼上住户承担维修"})
    assert held.status_code == 201 and held.get_json()["mediations"][0]["agreed"] is True
    done = api.post(f"{BASE}/{demand_id}/close", token, json={"outcome": "resolved", "resolution": "按协议维修完毕"})
    assert done.status_code == 200


@pytest.mark.parametrize("path, body, field", [
    ("", {"community_id": "1"}, "community_id"),
    ("", {"community_id": 1.5}, "community_id"),
    ("", {"community_id": 0}, "community_id"),
    ("", {"source": "public_page"}, "source"),
    ("", {"source": "hotline"}, "hotline_ticket"),
    ("", {"source": "hotline", "hotline_ticket": "坏工单号!!"}, "hotline_ticket"),
    ("", {"category": "ufo"}, "category"),
    ("", {"description": "坏了"}, "description"),
    ("", {"description": "x" * 2001}, "description"),
    ("", {"description": "楼道灯不亮\u0000了"}, "description"),
    ("", {"received_at": "2099-01-01T00:00:00+08:00"}, "received_at"),
    ("", {"received_at": "0001-01-01T00:00:00+14:00"}, "received_at"),
    ("", {"received_at": "yesterday"}, "received_at"),
    ("", {"building_id": 999999}, "building_id"),
    ("", {"household_id": -1}, "household_id"),
    ("", {"location": "x" * 101}, "location"),
    ("", {"contact_name": "x" * 51}, "contact_name"),
    ("", {"contact_phone": "110"}, "contact_phone"),
    ("", {"urgent": True}, "urgent"),
    ("/route", {"route": "court", "handler": "法院"}, "route"),
    ("/route", {"route": "service", "handler": "x"}, "handler"),
    ("/route", {"route": "enforcement", "handler": "综合执法站"}, "reason"),
    ("/route", {"route": "service", "handler": "工程部", "category": "ufo"}, "category"),
    ("/route", {"route": "enforcement", "handler": "综合执法站", "reason": "x" * 201}, "reason"),
    ("/progress", {"note": "x"}, "note"),
    ("/progress", {"note": "已联系住户"}, "status"),                       # not routed yet
    ("/mediations", {"held_on": "2026-13-01", "mediator": "李", "parties": "两户", "agreed": True,
                     "summary": "调解完毕"}, "held_on"),
    ("/mediations", {"held_on": "2026-11-01", "mediator": "李", "parties": "两户", "agreed": "yes",
                     "summary": "调解完毕"}, "agreed"),
    ("/mediations", {"held_on": "2026-11-01", "mediator": "李", "parties": "两户", "agreed": True,
                     "summary": "调解完毕"}, "category"),                  # not a dispute
    ("/close", {"outcome": "done", "resolution": "已处理完毕"}, "outcome"),
    ("/close", {"outcome": "unresolved", "resolution": "否"}, "resolution"),
    ("/close", {"outcome": "resolved", "resolution": "已处理完毕"}, "status"),  # not routed yet
    ("/inform", {"informed_at": "2026-11-01T09:00:00"}, "status"),           # not closed yet
    ("/inform", {"informed_at": 5}, "informed_at"),
    ("/rating", {"rating": 6}, "rating"),
    ("/rating", {"rating": 4.0}, "rating"),
    ("/rating", {"rating": 5, "comment": "x" * 501}, "comment"),
    ("/rating", {"rating": 5}, "status"),                                   # not closed yet
])
def test_bad_input_names_its_field(api, token, world, path, body, field):
    if path:
        demand_id = create(api, token, world).get_json()["id"]
        response = api.post(f"{BASE}/{demand_id}{path}", token, json=body)
    else:
        response = create(api, token, world, **body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"], response.get_json()


def test_list_filters_and_their_bad_values(api, token, world):
    create(api, token, world)
    create(api, token, world, category="parking", source="night_talk", community_id=world.community_a2)
    for query, total in (("category=parking", 1), ("source=night_talk", 1), (f"community_id={world.community_a2}", 1),
                         ("status=open", 2), ("status=resolved", 0), ("route=management", 1), ("overdue=false", 2),
                         ("overdue=true", 0)):
        assert api.get(f"{BASE}?{query}", token).get_json()["total"] == total, query
    for query in ("status=closed", "category=ufo", "community_id=x", "overdue=maybe", "per_page=500", "page=0"):
        assert api.get(f"{BASE}?{query}", token).status_code == 422, query


def test_time_limits_can_be_read_and_set(api, token, world):
    limits = {row["category"]: row for row in api.get(f"{BASE}/time-limits", token).get_json()}
    assert (limits["urgent_repair"]["hours"], limits["dispute"]["default_route"]) == (24, "management")
    saved = api.call("PUT", f"{BASE}/time-limits", token, json={"repair": 48, "greening": 96})
    assert saved.status_code == 200
    assert {r["category"]: r["hours"] for r in saved.get_json()}["repair"] == 48
    assert create(api, token, world, received_at="2026-11-20T09:00:00+08:00").get_json()["due_at"].startswith(
        "2026-11-22T01:00:00")
    for bad in ({"repair": 0}, {"repair": 721}, {"repair": 24.0}, {"repair": "24"}, {"kitchen": 24}):
        response = api.call("PUT", f"{BASE}/time-limits", token, json=bad)
        assert response.status_code == 422, bad


def test_another_companys_demand_is_404_on_every_route(app, api, world):
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        foreign = demand(s, world.community_b).id
    token = api.token("a-admin@test.cn")
    assert api.get(f"{BASE}/{foreign}", token).status_code == 404
    for path in ("route", "progress", "mediations", "close", "inform", "rating"):
        assert api.post(f"{BASE}/{foreign}/{path}", token, json={}).status_code == 404, path
    assert api.get(BASE, token).get_json()["total"] == 0
    assert create(api, token, world, community_id=world.community_b).status_code == 422
    for email in ("bureau-admin@test.cn", "committee-admin@test.cn"):
        other = api.token(email)
        assert api.get(BASE, other).status_code == 404
        assert api.get(f"{BASE}/{foreign}", other).status_code == 404
        assert api.call("PUT", f"{BASE}/time-limits", other, json={"repair": 1}).status_code == 404


def test_read_only_users_read_but_do_not_write(api, token, world):
    demand_id = create(api, token, world).get_json()["id"]
    viewer = api.token("a-readonly@test.cn")
    assert api.get(f"{BASE}/{demand_id}", viewer).status_code == 200
    assert create(api, viewer, world).status_code == 403
    assert api.post(f"{BASE}/{demand_id}/route", viewer, json={"route": "service", "handler": "工程部"}).status_code == 403


def test_list_query_count_does_not_grow_with_rows(app, api, token, world, count_queries):
    create(api, token, world)
    with count_queries() as few:
        assert api.get(f"{BASE}?per_page=100&status=open", token).status_code == 200
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        for n in range(30):
            demand(s, world.community_a if n % 2 else world.community_a2, category="noise")
    with count_queries() as many:
        assert api.get(f"{BASE}?per_page=100&status=open", token).get_json()["total"] == 31
    assert many.count == few.count
    with count_queries() as detail:
        api.get(f"{BASE}/1", token)
    assert detail.count <= few.count + 4


def test_routing_to_a_colleague_and_listing_mine(app, api, token, world):
    from red_property.accounts.models import Role

    staff, admin = world.users["a"][Role.STAFF], world.users["a"][Role.ADMIN]
    first, second = (create(api, token, world).get_json()["id"] for _ in range(2))
    routed = api.post(f"{BASE}/{first}/route", token, json={"route": "service", "assignee_id": staff})
    assert routed.status_code == 200, routed.get_json()
    body = routed.get_json()
    assert (body["assignee_id"], body["assignee"], body["handler"]) == (staff, "a staff", "a staff")
    bulk = api.post(f"{BASE}/bulk/assign", token, json={"demand_ids": [second], "assignee_id": admin,
                                                         "handler": "工程部"})
    assert bulk.status_code == 200
    for query, ids in (("mine=true", [first]), (f"assignee_id={admin}", [second]), ("", [second, first])):
        listed = api.get(f"{BASE}?{query}", token).get_json()["items"]
        assert [item["id"] for item in listed] == ids, query
    assert api.get(f"{BASE}/{second}", token).get_json()["assignee"] == "a admin"
    for query in ("assignee_id=0", "assignee_id=x", "mine=maybe"):
        assert api.get(f"{BASE}?{query}", token).status_code == 422, query


def test_an_assignee_of_another_company_or_inactive_is_a_422_on_the_field(app, api, token, world):
    from red_property.accounts.models import Role, User
    from red_property.accounts.services import update_user

    demand_id = create(api, token, world).get_json()["id"]
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        viewer = s.get(User, world.users["a"][Role.READONLY])
        update_user(s, viewer, actor_id=world.users["a"][Role.ADMIN], role=Role.STAFF, active=False)
    for assignee in (world.users["b"][Role.STAFF], world.users["a"][Role.READONLY], 2**63, "1", True, 1.5):
        for path, body in (("/route", {"route": "service"}), ("/bulk/assign", {"demand_ids": [demand_id]})):
            url = f"{BASE}/{demand_id}/route" if path == "/route" else f"{BASE}/bulk/assign"
            response = api.post(url, token, json={**body, "assignee_id": assignee})
            assert response.status_code == 422, (assignee, path, response.get_json())
            assert list(response.get_json()["errors"]["json"]) == ["assignee_id"], (assignee, path)
    neither = api.post(f"{BASE}/{demand_id}/route", token, json={"route": "service"})
    assert neither.status_code == 422 and "handler" in neither.get_json()["errors"]["json"]
    assert api.get(f"{BASE}/{demand_id}", token).get_json()["status"] == "received"
