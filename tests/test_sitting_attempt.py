"""Sittings on SQLite and PostgreSQL: the server's clock, durable canonical answers, one attempt,
refusals logged, and a submission that grades as `qinglian autograde` grades it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from nbgrader.api import Gradebook, Student
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.autograde import autograde
from grader.gradebook.models import AnswerEventRow
from grader.paper.store import load_keys
from grader.settings import Settings
from grader.sitting.answers import save_answer
from grader.sitting.attempt import AttemptView, start_for_user, start_or_resume, unanswered
from grader.sitting.errors import SittingError
from grader.sitting.seats import Seat, create_sitting
from grader.sitting.submission import close_expired, submit
from grader.staff.roles import system

OPENS = datetime(2026, 12, 1, 9, 0)
SECRET = b"test-secret-of-the-workspace-32b"  # load_secret() reads it from the workspace; tested apart


def _sitting(engine: Engine, released: list[str], students: int = 2, attempts: int = 1) -> list[Seat]:
    with Session(engine) as session, session.begin():
        session.add_all(Student(id=f"S{n}", last_name="王", first_name=f"{n}") for n in range(students))
        return create_sitting(session, "s1", "测试场次", released, [f"S{n}" for n in range(students)], OPENS,
                              OPENS + timedelta(hours=3), 60, secret=SECRET, attempts_allowed=attempts,
                              created_by=system("组织部"), now=OPENS)


def _start(engine: Engine, seat: Seat, now: datetime) -> AttemptView:
    with Session(engine) as session, session.begin():
        return start_or_resume(session, seat.admission_no, seat.code, now, secret=SECRET)


def test_seats_alternate_versions_and_a_wrong_code_is_refused(engine: Engine, released: list[str]) -> None:
    seats = _sitting(engine, released)
    assert [s.assignment for s in seats] == released
    with Session(engine) as session, pytest.raises(SittingError, match="考试码不正确"):
        start_or_resume(session, seats[0].admission_no, "000000" if seats[0].code != "000000" else "1", OPENS,
                        secret=SECRET)


def test_a_sitting_cannot_be_entered_before_it_opens(engine: Engine, released: list[str]) -> None:
    seat = _sitting(engine, released)[0]
    with Session(engine) as session, pytest.raises(SittingError, match="尚未开始"):
        start_or_resume(session, seat.admission_no, seat.code, OPENS - timedelta(minutes=1), secret=SECRET)


def test_resuming_keeps_answers_and_the_server_deadline_and_never_forks(engine: Engine,
                                                                        released: list[str]) -> None:
    seat = _sitting(engine, released)[0]
    view = _start(engine, seat, OPENS + timedelta(minutes=5))
    first = view.items[0]
    shown = first.options[0][0]
    with Session(engine) as session, session.begin():
        save_answer(session, view, first.item.position, shown, OPENS + timedelta(minutes=6))
    again = _start(engine, seat, OPENS + timedelta(minutes=30))  # a reload, or a second browser
    assert again.attempt_id == view.attempt_id
    assert again.deadline == view.deadline == OPENS + timedelta(minutes=65)
    assert again.answers[first.item.position] == shown
    assert again.remaining(OPENS + timedelta(minutes=30)) == timedelta(minutes=35)
    assert first.number not in unanswered(again)


def test_late_and_invented_answers_are_refused_and_logged(engine: Engine, released: list[str]) -> None:
    seat = _sitting(engine, released)[0]
    view = _start(engine, seat, OPENS)
    choice = next(p for p in view.items if p.item.type == "single")
    for shown, at, reason in (("Z", OPENS + timedelta(minutes=1), "选项不存在"),
                              ("A", OPENS + timedelta(minutes=61), "已超过考试时间")):
        with Session(engine) as session, session.begin():
            saved = save_answer(session, view, choice.item.position, shown, at)
        assert (saved.accepted, saved.reason) == (False, reason)
    with Session(engine) as session:
        events = session.execute(select(AnswerEventRow.value, AnswerEventRow.accepted, AnswerEventRow.reason)).all()
    assert [tuple(e) for e in events] == [("Z", False, "选项不存在"), ("A", False, "已超过考试时间")]


def test_submission_is_canonical_and_grades_like_autograde(settings: Settings, engine: Engine,
                                                          released: list[str]) -> None:
    seat = _sitting(engine, released)[0]
    view = _start(engine, seat, OPENS)
    with Session(engine) as session:
        keys = {k.position: k for k in load_keys(session, seat.assignment).items}
    expected = 0.0
    with Session(engine) as session, session.begin():
        for p in view.items:
            key = keys[p.item.position]
            if key.type == "fill":
                shown = key.key[0] if isinstance(key.key, tuple) else ""
            elif key.type == "essay":
                shown = "作答"
            else:
                shown = p.to_shown(str(key.key))  # the right answer, in this candidate's letters
            assert save_answer(session, view, p.item.position, shown, OPENS + timedelta(minutes=1)).accepted
            expected += key.points if key.type != "essay" else 0
        path = submit(session, settings.root, view, OPENS + timedelta(minutes=2))
    assert path == settings.root / "submitted" / seat.student_id / seat.assignment / "paper.ipynb"
    assert (path.parent / "timestamp.txt").read_text(encoding="utf-8").startswith("2026-12-01 09:02:00")
    with Session(engine) as session, session.begin():
        report = autograde(session, settings.root, seat.assignment, actor=system("t"))
    assert [g.auto_score for g in report.graded] == [expected]
    with Session(engine) as session:  # no attempt left: signing in again shows the one handed in
        again = start_or_resume(session, seat.admission_no, seat.code, OPENS + timedelta(minutes=3), secret=SECRET)
    assert (again.attempt_id, again.submitted_at) == (view.attempt_id, OPENS + timedelta(minutes=2))


def test_an_abandoned_attempt_is_submitted_and_graded_when_its_time_is_up(settings: Settings, engine: Engine,
                                                                          released: list[str]) -> None:
    seat = _sitting(engine, released)[0]
    _start(engine, seat, OPENS)
    with Session(engine) as session, session.begin():
        assert close_expired(session, settings.root, OPENS + timedelta(minutes=59)) == []
        assert close_expired(session, settings.root, OPENS + timedelta(minutes=61)) == [seat.admission_no]
    stamp = settings.root / "submitted" / seat.student_id / seat.assignment / "timestamp.txt"
    assert stamp.read_text(encoding="utf-8").startswith("2026-12-01 10:00:00")  # the deadline, not later
    with Gradebook(settings.db_url) as gradebook:
        assert gradebook.find_submission(seat.assignment, seat.student_id).score == 0


def test_the_hub_user_enters_their_own_open_seat_without_a_code(engine: Engine, released: list[str]) -> None:
    seats = _sitting(engine, released)
    with Session(engine) as session, session.begin():
        view = start_for_user(session, "S1", OPENS + timedelta(minutes=1))
        with pytest.raises(SittingError, match="没有您的考试场次"):
            start_for_user(session, "S1", OPENS + timedelta(hours=4))
        with pytest.raises(SittingError, match="没有您的考试场次"):
            start_for_user(session, "nobody", OPENS + timedelta(minutes=1))
    assert (view.admission_no, view.assignment) == (seats[1].admission_no, seats[1].assignment)
    assert _start(engine, seats[1], OPENS + timedelta(minutes=2)).attempt_id == view.attempt_id
