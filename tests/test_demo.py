"""The demo city: deterministic, with the fixed logins working."""
import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from red_property.accounts.services import authenticate
from red_property.communities.models import Community
from red_property.core.tenancy import tenant_scope
from red_property.demo.city import DEMO_PASSWORD, STEPS, build_demo_city, demo_logins
from red_property.extensions import db
from red_property.tenants.models import Tenant

TENANTS = Path(__file__).resolve().parent.parent / "tenants"


def test_demo_city_has_the_fixed_logins_and_is_deterministic(app):
    with app.app_context():
        steps = []
        summary = build_demo_city(db.session, TENANTS, today=dt.date(2026, 11, 1),
                                  progress=lambda step, label: steps.append(step))
        assert steps == list(range(1, STEPS + 1))
        assert summary.households > 5000
        assert sorted(demo_logins(TENANTS)) == sorted(summary.logins)   # printed before the build: the same
        for email in ("bureau@demo.test", "company1@demo.test", "company2@demo.test", "committee1@demo.test"):
            db.session.close()
            db.session.info.clear()
            user = authenticate(db.session, email, DEMO_PASSWORD)
            assert user is not None, email
            assert db.session.scalar(select(func.count(Community.id))) >= 1, email
        db.session.close()
        db.session.info.clear()
        bureau = db.session.scalar(select(Tenant.id).where(Tenant.slug == "city-bureau"))
        with tenant_scope(db.session, bureau) as s:
            first = list(s.scalars(select(Community.name).order_by(Community.id)))
    assert first[:4] == ["锦绣花园", "翠湖苑", "金沙苑", "芙蓉里"]
    assert len(set(first)) == len(first) == 24
    _committee_records_are_there(app)


def _committee_records_are_there(app):
    """Each demo committee: a roll, a year of books, quarterly statements (one corrected), the three votes."""
    from red_property.finance.models import Distribution, LedgerEntry, Owner, Statement
    from red_property.votes.models import Vote

    with app.app_context():
        committees = db.session.scalars(select(Tenant.id).where(Tenant.slug.like("committee-%"))).all()
        db.session.close()
        assert len(committees) == 4
        for committee in committees:
            with tenant_scope(db.session, committee) as s:
                assert s.scalar(select(func.count(Owner.id))) >= 200
                assert s.scalar(select(func.count(LedgerEntry.id))) >= 40
                versions = s.execute(select(Statement.period, Statement.version, Statement.published_at)).all()
                assert len({p for p, _v, at in versions if at}) == 4 and max(v for _p, v, _at in versions) == 2
                outcomes = {v.kind.value: (v.passed, v.result and v.result["failed"]) for v in s.scalars(select(Vote))}
                assert outcomes["public_income"] == (True, [])
                assert outcomes["use_fund"][0] is False and "三分之二" in outcomes["use_fund"][1][0]
                assert outcomes["raise_fund"][0] is False and "四分之三" in outcomes["raise_fund"][1][0]
                assert s.scalar(select(Distribution.entry_id)) is not None


def test_the_demo_logins_work_through_the_login_form(demo_app):
    """The reserved .test domain once failed the form's email check."""
    client = demo_app.test_client()
    from tests.conftest import csrf_token

    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": "bureau@demo.test", "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/city-bureau/"
    page = client.get("/city-bureau/rating").get_data(as_text=True)
    assert "已发布" in page  # the demo has published ratings


def test_the_demo_has_joint_meetings_and_activities_with_realistic_gaps(demo_app):
    app = demo_app
    import datetime as dt

    from red_property.activities.models import NegativeRecord, ServiceReport
    from red_property.meetings.calendar import meeting_calendar
    from red_property.meetings.models import AgendaItem, MatterCategory

    today = dt.date(2026, 11, 1)
    with app.app_context():
        db.session.close()
        db.session.info.clear()
        slugs = dict(db.session.execute(select(Tenant.slug, Tenant.id)).all())
        db.session.close()
        rows, overdue, unreviewed, to_report, reports = [], 0, 0, 0, 0
        for slug in ("company-1", "company-2", "company-3", "company-4", "company-5", "company-6"):
            with tenant_scope(db.session, slugs[slug]) as s:
                rows += [(slug, r) for r in meeting_calendar(s, today=today).rows]
                items = s.scalars(select(AgendaItem)).all()
                overdue += sum(i.status(today) == "overdue" for i in items)
                unreviewed += sum(i.category != MatterCategory.OTHER and i.reviewed_on is None for i in items)
                to_report += sum(r.status(today) == "to_report" for r in s.scalars(select(NegativeRecord)))
                reports += s.scalar(select(func.count(ServiceReport.id)))
    cadence = {slug: [r.cadence for s2, r in rows if s2 == slug] for slug in dict(rows)}
    assert min(cadence["company-1"]) > max(cadence["company-6"])          # the better company meets more often
    assert 0 in cadence["company-6"]                                         # one community never meets
    assert any(0 < c < 1 for c in cadence["company-4"])                      # some months missed
    assert any(c.status == "incomplete" for _, r in rows for c in r.cells)    # a committee that did not come
    assert overdue > 0 and unreviewed == 1 and to_report >= 1 and reports > 0
