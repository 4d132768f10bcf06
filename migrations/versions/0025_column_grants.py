"""column grants: the public role reads the columns the public page needs, not whole tables

Revision ID: 0025_column_grants
Revises: 0024_contract_visibility
Create Date: 2026-12-02 05:00:00

Table-wide SELECT let the public role read ``management_contract.contract_no`` (and
every column added since, such as how the company was chosen), the tenants' credit
codes and suspensions, rating runs' inputs and statements' authors.  Each list is
the model's ``__public_columns__`` as of this revision (tests/test_public_columns.py
keeps the two equal).
"""
from red_property.core import rls

revision = '0025_column_grants'
down_revision = '0024_contract_visibility'
branch_labels = None
depends_on = None

PUBLIC_COLUMNS = {
    "tenant": ["id", "name", "suspended_at"],   # suspended: the bureau's not-served notice (0024) reads it
    "community": ["id", "tenant_id", "name", "address", "district", "street", "neighbourhood",
                  "committee_tenant_id"],
    "management_contract": ["id", "tenant_id", "community_id", "company_tenant_id", "starts_on", "ends_on"],
    "rating_run": ["id", "tenant_id", "period", "as_of", "published_at", "supersedes_id"],
    "rating_result": ["id", "tenant_id", "run_id", "company_tenant_id", "score", "grade"],
    "finance_statement": ["id", "tenant_id", "period", "kind", "starts_on", "ends_on", "version", "supersedes_id",
                          "reason", "content", "fingerprint", "published_at"],
    "branch_profile": ["id", "tenant_id", "organisation_id", "public_name", "contact_name", "phone", "place",
                       "hours", "note", "published_at"],
    "committee_profile": ["id", "tenant_id", "members", "contact_name", "phone", "place", "hours", "note",
                          "published_at"],
    "party_organisation_community": ["id", "tenant_id", "organisation_id", "community_id"],
}
# What 0016 granted of rating_result; every other table had a table-wide SELECT.
OLD_RESULT_COLUMNS = ["id", "tenant_id", "run_id", "company_tenant_id", "score", "grade", "rank"]


def upgrade():
    for table, columns in PUBLIC_COLUMNS.items():
        rls.public_columns(table, columns)


def downgrade():
    from alembic import op

    if op.get_bind().dialect.name != "postgresql":
        return
    for table in PUBLIC_COLUMNS:
        op.execute(f"REVOKE SELECT ON {table} FROM {rls.PUBLIC_ROLE}")
        if table == "rating_result":
            op.execute(f"GRANT SELECT ({', '.join(OLD_RESULT_COLUMNS)}) ON {table} TO {rls.PUBLIC_ROLE}")
        else:
            op.execute(f"GRANT SELECT ON {table} TO {rls.PUBLIC_ROLE}")
