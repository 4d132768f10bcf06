"""Finding demands (one search box: words, phone, ticket, room) and acting on many at once
(bulk assign, bulk close with a reason): all or nothing, per-row reasons, tenancy, audit."""
import pytest
from sqlalchemy import func, select

from red_property.core import clock
from red_property.core.audit import AuditEntry
from red_property.core.tenancy import tenant_scope
from red_property.demands.bulk import BulkRejected, assign_demands, close_demands
from red_property.demands.models import Demand, DemandEvent, EventKind, Status
from red_property.demands.queries import DemandFilter, list_demands
from red_property.extensions import db
from tests.conftest import csrf_token
from tests.factories_demands import demand

HOME = "/company-a"


@pytest.fixture
def seeded(app, world):
    """Company A: four demands that each match one kind of search; company B: one."""
    with app.app_context():
        with tenant_scope(db.session, world.a) as s:
            now = clock.now()
            ids = {
                "lamp": demand(s, world.community_a, at=now, description="楼道灯不亮，请派人维修",
                               contact_phone="13812345678").id,
                "landline": demand(s, world.community_a, at=now, description="垃圾桶满了没人清运",
                                   category="sanitation", contact_phone="028-85551234").id,
                "hotline": demand(s, world.community_a, at=now, source="hotline", hotline_ticket="2026112500031",
                                  description="电梯停在十二楼不动", category="elevator").id,
                "room": demand(s, world.community_a, at=now, description="卫生间天花板漏水50%",
                               building_id=None, household_id=world.households_a[1], location="东门旁").id,
            }
        with tenant_scope(db.session, world.b) as s:
            ids["other"] = demand(s, world.community_b, at=clock.now(), description="楼道灯不亮，B 公司的",
                                  contact_phone="13812345678").id
    return ids


def _found(app, world, q, **filters):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        return {d.id for d, _name in list_demands(s, DemandFilter(q=q, **filters)).items}


@pytest.mark.parametrize("q, expected", [
    ("灯不亮", {"lamp"}),                    # a word of the description
    ("13812345678", {"lamp"}),               # the whole phone (B's demand with the same phone stays B's)
    ("5678", {"lamp"}),                      # part of it
    ("138 1234", {"lamp"}),                  # typed with a space
    ("02885551234", {"landline"}),           # a landline without its dash
    ("2026112500031", {"hotline"}),          # the 12345 ticket
    ("25000", {"hotline"}),                  # part of the ticket
    ("201", {"room"}),                       # the recorded household's room (1栋1单元201)
    ("东门", {"room"}),                      # the location as told
    ("50%", {"room"}),                       # a % is a character, not a wildcard
    ("%", {"room"}),                         # only the one with a % in it
    ("_", set()),
    ("没有这样的诉求", set()),
])
def test_one_box_finds_words_phones_tickets_and_rooms(app, world, seeded, q, expected):
    assert _found(app, world, q) == {seeded[k] for k in expected}


def test_the_demand_number_is_found_too_and_search_combines_with_filters(app, world, seeded):
    assert seeded["lamp"] in _found(app, world, f"#{seeded['lamp']}")
    assert _found(app, world, "灯不亮", category="repair") == {seeded["lamp"]}
    assert _found(app, world, "灯不亮", category="noise") == set()
    assert _found(app, world, f"#{seeded['other']}") == set()      # another company's number finds nothing


def test_api_list_searches(api, world, seeded):
    token = api.token("a-staff@test.cn")
    body = api.get("/api/v1/demands?q=5678&status=open", token).get_json()
    assert [item["id"] for item in body["items"]] == [seeded["lamp"]] and body["total"] == 1
    assert api.get("/api/v1/demands?q=" + "x" * 51, token).status_code == 422


def _state(app, world, ids):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        return {d.id: (d.status, d.handler) for d in s.scalars(select(Demand).where(Demand.id.in_(ids)))}


def test_bulk_assign_goes_through_the_single_step_and_is_audited(app, world, seeded):
    ids = [seeded["lamp"], seeded["landline"]]
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        audited = s.scalar(select(func.count(AuditEntry.id)))
        done = assign_demands(s, ids + [seeded["lamp"]], handler="工程部王师傅")   # a repeated id counts once
        assert [d.id for d in done] == ids
        routed = s.scalars(select(DemandEvent.demand_id).where(DemandEvent.kind == EventKind.ROUTED)).all()
        assert sorted(routed) == sorted(ids)
        assert s.scalar(select(func.count(AuditEntry.id))) > audited
    assert _state(app, world, ids) == {i: (Status.IN_PROGRESS, "工程部王师傅") for i in ids}


def test_bulk_close_is_all_or_nothing_with_each_rows_reason(app, world, seeded):
    ids = [seeded["lamp"], seeded["landline"], seeded["hotline"]]
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        close_demands(s, [seeded["hotline"]], resolved=False, resolution="重复受理，已合并")
    before = _state(app, world, ids)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        with pytest.raises(BulkRejected) as caught:
            close_demands(s, ids, resolved=False, resolution="非本公司管辖事项")
    assert [(p.demand_id, p.message) for p in caught.value.problems] == [(seeded["hotline"], "该诉求已经办结")]
    assert _state(app, world, ids) == before                     # the two that could close did not
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        with pytest.raises(BulkRejected) as caught:                # resolving needs routing first: each row says so
            close_demands(s, ids[:2], resolved=True, resolution="已处理完毕")
        assert [p.demand_id for p in caught.value.problems] == ids[:2]
        closed = {d.id for d in close_demands(s, ids[:2], resolved=False, resolution="非本公司管辖事项")}
    assert closed == set(ids[:2])
    assert {i: st for i, (st, _h) in _state(app, world, ids).items()} == {i: Status.UNRESOLVED for i in ids}


@pytest.mark.parametrize("resolution", [None, "", "  ", "短"])
def test_bulk_close_needs_a_reason(app, world, seeded, resolution):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        with pytest.raises(Exception) as caught:
            close_demands(s, [seeded["lamp"]], resolved=False, resolution=resolution)
        assert getattr(caught.value, "field", None) == "resolution"
    assert _state(app, world, [seeded["lamp"]])[seeded["lamp"]][0] == Status.RECEIVED


def test_another_companys_demand_is_not_found_and_nothing_changes(app, world, seeded):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        with pytest.raises(BulkRejected) as caught:
            assign_demands(s, [seeded["lamp"], seeded["other"], 10**15], handler="工程部王师傅")
    assert [(p.demand_id, p.message) for p in caught.value.problems] == [
        (seeded["other"], "未找到该诉求"), (10**15, "未找到该诉求")]
    assert _state(app, world, [seeded["lamp"]])[seeded["lamp"]] == (Status.RECEIVED, None)
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        assert s.get(Demand, seeded["other"]).status == Status.RECEIVED


def test_bulk_api(api, world, seeded):
    token = api.token("a-staff@test.cn")
    refused = api.post("/api/v1/demands/bulk/assign", token,
                       json={"demand_ids": [seeded["lamp"], seeded["other"]], "handler": "工程部王师傅"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["json"]["demand_ids"] == {str(seeded["other"]): ["未找到该诉求"]}
    for body in ({"demand_ids": [], "handler": "王师傅"}, {"demand_ids": ["1"], "handler": "王师傅"},
                 {"demand_ids": [seeded["lamp"]], "handler": "王"}):
        assert api.post("/api/v1/demands/bulk/assign", token, json=body).status_code == 422, body
    done = api.post("/api/v1/demands/bulk/assign", token,
                    json={"demand_ids": [seeded["lamp"], seeded["room"]], "handler": "工程部王师傅"})
    assert done.status_code == 200 and done.get_json() == {"demand_ids": [seeded["lamp"], seeded["room"]]}
    missing = api.post("/api/v1/demands/bulk/close", token, json={"demand_ids": [seeded["lamp"]],
                                                                  "outcome": "unresolved"})
    assert missing.status_code == 422 and "resolution" in missing.get_json()["errors"]["json"]
    closed = api.post("/api/v1/demands/bulk/close", token,
                      json={"demand_ids": [seeded["lamp"]], "outcome": "resolved", "resolution": "已更换灯具"})
    assert closed.status_code == 200
    reader = api.token("a-readonly@test.cn")
    assert api.post("/api/v1/demands/bulk/close", reader, json={
        "demand_ids": [seeded["room"]], "outcome": "unresolved", "resolution": "重复受理"}).status_code == 403


def test_bulk_through_the_web_list(client, web, world, seeded):
    web.login("a-staff@test.cn")
    page = client.get(f"{HOME}/demands?q=灯不亮").get_data(as_text=True)
    assert f'name="demand_ids" value="{seeded["lamp"]}"' in page and "B 公司" not in page
    token = csrf_token(page)
    missing = client.post(f"{HOME}/demands/bulk?q=灯不亮", data={
        "csrf_token": token, "operation": "close", "outcome": "unresolved", "resolution": "",
        "demand_ids": [str(seeded["lamp"])]})
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert 'data-field="resolution"' in html and f'value="{seeded["lamp"]}" form="bulk" checked' in html
    foreign = client.post(f"{HOME}/demands/bulk", data={
        "csrf_token": token, "operation": "assign", "handler": "工程部王师傅", "outcome": "unresolved",
        "demand_ids": [str(seeded["lamp"]), str(seeded["other"])]})
    assert foreign.status_code == 422, foreign.get_data(as_text=True)[-3000:]
    assert f'data-demand="{seeded["other"]}"' in foreign.get_data(as_text=True)
    assert client.post(f"{HOME}/demands/bulk", data={"csrf_token": token, "operation": "assign", "handler": "王师傅", "outcome": "unresolved",
                                                     "demand_ids": ["abc"]}).status_code == 400
    done = client.post(f"{HOME}/demands/bulk?q=灯不亮", data={
        "csrf_token": token, "operation": "assign", "handler": "工程部王师傅", "outcome": "unresolved", "demand_ids": [str(seeded["lamp"])]})
    assert done.status_code == 302 and "q=" in done.headers["Location"]
    assert "工程部王师傅" in client.get(done.headers["Location"]).get_data(as_text=True)


# --- assigning to a colleague (issue 13: the person who must act is a user, not a guessed name) ------


def _inactive_user(app, world) -> int:
    """A deactivated staff user of company A."""
    from red_property.accounts.models import Role, User
    from red_property.accounts.services import create_user, update_user

    with app.app_context(), tenant_scope(db.session, world.a) as s:
        user = create_user(s, email="a-left@test.cn", name="已离职", role=Role.STAFF, password=None)
        s.commit()
        update_user(s, s.get(User, user.id), actor_id=world.users["a"][Role.ADMIN], active=False)
        return user.id


def _assignees(app, world, ids):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        return {d.id: (d.assignee_id, d.handler) for d in s.scalars(select(Demand).where(Demand.id.in_(ids)))}


def test_bulk_assign_to_a_colleague_names_them_as_handler_unless_a_team_is_given(app, world, seeded):
    from red_property.accounts.models import Role

    staff = world.users["a"][Role.STAFF]
    with app.app_context(), tenant_scope(db.session, world.a, world.users["a"][Role.ADMIN]) as s:
        assign_demands(s, [seeded["lamp"]], assignee_id=staff)
        assign_demands(s, [seeded["landline"]], assignee_id=staff, handler="保洁班")
        notes = s.scalars(select(DemandEvent.note).where(DemandEvent.kind == EventKind.ROUTED)
                          .order_by(DemandEvent.id)).all()
    assert _assignees(app, world, [seeded["lamp"], seeded["landline"]]) == {
        seeded["lamp"]: (staff, "a staff"), seeded["landline"]: (staff, "保洁班")}
    assert notes == ["a staff", "a staff（保洁班）"]
    with app.app_context(), tenant_scope(db.session, world.a) as s:   # routing again to a team only: nobody's
        assign_demands(s, [seeded["lamp"]], handler="工程部")
    assert _assignees(app, world, [seeded["lamp"]])[seeded["lamp"]] == (None, "工程部")


@pytest.mark.parametrize("who", ["other_company", "inactive", "readonly", "unknown", "text", "neither"])
def test_an_assignee_who_cannot_act_is_refused_on_the_field_and_nothing_changes(app, world, seeded, who):
    from red_property.accounts.models import Role
    from red_property.core.errors import InputError

    assignee = _inactive_user(app, world) if who == "inactive" else {
        "other_company": world.users["b"][Role.STAFF], "readonly": world.users["a"][Role.READONLY],
        "unknown": 10**15, "text": "a staff", "neither": None}[who]
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        with pytest.raises(InputError) as caught:
            assign_demands(s, [seeded["lamp"]], assignee_id=assignee)
    assert caught.value.field == ("handler" if who == "neither" else "assignee_id")
    assert _assignees(app, world, [seeded["lamp"]])[seeded["lamp"]] == (None, None)


def test_the_mine_filter_lists_what_is_assigned_to_the_user(app, world, seeded):
    from red_property.accounts.models import Role

    staff, admin = world.users["a"][Role.STAFF], world.users["a"][Role.ADMIN]
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assign_demands(s, [seeded["lamp"], seeded["room"]], assignee_id=staff)
        assign_demands(s, [seeded["hotline"]], assignee_id=admin)
        mine = list_demands(s, DemandFilter(assignee_id=staff))
    assert sorted(d.id for d, _name in mine.items) == sorted([seeded["lamp"], seeded["room"]])


def test_assigning_through_the_web_list_and_the_mine_filter(app, client, web, world, seeded):
    from red_property.accounts.models import Role

    staff, other = world.users["a"][Role.STAFF], world.users["b"][Role.STAFF]
    web.login("a-staff@test.cn")
    page = client.get(f"{HOME}/demands").get_data(as_text=True)
    assert f'<option value="{staff}">a staff</option>' in page and "b staff" not in page   # colleagues only
    assert f'<option value="{world.users["a"][Role.READONLY]}">' not in page
    token = csrf_token(page)
    base = {"csrf_token": token, "operation": "assign", "outcome": "unresolved", "handler": ""}
    for foreign in (str(other), str(_inactive_user(app, world)), "abc"):
        refused = client.post(f"{HOME}/demands/bulk", data={**base, "assignee_id": foreign,
                                                               "demand_ids": [str(seeded["lamp"])]})
        assert refused.status_code == 422 and 'data-field="assignee_id"' in refused.get_data(as_text=True)
    assert _assignees(app, world, [seeded["lamp"]])[seeded["lamp"]] == (None, None)
    done = client.post(f"{HOME}/demands/bulk", data={**base, "assignee_id": str(staff),
                                                      "demand_ids": [str(seeded["lamp"]), str(seeded["room"])]})
    assert done.status_code == 302
    mine = client.get(f"{HOME}/demands?assignee_id={staff}&status=open")
    html = mine.get_data(as_text=True)
    assert mine.status_code == 200 and f'data-assignee="{staff}"' in html
    listed = 'name="demand_ids" value="{}"'
    assert listed.format(seeded["lamp"]) in html and listed.format(seeded["hotline"]) not in html
    with client.get(f"{HOME}/demands/export?assignee_id={staff}") as exported:
        lines = exported.get_data().decode("utf-8-sig").splitlines()
    assert len(lines) == 3 and all(line.endswith(",a staff") for line in lines[1:])
    assert 'id="my-demands"' in client.get(f"{HOME}/demands").get_data(as_text=True)
    assert client.get(f"{HOME}/demands?assignee_id={other}").status_code == 400   # not a choice here
