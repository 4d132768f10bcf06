"""Joint meetings: every rule with a case that passes and one that fails."""
import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from red_property.core.errors import InputError
from red_property.core.files import StoredFile
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.meetings.models import (AgendaItem, AttendeeParty, ItemProgress, JointMeeting, MatterCategory,
                                          MeetingKind, ReviewOpinion)
from red_property.meetings.queries import list_decisions, list_meetings, meeting_detail
from red_property.meetings.services import add_item, follow_up, log_meeting, update_meeting
from red_property.party.models import Level
from red_property.party.services import create_organisation
from tests.factories_meetings import add_members, attendees, decision, item, meeting, reviewed

TODAY = dt.date(2026, 11, 25)
OCT = dt.date(2026, 10, 15)
PDF = b"%PDF-1.4 minutes"


@pytest.fixture
def s(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as session:
        yield session


def refused(s, field, fn, *args, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        fn(s, *args, **kwargs)
    s.rollback()
    assert caught.value.field == field, (caught.value.field, str(caught.value))
    return str(caught.value)


def test_a_meeting_is_logged_with_its_attendees_items_and_minutes(s, world, app):
    m = log_meeting(s, meeting(world.community_a, OCT, items=[item(**decision(OCT))]), today=TODAY,
                    minutes=("纪要.pdf", PDF))
    detail = meeting_detail(s, m.id)
    assert m.parties_complete and m.monthly_period == 202610 and not detail.missing_parties
    assert [a.name for a in detail.attendees] == ["王书记", "李主任", "张经理"]
    assert [(i.position, i.title, i.status(TODAY)) for i in detail.items] == [(1, "楼道堆物清理", "open")]
    assert detail.minutes.name == "纪要.pdf" and detail.minutes.purpose == "minutes"


def test_bad_minutes_write_nothing(s, world):
    assert "PDF、PNG 或 JPEG" in refused(s, "minutes", log_meeting, meeting(world.community_a, OCT), today=TODAY,
                                         minutes=("x.gif", b"GIF89a"))
    assert s.scalar(select(JointMeeting.id)) is None and s.scalar(select(StoredFile.id)) is None


def test_no_meeting_in_the_future(s, world):
    assert "不能晚于今天" in refused(s, "held_on", log_meeting, meeting(world.community_a, TODAY + dt.timedelta(days=1)),
                                 today=TODAY)
    assert log_meeting(s, meeting(world.community_a, TODAY), today=TODAY).id


def test_the_company_must_manage_the_community_on_the_meeting_date(s, world):
    # 易主小区: company A until 2024-12-31, company B since
    assert "不在管" in refused(s, "held_on", log_meeting, meeting(world.community_moved, dt.date(2025, 3, 1)),
                            today=TODAY)
    assert log_meeting(s, meeting(world.community_moved, dt.date(2024, 12, 31)), today=TODAY).id
    # 甲二小区: managed since 2025-01-01
    refused(s, "held_on", log_meeting, meeting(world.community_a2, dt.date(2024, 12, 31)), today=TODAY)
    # another company's community, and one nobody manages: not even visible
    refused(s, "community_id", log_meeting, meeting(world.community_b, OCT), today=TODAY)
    refused(s, "community_id", log_meeting, meeting(world.community_none, OCT), today=TODAY)


def test_one_monthly_meeting_per_community_and_month(s, world):
    first = log_meeting(s, meeting(world.community_a, OCT), today=TODAY)
    message = refused(s, "kind", log_meeting, meeting(world.community_a, dt.date(2026, 10, 28)), today=TODAY)
    assert "2026 年 10 月已登记月度例会（2026-10-15）" in message and "临时会议" in message
    assert log_meeting(s, meeting(world.community_a, dt.date(2026, 10, 28), kind=MeetingKind.AD_HOC), today=TODAY).id
    assert log_meeting(s, meeting(world.community_a, dt.date(2026, 11, 2)), today=TODAY).id
    assert log_meeting(s, meeting(world.community_a2, OCT), today=TODAY).id   # another community, same month
    # the database holds the rule too, whatever path the row takes
    with pytest.raises(IntegrityError):
        s.add(JointMeeting(community_id=world.community_a, held_on=dt.date(2026, 10, 3), kind=MeetingKind.MONTHLY,
                           monthly_period=202610, place="x"))
        s.flush()
    s.rollback()
    # a monthly meeting moved to ad hoc frees its month
    update_meeting(s, s.get(JointMeeting, first.id), {**meeting(first.community_id, OCT, kind=MeetingKind.AD_HOC)},
                   today=TODAY)
    assert log_meeting(s, meeting(world.community_a, dt.date(2026, 10, 20)), today=TODAY).id


def test_a_meeting_without_the_three_parties_is_flagged_not_refused(s, world):
    m = log_meeting(s, meeting(world.community_a, OCT, parties=(AttendeeParty.BRANCH, AttendeeParty.COMPANY,
                                                                AttendeeParty.RESIDENTS_COMMITTEE)), today=TODAY)
    assert not m.parties_complete
    assert meeting_detail(s, m.id).missing_parties == [AttendeeParty.OWNERS_COMMITTEE]
    # reconvened with everyone: the message says how to make the new one the month's meeting
    assert "先把那次会议改为临时会议" in refused(s, "kind", log_meeting, meeting(world.community_a, OCT), today=TODAY)
    update_meeting(s, m, meeting(world.community_a, OCT), today=TODAY)   # corrected: the committee was there
    assert s.get(JointMeeting, m.id).parties_complete


def test_attendees_are_checked(s, world):
    (member,) = add_members(s, world.community_a, ["陈党员"])
    refused(s, "attendees", log_meeting, meeting(world.community_a, OCT, parties=()), today=TODAY)
    body = meeting(world.community_a, OCT)
    body["attendees"].append({"party": AttendeeParty.BRANCH, "name": " 王书记 ", "member_id": None})
    assert "已在同一方登记过" in refused(s, "attendees.3.name", log_meeting, body, today=TODAY)
    body["attendees"][3] = {"party": AttendeeParty.BRANCH, "name": "", "member_id": None}
    refused(s, "attendees.3.name", log_meeting, body, today=TODAY)
    body["attendees"][3] = {"party": AttendeeParty.BRANCH, "name": "", "member_id": 999_999}
    refused(s, "attendees.3.member_id", log_meeting, body, today=TODAY)
    body["attendees"][3] = {"party": AttendeeParty.BRANCH, "name": "", "member_id": member}
    m = log_meeting(s, body, today=TODAY)
    linked = [a for a in meeting_detail(s, m.id).attendees if a.member_id]
    assert [(a.name, a.member_id) for a in linked] == [("陈党员", member)]   # the member's name by default


def test_the_convening_branch_must_cover_the_community(s, world):
    branch = create_organisation(s, name="甲一小区党支部", level=Level.COMMUNITY, community_ids=[world.community_a],
                                 today=TODAY)
    refused(s, "organisation_id", log_meeting, meeting(world.community_a2, OCT, organisation_id=branch.id),
            today=TODAY)
    refused(s, "organisation_id", log_meeting, meeting(world.community_a, OCT, organisation_id=999_999), today=TODAY)
    assert log_meeting(s, meeting(world.community_a, OCT, organisation_id=branch.id), today=TODAY).organisation_id


def test_a_major_decision_needs_the_branchs_pre_review_on_or_before_the_meeting(s, world):
    fund = dict(title="使用专项维修资金更换水泵", category=MatterCategory.MAINTENANCE_FUND)
    message = refused(s, "items.0.reviewed_on", log_meeting,
                      meeting(world.community_a, OCT, items=[item(**fund, **decision(OCT))]), today=TODAY)
    assert "前置审核" in message
    late = {"reviewed_on": OCT + dt.timedelta(days=1), "review_opinion": ReviewOpinion.AGREED}
    refused(s, "items.1.reviewed_on", log_meeting,
            meeting(world.community_a, OCT, items=[item(), item(**fund, **late, **decision(OCT))]), today=TODAY)
    refused(s, "items.0.review_opinion", log_meeting,
            meeting(world.community_a, OCT, items=[item(**fund, reviewed_on=OCT, **decision(OCT))]), today=TODAY)
    refused(s, "items.0.reviewed_on", log_meeting, meeting(
        world.community_a, OCT, items=[item(**fund, review_opinion=ReviewOpinion.AGREED, **decision(OCT))]),
        today=TODAY)
    same_day = {"reviewed_on": OCT, "review_opinion": ReviewOpinion.AMENDED, "review_note": "限额三万元"}
    m = log_meeting(s, meeting(world.community_a, OCT, items=[
        item(**fund, **same_day, **decision(OCT)),
        item("加装电梯意向征集", MatterCategory.ELEVATOR),        # discussed, not decided: allowed, flagged
        item(**decision(OCT))]), today=TODAY)                       # a routine decision needs no review
    items = meeting_detail(s, m.id).items
    assert [i.needs_review for i in items] == [False, True, False]
    assert list_meetings(s, today=TODAY).items[0].unreviewed == 1


def test_a_decision_needs_a_responsible_person_and_a_due_date_not_before_the_meeting(s, world):
    for broken, field in [({"responsible": " "}, "responsible"), ({"due_on": None}, "due_on"),
                          ({"due_on": OCT - dt.timedelta(days=1)}, "due_on"),
                          ({"done_on": OCT - dt.timedelta(days=1)}, "done_on"),
                          ({"done_on": TODAY + dt.timedelta(days=1)}, "done_on")]:
        refused(s, f"items.0.{field}", log_meeting,
                meeting(world.community_a, OCT, items=[item(**decision(OCT, **broken))]), today=TODAY)
    refused(s, "items.0.decision", log_meeting,
            meeting(world.community_a, OCT, items=[item(responsible="张经理", due_on=OCT)]), today=TODAY)
    refused(s, "items.0.title", log_meeting, meeting(world.community_a, OCT, items=[item(title="  ")]), today=TODAY)
    m = log_meeting(s, meeting(world.community_a, OCT, items=[item(**decision(OCT, due_on=OCT))]), today=TODAY)
    assert meeting_detail(s, m.id).items[0].due_on == OCT


def test_decisions_are_followed_up_until_done_and_overdue_past_their_date(s, world):
    m = log_meeting(s, meeting(world.community_a, OCT, items=[
        item("更换路灯", **decision(OCT, due_on=dt.date(2026, 11, 1))),
        item("清理楼道", **decision(OCT, due_on=dt.date(2026, 12, 31))), item("通报情况")]), today=TODAY)
    lamp, hall, notice = meeting_detail(s, m.id).items
    assert (lamp.status(TODAY), hall.status(TODAY), notice.status(TODAY)) == ("overdue", "open", None)
    assert [r.item.title for r in list_decisions(s, today=TODAY, status="overdue").items] == ["更换路灯"]
    assert list_meetings(s, today=TODAY).items[0].overdue == 1
    refused(s, "item_id", follow_up, notice, today=TODAY, note="已通报")
    refused(s, "note", follow_up, lamp, today=TODAY)
    refused(s, "noted_on", follow_up, lamp, today=TODAY, note="采购中", noted_on=OCT - dt.timedelta(days=1))
    refused(s, "noted_on", follow_up, lamp, today=TODAY, note="采购中", noted_on=TODAY + dt.timedelta(days=1))
    refused(s, "done_on", follow_up, lamp, today=TODAY, done_on=OCT - dt.timedelta(days=1))
    refused(s, "done_on", follow_up, lamp, today=TODAY, done_on=TODAY + dt.timedelta(days=1))
    refused(s, "note", follow_up, lamp, today=TODAY, note="长" * 501)
    follow_up(s, lamp, today=TODAY, note="灯具已到货")
    follow_up(s, lamp, today=TODAY, note="已安装", done_on=dt.date(2026, 11, 20))
    assert s.get(AgendaItem, lamp.id).status(TODAY) == "done"
    assert [p.note for p in meeting_detail(s, m.id).progress[lamp.id]] == ["灯具已到货", "已安装"]
    assert "已于 2026-11-20 办结" in refused(s, "done_on", follow_up, lamp, today=TODAY, done_on=TODAY)
    assert [r.item.title for r in list_decisions(s, today=TODAY, status="done").items] == ["更换路灯"]
    assert [r.last_note for r in list_decisions(s, today=TODAY, status="done").items] == ["已安装"]
    assert [r.item.title for r in list_decisions(s, today=TODAY, status="open").items] == ["清理楼道"]


def test_items_added_later_follow_the_same_rules(s, world):
    m = log_meeting(s, meeting(world.community_a, OCT), today=TODAY)
    refused(s, "reviewed_on", add_item, m, item("物业选聘", MatterCategory.COMPANY_SELECTION, **decision(OCT)),
            today=TODAY)
    added = add_item(s, m, item("物业选聘", MatterCategory.COMPANY_SELECTION, **reviewed(OCT), **decision(OCT)),
                     today=TODAY)
    again = add_item(s, m, item("公共收益公示", MatterCategory.PUBLIC_INCOME), today=TODAY)
    assert (added.position, again.position) == (1, 2)


def test_a_new_date_must_still_fit_the_items_and_the_follow_up(s, world):
    m = log_meeting(s, meeting(world.community_a, OCT, items=[
        item("更换水泵", MatterCategory.MAINTENANCE_FUND, **reviewed(OCT), **decision(OCT))]), today=TODAY)
    refused(s, "held_on", update_meeting, m, meeting(world.community_a, OCT - dt.timedelta(days=5)), today=TODAY)
    follow_up(s, meeting_detail(s, m.id).items[0], today=TODAY, note="已询价", noted_on=dt.date(2026, 10, 20))
    refused(s, "held_on", update_meeting, m, meeting(world.community_a, dt.date(2026, 10, 21)), today=TODAY)
    update_meeting(s, m, meeting(world.community_a, dt.date(2026, 10, 13)), today=TODAY)
    assert s.get(JointMeeting, m.id).held_on == dt.date(2026, 10, 13)
    assert s.scalar(select(ItemProgress.note)) == "已询价"


def test_attendees_are_replaced_as_a_whole(s, world):
    m = log_meeting(s, meeting(world.community_a, OCT), today=TODAY)
    update_meeting(s, m, {**meeting(world.community_a, OCT), "attendees": attendees((AttendeeParty.BRANCH,))},
                   today=TODAY)
    assert [a.party for a in meeting_detail(s, m.id).attendees] == [AttendeeParty.BRANCH]
