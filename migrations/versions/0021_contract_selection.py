"""management contracts: how the company was chosen (招投标, 协议选聘, 业主大会选聘)

Revision ID: 0021_contract_selection
Revises: 0021_browser_sessions
Create Date: 2026-12-02 01:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0021_contract_selection'
down_revision = '0021_browser_sessions'
branch_labels = None
depends_on = None


def upgrade():
    # nullable: contracts recorded before this column (the demo's) do not say how the company was chosen
    with op.batch_alter_table('management_contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('selection', sa.Enum('tender', 'agreement', 'owners_assembly',
                                                           name='contract_selection', native_enum=False, length=20),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('management_contract', schema=None) as batch_op:
        batch_op.drop_column('selection')
