"""exam sittings attempts answers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 22:24:14.770123
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ql_sitting',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=256), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('attempts_allowed', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('ql_sitting_candidate',
    sa.Column('admission_no', sa.String(length=32), nullable=False),
    sa.Column('sitting_id', sa.String(length=64), nullable=False),
    sa.Column('student_id', sa.String(length=128), nullable=False),
    sa.Column('assignment', sa.String(length=128), nullable=False),
    sa.Column('code_hash', sa.String(length=128), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sitting_id'], ['ql_sitting.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('admission_no')
    )
    with op.batch_alter_table('ql_sitting_candidate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ql_sitting_candidate_sitting_id'), ['sitting_id'], unique=False)

    op.create_table('ql_attempt',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('admission_no', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('deadline', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_how', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['admission_no'], ['ql_sitting_candidate.admission_no'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ql_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ql_attempt_admission_no'), ['admission_no'], unique=False)

    op.create_table('ql_answer',
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['ql_attempt.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attempt_id', 'position')
    )
    op.create_table('ql_answer_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['ql_attempt.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ql_answer_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ql_answer_event_attempt_id'), ['attempt_id'], unique=False)

    with op.batch_alter_table('ql_paper_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stem', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('option_texts', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('ql_paper_item', schema=None) as batch_op:
        batch_op.drop_column('option_texts')
        batch_op.drop_column('stem')

    with op.batch_alter_table('ql_answer_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ql_answer_event_attempt_id'))

    op.drop_table('ql_answer_event')
    op.drop_table('ql_answer')
    with op.batch_alter_table('ql_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ql_attempt_admission_no'))

    op.drop_table('ql_attempt')
    with op.batch_alter_table('ql_sitting_candidate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ql_sitting_candidate_sitting_id'))

    op.drop_table('ql_sitting_candidate')
    op.drop_table('ql_sitting')
