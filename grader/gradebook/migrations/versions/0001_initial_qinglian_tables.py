"""initial qinglian tables

Revision ID: 0001
Revises:
Create Date: 2026-11-26 21:23:44.324761
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ql_grading_run',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('assignment', sa.String(length=128), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('graded', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ql_grading_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ql_grading_run_assignment'), ['assignment'], unique=False)

    op.create_table('ql_paper',
    sa.Column('assignment', sa.String(length=128), nullable=False),
    sa.Column('blueprint', sa.String(length=128), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=256), nullable=False),
    sa.Column('version', sa.String(length=8), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('total_points', sa.Float(), nullable=False),
    sa.Column('pass_mark', sa.Float(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('show_score', sa.Boolean(), nullable=False),
    sa.Column('built_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('assignment')
    )
    op.create_table('ql_grading_issue',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['ql_grading_run.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('ql_paper_item',
    sa.Column('assignment', sa.String(length=128), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('item_id', sa.String(length=128), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('area', sa.String(length=32), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('options', sa.String(length=8), nullable=False),
    sa.Column('key', sa.JSON(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assignment'], ['ql_paper.assignment'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assignment', 'position')
    )
    op.create_table('ql_result',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('assignment', sa.String(length=128), nullable=False),
    sa.Column('student_id', sa.String(length=128), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('auto_score', sa.Float(), nullable=False),
    sa.Column('max_score', sa.Float(), nullable=False),
    sa.Column('needs_manual', sa.Boolean(), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['ql_grading_run.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ql_result', schema=None) as batch_op:
        batch_op.create_index('ix_ql_result_lookup', ['assignment', 'student_id', 'current'], unique=False)

    op.create_table('ql_item_result',
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=128), nullable=False),
    sa.Column('response', sa.Text(), nullable=True),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('max_score', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['result_id'], ['ql_result.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('result_id', 'position')
    )


def downgrade() -> None:
    op.drop_table('ql_item_result')
    with op.batch_alter_table('ql_result', schema=None) as batch_op:
        batch_op.drop_index('ix_ql_result_lookup')

    op.drop_table('ql_result')
    op.drop_table('ql_paper_item')
    op.drop_table('ql_grading_issue')
    op.drop_table('ql_paper')
    with op.batch_alter_table('ql_grading_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ql_grading_run_assignment'))

    op.drop_table('ql_grading_run')
