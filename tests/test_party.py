"""Party organisation: the formation rules at their boundaries, the API's checks, tenancy."""
import datetime as dt

import pytest
from sqlalchemy import select

from red_property.communities.models import Building
from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.appointments.models import Body, Person, Post, PostRole, Procedure
from red_property.party.models import (Level, PartyMember, ReviewKind, SiteCheck, SiteItem, SiteStatus,
                                       YearlyReview)
from red_property.party.rules import check_formation
from red_property.party.services import create_organisation

TODAY = dt.date(2026, 11, 1)


def codes(findings):
    return {f.code for f in findings}


def add_members(s, community, building, n, *, formal=True, direct=True):
    for i in range(n):
        s.add(PartyMember(name=f"党员{i}", community_id=community, building_id=building, formal=formal,
                          directly_managed=direct, home_organisation=None if direct else "市税务局机关党委",
                          reported_on=None if direct else dt.date(2025, 3, 1)))
    s.commit()


@pytest.fixture
def a_scope(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        building = s.scalars(select(Building.id).where(Building.community_id == world.community_a)).first()
        yield s, building


def test_fewer_than_three_direct_formal_members_need_a_joint_branch(a_scope, world):
    s, building = a_scope
    add_members(s, world.community_a, building, 2)
    add_members(s, world.community_a, building, 3, formal=False)        # probationary: do not count
    add_members(s, world.community_a, building, 3, direct=False)        # in service elsewhere: do not count
    findings = check_formation(s, world.community_a, TODAY)
    assert "needs_joint_branch" in codes(findings)
    assert "只有 2 名" in next(f.message for f in findings if f.code == "needs_joint_branch")
    add_members(s, world.community_a, building, 1)
    assert "may_form_branch" in codes(check_formation(s, world.community_a, TODAY))


def test_a_building_with_three_formal_residents_needs_a_party_group(a_scope, world):
    s, building = a_scope
    add_members(s, world.community_a, building, 2)
    add_members(s, world.community_a, building, 1, formal=False)
    assert "needs_party_group" not in codes(check_formation(s, world.community_a, TODAY))
    add_members(s, world.community_a, building, 1, direct=False)  # in-service residents count for groups
    assert "needs_party_group" in codes(check_formation(s, world.community_a, TODAY))
    branch = create_organisation(s, name="甲一小区党支部", level=Level.COMMUNITY, community_ids=[world.community_a],
                                 today=TODAY)
    create_organisation(s, name="1栋党小组", level=Level.GROUP, community_ids=[world.community_a],
                        parent_id=branch.id, building_id=building, today=TODAY)
    assert "needs_party_group" not in codes(check_formation(s, world.community_a, TODAY))


def secretary(s, branch, community, name, start, end, *, record=None):
    """A branch seat as the posts keep it (rows written directly: the rules read whatever is stored)."""
    person = Person(community_id=community, name=name)
    s.add(person)
    s.flush()
    s.add(Post(person_id=person.id, body=Body.PARTY_BRANCH, role=PostRole.SECRETARY, organisation_id=branch.id,
               term_start=start, term_end=end, procedure=Procedure.ELECTION, procedure_on=start,
               record_file_id=record))
    s.commit()


def test_committee_secretary_terms_and_yearly_reviews(a_scope, world):
    from red_property.core.files import store_file

    s, building = a_scope
    branch = create_organisation(s, name="甲一小区党支部", level=Level.COMMUNITY, community_ids=[world.community_a],
                                 founded_on=dt.date(2020, 1, 1), today=TODAY)
    found = codes(check_formation(s, world.community_a, TODAY))
    assert {"covered", "no_secretary", "missing_assessment", "missing_secretary_report"} <= found
    secretary(s, branch, world.community_a, "王书记", dt.date(2021, 1, 1), dt.date(2025, 12, 31))
    assert {"no_secretary", "term_expired"} <= codes(check_formation(s, world.community_a, TODAY))
    secretary(s, branch, world.community_a, "李书记", dt.date(2026, 1, 1), dt.date(2030, 12, 31))
    found = codes(check_formation(s, world.community_a, TODAY))
    assert {"no_secretary", "term_expired"}.isdisjoint(found) and "missing_election_record" in found
    s.query(Post).filter(Post.term_start == dt.date(2026, 1, 1)).update(
        {"record_file_id": store_file(s, purpose="appointment_record", filename="选举结果.pdf", data=b"%PDF-1.4").id})
    s.add_all([YearlyReview(organisation_id=branch.id, year=2025, kind=k, done_on=dt.date(2025, 12, 30))
               for k in ReviewKind])
    s.commit()
    assert codes(check_formation(s, world.community_a, TODAY)) == {"covered", "site_evidence_missing"}


def test_an_ended_secretary_is_no_longer_in_office(a_scope, world):
    s, _ = a_scope
    branch = create_organisation(s, name="甲一小区党支部", level=Level.COMMUNITY, community_ids=[world.community_a],
                                 today=TODAY)
    secretary(s, branch, world.community_a, "王书记", dt.date(2024, 1, 1), dt.date(2028, 12, 31))
    assert "no_secretary" not in codes(check_formation(s, world.community_a, TODAY))
    s.query(Post).update({"ended_on": dt.date(2026, 6, 30), "end_reason": "辞职"})
    s.commit()
    assert "no_secretary" in codes(check_formation(s, world.community_a, TODAY))


def test_site_findings_name_the_items_lacking_evidence_or_not_in_place(a_scope, world):
    s, _ = a_scope
    branch = create_organisation(s, name="甲一小区党支部", level=Level.COMMUNITY, community_ids=[world.community_a],
                                 today=TODAY)
    found = {f.code: f.message for f in check_formation(s, world.community_a, TODAY)}
    assert "党旗" in found["site_evidence_missing"] and "site_incomplete" not in found
    s.add(SiteCheck(organisation_id=branch.id, item=SiteItem.FLAG, status=SiteStatus.MISSING, checked_on=TODAY))
    s.commit()
    found = {f.code: f.message for f in check_formation(s, world.community_a, TODAY)}
    assert "党旗" in found["site_incomplete"] and "入党誓词" not in found["site_incomplete"]


def test_joint_branches_span_communities(a_scope, world):
    s, _ = a_scope
    joint = create_organisation(s, name="甲联合党支部", level=Level.JOINT,
                                community_ids=[world.community_a, world.community_a2], today=TODAY)
    for community in (world.community_a, world.community_a2):
        assert "covered" in codes(check_formation(s, community, TODAY))
    assert joint.level == Level.JOINT


def test_api_checks_what_a_user_can_get_wrong(api, world):
    token = api.token("a-staff@test.cn")
    cases = [
        ({"name": "联合支部", "level": "joint", "community_ids": [world.community_a]}, "community_ids"),
        ({"name": "支部", "level": "community", "community_ids": [world.community_b]}, "community_ids"),
        ({"name": "支部", "level": "community", "community_ids": [world.community_moved]}, "community_ids"),
        ({"name": "小组", "level": "group", "community_ids": [world.community_a]}, "parent_id"),
        ({"name": "支部", "level": "party", "community_ids": [world.community_a]}, "level"),
    ]
    for body, field in cases:
        response = api.post("/api/v1/party/organisations", token, json=body)
        assert response.status_code == 422 and field in response.get_json()["errors"]["json"], (body, response.get_json())
    branch = api.post("/api/v1/party/organisations", token,
                      json={"name": "甲一小区党支部", "level": "community", "community_ids": [world.community_a]})
    assert branch.status_code == 201
    branch_id = branch.get_json()["id"]
    assert api.get(f"/api/v1/party/organisations/{branch_id}/committee", token).get_json() == []
    in_service = api.post("/api/v1/party/members", token, json={
        "name": "赵五", "community_id": world.community_a, "directly_managed": False})
    assert "home_organisation" in in_service.get_json()["errors"]["json"]
    no_date = api.post("/api/v1/party/members", token, json={
        "name": "赵五", "community_id": world.community_a, "directly_managed": False, "home_organisation": "市税务局"})
    assert "reported_on" in no_date.get_json()["errors"]["json"]
    view = api.get(f"/api/v1/party/communities/{world.community_a}", token).get_json()
    assert [o["name"] for o in view["organisations"]] == ["甲一小区党支部"]
    assert {f["code"] for f in view["findings"]} >= {"covered", "no_secretary"}


def test_other_tenants_cannot_reach_party_records(api, world):
    a = api.token("a-staff@test.cn")
    branch_id = api.post("/api/v1/party/organisations", a, json={
        "name": "甲一小区党支部", "level": "community", "community_ids": [world.community_a]}).get_json()["id"]
    b = api.token("b-admin@test.cn")
    assert api.get(f"/api/v1/party/organisations/{branch_id}/committee", b).status_code == 404
    assert api.post(f"/api/v1/party/organisations/{branch_id}/reviews", b, json={}).status_code == 404
    assert api.get(f"/api/v1/party/communities/{world.community_a}", b).status_code == 404
    assert api.get("/api/v1/party/members", api.token("bureau-admin@test.cn")).status_code == 404


def test_member_list_query_count_is_flat(api, app, world, count_queries):
    token = api.token("a-staff@test.cn")
    with count_queries() as few:
        api.get("/api/v1/party/members?per_page=100", token)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        add_members(s, world.community_a, None, 40)
    with count_queries() as many:
        api.get("/api/v1/party/members?per_page=100", token)
    assert many.count == few.count


def test_api_overview_and_committee_seats(api, app, world, count_queries):
    from tests.factories_party import person, post

    token = api.token("a-staff@test.cn")
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        branch = create_organisation(s, name="甲一小区党支部", level=Level.COMMUNITY, community_ids=[world.community_a],
                                     today=clock.today())
        post(s, person(s, world.community_a, "王书记", party=True), Body.PARTY_BRANCH, PostRole.SECRETARY,
             organisation=branch)
        branch_id = branch.id
    with count_queries() as few:
        rows = api.get("/api/v1/party/overview", token).get_json()
    by_name = {r["community_name"]: r for r in rows}
    assert set(by_name) == {"甲一小区", "甲二小区"}
    assert [b["name"] for b in by_name["甲一小区"]["branches"]] == ["甲一小区党支部"]
    assert "needs_joint_branch" in {f["code"] for f in by_name["甲二小区"]["findings"]}
    assert "no_secretary" not in {f["code"] for f in by_name["甲一小区"]["findings"]}
    seats = api.get(f"/api/v1/party/organisations/{branch_id}/committee", token).get_json()
    assert [(s["name"], s["role"], s["in_office"]) for s in seats] == [("王书记", "secretary", True)]
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        create_organisation(s, name="甲二小区党支部", level=Level.COMMUNITY, community_ids=[world.community_a2],
                            today=clock.today())
        add_members(s, world.community_a2, None, 5)
    with count_queries() as many:
        api.get("/api/v1/party/overview", token)
    assert many.count == few.count


def test_api_site_checklist_status_and_evidence(api, app, world):
    import io

    from tests.factories_party import PNG

    token = api.token("a-staff@test.cn")
    branch_id = api.post("/api/v1/party/organisations", token, json={
        "name": "甲一小区党支部", "level": "community", "community_ids": [world.community_a]}).get_json()["id"]
    site = f"/api/v1/party/organisations/{branch_id}/site"
    rows = api.get(site, token).get_json()
    assert [r["item"] for r in rows] == ["place", "facilities", "sign", "flag", "oath", "reading", "rules"]
    assert all(r["status"] is None and r["evidence"] == [] for r in rows)
    for body, field in [({"item": "tv", "status": "in_place", "checked_on": "2026-01-01"}, "item"),
                        ({"item": "flag", "status": "fine", "checked_on": "2026-01-01"}, "status"),
                        ({"item": "flag", "status": "in_place", "checked_on": "2999-01-01"}, "checked_on"),
                        ({"item": "flag", "status": "in_place", "checked_on": "2026-01-01", "note": "x" * 201}, "note")]:
        response = api.post(site, token, json=body)
        assert response.status_code == 422 and field in response.get_json()["errors"]["json"], body
    rows = api.post(site, token, json={"item": "flag", "status": "incomplete", "checked_on": "2026-01-01"}).get_json()
    assert next(r for r in rows if r["item"] == "flag")["status"] == "incomplete"
    upload = f"{site}/evidence?item=oath&caption=誓词墙"
    bad = api.post(upload, token, data={"file": (io.BytesIO(b"%!PS-Adobe"), "oath.ps")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "file" in bad.get_json()["errors"]["json"]
    assert api.post(f"{site}/evidence?item=bogus", token, data={"file": (io.BytesIO(PNG), "a.png")},
                    content_type="multipart/form-data").status_code == 422
    good = api.post(upload, token, data={"file": (io.BytesIO(PNG), "oath.png")}, content_type="multipart/form-data")
    assert good.status_code == 201
    oath = next(r for r in good.get_json() if r["item"] == "oath")
    assert oath["status"] == "in_place" and oath["evidence"][0]["caption"] == "誓词墙"
    b = api.token("b-admin@test.cn")
    assert api.get(site, b).status_code == 404
    assert api.post(upload, b, data={"file": (io.BytesIO(PNG), "x.png")}, content_type="multipart/form-data").status_code == 404
    with api.get(f"/api/v1/files/{oath['evidence'][0]['file_id']}", token) as response:
        assert response.data == PNG


def test_organisation_rules_on_parents_levels_and_dates(a_scope, world):
    from red_property.core.errors import InputError

    s, building = a_scope
    top = create_organisation(s, name="甲一小区党支部", level=Level.COMMUNITY, community_ids=[world.community_a],
                              today=TODAY)
    other = create_organisation(s, name="甲二小区党支部", level=Level.COMMUNITY, community_ids=[world.community_a2],
                                today=TODAY)
    group = create_organisation(s, name="1栋党小组", level=Level.GROUP, community_ids=[world.community_a],
                                parent_id=top.id, building_id=building, today=TODAY)
    cases = [
        (dict(name="网格", level=Level.GRID, community_ids=[world.community_a], parent_id=group.id), "parent_id"),
        (dict(name="网格", level=Level.GRID, community_ids=[world.community_a], parent_id=other.id), "parent_id"),
        (dict(name="新支部", level=Level.COMMUNITY, community_ids=[world.community_a], founded_on=TODAY + dt.timedelta(1)),
         "founded_on"),
        (dict(name="联合", level=Level.JOINT, community_ids=[world.community_a, world.community_a2]), "community_ids"),
        (dict(name=" ", level=Level.COMMUNITY, community_ids=[world.community_a]), "name"),
    ]
    for kwargs, field in cases:
        with pytest.raises(InputError) as caught:
            create_organisation(s, today=TODAY, **kwargs)
        assert caught.value.field == field, (kwargs, str(caught.value))
        s.rollback()
    zone = create_organisation(s, name="1单元责任区", level=Level.ZONE, community_ids=[world.community_a],
                               parent_id=group.id, today=TODAY)
    assert zone.parent_id == group.id


def test_a_committee_elected_for_later_has_not_expired(a_scope, world):
    s, _ = a_scope
    branch = create_organisation(s, name="甲一小区党支部", level=Level.COMMUNITY, community_ids=[world.community_a],
                                 today=TODAY)
    secretary(s, branch, world.community_a, "新书记", TODAY + dt.timedelta(days=30), TODAY + dt.timedelta(days=1000))
    found = codes(check_formation(s, world.community_a, TODAY))
    assert "no_secretary" in found and "term_expired" not in found
