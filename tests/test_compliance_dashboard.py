"""The company's compliance dashboard: values from its own records, weighted by
area, missing kept apart from zero, a fixed number of queries."""
import datetime as dt
from fractions import Fraction

from red_property.compliance.dashboard import company_dashboard, weighted
from red_property.core import clock
from red_property.core.generations import clear_kept
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.party.models import Level
from red_property.party.services import create_organisation

TODAY = clock.today()


def _branch(app, company, community, founded_on=None):
    with app.app_context(), tenant_scope(db.session, company) as s:
        create_organisation(s, name=f"党支部{community}", level=Level.COMMUNITY, community_ids=[community],
                            founded_on=founded_on, today=TODAY)


def _indicator(board, key):
    return next(i for i in board.indicators if i.metric.key == key)


def test_weighted_mean_leaves_missing_values_out():
    areas = {1: Fraction(100), 2: Fraction(300), 3: Fraction(50)}
    assert weighted({1: Fraction(1), 2: Fraction(0), 3: None}, areas) == Fraction(1, 4)
    assert weighted({1: None, 2: None}, areas) is None
    assert weighted({1: Fraction(1), 2: Fraction(0)}, {}) == Fraction(1, 2)  # no areas: equal weights


def test_coverage_of_one_of_two_equal_communities_is_half_and_the_trend_starts_when_founded(app, world):
    founded = dt.date(TODAY.year, TODAY.month, 1)
    _branch(app, world.a, world.community_a, founded_on=founded)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        board = company_dashboard(s, TODAY)
    names = {c.name for c in board.communities}
    assert names == {"甲一小区", "甲二小区"}  # 易主小区 left A before the window; B's never appear
    coverage = _indicator(board, "party_coverage")
    assert coverage.value == Fraction(1, 2) and coverage.meets_goal is False
    assert coverage.by_community == {world.community_a: 1, world.community_a2: 0}
    assert coverage.trend[-1] == (f"{TODAY:%Y-%m}", Fraction(1, 2))
    assert all(value == 0 for _, value in coverage.trend[:-1])


def test_one_community_view_and_another_companys_community(app, world):
    _branch(app, world.a, world.community_a)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        board = company_dashboard(s, TODAY, community_id=world.community_a)
        assert _indicator(board, "party_coverage").value == 1
        assert company_dashboard(s, TODAY, community_id=world.community_b).communities == []


def test_pages_api_and_exports(app, client, web, api, world):
    _branch(app, world.a, world.community_a)
    web.login("a-readonly@test.cn")
    page = client.get("/company-a/compliance")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "党组织覆盖率" in html and "50.0%" in html and "<svg" in html
    assert client.get(f"/company-a/compliance/communities/{world.community_a}").status_code == 200
    assert client.get(f"/company-a/compliance/communities/{world.community_b}").status_code == 404
    csv = client.get("/company-a/compliance/export.csv").data.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("小区,") and "甲一小区,100.0%" in csv
    assert client.get("/company-a/compliance/export.xlsx").data[:2] == b"PK"
    token = api.token("a-admin@test.cn")
    body = api.get("/api/v1/compliance", token).get_json()
    coverage = next(i for i in body["indicators"] if i["metric"] == "party_coverage")
    assert coverage["value"] == "0.5000" and len(coverage["trend"]) == 12
    assert api.get(f"/api/v1/compliance/communities/{world.community_b}", token).status_code == 404
    for email in ("bureau-admin@test.cn", "committee-admin@test.cn"):
        assert api.get("/api/v1/compliance", api.token(email)).status_code == 404


def test_the_dashboard_costs_the_same_number_of_queries_whatever_the_records(app, client, web, world, count_queries):
    web.login("a-admin@test.cn")
    client.get("/company-a/compliance")
    clear_kept()   # what computing the page costs, not looking it up again
    with count_queries() as few:
        client.get("/company-a/compliance")
    _branch(app, world.a, world.community_a)
    _branch(app, world.a, world.community_a2)
    clear_kept()
    with count_queries() as more:
        assert client.get("/company-a/compliance").status_code == 200
    assert more.count == few.count


def test_the_dashboard_measures_the_window_and_its_twelve_months_in_one_statement_per_source(app, client, web, world,
                                                                                            count_queries):
    """The register, then one statement per source for all thirteen windows (the two
    cross-appointment metrics share one): not 13 per source as when it measured month by month."""
    from red_property.compliance.sources import SOURCES, load_sources

    load_sources()
    web.login("a-admin@test.cn")
    client.get("/company-a/compliance")
    clear_kept()
    with count_queries() as q:
        assert client.get("/company-a/compliance").status_code == 200
    measured = [s for s in q.statements if "measured_window" in s or "window_month" in s]
    assert len(measured) == len(SOURCES) - 1
    # and the logged-in user, their browser session, the register, the bell's unread count: 12 in all (was 107)
    assert q.count == len(measured) + 4


def _coverage(api, token) -> str:
    body = api.get("/api/v1/compliance", token).get_json()
    return next(i for i in body["indicators"] if i["metric"] == "party_coverage")["value"]


def test_a_second_look_measures_nothing_and_any_write_measures_again(app, client, web, api, world, count_queries):
    """The measurements are kept until the company's records change (core.generations)."""
    import time_machine

    # One minute throughout: a new minute measures again (the next test), and on a slow
    # machine the two looks could fall either side of one (CI on PostgreSQL met it once).
    with time_machine.travel(clock.now(), tick=False):
        token = api.token("a-admin@test.cn")
        assert _coverage(api, token) == "0.0000"
        web.login("a-admin@test.cn")
        with count_queries() as again:   # the web page after the API: the same measurements
            assert client.get("/company-a/compliance").status_code == 200
        assert not [s for s in again.statements if "measured_window" in s or "window_month" in s]
        _branch(app, world.a, world.community_a)   # a write through the company's own session
        assert _coverage(api, token) == "0.5000"


def test_another_tenants_write_keeps_them_and_the_registers_moves_them_on(app, client, web, world, count_queries):
    from red_property.communities.models import Community

    web.login("a-admin@test.cn")
    client.get("/company-a/compliance")
    _branch(app, world.b, world.community_b)    # company B's records: nothing of A's changed
    with count_queries() as kept:
        client.get("/company-a/compliance")
    assert not [s for s in kept.statements if "measured_window" in s]
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:   # the bureau renames one in its register
        s.get(Community, world.community_a2).name = "甲二花园"
        s.commit()
    html = client.get("/company-a/compliance").get_data(as_text=True)
    assert "甲二花园" in html and "甲二小区" not in html


def test_the_kept_measurements_are_at_most_a_minute_old(app, client, web, world, count_queries):
    """A demand falls overdue at its due time with no write: a new minute measures again."""
    import time_machine

    web.login("a-admin@test.cn")
    client.get("/company-a/compliance")
    with time_machine.travel(clock.now() + dt.timedelta(minutes=1), tick=False):
        with count_queries() as later:
            client.get("/company-a/compliance")
    assert [s for s in later.statements if "measured_window" in s or "window_month" in s]


def test_without_redis_answering_nothing_is_kept_and_writes_still_commit(app, client, web, world, count_queries):
    from tests.outage import free_port

    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"   # nobody listens there
    web.login("a-admin@test.cn")
    for _ in range(2):
        with count_queries() as look:
            assert client.get("/company-a/compliance").status_code == 200
        assert [s for s in look.statements if "measured_window" in s or "window_month" in s]
    _branch(app, world.a, world.community_a)
    assert client.get("/company-a/compliance").status_code == 200
