"""Drill-down from an indicator to the records behind it."""
import datetime as dt

from sqlalchemy import select

from red_property.core import clock
from red_property.core.audit import AuditEntry
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.party.models import Level
from red_property.party.services import create_organisation
from tests.test_rating_web import _start


def _with_branch(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        create_organisation(s, name="甲一小区党支部", level=Level.COMMUNITY, community_ids=[world.community_a],
                            founded_on=dt.date(2024, 7, 1), today=clock.today())


def test_the_bureau_drills_down_to_a_companys_records_through_the_audited_path(app, client, web, world):
    _with_branch(app, world)
    run_page, _token = _start(app, client, web, world)
    run_id = int(run_page.rstrip("/").split("/")[-1])
    base = f"/bureau/rating/runs/{run_id}/companies/{world.a}"
    assert f'{base}/evidence/party_coverage"' in client.get(base).get_data(as_text=True)
    html = client.get(f"{base}/evidence/party_coverage").get_data(as_text=True)
    assert "甲一小区党支部" in html and "2024-07-01" in html and "甲二小区" in html and "没有相关记录" in html
    inspections = client.get(f"{base}/evidence/inspection_score").get_data(as_text=True)
    assert "检查得分 92.00" in inspections
    assert client.get(f"{base}/evidence/no_such_metric").status_code == 404
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        reasons = [e.after["reason"] for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "cross_tenant_read"))]
    assert any("党组织覆盖" in r and f"企业 {world.a}" in r for r in reasons)


def test_a_company_sees_only_its_own_evidence_once_published(app, client, web, world):
    _with_branch(app, world)
    run_page, token = _start(app, client, web, world)
    run_id = int(run_page.rstrip("/").split("/")[-1])
    client.post(run_page + "/publish", data={"csrf_token": token, "confirm": "yes"})
    company = app.test_client()
    from tests.conftest import csrf_token
    from tests.factories import PASSWORD

    form = csrf_token(company.get("/login").get_data(as_text=True))
    company.post("/login", data={"email": "a-staff@test.cn", "password": PASSWORD, "csrf_token": form})
    own = company.get(f"/company-a/rating/runs/{run_id}/companies/{world.a}/evidence/party_coverage")
    assert own.status_code == 200 and "甲一小区党支部" in own.get_data(as_text=True)
    assert company.get(f"/company-a/rating/runs/{run_id}/companies/{world.b}/evidence/party_coverage").status_code == 404


def test_every_sources_evidence_lists_the_demo_records_behind_its_values(demo_app):
    """Each metric's drill-down runs through the bureau's read and finds records where the value has them."""
    app = demo_app
    from red_property.compliance.sources import SOURCES, Window, load_sources, measure
    from red_property.core.tenancy import bureau_cross_tenant_read
    from red_property.tenants.models import Tenant

    today = dt.date(2026, 11, 1)
    with app.app_context():
        db.session.close()
        db.session.info.clear()
        with tenant_scope(db.session, db.session.scalar(select(Tenant.id).where(Tenant.slug == "city-bureau"))) as s:
            load_sources()
            window = Window.months_ending(today)
            with bureau_cross_tenant_read(s, reason="test") as reader:
                measured = measure(reader, window)
                for metric, values in measured.items():
                    source = SOURCES[metric]
                    assert source.evidence is not None, f"{metric}: no drill-down"
                    pairs = [pair for pair, value in sorted(values.items()) if value][:3]
                    assert pairs, f"{metric}: the demo measures nothing"
                    for company, community in pairs:
                        rows = source.evidence(reader, window, company, community)
                        assert rows and all(r.title for r in rows), (metric, company, community)
