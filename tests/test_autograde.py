"""Autograde against a real gradebook (SQLite and PostgreSQL): scores, flags, broken
submissions, regrades, and what nbgrader's own API then reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from grader.autograde import autograde
from grader.gradebook.models import GradingIssueRow, ItemResultRow, ResultRow
from grader.paper.notebook import answered_notebook
from grader.paper.store import PaperKey, PaperKeys, load_keys
from grader.release import release_path
from grader.scoring import Verdict
from grader.settings import Settings
from grader.workspace import write_submission

AT = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


def _keys(engine: Engine, assignment: str) -> PaperKeys:
    with Session(engine) as session:
        return load_keys(session, assignment)


def _submit(settings: Settings, assignment: str, student: str, answers: dict[str, str],
            raw: dict[str, str] | None = None) -> Path:
    released = json.loads(release_path(settings.root, assignment).read_text(encoding="utf-8"))
    nb = answered_notebook(released, answers)
    for cell in nb["cells"]:
        name = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if raw and name in raw:
            cell["source"] = raw[name]
    return write_submission(settings.root, assignment, student, nb, AT)


def _right(key: PaperKey) -> str:
    if key.type == "essay":
        return "答案"
    return key.key[0] if isinstance(key.key, tuple) else str(key.key)


def _grade(engine: Engine, settings: Settings, assignment: str):  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        return autograde(session, settings.root, assignment, actor="tester")


def _nbgrader_score(settings: Settings, assignment: str, student: str) -> float:
    with Gradebook(settings.db_url) as gradebook:
        return float(gradebook.find_submission(assignment, student).score)


def test_all_right_scores_every_autograded_point_and_leaves_the_essay_to_a_person(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    _submit(settings, assignment, "s-right", {k.name: _right(k) for k in keys.items})
    report = _grade(engine, settings, assignment)
    graded = report.graded[0]
    essay_points = sum(k.points for k in keys.items if k.type == "essay")
    assert graded.auto_score == keys.total_points - essay_points
    assert graded.needs_manual and not graded.flagged
    assert _nbgrader_score(settings, assignment, "s-right") == keys.total_points - essay_points


def test_odd_but_right_answers_score_like_clean_ones(settings: Settings, engine: Engine,
                                                     released: list[str]) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    full_width = {chr(c): chr(c + 0xFEE0) for c in range(ord("A"), ord("Z") + 1)}
    odd = {}
    for k in keys.items:
        answer = _right(k)
        if k.type == "multiple":
            answer = "，".join(reversed(answer.lower()))
        elif k.type in ("single", "truefalse"):
            answer = f"  {''.join(full_width[c] for c in answer)} "
        elif k.type == "fill":
            answer = f" {answer} "
        odd[k.name] = answer
    _submit(settings, assignment, "s-odd", odd)
    _submit(settings, assignment, "s-clean", {k.name: _right(k) for k in keys.items})
    report = _grade(engine, settings, assignment)
    scores = {g.student: g.auto_score for g in report.graded}
    assert scores["s-odd"] == scores["s-clean"] > 0


def test_wrong_blank_and_unoffered_letters_score_zero(settings: Settings, engine: Engine,
                                                      released: list[str]) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    answers = {}
    for k in keys.items:
        if k.type in ("single", "truefalse"):
            answers[k.name] = next(c for c in k.options if c != k.key)
        elif k.type == "multiple":
            answers[k.name] = str(k.key) + "Z"  # a letter not offered spoils a right set
        else:
            answers[k.name] = ""
    _submit(settings, assignment, "s-wrong", answers)
    graded = _grade(engine, settings, assignment).graded[0]
    assert graded.auto_score == 0
    verdicts = {i.verdict for i in graded.items}
    assert verdicts <= {Verdict.WRONG, Verdict.BLANK}
    assert _nbgrader_score(settings, assignment, "s-wrong") == 0


def test_answer_cell_with_code_is_not_run_scores_zero_and_is_flagged(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    first = keys.items[0]
    sentinel = tmp_path / "executed"
    evil = f'{first.name} = "{_right(first)}"\nopen({str(sentinel)!r}, "w").write("x")'
    _submit(settings, assignment, "s-evil", {k.name: _right(k) for k in keys.items}, raw={first.name: evil})
    graded = _grade(engine, settings, assignment).graded[0]
    assert not sentinel.exists()
    assert graded.items[0].verdict is Verdict.INVALID and graded.items[0].score == 0
    assert graded.flagged
    with Session(engine) as session:
        messages = session.scalars(select(GradingIssueRow.message).where(GradingIssueRow.student_id == "s-evil"))
        assert any(first.name in m for m in messages)


def test_broken_submissions_are_reported_and_the_rest_are_graded(settings: Settings, engine: Engine,
                                                                 released: list[str]) -> None:
    a, b = released
    keys = _keys(engine, a)
    _submit(settings, a, "s-good", {k.name: _right(k) for k in keys.items})
    broken = settings.root / "submitted" / "s-json" / a
    broken.mkdir(parents=True)
    (broken / "paper.ipynb").write_text('{"cells": [', encoding="utf-8")
    (settings.root / "submitted" / "s-missing" / a).mkdir(parents=True)
    other = json.loads(release_path(settings.root, b).read_text(encoding="utf-8"))
    for cell in other["cells"]:  # the B paper's cells handed in as the A paper
        cell["metadata"]["nbgrader"]["grade_id"] = "b-" + cell["metadata"]["nbgrader"]["grade_id"]
    write_submission(settings.root, a, "s-wrongpaper", other, AT)
    report = _grade(engine, settings, a)
    assert [g.student for g in report.graded] == ["s-good"]
    failed = {f.student: f.message for f in report.failed}
    assert set(failed) == {"s-json", "s-missing", "s-wrongpaper"}
    assert "notebook" in failed["s-json"] and "paper.ipynb" in failed["s-missing"]
    assert a in failed["s-wrongpaper"]


def test_changed_locked_cell_is_flagged_as_tampered(settings: Settings, engine: Engine,
                                                    released: list[str]) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    stem = f"{keys.items[0].name}-stem"
    _submit(settings, assignment, "s-tamper", {k.name: _right(k) for k in keys.items}, raw={stem: "改过的题干"})
    graded = _grade(engine, settings, assignment).graded[0]
    assert graded.tampered == (stem,)
    assert graded.flagged


def test_regrade_replaces_the_grade_and_keeps_the_history(settings: Settings, engine: Engine,
                                                         released: list[str]) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    _submit(settings, assignment, "s1", {k.name: _right(k) for k in keys.items})
    first = _grade(engine, settings, assignment).graded[0].auto_score
    _submit(settings, assignment, "s1", {k.name: "" for k in keys.items})
    second = _grade(engine, settings, assignment).graded[0].auto_score
    assert first > 0 and second == 0
    assert _nbgrader_score(settings, assignment, "s1") == 0
    with Session(engine) as session:
        rows = session.execute(select(ResultRow.auto_score, ResultRow.current)
                               .where(ResultRow.student_id == "s1").order_by(ResultRow.id)).all()
        assert [tuple(r) for r in rows] == [(first, False), (0.0, True)]
        assert session.scalar(select(func.count()).select_from(ItemResultRow)) == 2 * len(keys.items)


@pytest.mark.parametrize(("essay_changes", "manual_kept"), [(False, True), (True, False)])
def test_manual_essay_score_survives_a_regrade_only_while_the_essay_is_unchanged(
        settings: Settings, engine: Engine, released: list[str], essay_changes: bool, manual_kept: bool) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    essay = next(k for k in keys.items if k.type == "essay")
    answers = {k.name: _right(k) for k in keys.items}
    _submit(settings, assignment, "s1", answers)
    _grade(engine, settings, assignment)
    with Gradebook(settings.db_url) as gradebook:
        grade = gradebook.find_grade(essay.name, "paper", assignment, "s1")
        grade.manual_score = 7.0
        gradebook.db.commit()
    if essay_changes:
        answers[essay.name] = "另一个答案"
    _submit(settings, assignment, "s1", answers)
    _grade(engine, settings, assignment)
    with Gradebook(settings.db_url) as gradebook:
        grade = gradebook.find_grade(essay.name, "paper", assignment, "s1")
        assert (grade.manual_score == 7.0) is manual_kept
        assert grade.needs_manual_grade is not manual_kept
