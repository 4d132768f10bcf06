"""row-level security evaluates the tenant once per statement, and lets the bureau's reads run in parallel

Every tenant policy compared each row with ``app_current_tenant()``, which PostgreSQL
evaluated again for every row it read (a ``current_setting`` call per row: 3.3 million for
the fee bills of a province).  Wrapped as ``(SELECT app_current_tenant())`` it is an
initplan, evaluated once per statement, and still an index condition.  The same for
``app_current_day()``.  ``cross_read_allowed()`` (the bureau reader's ticket check) was
PARALLEL UNSAFE by default, which kept every cross-tenant read in one process; it reads
a committed table and a setting that parallel workers share, so it is PARALLEL SAFE.
At province scale the rating's fee-collection read took 12.1 s, now 7.2 s (the same
query as the schema owner: 5.5 s).  Policies and rows admitted are otherwise unchanged.

Revision ID: 0035_policy_initplans
Revises: 0034_planner_statistics
Create Date: 2026-12-03 17:40:00

"""
from alembic import op

revision = '0035_policy_initplans'
down_revision = '0034_planner_statistics'
branch_labels = None
depends_on = None

# Each policy of the public schema whose expressions call the function bare (not already
# as a scalar subquery), rewritten with the call as a subquery; and back.
REWRITE = r"""
    DO $$ DECLARE r record; q text; c text;
    BEGIN
      FOR r IN SELECT tablename, policyname, qual, with_check FROM pg_policies WHERE schemaname = 'public' LOOP
        q := regexp_replace(r.qual, %(find)s, %(put)s, 'g');
        c := regexp_replace(r.with_check, %(find)s, %(put)s, 'g');
        IF q IS DISTINCT FROM r.qual THEN
          EXECUTE format('ALTER POLICY %%I ON %%I USING (%%s)', r.policyname, r.tablename, q);
        END IF;
        IF c IS DISTINCT FROM r.with_check THEN
          EXECUTE format('ALTER POLICY %%I ON %%I WITH CHECK (%%s)', r.policyname, r.tablename, c);
        END IF;
      END LOOP;
    END $$"""
WRAP = {"find": r"'(?<!SELECT )(app_current_(tenant|day)\(\))'", "put": r"'(SELECT \1)'"}
UNWRAP = {"find": r"'\( SELECT (app_current_(tenant|day)\(\)) AS app_current_(tenant|day)\)'", "put": r"'\1'"}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(REWRITE % WRAP)
    op.execute("ALTER FUNCTION cross_read_allowed() PARALLEL SAFE")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER FUNCTION cross_read_allowed() PARALLEL UNSAFE")
    op.execute(REWRITE % UNWRAP)
