"""nbgrader is the anchor: on a copy of the same workspace, nbgrader's generate_assignment,
autograde and export give the same totals as `qinglian autograde` and `qinglian export`."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from grader.paper.notebook import answered_notebook
from grader.paper.store import PaperKey, build_from_files, load_keys
from grader.release import release, release_path
from grader.settings import Settings
from grader.workspace import write_submission
from tests.conftest import EXAMS
from tests.staff_data import os_user_as

BIN = Path(sys.executable).parent
AT = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
FULL_WIDTH = {c: c + 0xFEE0 for c in range(ord("A"), ord("Z") + 1)}


def _right(key: PaperKey) -> str:
    if key.type == "essay":
        return "我的作答"
    return key.key[0] if isinstance(key.key, tuple) else str(key.key)


def _odd(key: PaperKey) -> str:
    right = _right(key)
    if key.type == "multiple":
        return " " + "、".join(reversed(right)).lower()
    if key.type in ("single", "truefalse"):
        return right.translate(FULL_WIDTH).lower() + " "
    return f"  {right}"


def _wrong(key: PaperKey) -> str:
    if key.type == "multiple":
        return str(key.key) + "H"  # a letter not offered
    if key.type in ("single", "truefalse"):
        return "Z"
    return "不对"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("QINGLIAN_DB_URL", None)
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _totals(path: Path, encoding: str) -> dict[str, tuple[float, float, float]]:
    with path.open(encoding=encoding, newline="") as handle:
        return {row["student_id"]: (float(row["raw_score"]), float(row["score"]), float(row["max_score"]))
                for row in csv.DictReader(handle)}


# what a candidate may type: any character a notebook can hold (no lone surrogates, no NUL)
TYPED = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
MARKS = "“”‘’\"'「」『』《》〈〉，。、；：！？（）…,.;:!? \u3000"


@st.composite
def typed_answer(draw: st.DrawFn, key: PaperKey) -> str:
    """Anything at all, or the key as a candidate may dress it: marks around it, widths and case,
    letters in any order with separators, the words printed beside the blank."""
    if key.type == "essay" or draw(st.integers(0, 2)) == 0:
        return draw(st.text(TYPED, max_size=12))
    right = _right(key)
    if key.type == "fill":
        before, after = key.beside
        right = before[len(before) - draw(st.integers(0, min(len(before), 4))):] + right + \
            after[:draw(st.integers(0, 4))]
    else:
        letters = draw(st.lists(st.sampled_from(key.options), min_size=1, max_size=4)) if draw(st.booleans()) \
            else list(right)
        right = draw(st.sampled_from(["", " ", "、", ",", "，"])).join(letters)
    marks = st.text(alphabet=MARKS, max_size=2)
    return draw(marks) + draw(st.sampled_from([right, right.lower(), right.translate(FULL_WIDTH)])) + draw(marks)


def _item_scores(db_url: str) -> dict[tuple[str, str], float | None]:
    """Every auto-graded cell's score in nbgrader's grade table, by student and cell."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT sa.student_id, b.name, g.auto_score FROM grade g JOIN base_cell b ON b.id = g.cell_id "
                "JOIN submitted_notebook sn ON sn.id = g.notebook_id "
                "JOIN submitted_assignment sa ON sa.id = sn.assignment_id WHERE b.name LIKE '%-test'"))
            return {(student, cell): score for student, cell, score in rows}
    finally:
        engine.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@hypothesis_settings(max_examples=1, deadline=None, phases=[Phase.generate], database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_nbgrader_and_qinglian_give_the_same_totals(settings: Settings, engine: Engine, released: list[str],
                                                    tmp_path: Path, data: st.DataObject) -> None:
    """Fixed cases and Hypothesis-generated answers (one batch: each nbgrader run takes seconds, so
    no shrinking), graded by `qinglian autograde` and by nbgrader's own autograde: every item's
    score and every total the same."""
    assignment = released[0]
    with Session(engine) as session:
        keys = load_keys(session, assignment).items
    nb = json.loads(release_path(settings.root, assignment).read_text(encoding="utf-8"))
    mixed = {k.name: (_right(k) if i % 2 else _odd(k)) if i % 3 else _wrong(k) for i, k in enumerate(keys)}
    cases = {"right": {k.name: _right(k) for k in keys}, "odd": {k.name: _odd(k) for k in keys},
             "wrong": {k.name: _wrong(k) for k in keys}, "empty": {}, "mixed": mixed}
    cases |= {f"generated-{n}": {k.name: data.draw(typed_answer(k), label=f"{n}:{k.name}") for k in keys}
              for n in range(4)}
    for student, answers in cases.items():
        write_submission(settings.root, assignment, student, answered_notebook(nb, answers), AT)
    copy = tmp_path / "nbgrader-copy"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(settings.root, copy)

    os_user_as(settings, "trainer")  # the CLI acts as the OS user's staff account
    _run(str(BIN / "qinglian"), "autograde", assignment, "--root", str(settings.root), cwd=tmp_path)
    _run(str(BIN / "qinglian"), "export", "--root", str(settings.root), "--to", "ours.csv",
         "--assignment", assignment, cwd=tmp_path)
    _run(str(BIN / "nbgrader"), "generate_assignment", assignment, "--force", cwd=copy)
    _run(str(BIN / "nbgrader"), "autograde", assignment, "--create", "--force", cwd=copy)
    _run(str(BIN / "nbgrader"), "export", "--to", "theirs.csv", "--assignment", assignment, cwd=copy)

    item_scores = _item_scores(settings.db_url)
    assert len(item_scores) == len(cases) * sum(1 for k in keys if k.type != "essay")
    assert item_scores == _item_scores(f"sqlite:///{copy / 'gradebook.db'}")
    ours = _totals(tmp_path / "ours.csv", "utf-8-sig")
    theirs = _totals(copy / "theirs.csv", "utf-8")
    assert ours == theirs
    assert ours["right"][0] == ours["odd"][0] > 0
    assert ours["wrong"][0] == ours["empty"][0] == 0
    assert 0 < ours["mixed"][0] < ours["right"][0]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_nbgrader_validate_accepts_the_source_paper(settings: Settings, engine: Engine, released: list[str]) -> None:
    """The source notebook, keys in place, passes every hidden test when nbgrader runs it."""
    source = settings.root / "source" / released[0] / "paper.ipynb"
    result = _run(str(BIN / "nbgrader"), "validate", str(source), cwd=settings.root)
    assert "Success! Your notebook passes all the tests." in result.stdout + result.stderr


# ---- the direct release is generate_assignment's (issue 15.3) ----

def nbgrader_rows(db_url: str) -> dict[str, list[tuple[object, ...]]]:
    """nbgrader's gradebook after a release, every row named by what it belongs to (ids are uuids)."""
    engine = create_engine(db_url)
    queries = {
        "course": "SELECT id FROM course",
        "assignment": "SELECT name, duedate, course_id FROM assignment",
        "notebook": "SELECT n.name, a.name, n.kernelspec FROM notebook n JOIN assignment a ON a.id = n.assignment_id",
        "grade_cells": "SELECT a.name, b.name, g.max_score, g.cell_type FROM base_cell b "
                       "JOIN grade_cells g ON g.id = b.id JOIN notebook n ON n.id = b.notebook_id "
                       "JOIN assignment a ON a.id = n.assignment_id",
        "solution_cells": "SELECT a.name, b.name FROM base_cell b JOIN solution_cells s ON s.id = b.id "
                          "JOIN notebook n ON n.id = b.notebook_id JOIN assignment a ON a.id = n.assignment_id",
        "base_cell": "SELECT a.name, b.name, b.type FROM base_cell b JOIN notebook n ON n.id = b.notebook_id "
                     "JOIN assignment a ON a.id = n.assignment_id",
        "source_cell": "SELECT a.name, s.name, s.cell_type, s.locked, s.source, s.checksum FROM source_cell s "
                       "JOIN notebook n ON n.id = s.notebook_id JOIN assignment a ON a.id = n.assignment_id",
    }
    try:
        with engine.connect() as connection:
            return {name: sorted(tuple(row) for row in connection.execute(text(sql)))
                    for name, sql in queries.items()}
    finally:
        engine.dispose()


def _built(settings: Settings, engine: Engine, blueprints: list[Path]) -> list[str]:
    with Session(engine) as session, session.begin():
        paths = [p for blueprint in blueprints for p in build_from_files(session, settings.root, blueprint,
                                                                          [EXAMS / "banks"])]
    return [p.parent.name for p in paths]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_shipped_papers_release_exactly_as_nbgrader_generate_assignment_releases_them(
        settings: Settings, engine: Engine, tmp_path: Path) -> None:
    """Built, copied; ours releases one copy, nbgrader's generate_assignment the other: the released
    notebooks are byte-identical and nbgrader's gradebook holds the same rows."""
    assignments = _built(settings, engine, sorted((EXAMS / "blueprints").glob("*.yaml")))
    assert len(assignments) == 4
    theirs = tmp_path / "nbgrader-copy"
    shutil.copytree(settings.root, theirs)
    with Session(engine) as session, session.begin():
        for assignment in assignments:
            release(session, settings.root, assignment)
    _run(str(BIN / "nbgrader"), "generate_assignment", "*", "--force", cwd=theirs)
    for assignment in assignments:
        ours = release_path(settings.root, assignment).read_text(encoding="utf-8")
        assert ours == release_path(theirs, assignment).read_text(encoding="utf-8"), assignment
    assert nbgrader_rows(settings.db_url) == nbgrader_rows(f"sqlite:///{theirs / 'gradebook.db'}")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_nbgrader_re_releasing_our_release_changes_nothing(settings: Settings, engine: Engine,
                                                           released: list[str], tmp_path: Path) -> None:
    """nbgrader accepts the workspace as if it had released it: its own --force release on top of ours
    leaves the same notebook, the same notebook id and the same rows."""
    before = nbgrader_rows(settings.db_url)
    ours = {a: release_path(settings.root, a).read_text(encoding="utf-8") for a in released}
    with create_engine(settings.db_url).connect() as connection:
        notebook_ids = sorted(connection.execute(text("SELECT id FROM notebook")).scalars())
    _run(str(BIN / "nbgrader"), "generate_assignment", "*", "--force", cwd=settings.root)
    assert {a: release_path(settings.root, a).read_text(encoding="utf-8") for a in released} == ours
    assert nbgrader_rows(settings.db_url) == before
    with create_engine(settings.db_url).connect() as connection:
        assert sorted(connection.execute(text("SELECT id FROM notebook")).scalars()) == notebook_ids
