"""The public community page: the branch's and the committee's published cards,
the committee's published statements, the fingerprint check, and residents'
demands delivered to the managing company."""
import pytest
from sqlalchemy import create_engine, select, text

from red_property.core.tenancy import tenant_scope
from red_property.demands.models import Demand, Source
from red_property.extensions import db
from red_property.finance.models import StatementKind
from red_property.finance.statements import create_statement, publish_statement
from red_property.public.profiles import save_branch_profile, save_committee_profile
from tests.conftest import csrf_token
from tests.factories_finance import TODAY, book_year, committee_scope
from tests.factories_party import branch

CARD = {"contact_name": "书记 王建国", "phone": "028-85551234", "place": "乙一小区 3 栋架空层党群服务站",
        "hours": "周二、周四 9:00-11:30", "note": "接待居民反映问题"}


def _branch_card(app, world, publish=True):
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        organisation = branch(s, world.community_x, name="丙小区党支部")
        save_branch_profile(s, organisation.id, {**CARD, "public_name": "中共丙小区支部委员会"}, publish=publish)
        return organisation.id


def _statements(app, world):
    """A published and a draft quarter of the committee of community X."""
    with committee_scope(app, world) as s:
        book_year(s)
        published = create_statement(s, kind=StatementKind.QUARTER, year=2025, quarter=1, today=TODAY)
        publish_statement(s, published, today=TODAY)
        draft = create_statement(s, kind=StatementKind.QUARTER, year=2025, quarter=2, today=TODAY)
        save_committee_profile(s, {"members": "主任 李秀英\n委员 张伟", "phone": "13800138000"}, publish=True)
        return published.id, published.fingerprint, draft.id


def test_published_cards_show_and_drafts_do_not(app, client, world):
    _branch_card(app, world, publish=False)
    html = client.get(f"/public/communities/{world.community_x}").get_data(as_text=True)
    assert "中共丙小区支部委员会" not in html and "党组织尚未在此公开联系方式" in html
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        organisation = s.scalar(select(db.metadata.tables["party_organisation"].c.id))
        save_branch_profile(s, organisation, {**CARD, "public_name": "中共丙小区支部委员会"}, publish=True)
    _statements(app, world)
    html = client.get(f"/public/communities/{world.community_x}").get_data(as_text=True)
    assert "中共丙小区支部委员会" in html and "028-85551234" in html and "周二、周四" in html
    assert "主任 李秀英" in html and "13800138000" in html
    assert "2025-Q1" in html and "2025-Q2" not in html  # the draft quarter stays with the committee


def test_a_statement_is_public_through_its_own_community_only(app, client, world):
    published, fingerprint, draft = _statements(app, world)
    page = client.get(f"/public/communities/{world.community_x}/statements/{published}")
    assert page.status_code == 200 and fingerprint[:8] in page.get_data(as_text=True)
    with client.get(f"/public/communities/{world.community_x}/statements/{published}.pdf") as pdf:
        assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"
    assert client.get(f"/public/communities/{world.community_x}/statements/{draft}").status_code == 404
    assert client.get(f"/public/communities/{world.community_x}/statements/{draft}.pdf").status_code == 404
    assert client.get(f"/public/communities/{world.community_b}/statements/{published}").status_code == 404


def test_the_fingerprint_check_names_the_version_or_says_no(app, client, world):
    published, fingerprint, _draft = _statements(app, world)
    spaced = " ".join(fingerprint[i:i + 8] for i in range(0, 16, 8)).upper()
    html = client.get("/public/verify", query_string={"fingerprint": spaced}).get_data(as_text=True)
    assert "找到了" in html and "丙小区" in html and "这是该期最新的版本" in html
    other = ("0" if fingerprint[0] != "0" else "1") * 64
    assert "没有找到" in client.get("/public/verify", query_string={"fingerprint": other}).get_data(as_text=True)
    assert client.get("/public/verify", query_string={"fingerprint": "not a fingerprint"}).status_code == 422


def _form(client, community_id):
    return csrf_token(client.get(f"/public/communities/{community_id}").get_data(as_text=True))


def test_a_residents_demand_reaches_the_managing_company_only(app, client, world):
    token = _form(client, world.community_x)
    response = client.post(f"/public/communities/{world.community_x}/demands", data={
        "csrf_token": token, "category": "repair", "description": "3 栋 2 单元楼道灯坏了一周了",
        "contact_phone": "13912345678", "contact_name": "张女士"})
    assert response.status_code == 302
    assert "已受理" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        demand = s.scalars(select(Demand)).one()
        assert (demand.community_id, demand.source, demand.created_by) == (world.community_x, Source.PUBLIC_PAGE, None)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert s.scalars(select(Demand)).all() == []


@pytest.mark.parametrize("field, value, message", [
    ("contact_phone", "12345", "手机号"), ("description", "太短", "10"),
    ("category", "spaceship", "不是有效的选择")])
def test_bad_demands_name_their_field_and_write_nothing(app, client, world, field, value, message):
    data = {"csrf_token": _form(client, world.community_x), "category": "repair",
            "description": "3 栋 2 单元楼道灯坏了一周了", "contact_phone": "13912345678", field: value}
    response = client.post(f"/public/communities/{world.community_x}/demands", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 422) and message in html
    assert f'data-field="{field}"' in html
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        assert s.scalars(select(Demand)).all() == []


def test_an_unmanaged_community_takes_no_demand_and_visitors_are_rate_limited(app, client, world):
    app.config["RATELIMIT_PUBLIC_DEMAND"] = "3 per hour"
    token = _form(client, world.community_x)
    valid = {"csrf_token": token, "category": "repair", "description": "3 栋 2 单元楼道灯坏了一周了",
             "contact_phone": "13912345678"}
    assert client.post(f"/public/communities/{world.community_none}/demands", data=valid).status_code == 404
    codes = [client.post(f"/public/communities/{world.community_x}/demands", data={"csrf_token": token}).status_code
             for _ in range(3)]
    assert codes == [400, 400, 429]  # invalid input counts too: the limit is on sending, not on succeeding


def test_companies_and_committees_keep_their_cards(app, client, web, world):
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        organisation = branch(s, world.community_x, name="丙小区党支部").id
    web.login("b-admin@test.cn")
    page = client.get("/company-b/public-profile").get_data(as_text=True)
    assert "丙小区党支部" in page
    token = csrf_token(page)
    prefix = f"b{organisation}-"
    bad = client.post(f"/company-b/public-profile/branches/{organisation}",
                      data={"csrf_token": token, prefix + "phone": "110", prefix + "publish": "y"})
    assert bad.status_code == 422 and 'data-field="phone"' in bad.get_data(as_text=True)
    empty = client.post(f"/company-b/public-profile/branches/{organisation}",
                        data={"csrf_token": token, prefix + "publish": "y"})
    assert empty.status_code == 422 and "至少填写联系电话或办公地点" in empty.get_data(as_text=True)
    good = client.post(f"/company-b/public-profile/branches/{organisation}",
                       data={"csrf_token": token, prefix + "phone": "028-85551234", prefix + "publish": "y",
                             prefix + "public_name": "丙小区党支部"})
    assert good.status_code == 302
    assert "028-85551234" in client.get(f"/public/communities/{world.community_x}").get_data(as_text=True)
    other = app.test_client()
    other_token = csrf_token(other.get("/login").get_data(as_text=True))
    other.post("/login", data={"email": "a-admin@test.cn", "password": "correct horse battery", "csrf_token": other_token})
    assert other.post(f"/company-a/public-profile/branches/{organisation}",
                      data={"csrf_token": csrf_token(other.get("/company-a/public-profile").get_data(as_text=True))}
                      ).status_code == 404


@pytest.mark.postgres
def test_the_public_role_reads_published_cards_and_statements_only(app, world):
    _branch_card(app, world, publish=False)
    _statements(app, world)
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn, conn.begin():
            conn.execute(text("SET LOCAL ROLE red_property_public_reader"))
            assert conn.execute(text("SELECT count(*) FROM branch_profile")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM party_organisation_community")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM committee_profile")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM finance_statement")).scalar() == 1
    finally:
        engine.dispose()


def test_the_demo_city_has_public_cards_to_show(demo_app):
    app = demo_app
    client = demo_app.test_client()

    from red_property.communities.models import Community

    with app.app_context():
        db.session.close()
        db.session.info.clear()
        from red_property.core.tenancy import public_read

        with public_read() as s:
            garden = s.scalar(select(Community.id).where(Community.name == "锦绣花园"))
    html = client.get(f"/public/communities/{garden}").get_data(as_text=True)
    assert "主任 " in html and "业委会收支公示" in html and "第 1 版" in html and "信用等级" in html


def test_demands_to_one_community_are_capped_whatever_address_they_come_from(app, client, world):
    """Per-address limits do not stop many addresses; accepted demands per community are capped too."""
    app.config["RATELIMIT_PUBLIC_DEMAND_COMMUNITY"] = "2 per hour"
    token = _form(client, world.community_x)
    valid = {"csrf_token": token, "category": "repair", "description": "3 栋 2 单元楼道灯坏了一周了",
             "contact_phone": "13912345678"}

    def send(n, data):
        return client.post(f"/public/communities/{world.community_x}/demands", data=data,
                           environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}).status_code

    assert send(1, {"csrf_token": token}) == 400  # refused input does not use up the community's quota
    # different demands (the same one sent again would be a repeat: intake.REPEAT_WINDOW)
    assert [send(n, {**valid, "description": f"{n} 栋 2 单元楼道灯坏了一周了"}) for n in range(2, 5)] == [302, 302, 429]
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        assert len(s.scalars(select(Demand)).all()) == 2
