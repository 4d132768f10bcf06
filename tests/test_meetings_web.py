"""Joint-meeting pages: the one-form log, errors beside their fields, follow-up, the calendar."""
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.meetings.models import AgendaItem, MatterCategory
from red_property.meetings.services import log_meeting
from tests.conftest import csrf_token
from tests.factories_meetings import decision, item, meeting

TODAY = clock.today()
LAST_MONTH = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=10)


def form(**changes) -> dict:
    data = {"held_on": LAST_MONTH.isoformat(), "kind": "monthly", "place": "党群服务站", "organisation_id": "",
            "attendees-0-party": "party_branch", "attendees-0-name": "王书记", "attendees-0-post": "书记",
            "attendees-1-party": "owners_committee", "attendees-1-name": "李主任",
            "attendees-2-party": "property_company", "attendees-2-name": "张经理",
            "attendees-3-party": "residents_committee", "attendees-3-name": "",
            "items-0-title": "楼道堆物清理", "items-0-category": "other", "items-0-decision": "一周内清理完毕",
            "items-0-responsible": "张经理", "items-0-due_on": (LAST_MONTH + dt.timedelta(days=7)).isoformat(),
            "items-1-title": "", "items-1-category": "other"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def page(client, web, world):
    web.login("a-staff@test.cn")
    new = f"/company-a/meetings/new?community_id={world.community_a}"

    def post(data, path=new, **kwargs):
        token = csrf_token(client.get(new).get_data(as_text=True))
        return client.post(path, data={**data, "csrf_token": token}, **kwargs)

    post.new = new
    return post


def errors(response) -> dict[str, list[str]]:
    html = response.get_data(as_text=True)
    out: dict[str, list[str]] = {}
    for name, message in re.findall(r'data-field="([^"]+)">([^<]+)<', html):
        out.setdefault(name, []).append(message)
    for message in re.findall(r'class="flash error" role="alert">([^<]+)<', html):
        out.setdefault("form", []).append(message)
    return out


def test_the_community_is_picked_first_then_the_whole_meeting_is_one_form(client, world, page):
    picker = client.get("/company-a/meetings/new").get_data(as_text=True)
    assert "甲一小区" in picker and "乙一小区" not in picker
    blank = client.get(page.new).get_data(as_text=True)
    assert 'name="attendees-5-name"' in blank and 'name="items-2-title"' in blank
    assert re.search(r'name="attendees-1-party"[^>]*>.*?<option selected value="owners_committee"', blank, re.S)
    response = page(form())
    assert response.status_code == 302, errors(response)
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "王书记" in shown and "一周内清理完毕" in shown and "三方未到齐" not in shown
    listing = client.get("/company-a/meetings").get_data(as_text=True)
    assert "甲一小区" in listing and "1 项决议逾期" in listing    # due a week after last month's 10th
    for query in ("month=9999-12", "month=x", "community_id=99999999999999999999", "page=99999999999"):
        assert client.get(f"/company-a/meetings?{query}").status_code == 200, query


@pytest.mark.parametrize("changes, field, status", [
    ({"held_on": ""}, "held_on", 400), ({"held_on": "2026-02-30"}, "held_on", 400),
    ({"held_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "held_on", 422),
    ({"held_on": "2018-06-01"}, "held_on", 422),
    ({"kind": "weekly"}, "kind", 400), ({"place": ""}, "place", 400), ({"place": "x" * 101}, "place", 400),
    ({"organisation_id": "abc"}, "organisation_id", 400), ({"organisation_id": "999999"}, "organisation_id", 400),
    ({"attendees-0-party": ""}, "attendees-0-party", 422), ({"attendees-0-party": "mayor"}, "attendees-0-party", 400),
    ({"attendees-1-name": "x" * 51}, "attendees-1-name", 400),
    ({"attendees-1-member_id": "999999"}, "attendees-1-member_id", 400),
    ({"attendees-4-party": "party_branch", "attendees-4-name": "王书记"}, "attendees-4-name", 422),
    ({"items-0-due_on": ""}, "items-0-due_on", 422), ({"items-0-due_on": "soon"}, "items-0-due_on", 400),
    ({"items-0-due_on": "2018-01-01"}, "items-0-due_on", 422), ({"items-0-responsible": ""}, "items-0-responsible", 422),
    ({"items-0-category": "elevator"}, "items-0-reviewed_on", 422),
    ({"items-0-category": "nonsense"}, "items-0-category", 400),
    ({"items-1-title": "", "items-1-decision": "做"}, "items-1-title", 422),
    ({"items-1-title": "电梯", "items-1-category": "elevator", "items-1-reviewed_on": (TODAY + dt.timedelta(days=3)).isoformat(),
      "items-1-review_opinion": "agreed"}, "items-1-reviewed_on", 422),
    ({"items-0-review_opinion": "maybe"}, "items-0-review_opinion", 400),
    ({"items-0-decision": "x" * 501}, "items-0-decision", 400),
])
def test_bad_input_is_shown_beside_its_field(page, changes, field, status):
    response = page(form(**changes))
    assert response.status_code == status, errors(response)
    assert field in errors(response), errors(response)


def test_every_attendee_row_blank_is_a_form_error(page):
    blank = {f"attendees-{n}-{k}": "" for n in range(6) for k in ("name", "party")}
    response = page(form(**blank))
    assert response.status_code == 422 and any("参会人员" in e for e in errors(response)["form"])


def test_bad_minutes_are_refused_and_good_ones_linked(client, page):
    response = page({**form(), "minutes": (io.BytesIO(b"GIF89a"), "x.gif")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "minutes" in errors(response)
    response = page({**form(), "minutes": (io.BytesIO(b"%PDF-1.4 x"), "纪要.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(/company-a/files/\d+)">纪要.pdf', shown).group(1)
    with client.get(link) as file:
        assert file.data == b"%PDF-1.4 x"


def test_a_second_monthly_meeting_is_refused_beside_the_kind(page):
    assert page(form()).status_code == 302
    response = page(form())
    assert response.status_code == 422 and "临时会议" in errors(response)["kind"][0]
    assert page(form(kind="ad_hoc")).status_code == 302


def test_missing_parties_are_flagged_on_the_meeting(client, page):
    response = page(form(**{"attendees-1-name": ""}))
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "三方未到齐，缺少：业主委员会" in shown


def test_decisions_are_followed_up_on_the_meeting_and_in_the_list(app, client, web, world, page):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        m = log_meeting(s, meeting(world.community_a, LAST_MONTH, items=[
            item("更换路灯", **decision(LAST_MONTH, due_on=LAST_MONTH + dt.timedelta(days=1))),
            item("加装电梯", MatterCategory.ELEVATOR)]), today=TODAY)
        meeting_id, lamp_id = m.id, s.scalar(select(AgendaItem.id).where(AgendaItem.position == 1))
    shown = client.get(f"/company-a/meetings/{meeting_id}").get_data(as_text=True)
    assert "已逾期" in shown and "重大事项未经党支部前置审核" in shown
    overdue = client.get("/company-a/meetings/decisions").get_data(as_text=True)
    assert "更换路灯" in overdue
    url = f"/company-a/meetings/items/{lamp_id}/follow-up"
    bad = page({f"f{lamp_id}-done_on": "2000-01-01"}, path=url)
    assert bad.status_code == 422 and f"f{lamp_id}-done_on" in errors(bad)
    assert page({f"f{lamp_id}-done_on": "tomorrow"}, path=url).status_code == 400
    assert page({f"f{lamp_id}-note": "x" * 501}, path=url).status_code == 400
    assert "note" in str(errors(page({}, path=url)))
    ok = page({f"f{lamp_id}-note": "已更换", f"f{lamp_id}-done_on": TODAY.isoformat()}, path=url + "?next=decisions")
    assert ok.status_code == 302 and "/meetings/decisions" in ok.headers["Location"]
    assert "更换路灯" not in client.get("/company-a/meetings/decisions").get_data(as_text=True)
    done = client.get("/company-a/meetings/decisions?status=done").get_data(as_text=True)
    assert "更换路灯" in done and "已更换" in done


def test_items_are_added_and_meetings_corrected(client, world, page):
    meeting_url = page(form()).headers["Location"]
    meeting_id = int(meeting_url.rsplit("/", 1)[1])
    add = f"/company-a/meetings/{meeting_id}/items"
    bad = page({"item-title": "物业选聘", "item-category": "company_selection", "item-decision": "续聘",
                "item-responsible": "李主任", "item-due_on": TODAY.isoformat()}, path=add)
    assert bad.status_code == 422 and "item-reviewed_on" in errors(bad)
    assert page({"item-title": "", "item-category": "other"}, path=add).status_code == 422
    assert page({"item-title": "公示收益", "item-category": "public_income"}, path=add).status_code == 302
    edit = client.get(f"/company-a/meetings/{meeting_id}/edit").get_data(as_text=True)
    assert 'value="李主任"' in edit and 'name="attendees-4-name"' in edit and "items-0-title" not in edit
    response = page(form(place="社区会议室", **{"attendees-2-name": ""}), path=f"/company-a/meetings/{meeting_id}/edit")
    assert response.status_code == 302
    assert "社区会议室" in client.get(meeting_url).get_data(as_text=True)
    bad = page(form(held_on="2018-01-01"), path=f"/company-a/meetings/{meeting_id}/edit")
    assert bad.status_code == 422 and "held_on" in errors(bad)


def test_the_calendar_links_each_month_to_its_meetings_and_to_logging_one(client, page, world):
    before = client.get("/company-a/meetings/calendar").get_data(as_text=True)
    cell = re.compile(rf'data-month="{LAST_MONTH:%Y-%m}" data-community="{world.community_a}">\s*'
                      r'<span class="month-status">([^<]+)<')
    assert cell.search(before).group(1) == "未开"
    assert f"/company-a/meetings/new?community_id={world.community_a}&amp;month={LAST_MONTH:%Y-%m}" in before
    page(form())
    after = client.get("/company-a/meetings/calendar").get_data(as_text=True)
    assert cell.search(after).group(1) == "已开" and "<svg" in after
    assert "乙一小区" not in after


def test_pages_are_for_companies_and_read_only_users_cannot_write(client, web, world):
    web.login("bureau-admin@test.cn")
    for path in ("/bureau/meetings", "/bureau/meetings/calendar", "/bureau/meetings/decisions", "/bureau/meetings/new"):
        assert client.get(path).status_code == 404, path
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/bureau/").get_data(as_text=True))})
    web.login("a-readonly@test.cn")
    new = f"/company-a/meetings/new?community_id={world.community_a}"
    page_html = client.get(new).get_data(as_text=True)
    assert "<button type=\"submit\">保存" not in page_html
    assert client.post(new, data={"csrf_token": csrf_token(page_html), **form()}).status_code == 403


def test_meeting_pages_cost_the_same_queries_for_more_rows(app, client, web, world, count_queries):
    web.login("a-staff@test.cn")
    paths = ["/company-a/meetings", "/company-a/meetings/decisions?status=all", "/company-a/meetings/calendar"]
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        log_meeting(s, meeting(world.community_a, LAST_MONTH, items=[item(**decision(LAST_MONTH))]), today=TODAY)
    counts = {}
    for path in paths:
        with count_queries() as q:
            assert client.get(path).status_code == 200
        counts[path] = q.count
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        for month in range(1, 12):
            day = dt.date(2025, month, 5)
            log_meeting(s, meeting(world.community_a2, day, items=[item(**decision(day)), item("x", **decision(day))]),
                        today=TODAY)
    for path in paths:
        with count_queries() as q:
            assert client.get(path).status_code == 200
        assert q.count == counts[path], path
