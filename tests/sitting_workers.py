"""Work done in other OS processes by the sitting concurrency tests: each process opens its own
engine, as a second room process or a second `qinglian serve` would."""

from __future__ import annotations

import threading
from datetime import datetime
from multiprocessing.synchronize import Barrier
from pathlib import Path

from sqlalchemy.orm import Session

from grader.gradebook.engine import connect
from grader.sitting.answers import save
from grader.sitting.errors import SittingError
from grader.sitting.signin import sign_in
from grader.sitting.submission import close_expired, submit_attempt

SECRET = b"test-secret-of-the-workspace-32b"


def sign_in_many(db_url: str, admission_no: str, code: str, now: datetime, threads: int,
                 barrier: Barrier) -> list[int | str]:
    """`threads` sign-ins at once from this process, after every process is ready; the attempt
    ids they got (or the refusal)."""
    engine = connect(db_url)
    got: list[int | str] = []
    ready = threading.Barrier(threads)

    def one() -> None:
        ready.wait()
        with Session(engine) as session:
            try:
                view = sign_in(session, SECRET, admission_no, code, client=f"10.0.0.{threading.get_ident() % 250}",
                               now=now)
                got.append(view.attempt_id)
            except SittingError as error:
                got.append(str(error))
            session.commit()

    barrier.wait()
    workers = [threading.Thread(target=one) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    engine.dispose()
    return got


def save_many(db_url: str, attempt_id: int, admission_no: str, answers: list[tuple[int, str]], now: datetime,
              barrier: Barrier) -> list[tuple[int, str, bool]]:
    """Save each answer in its own transaction, as a candidate's page does; what was acknowledged."""
    engine = connect(db_url)
    acknowledged = []
    barrier.wait()
    for position, shown in answers:
        with Session(engine) as session:
            saved = save(session, attempt_id, admission_no, position, shown, now)
            session.commit()
        acknowledged.append((position, shown, saved.accepted))
    engine.dispose()
    return acknowledged


def sweep(db_url: str, root: str, now: datetime, barrier: Barrier) -> list[str]:
    engine = connect(db_url)
    barrier.wait()
    with Session(engine) as session, session.begin():
        closed = close_expired(session, Path(root), now, grade=False)
    engine.dispose()
    return closed


def save_then_submit(db_url: str, root: str, attempt_id: int, admission_no: str, answers: list[tuple[int, str]],
                     now: datetime, barrier: Barrier) -> list[tuple[int, str, bool]]:
    """Saves like save_many, then hands the attempt in while the other processes still save."""
    acknowledged = save_many(db_url, attempt_id, admission_no, answers, now, barrier)
    engine = connect(db_url)
    with Session(engine) as session, session.begin():
        submit_attempt(session, Path(root), attempt_id, now, how="candidate", admission_no=admission_no)
    engine.dispose()
    return acknowledged
