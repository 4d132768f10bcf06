"""refresh_planner_statistics(text[]): the app role may have the tables it filled analyzed

Only a table's owner may ANALYZE it.  After a bulk write (the demo, an import, a billing
run) the app asks for fresh planner statistics through this SECURITY DEFINER function,
which analyzes named tables of the public schema and nothing else
(red_property.core.statistics).  PostgreSQL only.

Revision ID: 0034_planner_statistics
Revises: 0033_demand_assignee
Create Date: 2026-12-03 08:00:00

"""
from alembic import op

from red_property.core import rls

revision = '0034_planner_statistics'
down_revision = '0033_demand_assignee'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION refresh_planner_statistics(p_tables text[]) RETURNS integer
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
        DECLARE
          t text;
          analyzed integer := 0;
        BEGIN
          FOREACH t IN ARRAY p_tables LOOP
            -- a table of the public schema, by its exact name; anything else is skipped
            IF EXISTS (SELECT FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
                       AND c.relname = t AND c.relkind IN ('r', 'p')) THEN
              EXECUTE format('ANALYZE public.%I', t);
              analyzed := analyzed + 1;
            END IF;
          END LOOP;
          RETURN analyzed;
        END $$""")
    op.execute("REVOKE ALL ON FUNCTION refresh_planner_statistics(text[]) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION refresh_planner_statistics(text[]) TO {rls.APP_ROLE}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION refresh_planner_statistics(text[])")
