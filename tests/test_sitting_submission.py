"""Submission: fast (JSON only, no nbgrader on the path), kept by attempt, never replaced by an
older or a second write; graded apart; the result (score, total, pass mark, passed) on re-entry;
tab switches up to the sitting's limit."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from nbgrader.api import Student
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.gradebook.models import ResultRow, SubmissionRow
from grader.paper.notebook import answered_notebook
from grader.paper.store import load_keys
from grader.settings import Settings
from grader.sitting.answers import save
from grader.sitting.attempt import AttemptView, resume
from grader.sitting.briefing import briefing
from grader.sitting.errors import SittingError
from grader.sitting.events import record_event
from grader.sitting.results import result_view
from grader.sitting.seats import Seat, create_sitting
from grader.sitting.signin import sign_in
from grader.sitting.submission import filled_notebook, grade_attempt, submit_attempt
from grader.staff.roles import system

OPENS = datetime(2026, 12, 1, 9, 0)
SECRET = b"test-secret-of-the-workspace-32b"


def _sitting(engine: Engine, released: list[str], sitting_id: str = "s1", *, students: tuple[str, ...] = ("S0",),
             switch_limit: int | None = None, opens: datetime = OPENS) -> list[Seat]:
    with Session(engine) as session, session.begin():
        for student in students:
            if session.get(Student, student) is None:
                session.add(Student(id=student, last_name="王", first_name="五"))
        return create_sitting(session, sitting_id, "场次", released[:1], list(students), opens,
                              opens + timedelta(hours=3), 60, secret=SECRET, switch_limit=switch_limit,
                              created_by=system("t"), now=opens)


def _enter(engine: Engine, seat: Seat, at: datetime = OPENS) -> AttemptView:
    with Session(engine) as session, session.begin():
        return sign_in(session, SECRET, seat.admission_no, seat.code, client="t", now=at)


def _answer(engine: Engine, view: AttemptView, right: bool, at: datetime) -> None:
    with Session(engine) as session:
        keys = {k.position: k for k in load_keys(session, view.assignment).items}
    with Session(engine) as session, session.begin():
        for p in view.items:
            key = keys[p.item.position]
            if key.type == "essay":
                shown = "作答"
            elif key.type == "fill":
                shown = key.key[0] if right and isinstance(key.key, tuple) else "不知道"
            else:
                shown = p.to_shown(str(key.key)) if right else ""
            save(session, view.attempt_id, view.admission_no, p.item.position, shown, at)


def _submit(settings: Settings, engine: Engine, view: AttemptView, at: datetime, how: str = "candidate") -> None:
    with Session(engine) as session, session.begin():
        submit_attempt(session, settings.root, view.attempt_id, at, how=how, admission_no=view.admission_no)


def test_the_light_notebook_is_the_one_the_paper_module_writes(settings: Settings, released: list[str]) -> None:
    nb = json.loads((settings.root / "release" / released[0] / "paper.ipynb").read_text(encoding="utf-8"))
    answers = {"q01": "A", "q09": "我的\n\"回答\"", "q08": "\ud7ff字"}
    assert filled_notebook(nb, answers) == answered_notebook(nb, answers)


def test_submitting_imports_neither_nbformat_nor_nbgrader(settings: Settings, engine: Engine,
                                                          released: list[str]) -> None:
    (seat,) = _sitting(engine, released)
    view = _enter(engine, seat)
    script = f"""
import sys
from datetime import datetime
from pathlib import Path
from sqlalchemy.orm import Session
from grader.gradebook.engine import connect
from grader.sitting.answers import save
from grader.sitting.submission import submit_attempt
with Session(connect({settings.db_url!r})) as session, session.begin():
    save(session, {view.attempt_id}, {seat.admission_no!r}, 1, "A", datetime(2026, 12, 1, 9, 1))
    done = submit_attempt(session, Path({str(settings.root)!r}), {view.attempt_id}, datetime(2026, 12, 1, 9, 2),
                          how="candidate", admission_no={seat.admission_no!r})
assert done.path is not None and done.path.exists()
print(sorted(m for m in sys.modules if m.split(".")[0] in ("nbformat", "nbgrader", "nbconvert", "traitlets")))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_graded_result_shows_score_total_pass_mark_and_passed_also_on_re_entry(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = _sitting(engine, released)
    view = _enter(engine, seat)
    _answer(engine, view, True, OPENS + timedelta(minutes=1))
    handed_in = OPENS + timedelta(minutes=2, microseconds=123456)  # the server's clock is that fine
    _submit(settings, engine, view, handed_in)
    with Session(engine) as session:
        pending = result_view(session, view.attempt_id)
    assert (pending.graded, pending.status, pending.score) == (False, "pending", None)
    with Session(engine) as session, session.begin():
        graded = grade_attempt(session, settings.root, view.attempt_id, actor="exam-room")
    assert (graded.score, graded.objective_total, graded.total, graded.pass_mark) == (16, 16, 26, 10)
    assert (graded.status, graded.status_text, graded.shown) == ("passed", "通过", True)
    again = _enter(engine, seat, OPENS + timedelta(minutes=30))  # signing in again shows the same result
    assert again.submitted_at == handed_in
    with Session(engine) as session:
        assert result_view(session, again.attempt_id) == graded


def test_below_the_pass_mark_with_essays_to_grade_is_pending_not_failed(settings: Settings, engine: Engine,
                                                                       released: list[str]) -> None:
    (seat,) = _sitting(engine, released)
    view = _enter(engine, seat)
    _answer(engine, view, False, OPENS + timedelta(minutes=1))
    _submit(settings, engine, view, OPENS + timedelta(minutes=2))
    with Session(engine) as session, session.begin():
        result = grade_attempt(session, settings.root, view.attempt_id, actor="t")
    assert (result.score, result.status) == (0, "pending_manual")


def test_a_second_submission_of_one_attempt_is_refused_and_changes_nothing(settings: Settings, engine: Engine,
                                                                          released: list[str]) -> None:
    (seat,) = _sitting(engine, released)
    view = _enter(engine, seat)
    _answer(engine, view, True, OPENS + timedelta(minutes=1))
    _submit(settings, engine, view, OPENS + timedelta(minutes=2))
    path = settings.root / "submitted" / seat.student_id / seat.assignment / "paper.ipynb"
    before = path.read_bytes()
    with pytest.raises(SittingError, match="已交卷"):
        _submit(settings, engine, view, OPENS + timedelta(minutes=3), how="timeout")
    with Session(engine) as session:
        saved = save(session, view.attempt_id, seat.admission_no, view.items[0].item.position, "",
                     OPENS + timedelta(minutes=3))
    assert (saved.accepted, saved.reason) == (False, "已交卷")
    assert path.read_bytes() == before


def test_an_older_attempt_handed_in_late_never_replaces_a_newer_submission(settings: Settings, engine: Engine,
                                                                          released: list[str]) -> None:
    (first,) = _sitting(engine, released, "s1")
    (second,) = _sitting(engine, released, "s2", opens=OPENS + timedelta(minutes=30))
    old = _enter(engine, first)  # abandoned: its deadline is 10:00
    new = _enter(engine, second, OPENS + timedelta(minutes=30))
    _answer(engine, new, True, OPENS + timedelta(minutes=40))
    _submit(settings, engine, new, OPENS + timedelta(minutes=45))
    path = settings.root / "submitted" / "S0" / first.assignment / "paper.ipynb"
    written = path.read_bytes()
    with Session(engine) as session, session.begin():
        late = submit_attempt(session, settings.root, old.attempt_id, OPENS + timedelta(hours=2), how="timeout")
    assert late.path is None and late.submitted_at == OPENS + timedelta(minutes=60)
    assert path.read_bytes() == written
    with Session(engine) as session:
        kept = session.execute(select(SubmissionRow.attempt_id, SubmissionRow.how)
                               .order_by(SubmissionRow.attempt_id)).all()
    assert [tuple(k) for k in kept] == [(old.attempt_id, "timeout"), (new.attempt_id, "candidate")]


def test_switches_up_to_the_sittings_limit_submit_the_attempt(settings: Settings, engine: Engine,
                                                              released: list[str]) -> None:
    (seat,) = _sitting(engine, released, switch_limit=3)
    view = _enter(engine, seat)
    outcomes = []
    for n, kind in enumerate(("blur", "hidden", "blur", "blur")):
        with Session(engine) as session, session.begin():
            outcomes.append(record_event(session, settings.root, view.attempt_id, seat.admission_no, kind,
                                         OPENS + timedelta(minutes=n + 1)))
    assert [(o.count, o.limit, o.submitted) for o in outcomes] == [(1, 3, False), (2, 3, False), (3, 3, True),
                                                                  (3, 3, False)]
    with Session(engine) as session:
        assert resume(session, view.attempt_id, seat.admission_no, OPENS).submitted_at == OPENS + timedelta(minutes=3)
        assert session.scalars(select(SubmissionRow.how)).all() == ["switches"]
        with pytest.raises(SittingError, match="未知的事件"):
            record_event(session, settings.root, view.attempt_id, seat.admission_no, "copy", OPENS)


def test_without_a_limit_switches_are_only_counted(settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = _sitting(engine, released)
    view = _enter(engine, seat)
    with Session(engine) as session, session.begin():
        for n in range(30):
            last = record_event(session, settings.root, view.attempt_id, seat.admission_no, "hidden",
                                OPENS + timedelta(seconds=n))
    assert (last.count, last.limit, last.submitted) == (30, None, False)


def test_another_seats_attempt_cannot_be_read_saved_or_submitted(settings: Settings, engine: Engine,
                                                                 released: list[str]) -> None:
    mine, theirs = _sitting(engine, released, students=("S0", "S1"))
    view = _enter(engine, mine)
    with Session(engine) as session:
        with pytest.raises(SittingError, match="没有这次作答"):
            resume(session, view.attempt_id, theirs.admission_no, OPENS)
        with pytest.raises(SittingError, match="没有这次作答"):
            briefing(session, view.attempt_id, theirs.admission_no)
        assert not save(session, view.attempt_id, theirs.admission_no, 1, "A", OPENS).accepted
        with pytest.raises(SittingError, match="没有这次作答"):
            submit_attempt(session, settings.root, view.attempt_id, OPENS, how="candidate",
                           admission_no=theirs.admission_no)


def test_the_briefing_names_the_candidate_and_the_rules_per_type(engine: Engine, released: list[str]) -> None:
    (seat,) = _sitting(engine, released)
    view = _enter(engine, seat)
    with Session(engine) as session:
        brief = briefing(session, view.attempt_id, seat.admission_no)
    assert (brief.name, brief.sitting_title, brief.duration_minutes, brief.items) == ("王五", "场次", 60, 9)
    assert [(s.name, s.items, s.points) for s in brief.sections] == [
        ("单选题", 2, 4), ("多选题", 2, 6), ("判断题", 2, 2), ("填空题", 2, 4), ("简答题", 1, 10)]
    assert "全部正确选项" in brief.sections[1].rule and (brief.total, brief.pass_mark) == (26, 10)


def test_results_of_a_regrade_keep_the_history(settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = _sitting(engine, released)
    view = _enter(engine, seat)
    _submit(settings, engine, view, OPENS + timedelta(minutes=2))
    for _ in range(2):
        with Session(engine) as session, session.begin():
            grade_attempt(session, settings.root, view.attempt_id, actor="t")
    with Session(engine) as session:
        assert [r.current for r in session.scalars(select(ResultRow).order_by(ResultRow.id))] == [False, True]
