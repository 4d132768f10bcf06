"""public read: the SELECT-only role of the public community page and its policies

Revision ID: 0016_public_read
Revises: 0015_committee_finance
Create Date: 2026-11-25 09:30:00

Each policy is the SQL twin of the model's ``public_criteria``.
"""
from red_property.core import rls

revision = '0016_public_read'
down_revision = '0015_committee_finance'
branch_labels = None
depends_on = None

PUBLISHED_RUN = "published_at IS NOT NULL"
RESULT_COLUMNS = ["id", "tenant_id", "run_id", "company_tenant_id", "score", "grade", "rank"]


def upgrade():
    rls.create_public_role()
    rls.public_table("community", "true")
    rls.public_table("management_contract", "true")
    rls.public_table("rating_run", PUBLISHED_RUN)
    rls.public_table("rating_result", f"run_id IN (SELECT id FROM rating_run WHERE {PUBLISHED_RUN})",
                     columns=RESULT_COLUMNS)


def downgrade():
    for table in ("community", "management_contract", "rating_run", "rating_result"):
        rls.drop_public_policy(table)
    rls.drop_public_policy("tenant")
