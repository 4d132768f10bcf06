"""owners' committees: one per community at a time, with its term and filing (备案) day

Revision ID: 0023_owners_committee
Revises: 0022_tenant_suspension
Create Date: 2026-12-02 01:10:00

"""
from alembic import op
import sqlalchemy as sa

from red_property.core import rls

revision = '0023_owners_committee'
down_revision = '0022_tenant_suspension'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('owners_committee',
    sa.Column('community_id', ID, nullable=False),
    sa.Column('committee_tenant_id', ID, nullable=False),
    sa.Column('term_starts_on', sa.Date(), nullable=False),
    sa.Column('term_ends_on', sa.Date(), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('tenant_id', ID, nullable=False),
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('term_ends_on > term_starts_on', name=op.f('ck_owners_committee_term')),
    sa.ForeignKeyConstraint(['committee_tenant_id'], ['tenant.id'],
                            name=op.f('fk_owners_committee_committee_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['tenant_id', 'community_id'], ['community.tenant_id', 'community.id'],
                            name=op.f('fk_owners_committee_tenant_id_community')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_owners_committee_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_owners_committee')),
    sa.UniqueConstraint('committee_tenant_id', name=op.f('uq_owners_committee_committee_tenant_id')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_owners_committee_tenant_id_id'))
    )
    with op.batch_alter_table('owners_committee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_owners_committee_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_owners_committee_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_owners_committee_tenant_id_community_id', ['tenant_id', 'community_id'],
                              unique=False)

    # the bureau owns the terms; a committee reads its own (OwnersCommittee.visible_to)
    rls.tenant_table('owners_committee', read=f"committee_tenant_id = {rls.CURRENT}")


def downgrade():
    rls.drop_tenant_table_policies('owners_committee')
    with op.batch_alter_table('owners_committee', schema=None) as batch_op:
        batch_op.drop_index('ix_owners_committee_tenant_id_community_id')
        batch_op.drop_index(batch_op.f('ix_owners_committee_community_id'))
        batch_op.drop_index(batch_op.f('ix_owners_committee_tenant_id'))
    op.drop_table('owners_committee')
