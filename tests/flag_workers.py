"""What each process of the concurrent flag-clearing test runs: kept apart from the test module
so that a spawned interpreter imports only what clearing needs."""

from __future__ import annotations

import multiprocessing
from datetime import datetime
from multiprocessing.synchronize import Barrier

from sqlalchemy.orm import Session

from grader.certificates.flags import FlagError, clear_flag
from grader.gradebook.engine import connect
from grader.staff.roles import Actor


def clear_in_a_process(db_url: str, assignment: str, reviewer: str, reason: str, now: datetime, start: Barrier,
                       results: multiprocessing.Queue[tuple[str, str]]) -> None:
    engine = connect(db_url)
    try:
        start.wait(timeout=120)
        with Session(engine) as session, session.begin():
            clear_flag(session, "P001", assignment, Actor(reviewer, "organiser"), reason, now)
        results.put(("cleared", reviewer))
    except FlagError as error:
        results.put(("refused", str(error)))
    finally:
        engine.dispose()
