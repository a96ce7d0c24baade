"""One seat, one attempt, whatever several processes do at the same instant, on SQLite and
PostgreSQL: simultaneous sign-ins, a deadline sweep run by two `serve` processes, concurrent saves."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta

from nbgrader.api import Gradebook, Student
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session

from grader.gradebook.engine import connect
from grader.gradebook.models import AnswerEventRow, AttemptRow, SittingCandidateRow, SubmissionRow
from grader.paper.store import load_keys
from grader.settings import Settings
from grader.sitting.answers import save
from grader.sitting.attempt import enter, resume
from grader.sitting.presentation import PresentedItem
from grader.sitting.seats import Seat, create_sitting
from grader.sitting.signin import sign_in
from grader.sitting.submission import close_expired, grade_attempt, submit_attempt
from grader.staff.roles import system
from tests.sitting_workers import SECRET, save_many, save_then_submit, sign_in_many, sweep

OPENS = datetime(2026, 12, 1, 9, 0)
SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter each, like separate servers


def _seats(engine: Engine, released: list[str], students: int = 1) -> list[Seat]:
    with Session(engine) as session, session.begin():
        session.add_all(Student(id=f"S{n}", last_name="王", first_name=f"{n}") for n in range(students))
        return create_sitting(session, "s1", "并发场次", released[:1], [f"S{n}" for n in range(students)], OPENS,
                              OPENS + timedelta(hours=3), 60, secret=SECRET, created_by=system("t"), now=OPENS)


def test_fifty_simultaneous_sign_ins_on_one_seat_from_five_processes_make_one_attempt(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = _seats(engine, released)
    processes, threads = 5, 10
    with SPAWN.Manager() as manager, SPAWN.Pool(processes) as pool:
        barrier = manager.Barrier(processes)
        results = pool.starmap(sign_in_many, [(settings.db_url, seat.admission_no, seat.code,
                                               OPENS + timedelta(minutes=1), threads, barrier)] * processes)
    got = [attempt for batch in results for attempt in batch]
    assert len(got) == 50 and len(set(got)) == 1 and isinstance(got[0], int), set(map(str, got))
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(AttemptRow)) == 1


def _answer_all_right(engine: Engine, seat: Seat, attempt_id: int, at: datetime) -> float:
    with Session(engine) as session:
        keys = {k.position: k for k in load_keys(session, seat.assignment).items}
    with Session(engine) as session, session.begin():
        view = sign_in(session, SECRET, seat.admission_no, seat.code, client="t", now=at)
        score = 0.0
        for p in view.items:
            key = keys[p.item.position]
            if key.type == "essay":
                continue
            shown = key.key[0] if key.type == "fill" and isinstance(key.key, tuple) else p.to_shown(str(key.key))
            assert save(session, attempt_id, seat.admission_no, p.item.position, shown, at).accepted
            score += key.points
    return score


def test_a_submitted_score_survives_the_deadline_sweep_of_two_serve_processes(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = _seats(engine, released)
    with Session(engine) as session, session.begin():
        attempt_id = sign_in(session, SECRET, seat.admission_no, seat.code, client="a", now=OPENS).attempt_id
    with Session(engine) as session, session.begin():  # a second tab at the same time gets the same attempt
        assert sign_in(session, SECRET, seat.admission_no, seat.code, client="b", now=OPENS).attempt_id == attempt_id
    expected = _answer_all_right(engine, seat, attempt_id, OPENS + timedelta(minutes=5))
    with Session(engine) as session, session.begin():
        submit_attempt(session, settings.root, attempt_id, OPENS + timedelta(minutes=6), how="candidate",
                       admission_no=seat.admission_no)
    with Session(engine) as session, session.begin():
        result = grade_attempt(session, settings.root, attempt_id, actor="t")
    assert result.graded and result.score == expected > 0
    after = OPENS + timedelta(hours=2)
    with SPAWN.Manager() as manager, SPAWN.Pool(2) as pool:
        barrier = manager.Barrier(2)
        swept = pool.starmap(sweep, [(settings.db_url, str(settings.root), after, barrier)] * 2)
    assert swept == [[], []]
    with Session(engine) as session, session.begin():
        assert close_expired(session, settings.root, after) == []
    with Gradebook(settings.db_url) as gradebook:
        assert gradebook.find_submission(seat.assignment, seat.student_id).score == expected


def test_two_sweeps_at_once_submit_each_expired_attempt_once(settings: Settings, engine: Engine,
                                                             released: list[str]) -> None:
    seats = _seats(engine, released, students=6)
    for seat in seats:
        with Session(engine) as session, session.begin():
            sign_in(session, SECRET, seat.admission_no, seat.code, client="t", now=OPENS)
    with SPAWN.Manager() as manager, SPAWN.Pool(2) as pool:
        barrier = manager.Barrier(2)
        swept = pool.starmap(sweep, [(settings.db_url, str(settings.root), OPENS + timedelta(hours=2), barrier)] * 2)
    assert sorted(swept[0] + swept[1]) == [s.admission_no for s in seats]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(SubmissionRow)) == 6


def _values(item: PresentedItem, process: int) -> list[str]:
    """Six different answers this process sends for one item, valid for its type."""
    if item.item.type in ("fill", "essay"):
        return [f"进程{process}第{k}次" for k in range(6)]
    letters = [letter for letter, _ in item.options]
    return [letters[(process + k) % len(letters)] for k in range(6)]


def test_concurrent_saves_from_four_processes_lose_nothing(settings: Settings, engine: Engine,
                                                           released: list[str]) -> None:
    (seat,) = _seats(engine, released)
    with Session(engine) as session, session.begin():
        view = sign_in(session, SECRET, seat.admission_no, seat.code, client="t", now=OPENS)
    shared = next(p for p in view.items if p.item.type == "fill")
    own = [p for p in view.items if p is not shared][:4]
    processes = len(own)
    plans = [[step for pair in zip(_values(own[n], n), _values(shared, n), strict=True)
              for step in ((own[n].item.position, pair[0]), (shared.item.position, pair[1]))]
             for n in range(processes)]
    with SPAWN.Manager() as manager, SPAWN.Pool(processes) as pool:
        barrier = manager.Barrier(processes)
        acknowledged = pool.starmap(save_many, [(settings.db_url, view.attempt_id, seat.admission_no, plan,
                                                 OPENS + timedelta(minutes=1), barrier) for plan in plans])
    assert all(accepted for batch in acknowledged for _, _, accepted in batch)
    with Session(engine) as session, session.begin():
        again = resume(session, view.attempt_id, seat.admission_no, OPENS + timedelta(minutes=2))
        events = session.scalar(select(func.count()).select_from(AnswerEventRow).where(AnswerEventRow.accepted))
    assert events == sum(len(plan) for plan in plans)
    for n, item in enumerate(own):  # each process's last word on its own item is what is kept
        assert again.answers[item.item.position] == plans[n][-2][1]
    assert again.answers[shared.item.position] in {plan[-1][1] for plan in plans}


def test_a_twin_that_gets_past_the_lock_is_refused_by_the_database_and_the_first_attempt_returned(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    """Another process inserts the seat's attempt between our look and our insert (as it could if
    a lock were missing): the partial unique index refuses ours, and we get theirs."""
    (seat,) = _seats(engine, released)
    other = connect(settings.db_url)
    theirs: list[int] = []

    def meanwhile(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.startswith("INSERT INTO ql_attempt") and not theirs:
            with other.begin() as connection:
                theirs.append(connection.execute(text(
                    "INSERT INTO ql_attempt (admission_no, number, started_at, deadline) "
                    "VALUES (:a, 1, :t, :d) RETURNING id"),
                    {"a": seat.admission_no, "t": OPENS, "d": OPENS + timedelta(hours=1)}).scalar_one())

    event.listen(engine, "before_cursor_execute", meanwhile)
    try:
        with Session(engine) as session, session.begin():
            row = session.get(SittingCandidateRow, seat.admission_no)
            assert row is not None
            view = enter(session, row, OPENS)  # without lock_seat
    finally:
        event.remove(engine, "before_cursor_execute", meanwhile)
        other.dispose()
    assert view.attempt_id == theirs[0]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(AttemptRow)) == 1


def test_no_save_lands_after_its_attempt_was_handed_in(settings: Settings, engine: Engine,
                                                        released: list[str]) -> None:
    """Three processes keep saving while a fourth hands the attempt in: what was handed in is
    exactly what the gradebook holds, and every save after it was refused."""
    (seat,) = _seats(engine, released)
    with Session(engine) as session, session.begin():
        view = sign_in(session, SECRET, seat.admission_no, seat.code, client="t", now=OPENS)
    items = list(view.items)[:4]
    plans = [[(item.item.position, value) for value in _values(item, n) * 4] for n, item in enumerate(items)]
    at = OPENS + timedelta(minutes=1)
    with SPAWN.Manager() as manager, SPAWN.Pool(4) as pool:
        barrier = manager.Barrier(4)
        jobs = [pool.apply_async(save_many, (settings.db_url, view.attempt_id, seat.admission_no, plan, at, barrier))
                for plan in plans[:3]]
        jobs.append(pool.apply_async(save_then_submit, (settings.db_url, str(settings.root), view.attempt_id,
                                                        seat.admission_no, plans[3][:3], at, barrier)))
        for job in jobs:
            job.get()
    with Session(engine) as session:
        (handed_in,) = session.scalars(select(SubmissionRow.answers)).all()
        again = resume(session, view.attempt_id, seat.admission_no, at)
        refused = session.scalars(select(AnswerEventRow.reason).where(AnswerEventRow.accepted.is_(False))).all()
    names = {p.item.position: p.item.name for p in view.items}
    stored = {names[position]: item.to_paper(again.answers[position])
              for item in view.items for position in [item.item.position] if position in again.answers}
    assert handed_in == stored
    assert set(refused) <= {"已交卷"}
