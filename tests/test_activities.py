"""Activities, 双报到, the service-hours ledger, negative records and the participation metric."""
import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from red_property.activities.models import ActivityKind, NegativeRecord
from red_property.activities.queries import list_activities, list_negative, service_ledger
from red_property.activities.services import (follow_up_negative, record_activity, record_negative, record_report)
from red_property.compliance.sources import Window, measure
from red_property.core.errors import InputError
from red_property.core.tenancy import bureau_cross_tenant_read, tenant_scope
from red_property.extensions import db
from tests.factories_meetings import activity, add_members, member_part, volunteer

TODAY = dt.date(2026, 11, 25)
DAY = dt.date(2026, 9, 12)


@pytest.fixture
def s(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as session:
        yield session


@pytest.fixture
def members(s, world):
    direct = add_members(s, world.community_a, ["王建国", "李秀英", "张伟"])
    in_service = add_members(s, world.community_a, ["陈静", "刘洋"], direct=False)
    return direct + in_service


def refused(s, field, fn, *args, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        fn(s, *args, **kwargs)
    s.rollback()
    assert caught.value.field == field, (caught.value.field, str(caught.value))
    return str(caught.value)


def test_an_activity_is_recorded_with_members_volunteers_and_hours(s, world, members):
    a = record_activity(s, activity(world.community_a, DAY, [member_part(members[0], "2.5"), member_part(members[3]),
                                                             volunteer("周阿姨")]), today=TODAY)
    row = list_activities(s).items[0]
    assert (row.activity.id, row.participants, row.members, row.hours) == (a.id, 3, 2, Decimal("6.0"))


@pytest.mark.parametrize("rows, field, message", [
    ([], "participants", "至少"),
    ([{"member_id": 999_999, "hours": Decimal(1)}], "participants.0.member_id", "不存在"),
    ([{"name": " ", "hours": Decimal(1)}], "participants.0.name", "姓名"),
    ([{"name": "周阿姨", "hours": Decimal(0)}], "participants.0.hours", "大于 0"),
    ([{"name": "周阿姨", "hours": Decimal("24.5")}], "participants.0.hours", "24"),
    ([{"name": "周阿姨", "hours": Decimal("1.25")}], "participants.0.hours", "一位小数"),
    ([{"name": "周阿姨", "hours": Decimal("NaN")}], "participants.0.hours", "大于 0"),
    ([{"name": "周阿姨", "hours": Decimal(1)}, {"name": "周阿姨", "hours": Decimal(2)}], "participants.1.name", "已登记"),
])
def test_participants_are_checked(s, world, members, rows, field, message):
    assert message in refused(s, field, record_activity, activity(world.community_a, DAY, rows), today=TODAY)


def test_a_member_is_listed_once_per_activity(s, world, members):
    refused(s, "participants.1.member_id", record_activity,
            activity(world.community_a, DAY, [member_part(members[0]), member_part(members[0])]), today=TODAY)


def test_an_activity_happened_while_the_company_managed_the_community(s, world, members):
    refused(s, "held_on", record_activity, activity(world.community_a, TODAY + dt.timedelta(days=1),
                                                    [volunteer("周阿姨")]), today=TODAY)
    refused(s, "held_on", record_activity, activity(world.community_moved, dt.date(2025, 6, 1),
                                                    [volunteer("周阿姨")]), today=TODAY)
    refused(s, "community_id", record_activity, activity(world.community_b, DAY, [volunteer("周阿姨")]), today=TODAY)
    refused(s, "organisation_id", record_activity,
            activity(world.community_a, DAY, [volunteer("周阿姨")], organisation_id=999_999), today=TODAY)


def test_only_in_service_members_report_in_and_claim_items(s, world, members):
    direct, in_service = members[0], members[3]
    assert "直管党员" in refused(s, "member_id", record_report,
                              {"member_id": direct, "reported_on": DAY, "claimed_items": ["楼道清洁"]}, today=TODAY)
    refused(s, "member_id", record_report, {"member_id": 999_999, "reported_on": DAY, "claimed_items": ["x"]},
            today=TODAY)
    refused(s, "reported_on", record_report, {"member_id": in_service, "reported_on": TODAY + dt.timedelta(days=1),
                                              "claimed_items": ["楼道清洁"]}, today=TODAY)
    refused(s, "claimed_items", record_report, {"member_id": in_service, "reported_on": DAY,
                                                "claimed_items": [" ", ""]}, today=TODAY)
    refused(s, "claimed_items", record_report, {"member_id": in_service, "reported_on": DAY,
                                                "claimed_items": ["长" * 51]}, today=TODAY)
    report = record_report(s, {"member_id": in_service, "reported_on": DAY,
                               "claimed_items": ["楼道清洁", " 政策宣讲 ", "楼道清洁"]}, today=TODAY)
    assert report.claimed_items == ["楼道清洁", "政策宣讲"]
    assert "已登记过报到" in refused(s, "reported_on", record_report, {
        "member_id": in_service, "reported_on": DAY, "claimed_items": ["助老"]}, today=TODAY)


def test_the_yearly_ledger_sums_each_members_hours_and_activities(s, world, members):
    in_service = members[3]
    record_report(s, {"member_id": in_service, "reported_on": dt.date(2026, 3, 1), "claimed_items": ["助老"]},
                  today=TODAY)
    for day, hours in [(dt.date(2026, 3, 5), "2"), (dt.date(2026, 7, 1), "1.5"), (dt.date(2025, 12, 20), "4")]:
        record_activity(s, activity(world.community_a, day, [member_part(in_service, hours), member_part(members[0])],
                                    kind=ActivityKind.VOLUNTEER), today=TODAY)
    ledger = {r.member.name: r for r in service_ledger(s, 2026).items}
    assert set(ledger) == {"陈静", "刘洋"}                          # in-service members by default
    assert (ledger["陈静"].activities, ledger["陈静"].hours, ledger["陈静"].claimed) == (2, Decimal("3.5"), ["助老"])
    assert (ledger["刘洋"].activities, ledger["刘洋"].hours, ledger["刘洋"].reports) == (0, Decimal("0.0"), [])
    everyone = {r.member.name: r for r in service_ledger(s, 2025, in_service_only=False, page=None).items}
    assert len(everyone) == 5 and everyone["王建国"].hours == Decimal("2.0") and everyone["陈静"].hours == 4


def test_negative_records_are_rectified_by_the_deadline_or_reported(s, world, members):
    base = {"member_id": members[0], "occurred_on": dt.date(2026, 9, 1), "description": "占用消防通道停车",
            "rectify_by": dt.date(2026, 9, 30)}
    refused(s, "occurred_on", record_negative, {**base, "occurred_on": TODAY + dt.timedelta(days=1)}, today=TODAY)
    refused(s, "rectify_by", record_negative, {**base, "rectify_by": dt.date(2026, 8, 31)}, today=TODAY)
    refused(s, "description", record_negative, {**base, "description": "  "}, today=TODAY)
    refused(s, "member_id", record_negative, {**base, "member_id": 999_999}, today=TODAY)
    late = record_negative(s, base, today=TODAY)
    fixed = record_negative(s, {**base, "description": "楼道堆放杂物"}, today=TODAY)
    waiting = record_negative(s, {**base, "description": "高空抛物", "rectify_by": dt.date(2026, 12, 15)},
                              today=TODAY)
    statuses = {r.record.id: r.record.status(TODAY) for r in list_negative(s, today=TODAY).items}
    assert statuses == {late.id: "to_report", fixed.id: "to_report", waiting.id: "pending"}
    follow_up_negative(s, s.get(NegativeRecord, fixed.id), today=TODAY, rectified_on=dt.date(2026, 9, 20))
    assert "已按期整改" in refused(s, "reported_on", follow_up_negative, s.get(NegativeRecord, fixed.id),
                                today=TODAY, reported_on=TODAY)
    record = s.get(NegativeRecord, late.id)
    refused(s, "rectified_on", follow_up_negative, record, today=TODAY)
    refused(s, "reported_on", follow_up_negative, record, today=TODAY, reported_on=dt.date(2026, 9, 30))
    refused(s, "reported_on", follow_up_negative, record, today=TODAY, reported_on=TODAY + dt.timedelta(days=1))
    refused(s, "rectified_on", follow_up_negative, record, today=TODAY, rectified_on=dt.date(2026, 8, 1))
    follow_up_negative(s, record, today=TODAY, reported_on=dt.date(2026, 10, 8))
    refused(s, "reported_on", follow_up_negative, s.get(NegativeRecord, late.id), today=TODAY, reported_on=TODAY)
    assert [r.record.id for r in list_negative(s, today=TODAY, status="to_report").items] == []
    assert {r.record.id for r in list_negative(s, today=TODAY, status="closed").items} == {late.id, fixed.id}
    assert [r.record.id for r in list_negative(s, today=TODAY, status="pending").items] == [waiting.id]
    # rectified after the deadline: still to be reported
    follow_up_negative(s, s.get(NegativeRecord, waiting.id), today=dt.date(2026, 12, 20),
                       rectified_on=dt.date(2026, 12, 18))
    assert s.get(NegativeRecord, waiting.id).status(dt.date(2026, 12, 20)) == "to_report"


def test_participation_counts_members_who_took_part_in_the_window(app, world):
    window = Window.months_ending(TODAY)
    with app.app_context():
        with tenant_scope(db.session, world.a) as s:
            ids = add_members(s, world.community_a, ["甲", "乙", "丙"]) + add_members(s, world.community_a, ["丁"],
                                                                                    direct=False)
            add_members(s, world.community_moved, ["戊"])            # A left that community before the window
            record_activity(s, activity(world.community_a, DAY, [member_part(ids[0]), member_part(ids[3])]),
                            today=TODAY)
            record_activity(s, activity(world.community_a, dt.date(2025, 11, 30), [member_part(ids[1])]),
                            today=TODAY)                            # before the window
            own = measure(s, window, ["activity_participation"])["activity_participation"]
        with tenant_scope(db.session, world.b) as s:
            b_members = add_members(s, world.community_b, ["己", "庚"])
            record_activity(s, activity(world.community_b, DAY, [member_part(b_members[0])]), today=TODAY)
        admin = world.users["bureau"][next(iter(world.users["bureau"]))]
        with tenant_scope(db.session, world.bureau, admin) as s, \
                bureau_cross_tenant_read(s, reason="测试：党员活动参与率") as reader:
            every = measure(reader, window, ["activity_participation"])["activity_participation"]
    assert own == {(world.a, world.community_a): Fraction(2, 4)}   # a community without members: missing
    assert every == {(world.a, world.community_a): Fraction(1, 2), (world.b, world.community_b): Fraction(1, 2)}
