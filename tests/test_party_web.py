"""Party pages: the overview, a community's tree and forms, the member list, the 七有 site with evidence."""
import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select

from red_property.communities.models import Building
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.party.models import Level, PartyMember, SiteCheck, SiteEvidence
from tests.conftest import csrf_token
from tests.factories import make_community, make_contract
from tests.factories_party import PDF, PNG, TODAY, branch, member


@pytest.fixture
def login(client, web, world):
    web.login("a-staff@test.cn")

    def post(path, data, page=None, **kwargs):
        token = csrf_token(client.get(page or path).get_data(as_text=True))
        return client.post(path, data={**data, "csrf_token": token}, **kwargs)

    return post


def _building(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        return s.scalar(select(Building.id).where(Building.community_id == world.community_a))


def test_the_nav_shows_party_building_to_companies_only(client, web, world):
    web.login("a-staff@test.cn")
    assert "/company-a/party" in client.get("/company-a/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/company-a/").get_data(as_text=True))})
    web.login("bureau-admin@test.cn")
    assert "/party" not in client.get("/bureau/").get_data(as_text=True)
    assert client.get("/bureau/party").status_code == 404


def test_overview_lists_every_managed_community_with_its_coverage_and_findings(app, client, login, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        branch(s, world.community_a)
    page = client.get("/company-a/party").get_data(as_text=True)
    assert "甲一小区党支部" in page and "甲二小区" in page and "易主小区" not in page
    row = re.search(r'data-community="%d">(.*?)</tr>' % world.community_a2, page, re.S).group(1)
    assert "未覆盖" in row and "联合党支部" in row
    assert "待整改事项最多的小区" in page  # the chart


def test_overview_query_count_does_not_grow_with_communities(app, client, login, world, count_queries):
    def add(n):
        with app.app_context():
            with tenant_scope(db.session, world.bureau) as s:
                ids = [make_community(s, f"新增小区{n}-{i}") for i in range(5)]
                for community in ids:
                    make_contract(s, community, world.a, dt.date(2020, 1, 1))
                s.commit()
            with tenant_scope(db.session, world.a) as s:
                for community in ids:
                    organisation = branch(s, community, name=f"支部{community}")
                    member(s, community, "党员")
                    s.add(SiteCheck(organisation_id=organisation.id, item="flag", status="missing", checked_on=TODAY))
                s.commit()

    add(1)
    with count_queries() as few:
        assert client.get("/company-a/party").status_code == 200
    add(2)
    with count_queries() as many:
        assert client.get("/company-a/party").status_code == 200
    assert many.count == few.count


def test_community_page_shows_the_tree_and_plain_findings(app, client, login, world):
    building = _building(app, world)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        top = branch(s, world.community_a)
        from red_property.party.services import create_organisation

        grid = create_organisation(s, name="一网格党支部", level=Level.GRID, community_ids=[world.community_a],
                                   parent_id=top.id, today=TODAY)
        create_organisation(s, name="1栋党小组", level=Level.GROUP, community_ids=[world.community_a],
                            parent_id=grid.id, building_id=building, today=TODAY)
    page = client.get(f"/company-a/party/communities/{world.community_a}").get_data(as_text=True)
    depths = re.findall(r'class="depth-(\d)" data-level="(\w+)"', page)
    assert depths == [("0", "community"), ("1", "grid"), ("2", "group")]
    assert "没有在任书记" in page and "“七有”缺少证明材料" in page


def test_creating_organisations_through_the_form(app, client, login, world):
    path = f"/company-a/party/communities/{world.community_a}/organisations"
    page = f"/company-a/party/communities/{world.community_a}"
    response = login(path, {"org-name": "", "org-level": "community", "org-community_ids": [world.community_a]}, page)
    assert response.status_code == 400 and 'data-field="org-name"' in response.get_data(as_text=True)
    response = login(path, {"org-name": "联合支部", "org-level": "joint", "org-community_ids": [world.community_a]}, page)
    assert response.status_code == 422 and "至少覆盖两个小区" in response.get_data(as_text=True)
    response = login(path, {"org-name": "甲联合党支部", "org-level": "joint",
                            "org-community_ids": [world.community_a, world.community_a2]}, page)
    assert response.status_code == 302
    response = login(path, {"org-name": "甲一小区党支部", "org-level": "community",
                            "org-community_ids": [world.community_a]}, page)
    assert response.status_code == 422 and "一个小区只设一个党支部" in response.get_data(as_text=True)
    response = login(path, {"org-name": "网格", "org-level": "grid", "org-community_ids": [world.community_a],
                            "org-parent_id": "0"}, page)
    assert response.status_code == 422 and 'data-field="org-parent_id"' in response.get_data(as_text=True)
    response = login(path, {"org-name": "甲", "org-level": "bogus", "org-community_ids": [world.community_a]}, page)
    assert response.status_code == 400 and 'data-field="org-level"' in response.get_data(as_text=True)


def test_adding_members_through_the_form(app, client, login, world):
    building = _building(app, world)
    path = f"/company-a/party/communities/{world.community_a}/members"
    page = f"/company-a/party/communities/{world.community_a}"
    base = {"member-name": "赵五", "member-formal": "1", "member-directly_managed": "0",
            "member-building_id": str(building)}
    response = login(path, base, page)
    assert response.status_code == 422 and 'data-field="member-home_organisation"' in response.get_data(as_text=True)
    response = login(path, {**base, "member-home_organisation": "市税务局机关党委"}, page)
    assert response.status_code == 422 and 'data-field="member-reported_on"' in response.get_data(as_text=True)
    response = login(path, {**base, "member-home_organisation": "市税务局机关党委", "member-reported_on": "不是日期"}, page)
    assert response.status_code == 400 and 'data-field="member-reported_on"' in response.get_data(as_text=True)
    response = login(path, {**base, "member-building_id": "0", "member-directly_managed": "1",
                            "member-building_head": "y"}, page)
    assert response.status_code == 422 and "楼栋长需注明" in response.get_data(as_text=True)
    response = login(path, {**base, "member-home_organisation": "市税务局机关党委", "member-reported_on": "2025-03-01",
                            "member-building_head": "y"}, page)
    assert response.status_code == 302
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        saved = s.scalar(select(PartyMember))
        assert (saved.directly_managed, saved.home_organisation, saved.reported_on, saved.building_head) == (
            False, "市税务局机关党委", dt.date(2025, 3, 1), True)


def test_recording_yearly_reviews_through_the_form(app, client, login, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        organisation_id = branch(s, world.community_a).id
    path = f"/company-a/party/communities/{world.community_a}/reviews"
    page = f"/company-a/party/communities/{world.community_a}"
    data = {"review-organisation_id": str(organisation_id), "review-year": "2025", "review-kind": "secretary_report",
            "review-done_on": "2025-12-28"}
    assert login(path, {**data, "review-year": "1900"}, page).status_code == 400
    for wrong in ("2020-01-05", (TODAY + dt.timedelta(days=1)).isoformat()):   # another year; the future
        response = login(path, {**data, "review-done_on": wrong}, page)
        assert response.status_code == 422 and 'data-field="review-done_on"' in response.get_data(as_text=True)
    assert login(path, data, page).status_code == 302
    response = login(path, data, page)
    assert response.status_code == 422 and "已有这项记录" in response.get_data(as_text=True)
    assert login(path, {**data, "review-organisation_id": "999999"}, page).status_code == 400


def test_member_list_filters_pages_and_counts_a_fixed_number_of_queries(app, client, login, world, count_queries):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        for i in range(3):
            member(s, world.community_a, f"甲一党员{i}")
        member(s, world.community_a2, "甲二党员")
    with count_queries() as few:
        page = client.get(f"/company-a/party/members?community_id={world.community_a2}").get_data(as_text=True)
    assert "甲二党员" in page and "甲一党员0" not in page
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        for i in range(60):
            member(s, world.community_a2, f"甲二党员{i}")
    with count_queries() as many:
        page = client.get(f"/company-a/party/members?community_id={world.community_a2}").get_data(as_text=True)
    assert many.count == few.count
    assert f"community_id={world.community_a2}&amp;page=2" in page or f"page=2&amp;community_id={world.community_a2}" in page
    assert "甲一党员0" in client.get("/company-a/party/members").get_data(as_text=True)


def _site_post(client, login, organisation_id, data, file=None):
    path = f"/company-a/party/organisations/{organisation_id}/site"
    payload = {"site-item": "flag", "site-status": "in_place", "site-checked_on": TODAY.isoformat(), **data}
    if file is not None:
        payload["site-file"] = (io.BytesIO(file[1]), file[0])
    return login(path, payload, content_type="multipart/form-data")


def test_site_evidence_upload_view_and_refusal_of_bad_files(app, client, login, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        organisation_id = branch(s, world.community_a).id
    response = _site_post(client, login, organisation_id, {"site-caption": "党旗照片"}, ("flag.png", PNG))
    assert response.status_code == 302
    response = _site_post(client, login, organisation_id, {"site-item": "oath"}, ("oath.gif", b"GIF89a..."))
    assert response.status_code == 422 and "PDF、PNG 或 JPEG" in response.get_data(as_text=True)
    response = _site_post(client, login, organisation_id, {"site-item": "oath"}, ("empty.pdf", b""))
    assert response.status_code == 422 and "文件是空的" in response.get_data(as_text=True)
    response = _site_post(client, login, organisation_id, {"site-item": "oath", "site-status": "incomplete"})
    assert response.status_code == 302  # no file chosen: the status alone is saved
    response = _site_post(client, login, organisation_id, {"site-checked_on": (TODAY + dt.timedelta(days=2)).isoformat()})
    assert response.status_code == 422 and 'data-field="site-checked_on"' in response.get_data(as_text=True)
    response = _site_post(client, login, organisation_id, {"site-item": "nonsense"})
    assert response.status_code == 400
    response = _site_post(client, login, organisation_id, {"site-item": "rules"}, ("rules.pdf", PDF))
    assert response.status_code == 302
    page = client.get(f"/company-a/party/organisations/{organisation_id}/site").get_data(as_text=True)
    links = re.findall(r'href="/company-a/files/(\d+)">([^<]+)<', page)
    assert [name for _, name in links] == ["党旗照片", "rules.pdf"]
    with client.get(f"/company-a/files/{links[0][0]}") as shown:
        assert shown.data == PNG
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert s.scalar(select(func.count(SiteEvidence.id))) == 2
        assert s.scalar(select(func.count(SiteCheck.id))) == 3     # flag, oath, rules
    community = client.get(f"/company-a/party/communities/{world.community_a}").get_data(as_text=True)
    missing = re.search(r'data-code="site_evidence_missing">([^<]+)<', community).group(1)
    assert "入党誓词" in missing and "党旗" not in missing and "制度上墙" not in missing


def test_a_site_page_is_for_branches_only(app, client, login, world):
    building = _building(app, world)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        from red_property.party.services import create_organisation

        top = branch(s, world.community_a)
        group = create_organisation(s, name="1栋党小组", level=Level.GROUP, community_ids=[world.community_a],
                                    parent_id=top.id, building_id=building, today=TODAY).id
        top = top.id
    assert client.get(f"/company-a/party/organisations/{group}/site").status_code == 404
    assert client.get(f"/company-a/party/organisations/{top}/site").status_code == 200


def test_read_only_users_see_no_forms_and_cannot_write(app, client, web, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        organisation_id = branch(s, world.community_a).id
    web.login("a-readonly@test.cn")
    page = client.get(f"/company-a/party/organisations/{organisation_id}/site").get_data(as_text=True)
    assert "<button type=\"submit\">" not in page
    token = csrf_token(page)
    response = client.post(f"/company-a/party/organisations/{organisation_id}/site",
                           data={"csrf_token": token, "site-item": "flag"})
    assert response.status_code == 403


def test_member_list_ignores_ids_and_pages_out_of_range(client, login, world):
    for query in ("community_id=99999999999999999999999", "community_id=-3", "page=99999999999999999999",
                  "community_id=abc&page=x"):
        assert client.get(f"/company-a/party/members?{query}").status_code == 200, query


def test_in_english_setting_up_a_party_organisation_is_not_an_appeal_upheld(app, client, login, world):
    """“成立” is both a party organisation set up and an appeal upheld: the catalog tells them apart."""
    client.get("/lang/en")
    page = client.get(f"/company-a/party/communities/{world.community_a}").get_data(as_text=True)
    assert ">Set up<" in page and "upheld" not in page
