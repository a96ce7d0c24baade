"""essay marking: a paper's marking setting (single or double) and each marker's marks

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 01:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ql_marking_setting',
    sa.Column('assignment', sa.String(length=128), nullable=False),
    sa.Column('double_marking', sa.Boolean(), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('set_by', sa.String(length=128), nullable=False),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignment'], ['ql_paper.assignment'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assignment')
    )
    op.create_table('ql_essay_mark',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('assignment', sa.String(length=128), nullable=False),
    sa.Column('student_id', sa.String(length=128), nullable=False),
    sa.Column('item', sa.String(length=32), nullable=False),
    sa.Column('marker_id', sa.Integer(), nullable=False),
    sa.Column('marker', sa.String(length=128), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('marked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['marker_id'], ['ql_staff.id']),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ql_essay_mark', schema=None) as batch_op:
        batch_op.create_index('uq_ql_essay_mark_round', ['assignment', 'item', 'student_id', 'round'],
                              unique=True)


def downgrade() -> None:
    with op.batch_alter_table('ql_essay_mark', schema=None) as batch_op:
        batch_op.drop_index('uq_ql_essay_mark_round')
    op.drop_table('ql_essay_mark')
    op.drop_table('ql_marking_setting')
