"""Migration 0009 on a gradebook made before it: twin attempts left by the old race are repaired
without losing an answer, the constraints then hold, and PBKDF2 seats are marked for new codes."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from grader.gradebook.database import _create_nbgrader_tables, alembic_config, migrate
from grader.gradebook.engine import connect
from grader.settings import Settings

T = datetime(2026, 12, 1, 9, 0)


def _old_gradebook(settings: Settings) -> Engine:
    settings.root.mkdir(parents=True, exist_ok=True)
    engine = connect(settings.db_url)
    _create_nbgrader_tables(engine)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
    with engine.begin() as c:
        c.execute(text("INSERT INTO ql_sitting VALUES ('old', '旧场次', :t, :t, 60, 1, 'x', :t)"), {"t": T})
        for seat in ("old-0001", "old-0002"):
            c.execute(text("INSERT INTO ql_sitting_candidate VALUES (:a, 'old', 'S1', 'p-a', :h, 7)"),
                      {"a": seat, "h": "ab" * 32})
        # seat 1: twins from a double click, both numbered 1 and open; the second holds the answers
        for attempt_id, number in ((1, 1), (2, 1), (3, 2)):
            c.execute(text("INSERT INTO ql_attempt (id, admission_no, number, started_at, deadline) "
                           "VALUES (:i, 'old-0001', :n, :t, :t)"), {"i": attempt_id, "n": number, "t": T})
        c.execute(text("INSERT INTO ql_attempt (id, admission_no, number, started_at, deadline, submitted_at, "
                       "submitted_how) VALUES (4, 'old-0002', 1, :t, :t, :t, 'candidate')"), {"t": T})
        for position in (1, 2):
            c.execute(text("INSERT INTO ql_answer VALUES (2, :p, 'A', :t)"), {"p": position, "t": T})
    return engine


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_twins_are_repaired_answers_kept_and_old_codes_marked(settings: Settings) -> None:
    engine = _old_gradebook(settings)
    migrate(engine)
    with engine.connect() as c:
        attempts = c.execute(text("SELECT id, number, submitted_how FROM ql_attempt WHERE admission_no = 'old-0001' "
                                  "ORDER BY id")).all()
        answers = c.execute(text("SELECT attempt_id, position FROM ql_answer ORDER BY position")).all()
        hashes = c.execute(text("SELECT code_hash FROM ql_sitting_candidate")).scalars().all()
    assert [tuple(a) for a in attempts] == [(1, 1, "void"), (2, 2, None), (3, 3, "void")]
    assert [tuple(a) for a in answers] == [(2, 1), (2, 2)]  # nothing cascaded away
    assert hashes == ["pbkdf2:" + "ab" * 32] * 2
    with pytest.raises(IntegrityError), engine.begin() as c:  # a second open attempt on the seat
        c.execute(text("INSERT INTO ql_attempt (admission_no, number, started_at, deadline) "
                       "VALUES ('old-0001', 9, :t, :t)"), {"t": T})
    with pytest.raises(IntegrityError), engine.begin() as c:  # a second attempt numbered 1
        c.execute(text("INSERT INTO ql_attempt (admission_no, number, started_at, deadline, submitted_at) "
                       "VALUES ('old-0002', 1, :t, :t, :t)"), {"t": T})
    engine.dispose()
