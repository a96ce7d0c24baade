"""sitting integrity: one attempt per seat and number, one open attempt per seat, submissions kept
by attempt, HMAC exam codes with lockout, sign-in log, tab-switch events, proctor actions

Seats made before this migration hold PBKDF2 hashes, which cannot be turned into HMAC ones
without the codes: they are marked "pbkdf2:" and refused at sign-in until
`qinglian sitting reissue-codes` gives them new codes. Twin attempts made by the old race are
repaired before the constraints go on: numbers are made unique per seat (in order of number,
then id) and, of several open attempts on one seat, the one holding the most answers stays open
while the others are closed as "void" at their start.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_OPEN = sa.text("submitted_at IS NULL")


def _repair_twins() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT a.id, a.admission_no, a.submitted_at, "
        "(SELECT COUNT(*) FROM ql_answer w WHERE w.attempt_id = a.id) AS answers "
        "FROM ql_attempt a ORDER BY a.admission_no, a.number, a.id")).all()
    seats: dict[str, list[tuple[int, object, int]]] = {}
    for attempt_id, admission_no, submitted_at, answers in rows:
        seats.setdefault(admission_no, []).append((attempt_id, submitted_at, answers))
    for attempts in seats.values():
        for number, (attempt_id, _, _) in enumerate(attempts, start=1):
            connection.execute(sa.text("UPDATE ql_attempt SET number = :n WHERE id = :id"),
                               {"n": number, "id": attempt_id})
        open_ones = [(answers, -attempt_id) for attempt_id, submitted_at, answers in attempts if submitted_at is None]
        for _, negative_id in sorted(open_ones, reverse=True)[1:]:
            connection.execute(sa.text("UPDATE ql_attempt SET submitted_at = started_at, submitted_how = 'void' "
                                       "WHERE id = :id"), {"id": -negative_id})


def upgrade() -> None:
    _repair_twins()
    # unique indexes, not a table constraint: on SQLite a constraint means rebuilding ql_attempt, and
    # dropping the old table with foreign keys on would cascade to every answer
    op.create_index('uq_ql_attempt_number', 'ql_attempt', ['admission_no', 'number'], unique=True)
    op.create_index('ux_ql_attempt_open', 'ql_attempt', ['admission_no'], unique=True,
                    sqlite_where=_OPEN, postgresql_where=_OPEN)
    with op.batch_alter_table('ql_sitting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('switch_limit', sa.Integer(), nullable=True))
    with op.batch_alter_table('ql_sitting_candidate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_tries', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
    op.execute("UPDATE ql_sitting_candidate SET code_hash = 'pbkdf2:' || code_hash "
               "WHERE code_hash NOT LIKE 'hmac:%' AND code_hash NOT LIKE 'pbkdf2:%'")
    op.create_table('ql_submission',
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('how', sa.String(length=16), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['ql_attempt.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attempt_id', 'seq')
    )
    op.create_table('ql_mark',
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['ql_attempt.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attempt_id', 'position')
    )
    op.create_table('ql_sign_in',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('admission_no', sa.String(length=64), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_ql_sign_in_client', 'ql_sign_in', ['client', 'at'])
    op.create_index('ix_ql_sign_in_admission', 'ql_sign_in', ['admission_no', 'at'])
    op.create_table('ql_attempt_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['ql_attempt.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_ql_attempt_event_attempt_id', 'ql_attempt_event', ['attempt_id'])
    op.create_table('ql_proctor_action',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('sitting_id', sa.String(length=64), nullable=False),
    sa.Column('admission_no', sa.String(length=32), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['sitting_id'], ['ql_sitting.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_ql_proctor_action_sitting_id', 'ql_proctor_action', ['sitting_id'])


def downgrade() -> None:
    op.drop_index('ix_ql_proctor_action_sitting_id', table_name='ql_proctor_action')
    op.drop_table('ql_proctor_action')
    op.drop_index('ix_ql_attempt_event_attempt_id', table_name='ql_attempt_event')
    op.drop_table('ql_attempt_event')
    op.drop_index('ix_ql_sign_in_admission', table_name='ql_sign_in')
    op.drop_index('ix_ql_sign_in_client', table_name='ql_sign_in')
    op.drop_table('ql_sign_in')
    op.drop_table('ql_mark')
    op.drop_table('ql_submission')
    with op.batch_alter_table('ql_sitting_candidate', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_tries')
    with op.batch_alter_table('ql_sitting', schema=None) as batch_op:
        batch_op.drop_column('switch_limit')
    op.drop_index('ux_ql_attempt_open', table_name='ql_attempt')
    op.drop_index('uq_ql_attempt_number', table_name='ql_attempt')
