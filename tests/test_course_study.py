"""Study records on SQLite and PostgreSQL: hours are credited only on server-side evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from nbgrader.api import Student
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from grader.bank import Item
from grader.course.catalog import load_catalog
from grader.course.identity import known_learner, token_for, workspace_secret
from grader.course.study import learners_progress, progress, record_answer
from grader.gradebook.models import StudyAttemptRow, StudyCreditRow
from grader.settings import Settings

DATA = Path(__file__).resolve().parent / "data" / "courses"
COURSES = Path(__file__).resolve().parent.parent / "courses"
REAL = [(m, item) for m in load_catalog(COURSES) for item in m.practice]


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


def test_a_wrong_answer_names_the_section_to_reread_and_only_a_right_one_gets_the_explanation(
        engine: Engine) -> None:
    _learner(engine)
    (module,) = load_catalog(DATA)
    with Session(engine) as session, session.begin():
        wrong = record_answer(session, "L001", module, "p-demo-001", "B")
        blank = record_answer(session, "L001", module, "p-demo-001", "")
        right = record_answer(session, "L001", module, "p-demo-001", "A")
    assert (wrong.explanation, wrong.hint) == ("", "请重读本模块“一、内容”一节，再作答。")
    assert (blank.explanation, blank.hint) == ("", "")
    assert right.explanation == module.item("p-demo-001").explanation and right.hint == ""


def _wrong_answers(item: Item) -> st.SearchStrategy[str]:
    letters = [letter for letter, _ in item.options]
    if item.type == "multiple":
        answers = st.lists(st.sampled_from(letters), min_size=1, unique=True).map("".join)
    else:
        answers = st.sampled_from(letters)
    return answers.filter(lambda a: "".join(sorted(a)) != "".join(sorted(str(item.key))))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_nothing_shown_after_a_wrong_answer_gives_the_key_away(engine: Engine, data: st.DataObject) -> None:
    """Every self-check of the real courses, any wrong answer: the learner sees neither the
    explanation nor the source (whose title may carry the date asked about) nor a keyed option."""
    module, item = data.draw(st.sampled_from(REAL))
    answer = data.draw(_wrong_answers(item))
    with Session(engine) as session, session.begin():
        if session.get(Student, "L001") is None:
            session.add(Student(id="L001", last_name="张", first_name="三"))
        result = record_answer(session, "L001", module, item.id, answer)
    assert not result.correct and result.explanation == ""
    shown = result.hint
    keyed = [text for letter, text in item.options if letter in str(item.key) and item.type != "truefalse"]
    assert [text for text in keyed if text in shown] == []
    assert item.source.document not in shown and item.source.clause not in shown
    assert module.section(item.id) in shown
