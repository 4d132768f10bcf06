"""Cross-appointments: every rule on posts with a passing and a failing case, the indicators, the metric sources."""
import datetime as dt
import itertools
from fractions import Fraction

import pytest

from red_property.appointments.indicators import CrossAppointment, today_by_community
from red_property.appointments.models import Body
from red_property.appointments.models import PostRole as R
from red_property.appointments.services import add_years, create_person, end_post
from red_property.compliance.sources import Window, measure
from red_property.core.errors import InputError
from red_property.core.tenancy import bureau_cross_tenant_read, tenant_scope
from red_property.extensions import db
from red_property.party.models import Level
from tests.factories import register_committee
from tests.factories_party import TODAY, branch, member, person, post

OC, BRANCH, OFFICE, RC = Body.OWNERS_COMMITTEE, Body.PARTY_BRANCH, Body.PROJECT_OFFICE, Body.RESIDENTS_COMMITTEE
START = TODAY.replace(year=TODAY.year - 1)


@pytest.fixture(autouse=True)
def committee_a(app, world):
    """甲一小区's register entry has an owners' committee, so A records its members there."""
    with app.app_context():
        return register_committee(db.session, world, world.community_a, "committee-a", "甲一小区业主委员会")


@pytest.fixture
def a(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        yield s


def refused(field, fn, *args, match=None, **kwargs):
    with pytest.raises(InputError) as caught:
        fn(*args, **kwargs)
    assert caught.value.field == field, (caught.value.field, str(caught.value))
    if match:
        assert match in str(caught.value), str(caught.value)
    db.session.rollback()
    return str(caught.value)


def test_a_term_ends_after_it_starts(a, world):
    chair = person(a, world.community_a, "王主任")
    refused("term_end", post, a, chair, OC, R.CHAIR, start=START, end=START - dt.timedelta(days=1), match="晚于")
    refused("term_end", post, a, chair, OC, R.CHAIR, start=START, end=START)
    assert post(a, chair, OC, R.CHAIR, start=START, end=START + dt.timedelta(days=1)).id


@pytest.mark.parametrize("body, role", [(OC, R.CHAIR), (RC, R.DIRECTOR), (BRANCH, R.SECRETARY)])
def test_a_term_is_at_most_five_years(a, world, body, role):
    organisation = branch(a, world.community_a) if body == BRANCH else None
    who = person(a, world.community_a, "张三", party=True)
    longest = add_years(START, 5)
    message = refused("term_end", post, a, who, body, role, organisation=organisation, start=START,
                      end=longest + dt.timedelta(days=1))
    assert "最长 5 年" in message and str(longest) in message
    assert post(a, who, body, role, organisation=organisation, start=START, end=longest).id


def test_elected_bodies_need_a_term_end_and_the_project_office_does_not(a, world):
    who = person(a, world.community_a, "李四")
    from red_property.appointments.services import create_post

    data = {"person_id": who.id, "body": OC, "role": R.MEMBER, "term_start": START, "term_end": None,
            "procedure": "election", "procedure_on": START}
    refused("term_end", create_post, a, data, today=TODAY, match="届满")
    manager = post(a, who, OFFICE, R.PROJECT_MANAGER, start=START)
    assert manager.term_end is None and manager.in_office(TODAY)


def test_the_same_post_twice_over_the_same_days_is_refused(a, world):
    chair = person(a, world.community_a, "王主任")
    first = post(a, chair, OC, R.CHAIR, start=START, years=2)
    overlapping = first.term_end - dt.timedelta(days=30)
    message = refused("term_start", post, a, chair, OC, R.CHAIR, start=overlapping, years=2)
    assert "任期不能重叠" in message and str(first.term_start) in message
    # re-elected: the next term starts the day after
    assert post(a, chair, OC, R.CHAIR, start=first.term_end + dt.timedelta(days=1), years=5).id


def test_one_role_per_body_at_a_time(a, world):
    who = person(a, world.community_a, "王委员")
    post(a, who, OC, R.MEMBER, start=START)
    refused("role", post, a, who, OC, R.VICE_CHAIR, start=START + dt.timedelta(days=10), match="只能担任一个职务")
    assert post(a, who, RC, R.MEMBER, start=START).id  # another body: a cross-appointment, allowed


@pytest.mark.parametrize("body, role", [(OC, R.CHAIR), (OFFICE, R.PROJECT_MANAGER), (BRANCH, R.SECRETARY)])
def test_one_holder_posts_have_one_holder_at_a_time(a, world, body, role):
    organisation = branch(a, world.community_a) if body == BRANCH else None
    first = person(a, world.community_a, "甲", party=True)
    second = person(a, world.community_a, "乙", party=True)
    held = post(a, first, body, role, organisation=organisation, start=START)
    message = refused("role", post, a, second, body, role, organisation=organisation, start=TODAY)
    assert "同一时间只能有一位" in message and "甲" in message
    end_post(a, held, ended_on=TODAY - dt.timedelta(days=1), reason="辞职")
    assert post(a, second, body, role, organisation=organisation, start=TODAY).id


def test_two_vice_chairs_at_once_are_fine(a, world):
    for name in ("甲", "乙"):
        post(a, person(a, world.community_a, name), OC, R.VICE_CHAIR, start=START)


def test_a_part_time_branch_member_holds_a_post_in_another_body(a, world):
    organisation = branch(a, world.community_a)
    manager = person(a, world.community_a, "项目经理", party=True)
    message = refused("role", post, a, manager, BRANCH, R.PART_TIME_MEMBER, organisation=organisation, start=TODAY)
    assert "兼职委员" in message
    post(a, manager, OFFICE, R.PROJECT_MANAGER, start=START)
    assert post(a, manager, BRANCH, R.PART_TIME_MEMBER, organisation=organisation, start=TODAY).id


def test_roles_procedures_and_dates_must_fit_the_body(a, world):
    from red_property.appointments.services import create_post

    who = person(a, world.community_a, "赵六")
    base = {"person_id": who.id, "body": OC, "role": R.MEMBER, "term_start": START,
            "term_end": add_years(START, 3), "procedure": "election", "procedure_on": START}
    refused("role", create_post, a, {**base, "role": R.PROJECT_MANAGER}, today=TODAY, match="业主委员会的职务只有")
    refused("procedure", create_post, a, {**base, "procedure": "appointment"}, today=TODAY, match="选举")
    refused("procedure", create_post, a, {**base, "body": OFFICE, "role": R.STAFF, "term_end": None}, today=TODAY)
    refused("procedure_on", create_post, a, {**base, "procedure_on": START + dt.timedelta(days=1)}, today=TODAY)
    refused("organisation_id", create_post, a, {**base, "organisation_id": 1}, today=TODAY)
    refused("person_id", create_post, a, {**base, "person_id": 999_999}, today=TODAY)
    assert create_post(a, base, today=TODAY).id


def test_a_branch_seat_needs_a_formal_member_and_a_branch_covering_the_community(a, world):
    from red_property.appointments.services import create_post

    own = branch(a, world.community_a)
    other = branch(a, world.community_a2, name="甲二小区党支部")
    group = create_organisation_group(a, world, own)
    outsider = person(a, world.community_a, "非党员")
    probationary = person(a, world.community_a, "预备", party=True, formal=False)
    formal = person(a, world.community_a, "正式", party=True)
    refused("person_id", post, a, outsider, BRANCH, R.COMMITTEE_MEMBER, organisation=own, match="关联到党员名册")
    refused("person_id", post, a, probationary, BRANCH, R.COMMITTEE_MEMBER, organisation=own, match="预备党员")
    refused("organisation_id", post, a, formal, BRANCH, R.COMMITTEE_MEMBER, organisation=other, match="不覆盖")
    refused("organisation_id", post, a, formal, BRANCH, R.COMMITTEE_MEMBER, organisation=group)
    data = {"person_id": formal.id, "body": BRANCH, "role": R.COMMITTEE_MEMBER, "term_start": START,
            "term_end": add_years(START, 3), "procedure": "election", "procedure_on": START}
    refused("organisation_id", create_post, a, data, today=TODAY)
    assert post(a, formal, BRANCH, R.COMMITTEE_MEMBER, organisation=own).id


def create_organisation_group(s, world, parent):
    from sqlalchemy import select

    from red_property.communities.models import Building
    from red_property.party.services import create_organisation

    building = s.scalar(select(Building.id).where(Building.community_id == world.community_a))
    return create_organisation(s, name="1栋党小组", level=Level.GROUP, community_ids=[world.community_a],
                               parent_id=parent.id, building_id=building, today=TODAY)


def test_people_belong_to_managed_communities_and_link_the_roll_once(app, a, world):
    refused("community_id", create_person, a, {"community_id": world.community_moved, "name": "甲"}, today=TODAY)
    refused("name", create_person, a, {"community_id": world.community_a, "name": "  "}, today=TODAY)
    roll = member(a, world.community_a, "王党员")
    create_person(a, {"community_id": world.community_a, "name": "王党员", "party_member_id": roll.id}, today=TODAY)
    refused("party_member_id", create_person, a, {"community_id": world.community_a, "name": "王",
                                                  "party_member_id": roll.id}, today=TODAY, match="已登记")
    with tenant_scope(db.session, world.b) as b:
        b_member = member(b, world.community_b, "乙党员").id
    with tenant_scope(db.session, world.a) as s:
        refused("party_member_id", create_person, s, {"community_id": world.community_a, "name": "乙",
                                                      "party_member_id": b_member}, today=TODAY)


def test_ending_a_term(a, world):
    held = post(a, person(a, world.community_a, "王"), OC, R.MEMBER, start=START, years=3)
    refused("ended_on", end_post, a, held, ended_on=START - dt.timedelta(days=1), reason="辞职")
    refused("ended_on", end_post, a, held, ended_on=held.term_end + dt.timedelta(days=1), reason="辞职", match="届满")
    refused("reason", end_post, a, held, ended_on=TODAY, reason=" ")
    end_post(a, held, ended_on=TODAY, reason="辞职")
    assert held.in_office(TODAY) and not held.in_office(TODAY + dt.timedelta(days=1))
    refused("ended_on", end_post, a, held, ended_on=TODAY, reason="再次", match="已于")


def committee(s, community, party: int, others: int, *, chair_party=True):
    """An owners' committee in office: ``party`` members on the roll, ``others`` not; the chair first."""
    people = [person(s, community, f"党员{i}", party=True) for i in range(party)]
    people += [person(s, community, f"群众{i}") for i in range(others)]
    if not chair_party:
        people.reverse()
    for n, who in enumerate(people):
        post(s, who, OC, R.CHAIR if n == 0 else R.MEMBER, start=START)
    return people


def test_indicators_say_each_shortfall_in_plain_words(a, world):
    found = today_by_community(a, TODAY)
    assert set(found) == {world.community_a, world.community_a2}
    bare = found[world.community_a]
    assert [c.met for c in bare.checks()] == [None, None, False] and bare.score == 0
    assert "没有登记在任的项目经理" in bare.checks()[2].message
    people = committee(a, world.community_a, 1, 2)
    indicators = today_by_community(a, TODAY, [world.community_a])[world.community_a]
    share, bridge, manager = indicators.checks()
    assert indicators.party_share == Fraction(1, 3) and share.met is False and "还需 1 名党员" in share.message
    assert bridge.met is False and manager.met is False
    organisation = branch(a, world.community_a)
    post(a, people[0], BRANCH, R.SECRETARY, organisation=organisation)   # the chair is the secretary
    pm = person(a, world.community_a, "项目经理", party=True)
    post(a, pm, OFFICE, R.PROJECT_MANAGER, start=START)
    indicators = today_by_community(a, TODAY, [world.community_a])[world.community_a]
    assert [c.met for c in indicators.checks()] == [False, True, False]
    assert "担任业委会主任" in indicators.checks()[1].message and indicators.score == Fraction(1, 3)
    post(a, pm, BRANCH, R.PART_TIME_MEMBER, organisation=organisation)
    post(a, person(a, world.community_a, "新党员", party=True), OC, R.MEMBER, start=START)
    indicators = today_by_community(a, TODAY, [world.community_a])[world.community_a]
    assert indicators.party_share == Fraction(2, 4) and indicators.score == 1


def test_a_project_manager_who_is_not_a_party_member_is_not_counted(a, world):
    post(a, person(a, world.community_a2, "非党员经理"), OFFICE, R.PROJECT_MANAGER, start=START)
    indicators = today_by_community(a, TODAY, [world.community_a2])[world.community_a2]
    assert indicators.checks()[2].met is None and indicators.score is None


def test_metric_sources_in_the_companys_scope_and_through_the_bureaus_audited_read(app, world, count_queries):
    window = Window.months_ending(TODAY)
    with app.app_context():
        register_committee(db.session, world, world.community_b, "committee-b", "乙一小区业主委员会")
        with tenant_scope(db.session, world.a) as s:
            committee(s, world.community_a, 2, 3)
            post(s, person(s, world.community_a2, "非党员经理"), OFFICE, R.PROJECT_MANAGER, start=START)
        with tenant_scope(db.session, world.b) as s:
            committee(s, world.community_b, 2, 1)
            post(s, person(s, world.community_b, "乙经理", party=True), OFFICE, R.PROJECT_MANAGER, start=START)
        with tenant_scope(db.session, world.a) as s, count_queries() as q:
            own = measure(s, window, ["committee_party_share", "cross_appointment"])
        assert q.count == 1  # both read the same statement, once
        assert own["committee_party_share"] == {(world.a, world.community_a): Fraction(2, 5)}
        # community_a: share unmet, no branch member on it, no manager; community_a2: nothing applies (missing)
        assert own["cross_appointment"] == {(world.a, world.community_a): Fraction(0)}
        with tenant_scope(db.session, world.bureau) as s:
            with bureau_cross_tenant_read(s, reason="测试") as reader:
                every = measure(reader, window, ["committee_party_share", "cross_appointment"])
        assert every["committee_party_share"] == {(world.a, world.community_a): Fraction(2, 5),
                                                  (world.b, world.community_b): Fraction(2, 3)}
        cross = every["cross_appointment"]
        assert cross[(world.a, world.community_a)] == 0
        assert cross[(world.b, world.community_b)] == Fraction(1, 3)     # share met; no bridge; manager not on branch
        assert cross[(world.b, world.community_x)] == 0                  # B keeps no records there: no manager
        assert (world.a, world.community_a2) not in cross
        # A managed community_moved until 2024: not in this window at all
        assert not any(pair[1] == world.community_moved and pair[0] == world.a for pair in cross)


def test_posts_count_as_of_the_last_day_the_company_managed_the_community(app, world):
    """A handed over community_moved at the end of 2024 and never recorded the committee's end: its
    records are read as they stood on the contract's last day, not at the window's end."""
    from red_property.appointments.models import Person, Post, Procedure

    with app.app_context(), tenant_scope(db.session, world.a) as s:
        for n in range(2):
            roll = member_row(s, world.community_moved, f"党员{n}")
            who = Person(community_id=world.community_moved, name=f"党员{n}", party_member_id=roll)
            s.add(who)
            s.flush()
            s.add(Post(person_id=who.id, body=OC, role=R.MEMBER, term_start=dt.date(2021, 1, 1),
                       term_end=dt.date(2025, 12, 31), procedure=Procedure.ELECTION, procedure_on=dt.date(2021, 1, 1)))
        s.commit()
        spanning = Window(dt.date(2024, 6, 1), TODAY)
        assert measure(s, spanning, ["committee_party_share"])["committee_party_share"] == {
            (world.a, world.community_moved): 1}
        after = Window(dt.date(2025, 1, 1), TODAY)
        assert measure(s, after, ["committee_party_share"])["committee_party_share"] == {}


def member_row(s, community, name):
    from red_property.party.models import PartyMember

    row = PartyMember(name=name, community_id=community)
    s.add(row)
    s.flush()
    return row.id


def test_no_committee_posts_where_the_register_has_no_committee(a, world):
    """The public page says 甲二小区 has no owners' committee (its register entry has none): no member is recorded."""
    who = person(a, world.community_a2, "王主任")
    message = refused("body", post, a, who, OC, R.CHAIR, start=START)
    assert "登记簿" in message and "住建局" in message
    assert post(a, who, RC, R.DIRECTOR, start=START).id     # the other bodies are not the register's


def test_score_is_the_share_of_the_checks_met_for_every_combination():
    """``score`` reads the three verdicts without wording the messages; it must agree with
    ``checks`` for every combination of counts and flags a community can have."""
    seen = set()
    for members, party, *flags in itertools.product(range(4), range(4), *[(False, True)] * 5):
        if party > members:
            continue
        indicators = CrossAppointment(members, party, *flags)
        met = [check.met for check in indicators.checks() if check.met is not None]
        expected = Fraction(sum(met), len(met)) if met else None
        assert indicators.score == expected, indicators
        seen.add(expected)
    assert seen == {None, 0, Fraction(1, 3), Fraction(1, 2), Fraction(2, 3), 1}
