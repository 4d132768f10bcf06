"""company directory: the bureau's register of property companies (统一社会信用代码)

Revision ID: 0019_company_directory
Revises: 0018_invitations
Create Date: 2026-12-02 00:10:00

"""
from alembic import op
import sqlalchemy as sa

from red_property.core import rls

revision = '0019_company_directory'
down_revision = '0018_invitations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('company',
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('legal_representative', sa.String(length=50), nullable=False),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_phone', sa.String(length=30), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('company_tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_tenant_id'], ['tenant.id'], name=op.f('fk_company_company_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_company_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company')),
    sa.UniqueConstraint('company_tenant_id', name=op.f('uq_company_company_tenant_id')),
    sa.UniqueConstraint('tenant_id', 'credit_code', name=op.f('uq_company_tenant_id_credit_code')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_company_tenant_id_id'))
    )
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_company_tenant_id'), ['tenant_id'], unique=False)

    # the bureau owns the directory; a company reads its own entry (Company.visible_to)
    rls.tenant_table('company', read=f"company_tenant_id = {rls.CURRENT}")


def downgrade():
    rls.drop_tenant_table_policies('company')
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_company_tenant_id'))
    op.drop_table('company')
