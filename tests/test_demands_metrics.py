"""Demand metrics: one query each, the same in a company's scope and in the bureau's cross-tenant read."""
import datetime as dt
from fractions import Fraction

from sqlalchemy import select

from red_property.compliance.sources import SOURCES, Window, load_sources, measure, value_for
from red_property.core.tenancy import bureau_cross_tenant_read, tenant_scope
from red_property.demands import services
from red_property.extensions import db
from tests.conftest import run_worker
from tests.factories_demands import UTC, demand, resolved
from tests.factories_rating import AS_OF, bureau_admin, rating_inputs

METRICS = ["demands_on_time", "demands_resolved", "demand_satisfaction"]
JUNE = dt.datetime(2026, 6, 10, 2, 0, tzinfo=UTC)
WINDOW = Window.months_ending(AS_OF)   # 2025-11-01 .. 2026-10-31


def _records(world):
    """A: community A resolved twice on time (5 and 4 stars), once late (1 star), once closed unresolved;
    community A2 one resolved on time, unrated.  B: one on time (3 stars), one still open past due."""
    with tenant_scope(db.session, world.a) as s:
        resolved(s, world.community_a, at=JUNE, rating=5)
        resolved(s, world.community_a, at=JUNE, category="dispute", after=dt.timedelta(days=3), rating=4)
        resolved(s, world.community_a, at=JUNE, category="urgent_repair", after=dt.timedelta(hours=30), rating=1)
        services.close_demand(s, demand(s, world.community_a, at=JUNE), resolved=False,
                              resolution="属于市政管网，已转自来水公司", now=JUNE + dt.timedelta(hours=2))
        resolved(s, world.community_a2, at=JUNE)
    with tenant_scope(db.session, world.b) as s:
        resolved(s, world.community_b, at=JUNE, rating=3)
        demand(s, world.community_b, at=JUNE, category="urgent_repair")


EXPECTED = {
    "demands_on_time": {"a": Fraction(2, 4), "a2": Fraction(1), "b": Fraction(1, 2)},
    "demands_resolved": {"a": Fraction(3, 4), "a2": Fraction(1), "b": Fraction(1)},
    # (5 + 4 + 1) / 3 stars = 3.33: (3.33 - 1) * 25 = 58.33; B: 3 stars = 50
    "demand_satisfaction": {"a": Fraction(175, 3), "b": Fraction(50)},
}


def _pairs(world, key):
    return {"a": (world.a, world.community_a), "a2": (world.a, world.community_a2),
            "b": (world.b, world.community_b)}[key]


def test_sources_are_registered_as_missing_when_absent():
    load_sources()
    assert all(SOURCES[m].absent is None for m in METRICS)


def test_in_a_companys_scope_the_metrics_hold_its_own_communities(app, world, count_queries):
    with app.app_context():
        _records(world)
        with tenant_scope(db.session, world.a) as s:
            with count_queries() as q:
                measured = measure(s, WINDOW, METRICS)
            assert q.count == len(METRICS)
    for metric, expected in EXPECTED.items():
        own = {k: v for k, v in expected.items() if k != "b"}
        assert measured[metric] == {_pairs(world, k): v for k, v in own.items()}, metric
    assert value_for("demand_satisfaction", measured, (world.a, world.community_a2)) is None  # unrated: missing
    assert value_for("demands_on_time", measured, (world.a, world.community_moved)) is None   # no demands: missing


def test_the_bureau_reads_every_company_at_once(app, world, count_queries):
    with app.app_context():
        _records(world)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            with bureau_cross_tenant_read(s, reason="测试：诉求指标") as reader:
                with count_queries() as q:
                    measured = measure(reader, WINDOW, METRICS)
    assert q.count == len(METRICS)
    for metric, expected in EXPECTED.items():
        assert measured[metric] == {_pairs(world, k): v for k, v in expected.items()}, metric


def test_a_window_without_demands_measures_nothing(app, world):
    with app.app_context():
        _records(world)
        with tenant_scope(db.session, world.a) as s:
            assert measure(s, Window.month(2026, 9), METRICS) == {m: {} for m in METRICS}


def test_window_days_are_beijing_days(app, world):
    """Due at 07:00 on 1 July in Beijing is still 30 June in UTC: it counts for July."""
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        resolved(s, world.community_a, at=dt.datetime(2026, 6, 27, 23, 0, tzinfo=UTC))  # a 72-hour repair
        june, july = (measure(s, Window.month(2026, m), ["demands_on_time"])["demands_on_time"] for m in (6, 7))
    assert june == {} and july == {(world.a, world.community_a): Fraction(1)}


def test_a_rating_run_reads_the_demand_metrics(app, world):
    from red_property.rating.models import RatingResult, RatingRun
    from red_property.rating.runs import start_run

    with app.app_context():
        rating_inputs(world)
        _records(world)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            run_id = start_run(s, period="2026", as_of=AS_OF).id
    run_worker(app)
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        assert s.get(RatingRun, run_id).status == "ready"
        results = {r.company_tenant_id: r.breakdown for r in s.scalars(select(RatingResult)
                                                                        .where(RatingResult.run_id == run_id))}
    on_time = {company: next(i for i in b["indicators"] if i["metric"] == "demands_on_time")
               for company, b in results.items()}
    assert not on_time[world.a]["missing"] and not on_time[world.b]["missing"]
    assert on_time[world.a]["measured_in"] == 2 and on_time[world.b]["measured_in"] == 1  # community X: no demands


def test_evidence_lists_the_demands_behind_each_value(app, world):
    from red_property.demands.metrics import on_time_evidence, resolved_evidence, satisfaction_evidence

    with app.app_context():
        _records(world)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            with bureau_cross_tenant_read(s, reason="测试：诉求依据") as reader:
                on_time = on_time_evidence(reader, WINDOW, world.a, world.community_a)
                resolved = resolved_evidence(reader, WINDOW, world.a, world.community_a)
                stars = satisfaction_evidence(reader, WINDOW, world.b, world.community_b)
                late_b = on_time_evidence(reader, WINDOW, world.b, world.community_b)
        with tenant_scope(db.session, world.a) as s:
            assert on_time_evidence(s, WINDOW, world.b, world.community_b) == []  # a company sees its own only
    assert sorted(e.detail for e in on_time) == ["按时解决", "按时解决", "未解决", "逾期解决"]
    assert sorted(e.detail for e in resolved)[-1] == "未解决：属于市政管网，已转自来水公司"
    assert [e.detail for e in stars] == ["3 星"] and "超期未办结" in {e.detail for e in late_b}
    assert all(e.title.startswith("#") and e.on.year == 2026 for e in on_time)
