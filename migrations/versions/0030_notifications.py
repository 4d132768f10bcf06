"""notifications: one row per recipient in the recipient's tenant, and the bureau's one way
of notifying companies (``notification_from_bureau``)

Revision ID: 0030_notifications
Revises: 0029_input_corrections
Create Date: 2026-12-02 08:00:00

"""
from alembic import op
import sqlalchemy as sa

from red_property.core import rls

revision = '0030_notifications'
down_revision = '0029_input_corrections'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
APP = rls.APP_ROLE
DEFINER = "SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp"
SIGNATURE = "notification_from_bureau(text, bigint, timestamptz)"


def upgrade():
    op.create_table('notification',
    sa.Column('user_id', ID, nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject_id', ID, nullable=False),
    sa.Column('occasion', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', ID, nullable=False),
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['user_account.tenant_id', 'user_account.id'],
                            name=op.f('fk_notification_tenant_id_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_notification_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_notification_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'user_id', 'kind', 'subject_id', 'occasion',
                        name=op.f('uq_notification_tenant_id_user_id_kind_subject_id_occasion'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_notification_tenant_id_user_id_read_at', ['tenant_id', 'user_id', 'read_at'],
                              unique=False)

    rls.tenant_table('notification')
    if op.get_bind().dialect.name != "postgresql":
        return
    # A user's notifications are theirs: not even the bureau's audited cross-tenant read sees them.
    op.execute("DROP POLICY bureau_read ON notification")
    op.execute(f"REVOKE ALL ON notification FROM {rls.READER_ROLE}")
    _from_bureau()


def _from_bureau():
    """The bureau may not write a company's rows; this function writes the two notifications it
    owes companies, deriving who and what from rows the calling bureau owns (never from its
    arguments): a published run's rated companies, a decided appeal's company.  Each company's
    rows are written in that company's scope (FORCE RLS filters this function's owner too), for
    its active admins, once (the unique key)."""
    op.execute(f"""
        CREATE FUNCTION notification_from_bureau(p_kind text, p_subject bigint, p_at timestamptz)
        RETURNS integer LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
        DECLARE
          bureau bigint := NULLIF(current_setting('app.current_tenant', true), '')::bigint;
          targets json;
          t record;
          made integer := 0;
          n integer;
        BEGIN
          IF bureau IS NULL OR NOT EXISTS (SELECT 1 FROM public.tenant WHERE id = bureau AND kind = 'bureau') THEN
            RAISE EXCEPTION 'only a housing bureau notifies other tenants' USING ERRCODE = '42501';
          END IF;
          -- Read everything first, in the bureau's scope; the loop below changes the scope.
          SELECT coalesce(json_agg(x), '[]') INTO targets FROM (
            SELECT res.company_tenant_id AS company, run.id AS subject,
                   json_build_object('run_id', run.id, 'period', run.period,
                                     'appeals_until', run.appeals_until) AS params
              FROM public.rating_run run
              JOIN public.rating_result res ON res.tenant_id = run.tenant_id AND res.run_id = run.id
             WHERE p_kind = 'rating_published' AND run.tenant_id = bureau AND run.id = p_subject
               AND run.published_at IS NOT NULL
            UNION ALL
            SELECT a.tenant_id, a.id,
                   json_build_object('run_id', a.run_id, 'period', run.period, 'indicator', a.indicator_id,
                                     'upheld', d.upheld, 'reason', left(d.reason, 200))
              FROM public.rating_appeal a
              JOIN public.rating_appeal_decision d ON d.appeal_id = a.id AND d.tenant_id = bureau
              JOIN public.rating_run run ON run.id = a.run_id AND run.tenant_id = bureau
             WHERE p_kind = 'appeal_decided' AND a.id = p_subject
          ) x;
          FOR t IN SELECT * FROM json_to_recordset(targets) AS r(company bigint, subject bigint, params json) LOOP
            PERFORM set_config('app.current_tenant', t.company::text, true);
            INSERT INTO public.notification (tenant_id, user_id, kind, subject_id, occasion, params, created_at)
              SELECT u.tenant_id, u.id, p_kind, t.subject, '', t.params, p_at
                FROM public.user_account u
               WHERE u.tenant_id = t.company AND u.role = 'admin' AND u.active
              ON CONFLICT DO NOTHING;
            GET DIAGNOSTICS n = ROW_COUNT;
            made := made + n;
          END LOOP;
          PERFORM set_config('app.current_tenant', bureau::text, true);
          RETURN made;
        END $$""")
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {APP}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {SIGNATURE}")
    rls.drop_tenant_table_policies('notification')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_tenant_id_user_id_read_at')
        batch_op.drop_index(batch_op.f('ix_notification_tenant_id'))
    op.drop_table('notification')
