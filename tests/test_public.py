"""The public community page: no login, published rows only, read-only."""
import pytest
from sqlalchemy import create_engine, select, text

from red_property.communities.models import Household
from red_property.core.tenancy import CrossTenantWrite, public_read, tenant_scope
from red_property.extensions import db
from red_property.rating.models import RatingResult, RatingRun
from red_property.rating.runs import publish_run, start_run
from tests.conftest import run_worker
from tests.factories_rating import AS_OF, bureau_admin, rating_inputs


def _rate(app, world, publish: bool) -> int:
    with app.app_context():
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            run_id = start_run(s, period="2026", as_of=AS_OF).id
        run_worker(app)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            run = s.get(RatingRun, run_id)
            if publish:
                publish_run(s, run)
            return run_id


def _grade(app, world, run_id, company) -> str:
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        return s.scalar(select(RatingResult.grade).where(RatingResult.run_id == run_id,
                                                         RatingResult.company_tenant_id == company))


def test_a_visitor_finds_a_community_and_sees_its_company_without_a_grade_until_one_is_published(app, client, world):
    with app.app_context():
        rating_inputs(world)
    _rate(app, world, publish=False)
    listing = client.get("/public/?q=乙一").get_data(as_text=True)
    assert "乙一小区" in listing and "甲一小区" not in listing
    page = client.get(f"/public/communities/{world.community_b}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "乙物业有限公司" in html
    assert "尚未发布该企业的信用等级" in html  # the draft run stays private
    run_id = _rate(app, world, publish=True)
    html = client.get(f"/public/communities/{world.community_b}").get_data(as_text=True)
    assert f'<span class="badge grade">{_grade(app, world, run_id, world.b)}</span>' in html
    assert client.get("/public/communities/999999").status_code == 404


def test_the_public_session_reads_published_rows_only_and_writes_nothing(app, database, world):
    with app.app_context():
        rating_inputs(world)
    _rate(app, world, publish=False)
    with app.app_context(), public_read() as s:
        assert s.scalars(select(RatingRun)).all() == []          # a draft: not published
        if database.backend == "postgresql":                     # the public role has no grant at all
            with pytest.raises(Exception, match="permission denied"):
                s.scalars(select(Household)).all()
            s.rollback()
        else:                                                    # the ORM filter admits no row
            assert s.scalars(select(Household)).all() == []
        with pytest.raises(CrossTenantWrite):
            s.execute(Household.__table__.update().values(owner_name="x"))  # core statement: RLS/read-only below
        s.rollback()


def test_a_logged_in_visitor_reads_another_tenants_public_page_and_keeps_their_session(app, client, web, world):
    web.login("a-admin@test.cn")
    html = client.get(f"/public/communities/{world.community_b}").get_data(as_text=True)
    assert "乙物业有限公司" in html and "甲物业有限公司 · a admin" in html  # the visitor's own header
    assert client.get("/company-a/communities").status_code == 200


def test_the_pager_keeps_the_search(app, client, world):
    from red_property.communities.models import Community

    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        s.add_all(Community(name=f"测试{n:02d}苑", address="x", district="锦江区", street="春熙路街道",
                            neighbourhood="x") for n in range(35))
        s.commit()
    html = client.get("/public/?q=测试").get_data(as_text=True)
    assert "1 / 2" in html and "q=%E6%B5%8B%E8%AF%95" in html and "page=2" in html


@pytest.mark.postgres
def test_the_public_role_sees_published_rows_and_no_breakdown(app, world):
    with app.app_context():
        rating_inputs(world)
    _rate(app, world, publish=False)
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            with conn.begin():
                conn.execute(text("SET LOCAL ROLE red_property_public_reader"))
                assert conn.execute(text("SELECT count(*) FROM community")).scalar() == 6
                assert conn.execute(text("SELECT count(*) FROM rating_run")).scalar() == 0
            with conn.begin():
                conn.execute(text("SET LOCAL ROLE red_property_public_reader"))
                with pytest.raises(Exception, match="permission denied"):
                    conn.execute(text("SELECT count(*) FROM household"))
            with conn.begin():
                conn.execute(text("SET LOCAL ROLE red_property_public_reader"))
                with pytest.raises(Exception, match="permission denied"):
                    conn.execute(text("SELECT breakdown FROM rating_result"))
            with conn.begin():
                conn.execute(text("SET LOCAL ROLE red_property_public_reader"))
                with pytest.raises(Exception, match="permission denied"):
                    conn.execute(text("UPDATE community SET name = 'x'"))
    finally:
        engine.dispose()
