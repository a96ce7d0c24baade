"""Saving answers under any input: the grader's length limit where the input arrives, characters
that cannot be stored refused with a reason and logged, and nothing a browser sends ever raises.
What is accepted reads back exactly, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from nbgrader.api import Student
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.gradebook.models import AnswerEventRow, AnswerRow
from grader.scoring import MAX_ANSWER_CHARS
from grader.settings import Settings
from grader.sitting.answers import save
from grader.sitting.attempt import AttemptView, resume
from grader.sitting.seats import create_sitting
from grader.sitting.signin import sign_in
from grader.sitting.submission import submit_attempt
from grader.staff.roles import system

OPENS = datetime(2026, 12, 1, 9, 0)
SECRET = b"test-secret-of-the-workspace-32b"
# any code point, with lone surrogates, NUL, separators and option letters drawn often enough to matter
ANY_TEXT = st.text(alphabet=st.characters(codec=None, categories=None) | st.characters(categories=["Cs"])
                   | st.sampled_from("\x00\r\n \t,，、ABCDabcdＡＢ"), max_size=300)


@pytest.fixture
def view(engine: Engine, released: list[str]) -> AttemptView:
    with Session(engine) as session, session.begin():
        session.add(Student(id="S0", last_name="王", first_name="五"))
        (seat,) = create_sitting(session, "s1", "场次", released[:1], ["S0"], OPENS, OPENS + timedelta(hours=3), 60,
                                 secret=SECRET, created_by=system("t"), now=OPENS)
        return sign_in(session, SECRET, seat.admission_no, seat.code, client="t", now=OPENS)


def _save(engine: Engine, view: AttemptView, position: int, shown: object) -> tuple[bool, str]:
    with Session(engine) as session:
        saved = save(session, view.attempt_id, view.admission_no, position, shown, OPENS)  # type: ignore[arg-type]
        session.commit()
    return saved.accepted, saved.reason


def _item(view: AttemptView, kind: str) -> int:
    return next(p.item.position for p in view.items if p.item.type == kind)


def test_an_answer_at_the_graders_limit_is_kept_and_one_over_it_is_refused_and_logged(
        engine: Engine, view: AttemptView) -> None:
    essay = _item(view, "essay")  # a markdown cell: the text is the cell
    assert _save(engine, view, essay, "字" * MAX_ANSWER_CHARS) == (True, "")
    accepted, reason = _save(engine, view, essay, "字" * (MAX_ANSWER_CHARS + 1))
    assert not accepted and f"超过 {MAX_ANSWER_CHARS} 个字符" in reason
    with Session(engine) as session:
        kept = session.get(AnswerRow, (view.attempt_id, essay))
        events = session.execute(select(AnswerEventRow.accepted, AnswerEventRow.reason)
                                 .order_by(AnswerEventRow.id)).all()
    assert kept is not None and kept.value == "字" * MAX_ANSWER_CHARS  # the refusal did not touch it
    assert [(e.accepted, bool(e.reason)) for e in events] == [(True, False), (False, True)]


def test_a_fill_answer_is_limited_as_the_code_line_the_grader_reads(settings: Settings, engine: Engine,
                                                                    view: AttemptView) -> None:
    """`q07 = "..."`: the name, the quotes and every escape count, as the grader counts them."""
    fill = next(p for p in view.items if p.item.type == "fill")
    room = MAX_ANSWER_CHARS - len(f'{fill.item.name} = ""')
    assert _save(engine, view, fill.item.position, "字" * room) == (True, "")
    assert not _save(engine, view, fill.item.position, "字" * (room + 1))[0]
    assert not _save(engine, view, fill.item.position, "\"" * (room // 2 + 1))[0]  # each quote is \"
    assert _save(engine, view, fill.item.position, "字" * room) == (True, "")
    with Session(engine) as session:
        submit_attempt(session, settings.root, view.attempt_id, OPENS, how="candidate")
        session.commit()
    from grader.autograde.submission import read_code_answer

    nb = json.loads((settings.root / "submitted" / "S0" / view.assignment / "paper.ipynb").read_text("utf-8"))
    (cell,) = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == fill.item.name]
    answer = read_code_answer(cell["source"], fill.item.name)
    assert answer.literal and answer.value == "字" * room  # what the room accepted, the grader reads


def test_a_lone_surrogate_is_refused_with_a_reason_and_logged_readably(engine: Engine, view: AttemptView) -> None:
    fill = _item(view, "fill")
    accepted, reason = _save(engine, view, fill, "答\ud800案")
    assert not accepted and "无法保存的字符" in reason
    with Session(engine) as session:
        logged = session.scalars(select(AnswerEventRow.value)).one()
    assert logged == "答\\ud800案"


def test_a_save_after_hand_in_or_time_up_says_the_attempt_is_closed(settings: Settings, engine: Engine,
                                                                     view: AttemptView) -> None:
    fill = _item(view, "fill")
    with Session(engine) as session:
        late = save(session, view.attempt_id, view.admission_no, fill, "x", view.deadline + timedelta(seconds=1))
        assert (late.accepted, late.closed) == (False, True)
        early = save(session, view.attempt_id, view.admission_no, fill, "\ud800", OPENS)
        assert (early.accepted, early.closed) == (False, False)  # refused, but the attempt goes on
        submit_attempt(session, settings.root, view.attempt_id, OPENS, how="proctor")
        after = save(session, view.attempt_id, view.admission_no, fill, "x", OPENS)
    assert (after.accepted, after.reason, after.closed) == (False, "已交卷", True)


def test_values_that_are_not_text_are_refused(engine: Engine, view: AttemptView) -> None:
    for value in (None, 3, ["A"], {"a": 1}):
        assert _save(engine, view, _item(view, "single"), value) == (False, "答案格式不正确")
    for position in (10_000, -1, 2**63, 2**200, True, "1", 1.0):
        assert _save(engine, view, position, "A") == (False, "没有这道题")  # type: ignore[arg-type]


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shown=ANY_TEXT, kind=st.sampled_from(["single", "multiple", "truefalse", "fill", "essay"]))
@example(shown="\x00", kind="fill")
@example(shown="\ud800\udfff\U0010ffff\r\n", kind="essay")
@example(shown="Ａ，ｂ", kind="multiple")
def test_any_text_for_any_item_never_raises_and_what_is_accepted_reads_back(
        engine: Engine, view: AttemptView, shown: str, kind: str) -> None:
    position = _item(view, kind)
    accepted, reason = _save(engine, view, position, shown)
    assert accepted != bool(reason)
    with Session(engine) as session:
        again = resume(session, view.attempt_id, view.admission_no, OPENS)
        logged = session.scalars(select(AnswerEventRow.reason).order_by(AnswerEventRow.id.desc())).first()
    assert logged == reason  # every save is logged, refused or not
    if accepted and kind in ("fill", "essay"):
        assert again.answers[position] == shown
    elif accepted and shown.strip():
        item = next(p for p in view.items if p.item.position == position)
        assert again.answers[position] == item.to_shown(item.to_paper(shown))
