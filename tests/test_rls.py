"""The PostgreSQL wall: row-level security holds even for raw SQL."""
import pytest
from sqlalchemy import create_engine, text

from red_property.core.model import TenantScoped
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_engine(app):
    """A plain engine as the app role: no ORM, no tenant filter, only RLS."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    yield engine
    engine.dispose()


def test_app_role_owns_nothing_and_cannot_bypass(app, app_engine):
    with app_engine.connect() as conn:
        role = conn.execute(text("SELECT rolsuper, rolbypassrls, rolinherit FROM pg_roles "
                                 "WHERE rolname = current_user")).one()
        assert tuple(role) == (False, False, False)
        owned = conn.execute(text("SELECT count(*) FROM pg_tables WHERE tableowner = current_user")).scalar()
        assert owned == 0


def test_every_tenant_table_has_forced_rls_and_policies(app, app_engine):
    tables = {m.local_table.name for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)}
    assert len(tables) >= 8
    with app_engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "(SELECT array_agg(polname::text ORDER BY polname) FROM pg_policy p WHERE p.polrelid = c.oid) "
            "FROM pg_class c WHERE c.relname = ANY(:t)"), {"t": list(tables)}).all()
    assert {r[0] for r in rows} == tables
    for name, enabled, forced, policies in rows:
        assert enabled and forced, name
        assert {"tenant_read", "tenant_insert", "tenant_update", "tenant_delete"} <= set(policies), name


def test_policies_ask_for_the_tenant_once_per_statement(app, app_engine):
    """A bare ``app_current_tenant()`` in a policy is evaluated for every row read (migration
    0035_policy_initplans): a new policy must wrap it, ``(SELECT app_current_tenant())``.  And the
    bureau reader's ticket check must not keep its reads out of parallel plans."""
    bare = r"(?<!SELECT )app_current_(tenant|day)\(\)"
    with app_engine.connect() as conn:
        unwrapped = conn.execute(text(
            "SELECT tablename || '.' || policyname FROM pg_policies WHERE schemaname = 'public' "
            "AND (qual ~ :bare OR with_check ~ :bare)"), {"bare": bare}).scalars().all()
        wrapped = conn.execute(text("SELECT count(*) FROM pg_policies WHERE qual LIKE '%SELECT app_current_tenant()%'"))
        parallel = conn.execute(text("SELECT proparallel FROM pg_proc WHERE proname = 'cross_read_allowed'")).scalar()
    assert unwrapped == []
    assert wrapped.scalar() > 50
    assert parallel == "s"


def test_raw_sql_without_a_tenant_sees_nothing(app, app_engine, world):
    with app_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM household")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM community")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM user_account")).scalar() == 0


def test_raw_sql_as_a_tenant_sees_and_changes_only_its_rows(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert s.execute(text("SELECT count(*) FROM household")).scalar() == 3
        assert s.execute(text("UPDATE household SET owner_name = 'x'")).rowcount == 3
        assert s.execute(text("DELETE FROM household WHERE tenant_id = :b"), {"b": world.b}).rowcount == 0
        assert s.execute(text("UPDATE community SET name = 'x'")).rowcount == 0  # readable, not writable
        s.rollback()
        with pytest.raises(Exception, match="row-level security"):
            s.execute(text("INSERT INTO building (tenant_id, community_id, name, kind, floors) "
                           "VALUES (:b, :c, 'x', 'residential', 3)"), {"b": world.b, "c": world.community_b})
        s.rollback()


def test_stale_setting_on_a_pooled_connection_fails_closed(app, app_engine, world):
    """After a transaction-local setting, current_setting() reads '' (not NULL)."""
    engine = app_engine
    with engine.connect() as conn:
        with conn.begin():
            conn.execute(text("SELECT set_config('app.current_tenant', :t, true)"), {"t": str(world.a)})
            assert conn.execute(text("SELECT count(*) FROM household")).scalar() == 3
        assert conn.execute(text("SELECT count(*) FROM household")).scalar() == 0


def test_bureau_reader_role_is_select_only(app, app_engine, world):
    """With a cross-read ticket (as ``bureau_cross_tenant_read`` opens one) the reader reads every
    tenant's rows, and still only reads; password hashes stay out of its reach."""
    with app_engine.connect() as conn:
        with conn.begin():
            open_ticket(conn, world.bureau)
            conn.execute(text("SET LOCAL ROLE red_property_bureau_reader"))
            assert conn.execute(text("SELECT count(*) FROM household")).scalar() == 5
            with pytest.raises(Exception, match="permission denied"):
                conn.execute(text("UPDATE household SET owner_name = 'x'"))
        with conn.begin():
            open_ticket(conn, world.bureau)
            conn.execute(text("SET LOCAL ROLE red_property_bureau_reader"))
            with pytest.raises(Exception, match="permission denied"):
                conn.execute(text("SELECT password_hash FROM user_account"))


def open_ticket(conn, bureau_id: int) -> None:
    ticket = conn.execute(text("SELECT cross_read_open(:b, 'test')"), {"b": bureau_id}).scalar()
    conn.execute(text("SELECT set_config('app.cross_read_ticket', :t, true)"), {"t": str(ticket)})


def test_identity_lookup_reads_one_key_and_accounts_only(app, app_engine, world):
    with app_engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT set_config('app.identity_key', 'a-admin@test.cn', true)"))
        assert conn.execute(text("SELECT email FROM user_account")).scalars().all() == ["a-admin@test.cn"]
        assert conn.execute(text("SELECT count(*) FROM household")).scalar() == 0


def test_every_public_model_and_only_those_have_a_public_policy(app, app_engine):
    """A model's ``public_criteria`` and its table's ``public_read`` policy come in pairs."""
    base = TenantScoped.public_criteria.__func__
    public = {m.local_table.name for m in db.Model.registry.mappers
              if issubclass(m.class_, TenantScoped) and m.class_.public_criteria.__func__ is not base}
    assert {"community", "management_contract", "rating_run", "rating_result"} <= public
    with app_engine.connect() as conn:
        with_policy = set(conn.execute(text(
            "SELECT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
            "WHERE p.polname = 'public_read'")).scalars())
    assert with_policy == public
