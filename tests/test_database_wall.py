"""The database wall against someone who can run SQL as the app role (issue 12, items 8-9).

Each attack from the outside run is replayed over a plain connection as
``red_property_app`` (no ORM, no tenant filter) and must fail; the paths the
product needs (the bureau creating tenants, the operator suspending them, the
CLI, logins, tokens, browser sessions) must keep working through the app.
"""
import pytest
from sqlalchemy import create_engine, select, text

from red_property.accounts.models import Role
from red_property.core.owner import owner_session
from red_property.extensions import db
from red_property.onboarding.provisioning import create_tenant
from red_property.tenants.models import CrossReadTicket, Tenant, TenantChange, TenantKind
from tests.factories import make_users
from tests.factories_fees import platform
from tests.test_company_directory import entry

postgres = pytest.mark.postgres


@pytest.fixture
def app_engine(app):
    """A plain engine as the app role: what an attacker with its password or an injection has."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    yield engine
    engine.dispose()


@pytest.fixture
def owner_engine(app):
    engine = create_engine(app.config["MIGRATE_DATABASE_URL"])
    yield engine
    engine.dispose()


def changes(app) -> list[tuple]:
    """The tenant register's change log, read as the owner (the app role may not read it)."""
    with app.app_context(), owner_session() as owner:
        return [(c.tenant_id, c.action, c.actor_id, c.by_role, c.after)
                for c in owner.scalars(select(TenantChange).order_by(TenantChange.id))]


# --- item 8: the tenant register -------------------------------------------------------------

@postgres
@pytest.mark.parametrize("statement", [
    "UPDATE tenant SET kind = 'bureau' WHERE id = :a",
    "UPDATE tenant SET suspended_at = NULL WHERE id = :a",
    "DELETE FROM tenant WHERE id = :a",
    "INSERT INTO tenant (kind, slug, name, created_at, updated_at) VALUES ('bureau', 'evil', 'x', now(), now())",
    "SELECT tenant_set_details(:a, 'renamed', NULL, now(), NULL)",
    "SELECT * FROM tenant_change",
    "DELETE FROM tenant_change",
    "UPDATE audit_entry SET action = 'x'",
    "DELETE FROM audit_entry",
    "DELETE FROM cross_read_ticket",
])
def test_the_app_role_cannot_change_the_register_or_its_logs(app_engine, world, statement):
    with app_engine.connect() as conn, pytest.raises(Exception, match="permission denied"):
        conn.execute(text(statement), {"a": world.a} if ":a" in statement else {})


@postgres
def test_the_app_role_reads_the_register(app_engine, world):
    with app_engine.connect() as conn:
        assert conn.execute(text("SELECT kind FROM tenant WHERE id = :a"), {"a": world.a}).scalar() == "company"


@postgres
@pytest.mark.parametrize("kind", ["bureau", "platform"])
def test_the_app_roles_function_creates_no_bureau_or_platform(app_engine, world, kind):
    with app_engine.connect() as conn, pytest.raises(Exception, match=f"only the schema owner creates a {kind}"):
        conn.execute(text("SELECT tenant_create(:k, 'evil', 'x', NULL, now(), NULL)"), {"k": kind})


@postgres
def test_the_functions_refuse_what_the_product_refuses(app_engine, world):
    with app_engine.connect() as conn:
        with conn.begin(), pytest.raises(Exception, match="already active"):
            conn.execute(text("SELECT tenant_set_suspended(:a, NULL, now(), NULL)"), {"a": world.a})
        with conn.begin(), pytest.raises(Exception, match="no tenant"):
            conn.execute(text("SELECT tenant_set_suspended(999999, now(), now(), NULL)"))
        with conn.begin(), pytest.raises(Exception, match="uq_tenant_slug"):
            conn.execute(text("SELECT tenant_create('company', 'company-a', 'x', NULL, now(), NULL)"))


@postgres
def test_a_change_from_sql_leaves_a_trace_the_app_role_cannot_remove(app, app_engine, world):
    with app_engine.begin() as conn:
        conn.execute(text("SELECT tenant_set_suspended(:a, now(), now(), 42)"), {"a": world.a})
    (last,) = [c for c in changes(app) if c[1] == "suspend"]
    assert last[:4] == (world.a, "suspend", 42, "red_property_app")


def test_the_bureau_creates_a_company_and_the_register_notes_who(app, api, world):
    bureau = api.token("bureau-admin@test.cn")
    company = api.post("/api/v1/companies", bureau, json=entry(7))
    assert company.status_code == 201, company.get_json()
    made = api.post(f"/api/v1/companies/{company.get_json()['id']}/tenant", bureau,
                    json={"admin_email": "boss@seven.cn", "admin_name": "王经理"})
    assert made.status_code == 201, made.get_json()
    tenant_id = made.get_json()["tenant_id"]
    created = [c for c in changes(app) if c[0] == tenant_id]
    with app.app_context():
        role = "red_property_app" if db.engine.dialect.name == "postgresql" else "sqlite"
    assert [(c[1], c[2]) for c in created] == [("create", world.users["bureau"][Role.ADMIN])]
    assert created[0][3] == role and created[0][4]["kind"] == "company"


def test_suspending_from_the_platform_goes_through_the_register(app, api, world):
    with app.app_context():
        world.platform = platform(db.session)
        actor = make_users(db.session, world.platform, "platform", (Role.ADMIN,))[Role.ADMIN]
    admin = api.token("platform-admin@test.cn")
    assert api.post(f"/api/v1/platform/tenants/{world.a}/suspend", admin).status_code == 200
    assert api.post(f"/api/v1/platform/tenants/{world.a}/reactivate", admin).status_code == 200
    assert [(c[1], c[2]) for c in changes(app) if c[0] == world.a] == [("create", None), ("suspend", actor),
                                                                      ("reactivate", actor)]


@postgres
def test_creating_a_bureau_needs_the_owner_and_the_cli_is_the_owner(app, world, runner):
    with app.app_context():
        with pytest.raises(Exception, match="only the schema owner creates a bureau"):
            create_tenant(db.session, kind=TenantKind.BUREAU, slug="bureau-2", name="另一个住建局")
        db.session.rollback()
        # a company, as the bureau's pages create one, works as the app role
        assert create_tenant(db.session, kind=TenantKind.COMPANY, slug="co-web", name="网页物业").id
        db.session.commit()
    result = runner.invoke(args=["tenants", "apply"])  # the repository's demo tenants, bureau included
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(Tenant.kind).where(Tenant.slug == "city-bureau")) == TenantKind.BUREAU
    by = {c[3] for c in changes(app) if c[4] and c[4].get("slug") == "city-bureau"}
    assert by == {make_owner_name(app)}


@postgres
def test_tenants_apply_as_the_app_role_says_what_it_needs(app, runner):
    app.config["MIGRATE_DATABASE_URL"] = None
    result = runner.invoke(args=["tenants", "apply"])
    assert result.exit_code == 1 and "set MIGRATE_DATABASE_URL to the schema owner" in result.output, result.output


def make_owner_name(app) -> str:
    from sqlalchemy.engine import make_url

    return make_url(app.config["MIGRATE_DATABASE_URL"]).username


# --- item 9: the bureau reader role and identity lookups -------------------------------------

@postgres
def test_set_role_to_the_bureau_reader_reads_nothing_without_a_ticket(app_engine, world):
    with app_engine.connect() as conn, conn.begin():
        conn.execute(text("SET LOCAL ROLE red_property_bureau_reader"))
        for table in ("household", "community", "building", "audit_entry", "management_contract"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


@postgres
def test_a_ticket_needs_a_bureau_and_a_reason_and_is_kept(app, app_engine, owner_engine, world):
    def households(conn, ticket) -> int:
        with conn.begin():
            conn.execute(text("SET LOCAL ROLE red_property_bureau_reader"))
            conn.execute(text("SELECT set_config('app.cross_read_ticket', :t, true)"), {"t": str(ticket)})
            return conn.execute(text("SELECT count(*) FROM household")).scalar()

    with app_engine.connect() as conn:
        with conn.begin(), pytest.raises(Exception, match="not a housing bureau"):
            conn.execute(text("SELECT cross_read_open(:a, 'x')"), {"a": world.a})
        with conn.begin(), pytest.raises(Exception, match="needs a reason"):
            conn.execute(text("SELECT cross_read_open(:b, ' ')"), {"b": world.bureau})
        with conn.begin():
            ticket = conn.execute(text("SELECT cross_read_open(:b, 'curious')"), {"b": world.bureau}).scalar()
        assert households(conn, ticket) == 5
        assert households(conn, ticket + 1) == 0  # no such ticket
    with owner_engine.begin() as conn:
        rows = conn.execute(text("SELECT bureau_tenant_id, reason, by_role FROM cross_read_ticket")).all()
        assert [tuple(r) for r in rows] == [(world.bureau, "curious", "red_property_app")]
        conn.execute(text("UPDATE cross_read_ticket SET at = at - interval '11 minutes'"))
    with app_engine.connect() as conn:
        assert households(conn, ticket) == 0  # too old


@postgres
def test_the_bureaus_cross_tenant_read_opens_a_ticket(app, world):
    from red_property.communities.models import Household
    from red_property.core.tenancy import bureau_cross_tenant_read, tenant_scope

    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        with bureau_cross_tenant_read(s, reason="test: every household") as reader:
            assert len(reader.scalars(select(Household)).all()) == 5
        with owner_session() as owner:
            assert owner.scalars(select(CrossReadTicket.reason)).all() == ["test: every household"]


@postgres
def test_every_reader_policy_needs_a_ticket_and_none_reads_the_old_identity_switch(app_engine):
    with app_engine.connect() as conn:
        policies = conn.execute(text("SELECT tablename, policyname, qual FROM pg_policies")).all()
    readers = [p for p in policies if p.policyname == "bureau_read"]
    assert len(readers) >= 8 and all("cross_read_allowed()" in p.qual for p in readers), readers
    assert not [p for p in policies if "identity_lookup" in (p.qual or "")]


@postgres
@pytest.mark.parametrize("setting, value", [
    ("app.identity_lookup", "on"),     # the switch that used to open every account
    ("app.identity_key", ""),
    ("app.identity_key", "%"),
    ("app.identity_key", "' OR true --"),
])
def test_no_identity_setting_lists_accounts(app_engine, world, setting, value):
    with app_engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT set_config(:s, :v, true)"), {"s": setting, "v": value})
        for table in ("user_account", "api_token", "browser_session", "invitation"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


@postgres
def test_an_identity_key_reads_one_account(app_engine, world):
    with app_engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT set_config('app.identity_key', 'b-admin@test.cn', true)"))
        assert conn.execute(text("SELECT count(*) FROM user_account")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM api_token")).scalar() == 0


def test_login_token_and_browser_session_still_work(api, client, web, world):
    token = api.token("a-admin@test.cn")
    assert api.get("/api/v1/communities", token).status_code == 200
    assert web.login("b-admin@test.cn").status_code == 302
    assert client.get("/company-b/users").status_code == 200  # the user loader reads the session by its secret
    assert api.post("/api/v1/auth/token", None, json={"email": "a-admin@test.cn", "password": "wrong one!"}
                    ).status_code == 401
