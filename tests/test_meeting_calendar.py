"""The meeting calendar and the meeting_cadence metric: met, missed, not managed, partial months."""
import datetime as dt
from fractions import Fraction

import pytest

from red_property.compliance.sources import Window, measure
from red_property.core import clock
from red_property.core.tenancy import bureau_cross_tenant_read, tenant_scope
from red_property.extensions import db
from red_property.meetings.calendar import meeting_calendar
from red_property.meetings.models import AttendeeParty, MeetingKind
from red_property.meetings.services import log_meeting
from tests.factories import make_community, make_contract
from tests.factories_meetings import meeting

TODAY = dt.date(2026, 11, 25)
WINDOW = Window.months_ending(TODAY)          # 2025-12-01 .. 2026-11-25
MONTHS = [f"{y}-{m:02d}" for y, m in WINDOW.months()]
NO_COMMITTEE = (AttendeeParty.BRANCH, AttendeeParty.COMPANY)


@pytest.fixture
def towns(app, world):
    """Company A's communities with contracts that start, end and begin inside the window, and meetings."""
    ids = {"a": world.community_a, "a2": world.community_a2}
    with app.app_context():
        with tenant_scope(db.session, world.bureau) as s:
            ids["new"] = make_community(s, "新接小区")        # taken over mid-June
            ids["left"] = make_community(s, "撤出小区")       # handed over mid-March
            ids["recent"] = make_community(s, "刚接小区")     # taken over this month
            make_contract(s, ids["new"], world.a, dt.date(2026, 6, 15))
            make_contract(s, ids["left"], world.a, dt.date(2020, 1, 1), dt.date(2026, 3, 10))
            make_contract(s, ids["recent"], world.a, dt.date(2026, 11, 10))
            s.commit()
        with tenant_scope(db.session, world.a) as s:
            for community, day, kind, parties in [
                    ("a", dt.date(2025, 12, 5), MeetingKind.MONTHLY, None),
                    ("a", dt.date(2026, 1, 9), MeetingKind.MONTHLY, None),
                    ("a", dt.date(2026, 2, 6), MeetingKind.MONTHLY, NO_COMMITTEE),   # incomplete
                    ("a", dt.date(2026, 3, 6), MeetingKind.MONTHLY, None),
                    ("a", dt.date(2026, 4, 17), MeetingKind.AD_HOC, None),           # ad hoc only: missed
                    ("a", dt.date(2026, 11, 20), MeetingKind.MONTHLY, None),         # this month: met
                    ("new", dt.date(2026, 6, 20), MeetingKind.MONTHLY, None),        # partial month, held
                    ("new", dt.date(2026, 8, 14), MeetingKind.MONTHLY, None),
                    ("left", dt.date(2026, 1, 16), MeetingKind.MONTHLY, None)]:
                body = meeting(ids[community], day, kind=kind, **({"parties": parties} if parties else {}))
                log_meeting(s, body, today=TODAY)
        with tenant_scope(db.session, world.b) as s:
            log_meeting(s, meeting(world.community_b, dt.date(2026, 10, 9)), today=TODAY)
    return ids


def statuses(row) -> dict[str, str]:
    return {c.label: c.status for c in row.cells}


def test_each_month_is_met_missed_partial_or_not_managed(app, world, towns):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        page = meeting_calendar(s, today=TODAY)
    rows = {r.community_id: r for r in page.rows}
    assert [f"{y}-{m:02d}" for y, m in page.months] == MONTHS
    # 易主小区 left company A before the window: not in A's calendar at all
    assert set(rows) == {towns[k] for k in ("a", "a2", "new", "left", "recent")}
    a = statuses(rows[towns["a"]])
    assert (a["2025-12"], a["2026-01"], a["2026-02"], a["2026-03"], a["2026-04"], a["2026-05"], a["2026-11"]) == (
        "met", "met", "incomplete", "met", "missed", "missed", "met")
    assert [m.kind for m in rows[towns["a"]].cells[4].meetings] == [MeetingKind.AD_HOC]   # linked, not counted
    new = statuses(rows[towns["new"]])
    assert [new[m] for m in MONTHS] == ["not_managed"] * 6 + ["met", "missed", "met", "missed", "missed", "due"]
    left = statuses(rows[towns["left"]])
    assert [left[m] for m in MONTHS] == ["missed", "met", "missed", "partial"] + ["not_managed"] * 8
    assert statuses(rows[towns["recent"]])["2026-11"] == "due"
    assert (rows[towns["a"]].met, rows[towns["a"]].required) == (4, 12)
    assert (rows[towns["new"]].met, rows[towns["new"]].required) == (2, 5)
    assert (rows[towns["left"]].met, rows[towns["left"]].required) == (1, 3)
    assert rows[towns["recent"]].cadence is None


def test_the_cadence_metric_agrees_with_the_calendar_in_the_companys_scope(app, world, towns):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        values = measure(s, WINDOW, ["meeting_cadence"])["meeting_cadence"]
        rows = meeting_calendar(s, today=TODAY).rows
    assert values == {(world.a, r.community_id): r.cadence for r in rows}
    assert values[(world.a, towns["a"])] == Fraction(1, 3)
    assert values[(world.a, towns["a2"])] == 0                 # managed all year, never met: a real zero
    assert values[(world.a, towns["recent"])] is None          # nothing required yet: missing, not zero
    assert all(company == world.a for company, _ in values)    # only its own records


def test_the_bureau_reads_every_companys_cadence_through_the_audited_path(app, world, towns):
    with app.app_context(), tenant_scope(db.session, world.bureau, world.users["bureau"][next(iter(world.users["bureau"]))]) as s:
        with bureau_cross_tenant_read(s, reason="测试：联席会议按月召开率") as reader:
            values = measure(reader, WINDOW, ["meeting_cadence"])["meeting_cadence"]
    assert values[(world.a, towns["new"])] == Fraction(2, 5)
    assert values[(world.b, world.community_b)] == Fraction(1, 11)
    assert values[(world.b, world.community_moved)] == 0       # B since 2025-01: all eleven months required
    assert (world.a, world.community_moved) not in values      # A left before the window


def test_a_window_ending_mid_month_does_not_require_that_month(app, world, towns):
    window = Window(dt.date(2026, 1, 1), dt.date(2026, 4, 20))
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        values = measure(s, window, ["meeting_cadence"])["meeting_cadence"]
    # January, February (incomplete), March required; April not over and only ad hoc: not counted
    assert values[(world.a, towns["a"])] == Fraction(2, 3)


def test_the_calendar_grid_costs_the_same_queries_for_more_communities(app, world, towns, api, count_queries):
    token = api.token("a-staff@test.cn")
    with count_queries() as few:
        assert api.get("/api/v1/meetings/calendar", token).status_code == 200
    with app.app_context():
        with tenant_scope(db.session, world.bureau) as s:
            extra = [make_community(s, f"加测小区{n}") for n in range(12)]
            for community in extra:
                make_contract(s, community, world.a, dt.date(2024, 1, 1))
            s.commit()
        with tenant_scope(db.session, world.a) as s:
            for community in extra:
                log_meeting(s, meeting(community, dt.date(2026, 9, 3)), today=clock.today())
    with count_queries() as many:
        body = api.get("/api/v1/meetings/calendar", token).get_json()
    assert body["total"] == 17 and many.count == few.count


def test_a_month_not_over_yet_is_never_required(app, world, towns):
    """A dashboard's trend measures the current month as a whole-month window reaching past today."""
    today = clock.today()
    this_month = Window.month(today.year, today.month)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        values = measure(s, this_month, ["meeting_cadence"])["meeting_cadence"]
    assert values[(world.a, world.community_a2)] is None     # no meeting yet this month: not a miss
