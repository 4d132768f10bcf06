"""Many windows in one statement (the dashboard's twelve months) give exactly what
measuring each window alone gives (the rating's path), source by source."""
import pytest
from sqlalchemy import select

from red_property.compliance.dashboard import company_dashboard, weighted
from red_property.compliance.sources import SOURCES, Window, load_sources, measure, measure_windows, value_for
from red_property.core import clock
from red_property.core.tenancy import bureau_cross_tenant_read, tenant_scope
from red_property.extensions import db
from red_property.tenants.models import Tenant, TenantKind

from tests.conftest import DEMO_TODAY


def _windows(today):
    window = Window.months_ending(today)
    return [window, *(Window.month(y, m) for y, m in window.months())]


def _one_at_a_time(session, windows):
    return [measure(session, w) for w in windows]


def test_every_source_measures_many_windows_at_once():
    load_sources()
    assert [key for key, src in SOURCES.items() if src.many is None] == []


@pytest.mark.parametrize("today", [DEMO_TODAY, clock.today()], ids=["demo-day", "today"])
def test_the_demo_city_many_windows_equal_one_window_at_a_time(demo_app, today):
    """Every company at once (the bureau's read) and each company in its own scope."""
    windows = _windows(today)
    with demo_app.app_context():
        bureau = db.session.scalar(select(Tenant.id).where(Tenant.slug == "city-bureau"))
        with tenant_scope(db.session, bureau) as s, bureau_cross_tenant_read(s, reason="test") as r:
            companies = r.scalars(select(Tenant.id).where(Tenant.kind == TenantKind.COMPANY)).all()
            together, alone = measure_windows(r, windows), _one_at_a_time(r, windows)
        assert together == alone
        assert all(any(values) for values in together[0].values())  # the demo has records for every source
        for company in companies:
            with tenant_scope(db.session, company) as s:
                assert measure_windows(s, windows) == _one_at_a_time(s, windows)


def test_the_factory_world_with_a_handover_many_windows_equal_one_window_at_a_time(app, world):
    windows = _windows(clock.today())
    with app.app_context(), tenant_scope(db.session, world.bureau) as s, \
            bureau_cross_tenant_read(s, reason="test") as r:
        assert measure_windows(r, windows) == _one_at_a_time(r, windows)


def test_the_dashboards_trend_is_the_cards_measure_at_each_month_end(demo_app):
    """Each of the twelve points is the card's twelve-month measure on that month's last day (today for
    this month), against the per-window path the rating runs; the last point is the card."""
    from fractions import Fraction

    from red_property.fees.metrics import fee_collection_parts_many

    today = clock.today()
    with demo_app.app_context():
        company = db.session.scalar(select(Tenant.id).where(Tenant.slug == "company-1"))
        with tenant_scope(db.session, company) as s:
            board = company_dashboard(s, today)
            areas = {c.id: c.floor_area for c in board.communities}
            overall = measure(s, board.window)
            months = [Window.months_ending(min(today, Window.month(y, m).end)) for y, m in board.window.months()]
            alone = [measure(s, w) for w in months]
            parts = fee_collection_parts_many(s, months)
    assert len(board.indicators) == 9 and all(len(i.trend) == 12 for i in board.indicators)
    assert months[-1] == board.window
    for indicator in board.indicators:
        key = indicator.metric.key
        assert indicator.by_community == {c.id: value_for(key, overall, (company, c.id)) for c in board.communities}
        if key == "fee_collection_rate":   # paid over billed in all the company's communities
            expected = []
            for w, found in zip(months, parts):
                got = [found[(company, c.id)] for c in board.communities if (company, c.id) in found]
                expected.append(Fraction(sum(n for n, _ in got), sum(d for _, d in got)) if got else None)
        else:
            expected = [weighted({c.id: value_for(key, measured, (company, c.id)) for c in board.communities
                                  if c.managed_during(w)}, areas) for w, measured in zip(months, alone)]
        assert [value for _, value in indicator.trend] == expected, key
        assert indicator.trend[-1][1] == indicator.value, key
    assert any(value is not None for i in board.indicators for _, value in i.trend)


def test_the_kept_statements_follow_the_apps_zone(demo_app):
    """The many-window statements are kept between calls; a window's instants depend on the
    zone, so measuring again in another zone must not reuse the first zone's bounds."""
    windows = _windows(DEMO_TODAY)
    with demo_app.app_context():
        bureau = db.session.scalar(select(Tenant.id).where(Tenant.slug == "city-bureau"))
        for zone in ("Asia/Shanghai", "America/Los_Angeles"):
            demo_app.config["BABEL_DEFAULT_TIMEZONE"] = zone
            with tenant_scope(db.session, bureau) as s, bureau_cross_tenant_read(s, reason="test") as r:
                assert measure_windows(r, windows, ["demands_on_time", "demands_resolved"]) == \
                    [measure(r, w, ["demands_on_time", "demands_resolved"]) for w in windows], zone
