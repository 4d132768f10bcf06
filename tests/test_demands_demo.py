"""Demo and scale demands: a realistic mix the pages and the rating can show."""
import datetime as dt
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from red_property.core.tenancy import tenant_scope
from red_property.demands.models import OPEN, Demand, DemandEvent, EventKind, Route, Source, Status
from red_property.extensions import db
from red_property.tenants.models import Tenant, TenantKind

TENANTS = Path(__file__).resolve().parent.parent / "tenants"
TODAY = dt.date(2026, 11, 1)


def test_the_demo_city_has_a_year_of_demands_worth_looking_at(demo_app):
    app = demo_app
    with app.app_context():
        db.session.close()
        db.session.info.clear()
        companies = {t.slug: t.id for t in db.session.scalars(select(Tenant).where(Tenant.kind == TenantKind.COMPANY))}
        rows, per_community, history = [], Counter(), Counter()
        for slug, tenant_id in companies.items():
            with tenant_scope(db.session, tenant_id) as s:
                found = s.execute(select(Demand.status, Demand.route, Demand.source, Demand.rating,
                                         Demand.overdue_at, Demand.closed_at, Demand.due_at, Demand.received_at,
                                         Demand.community_id)).all()
                rows += [(slug, *r) for r in found]
                per_community.update((slug, r.community_id) for r in found)
                history.update(s.scalars(select(DemandEvent.kind)).all())
    assert len(rows) > 800
    routes = Counter(r[2] for r in rows)
    share = {route: routes[route] / len(rows) for route in Route}
    assert 0.6 < share[Route.SERVICE] < 0.8 and 0.12 < share[Route.MANAGEMENT] < 0.28
    assert 0.05 < share[Route.ENFORCEMENT] < 0.15
    closed = [r for r in rows if r[6] is not None]
    on_time = sum(1 for r in closed if r[1] == Status.RESOLVED and r[6] <= r[7]) / len(closed)
    assert 0.6 < on_time < 0.9                                          # most, not all
    assert sum(1 for r in rows if r[1] == Status.UNRESOLVED) >= 10
    assert sum(1 for r in rows if r[1] in OPEN and r[5] is not None) >= 5  # open and flagged overdue
    assert 20 <= sum(1 for r in rows if r[3] == Source.HOTLINE) < len(rows) * 0.15
    ratings = [r[4] for r in rows if r[4] is not None]
    assert 3.6 < sum(ratings) / len(ratings) < 4.5 and min(ratings) == 1
    busiest, second = per_community.most_common(2)
    assert busiest[0][0] == "company-4" and busiest[1] > 1.5 * second[1]  # one community with many complaints
    assert min(r[8] for r in rows) >= dt.datetime(2025, 11, 1, tzinfo=dt.timezone.utc) - dt.timedelta(days=2)
    assert history[EventKind.RECEIVED] == len(rows) and history[EventKind.RATED] == len(ratings)
    assert history[EventKind.OVERDUE] == sum(1 for r in rows if r[5] is not None)


def test_the_demo_assigns_demands_to_staff_users(demo_app):
    from red_property.accounts.models import Role, User

    with demo_app.app_context():
        company = db.session.scalar(select(Tenant.id).where(Tenant.slug == "company-1"))
        with tenant_scope(db.session, company) as s:
            staff1 = s.scalar(select(User.id).where(User.email == "staff1@demo.test"))
            assigned = s.execute(select(User.role, func.count(Demand.id)).join(User, User.id == Demand.assignee_id)
                                 .group_by(User.role)).tuples().all()
            open_mine = s.scalar(select(func.count(Demand.id)).where(Demand.assignee_id == staff1,
                                                                     Demand.status.in_(OPEN)))
    assert dict(assigned).keys() == {Role.STAFF} and dict(assigned)[Role.STAFF] > 20
    assert open_mine >= 1   # 我的 shows staff1 something to act on


def test_the_scale_generator_adds_demands_in_bulk(app):
    from red_property.demo.scale import generate_scale

    with app.app_context():
        result = generate_scale(db.session, companies=3, communities=7, households_per_community=4, seed=3)
        assert result["demands"] == 7 * 12
        company = db.session.scalar(select(Tenant.id).where(Tenant.slug == "scale3-co-00000"))
        with tenant_scope(db.session, company) as s:
            assert s.scalar(select(func.count(Demand.id))) == 3 * 12
            assert s.scalar(select(func.count(DemandEvent.id)).where(DemandEvent.kind == EventKind.RECEIVED)) == 36
