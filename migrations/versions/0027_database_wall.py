"""the database wall (issue 12, items 8-9): the app role reads the tenant register but changes it
only through audited functions; identity lookups see one exact key, not every account;
the bureau reader role reads across tenants only after an audited ticket; the audit log is append-only

Not ahead-compatible: the code before it logs in with ``app.identity_lookup=on`` and writes
``tenant`` directly, both refused after it; reload the web and workers right after migrating.

Revision ID: 0027_database_wall
Revises: 0026_job_heartbeat
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa

from red_property.core import rls

revision = '0027_database_wall'
down_revision = '0026_job_heartbeat'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
APP = rls.APP_ROLE
# Functions run as their owner (the schema owner, who runs this migration) with a fixed
# search_path, so that nothing the caller puts on its path is picked up.
DEFINER = "SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp"


def upgrade():
    op.create_table('tenant_change',
    sa.Column('tenant_id', ID, nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor_id', ID, nullable=True),
    sa.Column('by_role', sa.String(length=64), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_tenant_change_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_change'))
    )
    with op.batch_alter_table('tenant_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_change_tenant_id'), ['tenant_id'], unique=False)
    op.create_table('cross_read_ticket',
    sa.Column('bureau_tenant_id', ID, nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('by_role', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['bureau_tenant_id'], ['tenant.id'], name=op.f('fk_cross_read_ticket_bureau_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cross_read_ticket'))
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    _tenant_register()
    _identity_policies()
    _cross_read_tickets()
    # The audit log is append-only for the app: a write and its entry cannot be undone from SQL.
    op.execute(f"REVOKE UPDATE, DELETE ON audit_entry FROM {APP}")


def _tenant_register():
    """Item 8: SELECT only on ``tenant``; the transitions the product needs are functions."""
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON tenant FROM {APP}")
    op.execute(f"REVOKE USAGE ON SEQUENCE tenant_id_seq FROM {APP}")
    # tenant_change: written by the functions alone; the app role has no right on it at all.
    op.execute(f"REVOKE ALL ON tenant_change FROM {APP}")
    # A company or a committee is created from the web (the bureau's pages); a bureau or the
    # platform only by the schema owner (``red-property init`` / ``tenants apply``, which
    # connect as MIGRATE_DATABASE_URL).  Inside a SECURITY DEFINER function current_user is
    # the owner and session_user the login that called it.
    op.execute(f"""
        CREATE FUNCTION tenant_create(p_kind text, p_slug text, p_name text, p_credit_code text,
                                      p_at timestamptz, p_actor bigint) RETURNS bigint
        LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
        DECLARE new_id bigint;
        BEGIN
          IF p_kind NOT IN ('company', 'committee') AND NOT pg_has_role(session_user, current_user, 'MEMBER') THEN
            RAISE EXCEPTION 'only the schema owner creates a % tenant', p_kind USING ERRCODE = '42501';
          END IF;
          INSERT INTO public.tenant (kind, slug, name, credit_code, created_at, updated_at)
            VALUES (p_kind, p_slug, p_name, p_credit_code, p_at, p_at) RETURNING id INTO new_id;
          INSERT INTO public.tenant_change (tenant_id, action, actor_id, by_role, after, at)
            VALUES (new_id, 'create', p_actor, session_user,
                    json_build_object('kind', p_kind, 'slug', p_slug, 'name', p_name, 'credit_code', p_credit_code),
                    now());
          RETURN new_id;
        END $$""")
    # Suspending and reactivating (the platform operator's pages); never the platform itself.
    op.execute(f"""
        CREATE FUNCTION tenant_set_suspended(p_id bigint, p_suspended_at timestamptz, p_at timestamptz,
                                             p_actor bigint) RETURNS void
        LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
        DECLARE t public.tenant;
        BEGIN
          SELECT * INTO t FROM public.tenant WHERE id = p_id FOR UPDATE;
          IF NOT FOUND THEN
            RAISE EXCEPTION 'no tenant %', p_id USING ERRCODE = 'P0002';
          END IF;
          IF t.kind = 'platform' THEN
            RAISE EXCEPTION 'the platform cannot be suspended' USING ERRCODE = '42501';
          END IF;
          IF (t.suspended_at IS NULL) = (p_suspended_at IS NULL) THEN
            RAISE EXCEPTION 'tenant % is already %', p_id,
              CASE WHEN p_suspended_at IS NULL THEN 'active' ELSE 'suspended' END USING ERRCODE = '22023';
          END IF;
          UPDATE public.tenant SET suspended_at = p_suspended_at, updated_at = p_at WHERE id = p_id;
          INSERT INTO public.tenant_change (tenant_id, action, actor_id, by_role, before, after, at)
            VALUES (p_id, CASE WHEN p_suspended_at IS NULL THEN 'reactivate' ELSE 'suspend' END, p_actor,
                    session_user, json_build_object('suspended_at', t.suspended_at),
                    json_build_object('suspended_at', p_suspended_at), now());
        END $$""")
    # Name and credit code (``tenants apply`` brings them up to date): the owner's alone.
    op.execute(f"""
        CREATE FUNCTION tenant_set_details(p_id bigint, p_name text, p_credit_code text, p_at timestamptz,
                                           p_actor bigint) RETURNS void
        LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
        DECLARE t public.tenant;
        BEGIN
          SELECT * INTO t FROM public.tenant WHERE id = p_id FOR UPDATE;
          IF NOT FOUND THEN
            RAISE EXCEPTION 'no tenant %', p_id USING ERRCODE = 'P0002';
          END IF;
          UPDATE public.tenant SET name = p_name, credit_code = p_credit_code, updated_at = p_at WHERE id = p_id;
          INSERT INTO public.tenant_change (tenant_id, action, actor_id, by_role, before, after, at)
            VALUES (p_id, 'details', p_actor, session_user,
                    json_build_object('name', t.name, 'credit_code', t.credit_code),
                    json_build_object('name', p_name, 'credit_code', p_credit_code), now());
        END $$""")
    for signature in ("tenant_create(text, text, text, text, timestamptz, bigint)",
                      "tenant_set_suspended(bigint, timestamptz, timestamptz, bigint)",
                      "tenant_set_details(bigint, text, text, timestamptz, bigint)"):
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION tenant_create(text, text, text, text, timestamptz, bigint), "
               f"tenant_set_suspended(bigint, timestamptz, timestamptz, bigint) TO {APP}")


KEY = rls.IDENTITY_KEY
# A cross-tenant read opens its ticket just before it reads; a transaction that starts
# later than this needs a new one.
TICKET_LIFE = "10 minutes"
OWN = f"tenant_id = {rls.CURRENT}"
IDENTITY_READ = {
    # One exact key per lookup: the login's email, or the SHA-256 of a token, browser session or
    # invitation secret (and the user it belongs to).  No key lists rows: ``app.identity_lookup=on``
    # used to open every account.
    "user_account": (f"({OWN}) OR email = {KEY}"
                     f" OR id IN (SELECT user_id FROM api_token WHERE secret_hash = {KEY})"
                     f" OR id IN (SELECT user_id FROM browser_session WHERE secret_hash = {KEY})"
                     f" OR id IN (SELECT user_id FROM invitation WHERE secret_hash = {KEY})"),
    "api_token": f"({OWN}) OR secret_hash = {KEY}",
    "browser_session": f"({OWN}) OR secret_hash = {KEY}",
    "invitation": f"({OWN}) OR secret_hash = {KEY}",
}


def _identity_policies():
    """Item 9: an identity lookup reads the rows of one key, never the table."""
    for table, visible in IDENTITY_READ.items():
        op.execute(f"ALTER POLICY tenant_read ON {table} USING ({visible})")


def _cross_read_tickets():
    """Item 9: ``SET ROLE red_property_bureau_reader`` alone reads nothing.

    The reader's policies admit rows only in a transaction that names a ticket
    (``app.cross_read_ticket``) opened and committed less than ``TICKET_LIFE`` ago by
    ``cross_read_open``: a housing bureau named, a reason given, a row the app role can
    neither read, change nor delete.  Anyone who can run SQL as the app role can still
    open one: the wall makes that read leave a trace, it does not forbid it.
    """
    op.execute(f"REVOKE ALL ON cross_read_ticket FROM {APP}, {rls.READER_ROLE}")
    op.execute(f"""
        CREATE FUNCTION cross_read_open(p_bureau bigint, p_reason text) RETURNS bigint
        LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
        DECLARE ticket bigint;
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM public.tenant WHERE id = p_bureau AND kind = 'bureau') THEN
            RAISE EXCEPTION 'tenant % is not a housing bureau', p_bureau USING ERRCODE = '42501';
          END IF;
          IF coalesce(btrim(p_reason), '') = '' THEN
            RAISE EXCEPTION 'a cross-tenant read needs a reason' USING ERRCODE = '22023';
          END IF;
          INSERT INTO public.cross_read_ticket (bureau_tenant_id, reason, by_role, at)
            VALUES (p_bureau, left(p_reason, 500), session_user, clock_timestamp()) RETURNING id INTO ticket;
          RETURN ticket;
        END $$""")
    op.execute(f"""
        CREATE FUNCTION cross_read_allowed() RETURNS boolean
        LANGUAGE sql STABLE {DEFINER} AS $$
          SELECT EXISTS (SELECT 1 FROM public.cross_read_ticket
                         WHERE id = NULLIF(current_setting('app.cross_read_ticket', true), '')::bigint
                           AND at > now() - interval '{TICKET_LIFE}')
        $$""")
    op.execute("REVOKE ALL ON FUNCTION cross_read_open(bigint, text), cross_read_allowed() FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION cross_read_open(bigint, text) TO {APP}")
    op.execute(f"GRANT EXECUTE ON FUNCTION cross_read_allowed() TO {rls.READER_ROLE}")
    # (SELECT ...): evaluated once per statement, not once per row.
    op.execute("""
        DO $$ DECLARE r record;
        BEGIN
          FOR r IN SELECT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
                   WHERE p.polname = 'bureau_read' LOOP
            EXECUTE format('ALTER POLICY bureau_read ON %I USING ((SELECT public.cross_read_allowed()))', r.relname);
          END LOOP;
        END $$""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            DO $$ DECLARE r record;
            BEGIN
              FOR r IN SELECT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
                       WHERE p.polname = 'bureau_read' LOOP
                EXECUTE format('ALTER POLICY bureau_read ON %I USING (true)', r.relname);
              END LOOP;
            END $$""")
        op.execute("DROP FUNCTION cross_read_allowed()")
        op.execute("DROP FUNCTION cross_read_open(bigint, text)")
        for table, visible in IDENTITY_READ.items():
            op.execute(f"ALTER POLICY tenant_read ON {table} USING "
                       f"(({OWN}) OR current_setting('app.identity_lookup', true) = 'on')")
        op.execute("DROP FUNCTION tenant_set_details(bigint, text, text, timestamptz, bigint)")
        op.execute("DROP FUNCTION tenant_set_suspended(bigint, timestamptz, timestamptz, bigint)")
        op.execute("DROP FUNCTION tenant_create(text, text, text, text, timestamptz, bigint)")
        op.execute(f"GRANT INSERT, UPDATE ON tenant TO {APP}")
        op.execute(f"GRANT USAGE ON SEQUENCE tenant_id_seq TO {APP}")
        op.execute(f"GRANT UPDATE, DELETE ON audit_entry TO {APP}")
    op.drop_table('cross_read_ticket')
    with op.batch_alter_table('tenant_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_change_tenant_id'))
    op.drop_table('tenant_change')
