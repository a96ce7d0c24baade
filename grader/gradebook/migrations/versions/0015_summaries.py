"""scoreboard summaries: per person, unit and period figures, the people marked stale, the
triggers that mark them; back-filled from the raw rows (grader.summary)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 01:20:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ql_summary_person',
    sa.Column('person_id', sa.String(length=128), nullable=False),
    sa.Column('period_key', sa.String(length=8), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('span', sa.String(length=8), nullable=False),
    sa.Column('unit', sa.String(length=128), nullable=False),
    sa.Column('best', sa.Float(), nullable=False),
    sa.Column('band', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('person_id', 'period_key', 'programme')
    )
    op.create_table('ql_summary_unit',
    sa.Column('unit', sa.String(length=128), nullable=False),
    sa.Column('period_key', sa.String(length=8), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('band', sa.Integer(), nullable=False),
    sa.Column('span', sa.String(length=8), nullable=False),
    sa.Column('candidates', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('best_micros', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('unit', 'period_key', 'programme', 'band')
    )
    with op.batch_alter_table('ql_summary_unit', schema=None) as batch_op:
        batch_op.create_index('ix_ql_summary_unit_period', ['period_key'], unique=False)
    op.create_table('ql_summary_examinees',
    sa.Column('unit', sa.String(length=128), nullable=False),
    sa.Column('period_key', sa.String(length=8), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('unit', 'period_key')
    )
    op.create_table('ql_summary_stale',
    sa.Column('person_id', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('person_id')
    )
    from grader.summary.maintain import rebuild
    from grader.summary.triggers import install

    connection = op.get_bind()
    install(connection)
    with Session(bind=connection) as session:
        rebuild(session)
        session.flush()


def downgrade() -> None:
    from grader.summary.triggers import drop

    drop(op.get_bind())
    op.drop_table('ql_summary_stale')
    op.drop_table('ql_summary_examinees')
    with op.batch_alter_table('ql_summary_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_ql_summary_unit_period')
    op.drop_table('ql_summary_unit')
    op.drop_table('ql_summary_person')
