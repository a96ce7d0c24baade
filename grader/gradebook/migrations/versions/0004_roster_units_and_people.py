"""roster units and people

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 23:12:52.544890
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ql_unit',
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('parent', sa.String(length=128), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['parent'], ['ql_unit.name'], ),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('ql_person',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('unit', sa.String(length=128), nullable=False),
    sa.Column('rank', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['unit'], ['ql_unit.name'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ql_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ql_person_unit'), ['unit'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ql_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ql_person_unit'))

    op.drop_table('ql_person')
    op.drop_table('ql_unit')
