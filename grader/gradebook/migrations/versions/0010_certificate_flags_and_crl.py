"""flag clearances: a result flagged for review (待复核) earns a certificate only once a person
has cleared it, and the clearing is kept (who, when, why)

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-01 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ql_result_flag_clearance',
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('cleared_by', sa.String(length=128), nullable=False),
    sa.Column('cleared_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['result_id'], ['ql_result.id'], ),
    sa.PrimaryKeyConstraint('result_id')
    )


def downgrade() -> None:
    op.drop_table('ql_result_flag_clearance')
