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
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.paper.notebook import answered_notebook
from grader.paper.store import PaperKey, load_keys
from grader.release import release_path
from grader.settings import Settings
from grader.workspace import write_submission
from tests.staff_data import os_user_as

BIN = Path(sys.executable).parent
AT = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(ord("A"), ord("Z") + 1)}


def _right(key: PaperKey) -> str:
    if key.type == "essay":
        return "我的作答"
    return key.key[0] if isinstance(key.key, tuple) else str(key.key)


def _odd(key: PaperKey) -> str:
    right = _right(key)
    if key.type == "multiple":
        return " " + "、".join(reversed(right)).lower()
    if key.type in ("single", "truefalse"):
        return "".join(FULL_WIDTH[c] for c in right).lower() + " "
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


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_nbgrader_and_qinglian_give_the_same_totals(settings: Settings, engine: Engine, released: list[str],
                                                    tmp_path: Path) -> None:
    assignment = released[0]
    with Session(engine) as session:
        keys = load_keys(session, assignment).items
    nb = json.loads(release_path(settings.root, assignment).read_text(encoding="utf-8"))
    mixed = {k.name: (_right(k) if i % 2 else _odd(k)) if i % 3 else _wrong(k) for i, k in enumerate(keys)}
    cases = {"right": {k.name: _right(k) for k in keys}, "odd": {k.name: _odd(k) for k in keys},
             "wrong": {k.name: _wrong(k) for k in keys}, "empty": {}, "mixed": mixed}
    for student, answers in cases.items():
        write_submission(settings.root, assignment, student, answered_notebook(nb, answers), AT)
    copy = tmp_path / "nbgrader-copy"
    shutil.copytree(settings.root, copy)

    os_user_as(settings, "trainer")  # the CLI acts as the OS user's staff account
    _run(str(BIN / "qinglian"), "autograde", assignment, "--root", str(settings.root), cwd=tmp_path)
    _run(str(BIN / "qinglian"), "export", "--root", str(settings.root), "--to", "ours.csv",
         "--assignment", assignment, cwd=tmp_path)
    _run(str(BIN / "nbgrader"), "generate_assignment", assignment, "--force", cwd=copy)
    _run(str(BIN / "nbgrader"), "autograde", assignment, "--create", "--force", cwd=copy)
    _run(str(BIN / "nbgrader"), "export", "--to", "theirs.csv", "--assignment", assignment, cwd=copy)

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
