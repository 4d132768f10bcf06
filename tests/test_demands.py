"""Demands: every rule of intake, routing, time limits, closing and rating, at its bounds."""
import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from red_property.communities.models import Building, Household
from red_property.core.errors import InputError
from red_property.core.tenancy import tenant_scope
from red_property.demands import services
from red_property.core.fields import mask_phone
from red_property.demands.intake import submit_public_demand
from red_property.demands.limits import effective_limits, set_time_limits
from red_property.demands.models import (Category, Demand, DemandEvent, EventKind, Route, Source, Status,
                                         TimeLimit)
from red_property.extensions import db
from tests.factories_demands import NOW, demand, resolved

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def a(app, world):
    """Company A's scope, as its staff member."""
    with app.app_context(), tenant_scope(db.session, world.a, world.users["a"][next(iter(world.users["a"]))]) as s:
        yield s


def field_of(excinfo) -> str:
    return excinfo.value.field


def test_due_time_follows_the_category_limit_and_the_bound_is_on_time(a, world):
    urgent = demand(a, world.community_a, category="urgent_repair")
    assert urgent.due_at == NOW + 24 * HOUR
    assert demand(a, world.community_a, category="dispute").due_at == NOW + 360 * HOUR
    assert services.flag_overdue(a, now=urgent.due_at) == 0                      # at the bound: not overdue yet
    services.route_demand(a, urgent, route="service", handler="水电班", now=NOW)
    services.close_demand(a, urgent, resolved=True, resolution="已修复爆裂水管", now=urgent.due_at)
    assert urgent.overdue_at is None                                               # closed at the bound: on time
    late = demand(a, world.community_a, category="urgent_repair")
    assert services.flag_overdue(a, now=late.due_at + dt.timedelta(seconds=1)) == 1
    assert late.status == Status.RECEIVED and a.get(Demand, late.id).overdue_at is not None


def test_closing_after_the_due_time_flags_the_demand(a, world):
    d = demand(a, world.community_a, category="elevator")
    services.route_demand(a, d, route="service", handler="电梯维保公司", now=NOW)
    services.close_demand(a, d, resolved=True, resolution="更换门机板", now=d.due_at + HOUR)
    assert d.overdue_at == d.due_at + HOUR
    kinds = [e.kind for e in a.scalars(select(DemandEvent).where(DemandEvent.demand_id == d.id))]
    assert kinds.count(EventKind.OVERDUE) == 1


def test_company_limits_apply_to_demands_received_afterwards(a, world):
    before = demand(a, world.community_a, category="repair")
    limits = set_time_limits(a, {Category.REPAIR: 48, Category.GREENING: 168})
    assert limits[Category.REPAIR] == 48 and limits[Category.GREENING] == 168
    assert a.scalars(select(TimeLimit.category)).all() == [Category.REPAIR]  # a default is not stored
    after = demand(a, world.community_a, category="repair")
    assert (before.due_at - NOW, after.due_at - NOW) == (72 * HOUR, 48 * HOUR)
    for bad in (0, 721, 1.5, True, "24"):
        with pytest.raises(InputError) as exc:
            set_time_limits(a, {Category.REPAIR: bad})
        assert field_of(exc) == "repair"
    assert set_time_limits(a, {Category.REPAIR: 1, Category.NOISE: 720})[Category.NOISE] == 720
    set_time_limits(a, {Category.REPAIR: 72})
    assert effective_limits(a)[Category.REPAIR] == 72
    assert Category.REPAIR not in a.scalars(select(TimeLimit.category)).all()


def test_limits_are_each_companys_own(app, world):
    with app.app_context():
        with tenant_scope(db.session, world.a) as a:
            set_time_limits(a, {Category.REPAIR: 12})
        with tenant_scope(db.session, world.b) as b:
            assert effective_limits(b)[Category.REPAIR] == 72


def test_another_route_than_the_default_needs_a_reason(a, world):
    d = demand(a, world.community_a, category="parking")
    with pytest.raises(InputError) as exc:
        services.route_demand(a, d, route="enforcement", handler="综合执法站", now=NOW)
    assert field_of(exc) == "reason" and "管理解决" in str(exc.value)
    with pytest.raises(InputError) as exc:
        services.route_demand(a, d, route="enforcement", handler="综合执法站", reason="占", now=NOW)
    assert field_of(exc) == "reason"  # too short to be a reason
    services.route_demand(a, d, route="enforcement", handler="春熙路综合执法站", reason="车辆长期占用消防通道", now=NOW)
    assert (d.route, d.route_reason, d.status) == (Route.ENFORCEMENT, "车辆长期占用消防通道", Status.IN_PROGRESS)
    services.route_demand(a, d, route="management", handler="秩序维护部", now=NOW)  # back to the default: no reason
    assert d.route_reason is None
    with pytest.raises(InputError) as exc:
        services.route_demand(a, d, route="management", handler=" ", now=NOW)
    assert field_of(exc) == "handler"
    with pytest.raises(InputError) as exc:
        services.route_demand(a, d, route="court", handler="法院", now=NOW)
    assert field_of(exc) == "route"


def test_correcting_the_category_moves_the_due_time_and_the_default_route(a, world):
    d = demand(a, world.community_a, category="other", source="walk_in")
    services.route_demand(a, d, route="enforcement", handler="综合执法站", category="violation", now=NOW)
    assert (d.category, d.due_at, d.route_reason) == (Category.VIOLATION, NOW + 360 * HOUR, None)
    routed = a.scalars(select(DemandEvent).where(DemandEvent.kind == EventKind.ROUTED)).one()
    assert (routed.category, routed.route) == (Category.VIOLATION, Route.ENFORCEMENT)


def test_transitions_that_are_not_allowed(a, world):
    d = demand(a, world.community_a)
    with pytest.raises(InputError, match="先分流"):
        services.close_demand(a, d, resolved=True, resolution="已处理完毕", now=NOW)
    with pytest.raises(InputError, match="办理中"):
        services.add_progress(a, d, "已联系住户", now=NOW)
    with pytest.raises(InputError, match="办结后"):
        services.inform_resident(a, d, now=NOW)
    with pytest.raises(InputError, match="邻里纠纷"):
        services.record_mediation(a, d, held_on=NOW.date(), mediator="李书记", parties="甲乙两户", agreed=True,
                                  summary="调解完成", now=NOW)
    services.close_demand(a, d, resolved=False, resolution="属于市政管网，已转自来水公司", now=NOW)  # before routing
    assert (d.status, d.closed_at) == (Status.UNRESOLVED, NOW)
    for step in (lambda: services.route_demand(a, d, route="service", handler="工程部", now=NOW),
                 lambda: services.close_demand(a, d, resolved=False, resolution="再次办结", now=NOW),
                 lambda: services.add_progress(a, d, "继续跟进", now=NOW)):
        with pytest.raises(InputError):
            step()
    with pytest.raises(InputError) as exc:
        services.close_demand(a, demand(a, world.community_a), resolved=False, resolution="否", now=NOW)
    assert field_of(exc) == "resolution"


def test_a_dispute_is_resolved_only_after_an_agreed_mediation(a, world):
    d = demand(a, world.community_a, category="dispute", description="楼上住户漏水殃及楼下，双方协商不成")
    services.route_demand(a, d, route="management", handler="小区党支部调解室", now=NOW)
    services.record_mediation(a, d, held_on=NOW.date(), mediator="李书记", parties="1201 与 1101 住户", agreed=False,
                              summary="双方对赔偿金额分歧较大", now=NOW)
    with pytest.raises(InputError, match="调解"):
        services.close_demand(a, d, resolved=True, resolution="已调解", now=NOW + HOUR)
    for held_on in (NOW.date() - dt.timedelta(days=1), NOW.date() + dt.timedelta(days=1)):
        with pytest.raises(InputError) as exc:
            services.record_mediation(a, d, held_on=held_on, mediator="李书记", parties="两户", agreed=True,
                                      summary="再次调解", now=NOW)
        assert field_of(exc) == "held_on"
    services.record_mediation(a, d, held_on=NOW.date(), mediator="李书记", parties="1201 与 1101 住户", agreed=True,
                              summary="楼上住户承担维修费用", now=NOW + HOUR)
    services.close_demand(a, d, resolved=True, resolution="按调解协议维修完毕", now=NOW + 2 * HOUR)
    assert d.status == Status.RESOLVED


def test_rating_only_after_closing_once_and_within_one_to_five(a, world):
    d = demand(a, world.community_a)
    with pytest.raises(InputError, match="办结后"):
        services.rate_demand(a, d, 5, now=NOW)
    services.route_demand(a, d, route="service", handler="工程部", now=NOW)
    with pytest.raises(InputError, match="办结后"):
        services.rate_demand(a, d, 5, now=NOW)
    services.close_demand(a, d, resolved=True, resolution="已更换灯具", now=NOW + HOUR)
    for bad in (0, 6, True, 4.5, "5"):
        with pytest.raises(InputError) as exc:
            services.rate_demand(a, d, bad, now=NOW + 2 * HOUR)
        assert field_of(exc) == "rating"
    services.rate_demand(a, d, 4, "师傅很负责", now=NOW + 2 * HOUR)
    assert (d.rating, d.rating_comment, d.informed_at) == (4, "师傅很负责", NOW + 2 * HOUR)  # rating implies told
    with pytest.raises(InputError, match="只能评价一次"):
        services.rate_demand(a, d, 5, now=NOW + 3 * HOUR)


def test_informing_the_resident_once_between_closing_and_now(a, world):
    d = resolved(a, world.community_a)
    closed = d.closed_at
    for when in (closed - dt.timedelta(minutes=1), closed + dt.timedelta(days=30)):
        with pytest.raises(InputError) as exc:
            services.inform_resident(a, d, when, now=closed + HOUR)
        assert field_of(exc) == "informed_at"
    services.inform_resident(a, d, closed, now=closed + HOUR)
    with pytest.raises(InputError, match="已记录"):
        services.inform_resident(a, d, now=closed + HOUR)


def test_a_concurrent_change_is_refused_not_overwritten(a, world):
    d = resolved(a, world.community_a)
    assert d.status == Status.RESOLVED  # this session's copy, loaded now
    table = Demand.__table__
    with db.engine.begin() as other:  # someone else rates it meanwhile, in their own transaction
        if other.dialect.name == "postgresql":
            other.exec_driver_sql("SELECT set_config('app.current_tenant', %s, true)", (str(world.a),))
        other.execute(update(table).where(table.c.id == d.id).values(rating=5, version=table.c.version + 1))
    with pytest.raises(InputError) as exc:
        services.rate_demand(a, d, 1, now=NOW + 9 * HOUR)
    assert field_of(exc) == "status"
    assert a.get(Demand, d.id).rating == 5


def test_every_status_change_is_in_the_history_with_who_and_when(a, world):
    d = resolved(a, world.community_a, rating=5)
    events = a.scalars(select(DemandEvent).where(DemandEvent.demand_id == d.id).order_by(DemandEvent.id)).all()
    assert [e.kind for e in events] == [EventKind.RECEIVED, EventKind.ROUTED, EventKind.RESOLVED, EventKind.RATED]
    assert [(e.from_status, e.to_status) for e in events[:3]] == [
        (None, Status.RECEIVED), (Status.RECEIVED, Status.IN_PROGRESS), (Status.IN_PROGRESS, Status.RESOLVED)]
    assert {e.actor_id for e in events} == {world.users["a"][next(iter(world.users["a"]))]}
    assert events[0].at == NOW and events[-1].note == "5 星"


def test_staff_intake_checks(a, world):
    building = a.scalars(select(Building.id).where(Building.community_id == world.community_a)).first()
    household = a.scalars(select(Household.id).where(Household.building_id == building)).first()
    cases = [
        (dict(source="hotline"), "hotline_ticket"),                                 # a hotline demand has a ticket
        (dict(source="hotline", hotline_ticket="12 34"), "hotline_ticket"),
        (dict(source="phone", hotline_ticket="2026102000017"), "hotline_ticket"),   # only hotline demands do
        (dict(source="public_page"), "source"),                                     # the public page's own
        (dict(source="fax"), "source"),
        (dict(category="ufo"), "category"),
        (dict(community_id=world.community_b), "community_id"),                     # another company's
        (dict(community_id=world.community_moved, at=dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)),
         "community_id"),                                                           # A no longer managed it
        (dict(description="灯坏"), "description"),
        (dict(description="楼道\x00灯不亮了"), "description"),
        (dict(contact_phone="12345"), "contact_phone"),
        (dict(contact_name="王" * 51), "contact_name"),
        (dict(building_id=building, community_id=world.community_a2), "building_id"),
        (dict(household_id=household, community_id=world.community_a2), "household_id"),
        (dict(building_id=10**9), "building_id"),
    ]
    for kwargs, field in cases:
        with pytest.raises(InputError) as exc:
            demand(a, kwargs.pop("community_id", world.community_a), **kwargs)
        assert field_of(exc) == field, kwargs
    with pytest.raises(InputError) as exc:
        services_create(a, world, received_at=NOW + dt.timedelta(minutes=10), now=NOW)
    assert field_of(exc) == "received_at"
    with pytest.raises(InputError) as exc:
        services_create(a, world, received_at=NOW - dt.timedelta(days=367), now=NOW)
    assert field_of(exc) == "received_at"
    ok = demand(a, world.community_a, source="hotline", hotline_ticket="2026102000017", household_id=household,
                contact_phone="138 1234 5678")
    assert (ok.building_id, ok.contact_phone) == (building, "13812345678")
    with pytest.raises(InputError, match=f"#{ok.id}"):
        demand(a, world.community_a, source="hotline", hotline_ticket="2026102000017")
    naive = services_create(a, world, received_at=dt.datetime(2026, 10, 20, 9, 30), now=NOW)  # noqa: DTZ001
    assert naive.received_at == dt.datetime(2026, 10, 20, 1, 30, tzinfo=dt.timezone.utc)  # read as Beijing time


def services_create(s, world, **kwargs):
    from red_property.demands.intake import create_demand

    return create_demand(s, community_id=world.community_a, source="walk_in", category="noise",
                         description="夜间广场舞音响声音过大", **kwargs)


def test_public_intake_checks_everything_a_stranger_can_send(a, world):
    good = dict(category="sanitation", description="2栋门口的垃圾桶已经三天没有清运了", contact_phone="028-85551234")
    made = submit_public_demand(a, world.community_a, **good, now=NOW)
    assert (made.source, made.received_at, made.due_at) == (Source.PUBLIC_PAGE, NOW, NOW + 48 * HOUR)
    assert submit_public_demand(a, world.community_a, **{**good, "contact_phone": "13912345678",
                                                         "contact_name": None, "location": None}).id
    bad = [
        ({"community_id": world.community_b}, "community_id"),
        ({"community_id": world.community_none}, "community_id"),
        ({"community_id": "1"}, "community_id"),
        ({"category": "Repair"}, "category"),
        ({"category": None}, "category"),
        ({"description": "垃圾没清"}, "description"),               # under ten characters
        ({"description": "垃" * 1001}, "description"),
        ({"description": ["垃圾桶三天没有清运了啊啊"]}, "description"),
        ({"description": "垃圾桶三天没有清运\x1b[31m了"}, "description"),
        ({"contact_phone": None}, "contact_phone"),                 # how the resident hears back
        ({"contact_phone": "1381234567"}, "contact_phone"),
        ({"contact_phone": "23812345678"}, "contact_phone"),
        ({"contact_phone": "138123456789"}, "contact_phone"),
        ({"contact_phone": "tel:13812345678"}, "contact_phone"),
        ({"contact_name": "张" * 51}, "contact_name"),
        ({"location": "3栋" * 51}, "location"),
    ]
    for change, field in bad:
        args = {**good, **change}
        community = args.pop("community_id", world.community_a)
        with pytest.raises(InputError) as exc:
            submit_public_demand(a, community, **args, now=NOW)
        assert field_of(exc) == field, change
    last = a.scalar(select(Demand.id).where(Demand.source == Source.PUBLIC_PAGE).order_by(Demand.id.desc()))
    assert last == made.id + 1  # none of the bad ones was saved


def test_phones_are_masked_for_lists():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("028-85551234") == "028*****1234"
    assert (mask_phone(None), mask_phone("1234567")) == ("", "*******")


def test_one_overdue_line_per_demand_is_enforced_by_the_database(a, world):
    d = demand(a, world.community_a, category="urgent_repair")
    assert services.flag_overdue(a, now=NOW + 25 * HOUR) == 1
    assert services.flag_overdue(a, now=NOW + 26 * HOUR) == 0                       # idempotent
    a.add(DemandEvent(demand_id=d.id, kind=EventKind.OVERDUE, at=NOW))
    with pytest.raises(IntegrityError):
        a.flush()
    a.rollback()


def test_the_overdue_check_leaves_closed_and_other_companies_demands_alone(app, world):
    with app.app_context():
        with tenant_scope(db.session, world.a) as a:
            ids = [demand(a, world.community_a, category="urgent_repair").id,
                   resolved(a, world.community_a, category="urgent_repair").id]
        with tenant_scope(db.session, world.b) as b:
            open_b = demand(b, world.community_b, category="urgent_repair").id
            assert services.flag_overdue(b, now=NOW + 48 * HOUR) == 1
            assert b.get(Demand, open_b).overdue_at == NOW + 48 * HOUR
        with tenant_scope(db.session, world.a) as a:
            assert [a.get(Demand, i).overdue_at for i in ids] == [None, None]
