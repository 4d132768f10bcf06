"""Cross-appointments through the API and the web pages: bad input, tenancy, files, query counts."""
import datetime as dt
import io
import re

import pytest

from red_property.appointments.models import Body, PostRole
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from tests.conftest import csrf_token
from tests.factories import register_committee
from tests.factories_party import PDF, PNG, TODAY, branch, member, person, post

START = TODAY.replace(year=TODAY.year - 1)


@pytest.fixture(autouse=True)
def committee_a(app, world):
    """甲一小区's register entry has an owners' committee, so A records its members there."""
    with app.app_context():
        return register_committee(db.session, world, world.community_a, "committee-a", "甲一小区业主委员会")


def _errors(response):
    return response.get_json()["errors"]["json"]


def test_api_people_and_posts_with_bad_input_on_each_field(api, app, world):
    token = api.token("a-staff@test.cn")
    people = "/api/v1/appointments/people"
    for body, field in [({"name": "甲"}, "community_id"),
                        ({"community_id": world.community_a, "name": ""}, "name"),
                        ({"community_id": world.community_a, "name": "甲" * 51}, "name"),
                        ({"community_id": world.community_a, "name": "甲", "phone": "1" * 21}, "phone"),
                        ({"community_id": "1", "name": "甲"}, "community_id"),
                        ({"community_id": world.community_b, "name": "甲"}, "community_id"),
                        ({"community_id": world.community_a, "name": "甲", "party_member_id": 999}, "party_member_id")]:
        response = api.post(people, token, json=body)
        assert response.status_code == 422 and field in _errors(response), (body, response.get_json())
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        roll = member(s, world.community_a, "王书记").id
    created = api.post(people, token, json={"community_id": world.community_a, "name": "王书记",
                                            "party_member_id": roll})
    assert created.status_code == 201 and created.get_json()["party_member"] is True
    person_id = created.get_json()["id"]
    posts = "/api/v1/appointments/posts"
    good = {"person_id": person_id, "body": "owners_committee", "role": "chair", "term_start": str(START),
            "term_end": str(START.replace(year=START.year + 5)), "procedure": "election", "procedure_on": str(START)}
    for change, field in [({"body": "union"}, "body"), ({"role": "king"}, "role"), ({"role": "project_manager"}, "role"),
                          ({"term_start": "2026-02-30"}, "term_start"), ({"term_end": str(START)}, "term_end"),
                          ({"term_end": str(START.replace(year=START.year + 6))}, "term_end"),
                          ({"procedure": "lottery"}, "procedure"), ({"procedure": "appointment"}, "procedure"),
                          ({"procedure_on": str(START + dt.timedelta(days=1))}, "procedure_on"),
                          ({"person_id": 1.5}, "person_id"), ({"organisation_id": 0}, "organisation_id")]:
        response = api.post(posts, token, json={**good, **change})
        assert response.status_code == 422 and field in _errors(response), (change, response.get_json())
    created = api.post(posts, token, json=good)
    assert created.status_code == 201 and created.get_json()["record_file_id"] is None
    post_id = created.get_json()["id"]
    again = api.post(posts, token, json=good)
    assert again.status_code == 422 and "任期不能重叠" in _errors(again)["term_start"][0]
    listed = api.get(f"{posts}?community_id={world.community_a}&body=owners_committee&on={TODAY}", token).get_json()
    assert [p["id"] for p in listed["items"]] == [post_id] and listed["total"] == 1
    assert api.get(f"{posts}?body=bogus", token).status_code == 422
    end = f"{posts}/{post_id}/end"
    assert "reason" in _errors(api.post(end, token, json={"ended_on": str(TODAY), "reason": "x"}))
    assert "ended_on" in _errors(api.post(end, token, json={"ended_on": str(START - dt.timedelta(days=1)),
                                                            "reason": "辞职"}))
    ended = api.post(end, token, json={"ended_on": str(TODAY), "reason": "辞职"})
    assert ended.status_code == 200 and ended.get_json()["ended_on"] == str(TODAY)


def test_api_record_upload_and_refusal_of_bad_files(api, app, world):
    token = api.token("a-staff@test.cn")
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        post_id = post(s, person(s, world.community_a, "王主任"), Body.OWNERS_COMMITTEE, PostRole.CHAIR).id
    path = f"/api/v1/appointments/posts/{post_id}/record"
    assert "file" in str(api.post(path, token, data={}, content_type="multipart/form-data").get_json())
    bad = api.post(path, token, data={"file": (io.BytesIO(b"<html>"), "x.html")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "PDF、PNG 或 JPEG" in _errors(bad)["file"][0]
    good = api.post(path, token, data={"file": (io.BytesIO(PDF), "选举结果公告.pdf")},
                    content_type="multipart/form-data")
    assert good.status_code == 200
    file_id = good.get_json()["record_file_id"]
    with api.get(f"/api/v1/files/{file_id}", token) as response:
        assert response.data == PDF
    assert api.get(f"/api/v1/files/{file_id}", api.token("b-admin@test.cn")).status_code == 404


def test_api_indicators_of_a_community(api, app, world):
    token = api.token("a-staff@test.cn")
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        for i in range(2):
            post(s, person(s, world.community_a, f"党员{i}", party=True), Body.OWNERS_COMMITTEE,
                 PostRole.CHAIR if i == 0 else PostRole.MEMBER)
        post(s, person(s, world.community_a, "群众"), Body.OWNERS_COMMITTEE, PostRole.MEMBER)
    found = api.get(f"/api/v1/appointments/communities/{world.community_a}", token).get_json()
    assert found["committee_members"] == 3 and found["party_share"] == pytest.approx(2 / 3)
    assert [c["met"] for c in found["checks"]] == [True, False, False]
    assert api.get(f"/api/v1/appointments/communities/{world.community_moved}", token).status_code == 404


def test_another_company_gets_404_and_the_bureau_gets_nothing(api, app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        post_id = post(s, person(s, world.community_a, "王主任"), Body.OWNERS_COMMITTEE, PostRole.CHAIR).id
    b = api.token("b-admin@test.cn")
    assert api.post(f"/api/v1/appointments/posts/{post_id}/end", b, json={}).status_code == 404
    assert api.post(f"/api/v1/appointments/posts/{post_id}/record", b, data={}).status_code == 404
    assert api.get(f"/api/v1/appointments/communities/{world.community_a}", b).status_code == 404
    assert api.get("/api/v1/appointments/posts", b).get_json()["total"] == 0
    assert api.get("/api/v1/appointments/people", b).get_json()["total"] == 0
    bureau = api.token("bureau-admin@test.cn")
    assert api.get("/api/v1/appointments/people", bureau).status_code == 404
    readonly = api.token("a-readonly@test.cn")
    assert api.post("/api/v1/appointments/people", readonly,
                    json={"community_id": world.community_a, "name": "甲"}).status_code == 403


@pytest.mark.parametrize("path", ["/api/v1/appointments/people?per_page=100", "/api/v1/appointments/posts?per_page=100"])
def test_api_lists_count_a_fixed_number_of_queries(api, app, world, count_queries, path):
    token = api.token("a-staff@test.cn")
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        post(s, person(s, world.community_a, "甲"), Body.RESIDENTS_COMMITTEE, PostRole.MEMBER)
    with count_queries() as few:
        assert api.get(path, token).status_code == 200
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        for i in range(20):
            post(s, person(s, world.community_a, f"乙{i}"), Body.RESIDENTS_COMMITTEE, PostRole.MEMBER)
    with count_queries() as many:
        assert api.get(path, token).status_code == 200
    assert many.count == few.count


@pytest.fixture
def login(client, web, world):
    web.login("a-staff@test.cn")

    def send(path, data, page, **kwargs):
        token = csrf_token(client.get(page).get_data(as_text=True))
        return client.post(path, data={**data, "csrf_token": token}, **kwargs)

    return send


def test_the_community_page_shows_people_posts_and_each_shortfall(app, client, login, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        post(s, person(s, world.community_a, "王主任"), Body.OWNERS_COMMITTEE, PostRole.CHAIR,
             record=("选举结果.png", PNG))
        post(s, person(s, world.community_a, "李委员", party=True), Body.OWNERS_COMMITTEE, PostRole.MEMBER)
        post(s, person(s, world.community_a, "张委员"), Body.OWNERS_COMMITTEE, PostRole.MEMBER)
    page = client.get(f"/company-a/appointments/communities/{world.community_a}").get_data(as_text=True)
    assert "王主任" in page and "李委员" in page and "查看记录" in page and "缺少记录" in page
    share = re.search(r'data-code="committee_party_share">([^<]+)<', page).group(1)
    assert "3 名" in share and "党员只有 1 名" in share and "还需 1 名" in share
    index = client.get("/company-a/appointments").get_data(as_text=True)
    assert "1 / 3" in index and "甲二小区" in index and "<svg" in index


def test_web_forms_refuse_bad_input_on_their_fields(app, client, login, world):
    page = f"/company-a/appointments/communities/{world.community_a}"
    people = f"{page}/people"
    response = login(people, {"person-name": ""}, page)
    assert response.status_code == 400 and 'data-field="person-name"' in response.get_data(as_text=True)
    assert login(people, {"person-name": "王主任"}, page).status_code == 302
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        from sqlalchemy import select

        from red_property.appointments.models import Person

        person_id = s.scalar(select(Person.id))
    posts = f"{page}/posts"
    good = {"post-person_id": str(person_id), "post-body": "owners_committee", "post-role": "chair",
            "post-term_start": str(START), "post-term_end": str(START.replace(year=START.year + 3)),
            "post-procedure": "election", "post-procedure_on": str(START), "post-organisation_id": "0"}
    for change, field, status in [({"post-term_end": str(START.replace(year=START.year + 9))}, "term_end", 422),
                                  ({"post-role": "secretary"}, "role", 422),
                                  ({"post-procedure_on": "明天"}, "procedure_on", 400),
                                  ({"post-person_id": "999999"}, "person_id", 400)]:
        response = login(posts, {**good, **change}, page, content_type="multipart/form-data")
        assert response.status_code == status, (change, response.status_code)
        assert f'data-field="post-{field}"' in response.get_data(as_text=True), change
    response = login(posts, {**good, "post-record": (io.BytesIO(b"MZ..."), "virus.exe")}, page,
                     content_type="multipart/form-data")
    assert response.status_code == 422 and 'data-field="post-record"' in response.get_data(as_text=True)
    response = login(posts, {**good, "post-record": (io.BytesIO(PDF), "选举结果.pdf")}, page,
                     content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        from red_property.appointments.models import Post

        post_id = s.scalar(select(Post.id))
    end = f"/company-a/appointments/posts/{post_id}/end"
    response = login(end, {f"end{post_id}-ended_on": str(START - dt.timedelta(days=3)),
                           f"end{post_id}-reason": "辞职"}, page)
    assert response.status_code == 422 and f'data-field="end{post_id}-ended_on"' in response.get_data(as_text=True)
    response = login(end, {f"end{post_id}-ended_on": str(TODAY)}, page)
    assert response.status_code == 400 and f'data-field="end{post_id}-reason"' in response.get_data(as_text=True)
    assert login(end, {f"end{post_id}-ended_on": str(TODAY), f"end{post_id}-reason": "辞职"}, page).status_code == 302
    record = f"/company-a/appointments/posts/{post_id}/record"
    response = login(record, {}, page, content_type="multipart/form-data")
    assert response.status_code == 400 and f'data-field="record{post_id}-file"' in response.get_data(as_text=True)
    response = login(record, {f"record{post_id}-file": (io.BytesIO(b"GIF89a"), "x.gif")}, page,
                     content_type="multipart/form-data")
    assert response.status_code == 422
    response = login(record, {f"record{post_id}-file": (io.BytesIO(PNG), "new.png")}, page,
                     content_type="multipart/form-data")
    assert response.status_code == 302


def test_web_pages_of_another_companys_rows_are_404(app, client, login, world):
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        b_post = post(s, person(s, world.community_x, "乙主任"), Body.OWNERS_COMMITTEE, PostRole.CHAIR).id
    page = f"/company-a/appointments/communities/{world.community_a}"
    assert client.get(f"/company-a/appointments/communities/{world.community_b}").status_code == 404
    assert login(f"/company-a/appointments/posts/{b_post}/end", {}, page).status_code == 404
    assert login(f"/company-a/appointments/communities/{world.community_b}/people", {}, page).status_code == 404


def test_pages_count_a_fixed_number_of_queries(app, client, login, world, count_queries):
    def add(n):
        with app.app_context(), tenant_scope(db.session, world.a) as s:
            organisation = branch(s, world.community_a) if n == 0 else None
            for i in range(5):
                who = person(s, world.community_a, f"党员{n}-{i}", party=True)
                post(s, who, Body.RESIDENTS_COMMITTEE, PostRole.MEMBER)
                if organisation is not None and i == 0:
                    post(s, who, Body.PARTY_BRANCH, PostRole.SECRETARY, organisation=organisation)

    add(0)
    paths = ["/company-a/appointments", f"/company-a/appointments/communities/{world.community_a}"]
    counts = []
    for path in paths:
        with count_queries() as q:
            assert client.get(path).status_code == 200
        counts.append(q.count)
    add(1)
    for path, before in zip(paths, counts):
        with count_queries() as q:
            assert client.get(path).status_code == 200
        assert q.count == before, path


def test_pages_read_in_english_too(client, web, world):
    """The percent sign in a template msgid must come out once, in both languages."""
    web.login("a-staff@test.cn")
    assert "不低于 50%；" in client.get("/company-a/appointments").get_data(as_text=True)
    client.get("/lang/en")
    page = client.get("/company-a/appointments").get_data(as_text=True)
    assert "at least 50% of" in page and "50%%" not in page
    assert "Party building" in client.get("/company-a/party").get_data(as_text=True)


def _legacy_committee_post(app, world) -> int:
    """An owners' committee post written before the rule (as an old import did): it is kept."""
    from red_property.appointments.models import Post, Procedure

    with app.app_context(), tenant_scope(db.session, world.a) as s:
        who = person(s, world.community_a2, "旧主任")
        held = Post(person_id=who.id, body=Body.OWNERS_COMMITTEE, role=PostRole.CHAIR, term_start=START,
                    term_end=START.replace(year=START.year + 3), procedure=Procedure.ELECTION, procedure_on=START)
        s.add(held)
        s.commit()
        return who.id


def test_api_refuses_committee_posts_where_the_register_has_no_committee(api, app, world):
    """甲二小区's register entry has no owners' committee: the public page says none, and so does the API."""
    person_id = _legacy_committee_post(app, world)
    token = api.token("a-staff@test.cn")
    good = {"person_id": person_id, "body": "owners_committee", "role": "member", "term_start": str(START),
            "term_end": str(START.replace(year=START.year + 3)), "procedure": "election", "procedure_on": str(START)}
    refused = api.post("/api/v1/appointments/posts", token, json=good)
    assert refused.status_code == 422
    assert "登记簿" in _errors(refused)["body"][0] and "住建局" in _errors(refused)["body"][0]
    office = {**good, "body": "residents_committee", "role": "member"}
    assert api.post("/api/v1/appointments/posts", token, json=office).status_code == 201   # other bodies are fine
    listed = api.get(f"/api/v1/appointments/posts?community_id={world.community_a2}&body=owners_committee",
                     token).get_json()
    assert listed["total"] == 1                                                              # the old row is kept


def test_web_refuses_committee_posts_and_the_pages_agree_with_the_public_page(app, client, login, world):
    person_id = _legacy_committee_post(app, world)
    page = f"/company-a/appointments/communities/{world.community_a2}"
    form = {"post-person_id": str(person_id), "post-body": "owners_committee", "post-role": "member",
            "post-term_start": str(START), "post-term_end": str(START.replace(year=START.year + 3)),
            "post-procedure": "election", "post-procedure_on": str(START), "post-organisation_id": "0"}
    response = login(f"{page}/posts", form, page, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-field="post-body"' in html and "须由住建局先在登记簿中登记业委会" in html
    shown = client.get(page).get_data(as_text=True)
    assert 'id="no-committee"' in shown and "旧主任" in shown
    assert 'id="no-committee"' not in client.get(f"/company-a/appointments/communities/{world.community_a}").get_data(
        as_text=True)
    public = client.get(f"/public/communities/{world.community_a2}").get_data(as_text=True)
    assert "尚未成立业主委员会" in public
    index = client.get("/company-a/appointments").get_data(as_text=True)
    row = re.search(rf'<tr data-community="{world.community_a2}">(.*?)</tr>', index, re.S).group(1)
    assert "登记簿中无业委会" in row and "1 / 1" not in row
    chart = index[index.index("<svg"):index.index("</svg>")] if "<svg" in index else ""
    assert "甲二小区" not in chart                                   # nor a bar in the party-share chart
