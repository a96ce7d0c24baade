"""Study records on SQLite and PostgreSQL: hours are credited only on server-side evidence."""

from __future__ import annotations

from pathlib import Path

from nbgrader.api import Student
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from grader.course.catalog import load_catalog
from grader.course.identity import SignInError, known_learner, sign_in, token_for, workspace_secret
from grader.course.study import learners_progress, progress, record_answer
from grader.gradebook.models import StudyAttemptRow, StudyCreditRow
from grader.settings import Settings

DATA = Path(__file__).resolve().parent / "data" / "courses"


def _learner(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        session.add(Student(id="L001", last_name="张", first_name="三"))


def test_wrong_then_right_answers_credit_the_hours_once_all_checks_pass(engine: Engine) -> None:
    _learner(engine)
    (module,) = load_catalog(DATA)
    with Session(engine) as session, session.begin():
        wrong = record_answer(session, "L001", module, "p-demo-001", "B")
        first = record_answer(session, "L001", module, "p-demo-001", "a")
        assert (wrong.correct, first.correct, first.credited_hours) == (False, True, None)
        assert progress(session, "L001", [module])[0].complete is False
        last = record_answer(session, "L001", module, "p-demo-002", "BA")
        again = record_answer(session, "L001", module, "p-demo-002", "AB")
    assert last.credited_hours == 1.5 and again.credited_hours is None
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(StudyAttemptRow)) == 4
        credit = session.get(StudyCreditRow, ("L001", "demo_module"))
        assert credit is not None and credit.hours == 1.5
        report = learners_progress(session, [module])
        assert [(r.id, r.name, r.hours, r.complete) for r in report.learners] == [("L001", "张三", 1.5, True)]


def test_blank_answer_is_not_a_pass(engine: Engine) -> None:
    _learner(engine)
    (module,) = load_catalog(DATA)
    with Session(engine) as session, session.begin():
        result = record_answer(session, "L001", module, "p-demo-001", "")
    assert result.blank and not result.correct


def test_sign_in_needs_roster_number_and_name(engine: Engine) -> None:
    _learner(engine)
    with Session(engine) as session:
        assert sign_in(session, " L001 ", "张 三").name == "张三"
        for number, name in (("L001", "李四"), ("L999", "张三")):
            try:
                sign_in(session, number, name)
            except SignInError:
                continue
            raise AssertionError(f"{number}/{name} should not sign in")


def test_a_signed_link_or_the_hub_user_identifies_the_learner(engine: Engine, settings: Settings) -> None:
    _learner(engine)
    secret = workspace_secret(settings.root)
    assert (settings.root / ".qinglian" / "secret").stat().st_mode & 0o077 == 0
    with Session(engine) as session:
        good = known_learner(session, {"QUERY_STRING": f"learner=L001&token={token_for('L001', secret)}"}, secret)
        forged = known_learner(session, {"QUERY_STRING": "learner=L001&token=0000"}, secret)
        hub = known_learner(session, {"JUPYTERHUB_USER": "L001"}, secret)
    assert good is not None and good.id == "L001"
    assert forged is None
    assert hub is not None and hub.name == "张三"
