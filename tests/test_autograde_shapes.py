"""Grading under any shape of submission (Hypothesis, see tests/submission_shapes.py): whatever
stands where a notebook, a cell, its metadata, its source or its outputs belong, grading finishes,
good submissions get their known score, and every bad one is reported or flagged with a reason.
First the grading of folders alone, then whole runs on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from grader.autograde import FailedSubmission, autograde
from grader.autograde.grade import GradedSubmission, storable
from grader.autograde.run import GradingTask, grade_folders
from grader.autograde.submission import layout_of
from grader.gradebook.models import GradingIssueRow, ResultRow
from grader.paper import draw_papers
from grader.paper.notebook import NOTEBOOK_NAME, answered_notebook
from grader.paper.store import PaperKeys, load_keys
from grader.release import release_path
from grader.settings import Settings
from grader.staff.roles import system
from tests.submission_shapes import bad_notebook, good_answers, harmless_notebook
from tests.test_grade import keys_of
from tests.test_submission import DATA, released_notebook

STAMP = b"2026-11-26 09:30:00.000000 UTC"
STUDENTS = itertools.count()


def hand_in(root: Path, assignment: str, student: str | bytes, notebook: bytes) -> None:
    """A folder under submitted/ as nbgrader lays it out; a bytes name need not be UTF-8."""
    base = os.fsencode(root / "submitted")
    name = student if isinstance(student, bytes) else os.fsencode(student)
    folder = os.path.join(base, name, os.fsencode(assignment))
    os.makedirs(folder, exist_ok=True)
    Path(os.fsdecode(os.path.join(folder, os.fsencode(f"{NOTEBOOK_NAME}.ipynb")))).write_bytes(notebook)
    Path(os.fsdecode(os.path.join(folder, b"timestamp.txt"))).write_bytes(STAMP)


def assert_reported(outcome: GradedSubmission | FailedSubmission, kind: str) -> None:
    """A bad submission: refused for a reason the grader understood, or graded and flagged, and
    nothing in the outcome that a database or a terminal could not take."""
    if isinstance(outcome, FailedSubmission):
        assert outcome.message and not outcome.message.startswith("评分时出错"), (kind, outcome.message)
        assert storable(outcome.message) == outcome.message and storable(outcome.student) == outcome.student
        return
    assert outcome.flagged and outcome.problems, kind
    assert all(storable(p) == p for p in outcome.problems)
    assert all(i.response is None or storable(i.response) == i.response for i in outcome.items)


@pytest.fixture(scope="module")
def small() -> tuple[dict[str, Any], PaperKeys]:
    from grader.bank import load_banks
    from grader.blueprint import load_blueprint

    paper = draw_papers(load_blueprint(DATA / "blueprints" / "small.yaml"),
                        load_banks([DATA / "banks" / "small.yaml"]))[0]
    return released_notebook(0), keys_of(paper)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_grading_a_folder_of_any_shape_ends_in_a_score_or_a_reason(
        small: tuple[dict[str, Any], PaperKeys], data: st.DataObject) -> None:
    released, keys = small
    good = good_answers(data, keys)
    handed_in = answered_notebook(released, good.answers)
    bad_kind, bad = bad_notebook(data, handed_in)
    junk_kind, harmless = harmless_notebook(data, handed_in)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        hand_in(root, keys.assignment, "bad", bad)
        hand_in(root, keys.assignment, "good", harmless)
        task = GradingTask(root, keys.assignment, layout_of(released, keys.assignment), keys, released)
        folders = sorted((root / "submitted").glob(f"*/{keys.assignment}"))
        outcomes = {o.student: o for o in grade_folders(task, folders)}
    assert_reported(outcomes["bad"], bad_kind)
    graded = outcomes["good"]
    assert isinstance(graded, GradedSubmission), (junk_kind, graded)
    assert (graded.auto_score, graded.flagged) == (good.expected, False), (junk_kind, graded.problems)


def _nbgrader_total(session: Session, assignment: str, student: str) -> float:
    from nbgrader.api import Assignment, Grade, SubmittedAssignment, SubmittedNotebook

    total = session.scalar(
        select(func.coalesce(func.sum(Grade.auto_score), 0.0))
        .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
        .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
        .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
        .where(Assignment.name == assignment, SubmittedAssignment.student_id == student))
    return float(total or 0.0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_run_grades_the_good_submissions_right_and_reports_every_bad_one(
        settings: Settings, engine: Engine, released: list[str], data: st.DataObject) -> None:
    assignment = released[0]
    with Session(engine) as session:
        keys = load_keys(session, assignment)
    nb = json.loads(release_path(settings.root, assignment).read_text(encoding="utf-8"))
    n = next(STUDENTS)
    goods, bads = {}, {}
    for k in range(data.draw(st.integers(1, 2), label="good")):
        good = good_answers(data, keys)
        _, text = harmless_notebook(data, answered_notebook(nb, good.answers))
        goods[f"g{n}-{k}"] = good.expected
        hand_in(settings.root, assignment, f"g{n}-{k}", text)
    for k in range(data.draw(st.integers(1, 2), label="bad")):
        kind, text = bad_notebook(data, answered_notebook(nb, good_answers(data, keys).answers))
        bads[f"b{n}-{k}"] = kind
        hand_in(settings.root, assignment, f"b{n}-{k}", text)
    odd_name = data.draw(st.sampled_from([None, f"b{n}-".encode() + b"\xff\xfe", f"b{n}-{'x' * 130}".encode()]))
    if odd_name is not None:  # a folder name no gradebook can take as a student id
        bads[os.fsdecode(odd_name)] = "student id"
        hand_in(settings.root, assignment, odd_name, json.dumps(answered_notebook(nb, {})).encode())
    with Session(engine) as session, session.begin():
        report = autograde(session, settings.root, assignment, actor=system("tester"), workers=1,
                           students=set(goods) | set(bads))
    graded = {g.student: g for g in report.graded}
    outcomes: dict[str, GradedSubmission | FailedSubmission] = {**graded, **{f.student: f for f in report.failed}}
    assert len(outcomes) == len(goods) + len(bads)
    with Session(engine) as session:
        for student, expected in goods.items():
            assert (graded[student].auto_score, graded[student].flagged) == (expected, False)
            stored = session.execute(select(ResultRow.auto_score, ResultRow.flagged).where(
                ResultRow.student_id == student, ResultRow.current)).one()
            assert tuple(stored) == (expected, False)
            assert _nbgrader_total(session, assignment, student) == expected
        issues = set(session.scalars(select(GradingIssueRow.student_id).where(GradingIssueRow.run_id == report.run_id)))
        for student, kind in bads.items():
            shown = storable(student)[:128]
            outcome = outcomes.get(student) or outcomes[shown]
            assert_reported(outcome, kind)
            assert outcome.student in issues
            if kind == "student id":
                assert isinstance(outcome, FailedSubmission) and "考号" in outcome.message
