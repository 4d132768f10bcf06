"""a company sees a community from its contract's first day (by the app's clock); the bureau's
"no longer served here" notice for a suspended company; an invitation to an email that has an
account elsewhere looks like any other (emails unique among accounts with a password)

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


INVITED = "password_hash <> '!invited'"  # accounts.passwords.NO_PASSWORD


def _without_fk_checks(fn):
    """SQLite rebuilds user_account to change its constraints; rows of other tables point at it."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA foreign_keys=OFF")
    try:
        fn()
    finally:
        if sqlite:
            op.execute("PRAGMA foreign_keys=ON")


def _login_unique_among_accounts():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_account_email', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_user_account_tenant_id_email'), ['tenant_id', 'email'])
        batch_op.create_index('uq_user_account_email_login', ['email'], unique=True,
                              sqlite_where=sa.text(INVITED), postgresql_where=sa.text(INVITED))


def _login_unique_everywhere():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index('uq_user_account_email_login', sqlite_where=sa.text(INVITED),
                            postgresql_where=sa.text(INVITED))
        batch_op.drop_constraint(batch_op.f('uq_user_account_tenant_id_email'), type_='unique')
        batch_op.create_unique_constraint('uq_user_account_email', ['email'])


def upgrade():
    _without_fk_checks(_login_unique_among_accounts)
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_served_notice', sa.Boolean(), server_default=sa.false(), nullable=False))
    rls.create_current_day_function()
    rls.replace_read_policy("community", STARTED)
    # Company.public_criteria: the public page reads whether the bureau flagged a company, nothing else
    rls.public_table("company", "not_served_notice", columns=["id", "tenant_id", "company_tenant_id",
                                                              "not_served_notice"])


def downgrade():
    _without_fk_checks(_login_unique_everywhere)
    rls.drop_public_policy("company")
    rls.replace_read_policy("community", ANY_CONTRACT)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS app_current_day()")
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_column('not_served_notice')
