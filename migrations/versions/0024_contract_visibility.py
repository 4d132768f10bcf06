"""a company sees a community from its contract's first day (by the app's clock); the bureau's
"no longer served here" notice for a suspended company

Revision ID: 0024_contract_visibility
Revises: 0023_owners_committee
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa

from red_property.core import rls

revision = '0024_contract_visibility'
down_revision = '0023_owners_committee'
branch_labels = None
depends_on = None

# Community.visible_on: the committee's community; a company's from its contract's first day on
# (an ended contract still counts: the old company reads the history its records refer to)
STARTED = (f"committee_tenant_id = {rls.CURRENT} OR id IN (SELECT community_id FROM management_contract "
           f"WHERE company_tenant_id = {rls.CURRENT} AND starts_on <= {rls.TODAY})")
ANY_CONTRACT = (f"committee_tenant_id = {rls.CURRENT} OR id IN "
                f"(SELECT community_id FROM management_contract WHERE company_tenant_id = {rls.CURRENT})")


def upgrade():
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_served_notice', sa.Boolean(), server_default=sa.false(), nullable=False))
    rls.create_current_day_function()
    rls.replace_read_policy("community", STARTED)
    # Company.public_criteria: the public page reads whether the bureau flagged a company, nothing else
    rls.public_table("company", "not_served_notice", columns=["id", "tenant_id", "company_tenant_id",
                                                              "not_served_notice"])


def downgrade():
    rls.drop_public_policy("company")
    rls.replace_read_policy("community", ANY_CONTRACT)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS app_current_day()")
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_column('not_served_notice')
