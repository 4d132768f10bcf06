"""A suspended company's public pages say it no longer serves a community only when the bureau says so."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text

from red_property.core.audit import AuditEntry
from red_property.core.tenancy import public_read, tenant_scope
from red_property.extensions import db
from red_property.onboarding.models import Company
from red_property.public.services import managing_company_id
from red_property.tenants.suspension import reactivate_tenant, suspend_tenant
from red_property.core import clock
from tests.factories_fees import platform

NOTICE = 'data-testid="not-served"'


@pytest.fixture
def entries(app, world):
    """Directory entries of companies A and B (linked to their tenants) and the platform tenant."""
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        ids = {}
        for key, tenant_id, code in (("a", world.a, "91510100MA61234567"), ("b", world.b, "91510100MA61234568")):
            company = Company(credit_code=code, name=f"{key} 物业", legal_representative="张三", contact_name="李四",
                              contact_phone="028-1234567", company_tenant_id=tenant_id)
            s.add(company)
            s.flush()
            ids[key] = company.id
        s.commit()
    with app.app_context():
        world.platform = platform(db.session)
    return ids


def _suspend(app, world, tenant_id, undo=False):
    with app.app_context(), tenant_scope(db.session, world.platform) as s:
        (reactivate_tenant if undo else suspend_tenant)(s, tenant_id)


def _public(client, community_id) -> str:
    page = client.get(f"/public/communities/{community_id}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _recipient(app, community_id):
    with app.app_context(), public_read() as s:
        return managing_company_id(s, community_id, clock.today())


def test_the_notice_shows_only_when_the_bureau_says_so(app, client, web, world, entries):
    _suspend(app, world, world.a)
    page = _public(client, world.community_a)
    assert NOTICE not in page and 'id="demand"' in page  # a suspension alone tells the public nothing
    assert _recipient(app, world.community_a) == world.a

    web.login("bureau-admin@test.cn")
    company_page = client.get(f"/bureau/companies/{entries['a']}").get_data(as_text=True)
    assert 'id="not-served-notice"' in company_page
    shown = web.post_form(f"/bureau/companies/{entries['a']}/not-served-notice", {"not_served_notice": "y"})
    assert shown.status_code == 302
    page = _public(client, world.community_a)
    assert NOTICE in page and 'id="demand"' not in page
    assert _recipient(app, world.community_a) is None  # no demand goes to a company that is gone
    assert NOTICE not in _public(client, world.community_b)  # B is not suspended

    refused = web.post_form(f"/bureau/companies/{entries['b']}/not-served-notice", {"not_served_notice": "y"})
    assert refused.status_code == 422 and 'data-field="not_served_notice"' in refused.get_data(as_text=True)

    _suspend(app, world, world.a, undo=True)  # reactivated: the page is the company's again
    assert NOTICE not in _public(client, world.community_a)
    _suspend(app, world, world.a)
    assert NOTICE in _public(client, world.community_a)
    assert web.post_form(f"/bureau/companies/{entries['a']}/not-served-notice", {}).status_code == 302
    assert NOTICE not in _public(client, world.community_a)  # withdrawn

    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.entity == "company")
                                               .order_by(AuditEntry.id))]
    assert actions.count("not_served_notice_shown") == 1 and actions.count("not_served_notice_withdrawn") == 1
    assert actions.count("update") >= 2  # the row change with before and after


@pytest.mark.parametrize("email, status", [("b-admin@test.cn", 404), ("committee-admin@test.cn", 404)])
def test_only_the_bureau_gives_the_notice(client, web, world, entries, email, status):
    web.login(email)
    slug = {"b-admin@test.cn": "company-b", "committee-admin@test.cn": "committee-x"}[email]
    answer = web.post_form(f"/{slug}/companies/{entries['b']}/not-served-notice", {"not_served_notice": "y"})
    assert answer.status_code in (403, 404)


def test_a_read_only_bureau_user_cannot_give_it(app, client, web, world, entries):
    from red_property.accounts.models import Role
    from tests.factories import make_users

    with app.app_context():
        make_users(db.session, world.bureau, "bureau", (Role.READONLY,))
    _suspend(app, world, world.a)
    web.login("bureau-readonly@test.cn")
    answer = web.post_form(f"/bureau/companies/{entries['a']}/not-served-notice", {"not_served_notice": "y"})
    assert answer.status_code == 403


@pytest.mark.postgres
def test_the_public_role_reads_the_flag_and_nothing_else_of_the_directory(app, world, entries):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn, conn.begin():
            conn.execute(text("SET LOCAL ROLE red_property_public_reader"))
            assert conn.execute(text("SELECT count(*) FROM company WHERE not_served_notice")).scalar() == 0
        _suspend(app, world, world.a)
        with app.app_context(), tenant_scope(db.session, world.bureau) as s:
            s.get(Company, entries["a"]).not_served_notice = True
            s.commit()
        with engine.connect() as conn, conn.begin():
            conn.execute(text("SET LOCAL ROLE red_property_public_reader"))
            assert conn.execute(text("SELECT company_tenant_id FROM company")).scalars().all() == [world.a]
        with engine.connect() as conn, conn.begin():
            conn.execute(text("SET LOCAL ROLE red_property_public_reader"))
            with pytest.raises(Exception, match="permission denied"):
                conn.execute(text("SELECT legal_representative FROM company"))
    finally:
        engine.dispose()
