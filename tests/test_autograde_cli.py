"""`qinglian autograde` as a grader runs it over a folder of good and bad submissions: every good
one graded and stored, every bad one printed with its student id and why (and its file where it
could not be graded), exit 1 while any submission went ungraded (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.gradebook.models import ResultRow
from grader.paper.notebook import answered_notebook
from grader.paper.store import PaperKey, load_keys
from grader.release import release_path
from grader.settings import Settings
from tests.staff_data import os_user_as
from tests.test_autograde_shapes import hand_in

BIN = Path(sys.executable).parent


def _right(key: PaperKey) -> str:
    if key.type == "essay":
        return "答案"
    return key.key[0] if isinstance(key.key, tuple) else str(key.key)


def _cell(nb: dict[str, Any], grade_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in nb["cells"] if c["metadata"]["nbgrader"]["grade_id"] == grade_id)
    return found


def test_autograde_prints_each_bad_submission_grades_the_rest_and_exits_1(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    assignment = released[0]
    with Session(engine) as session:
        keys = load_keys(session, assignment)
    first = keys.items[0].name
    nb = answered_notebook(json.loads(release_path(settings.root, assignment).read_text(encoding="utf-8")),
                           {k.name: _right(k) for k in keys.items})

    def variant(change: Any) -> bytes:
        copy = json.loads(json.dumps(nb))
        change(copy)
        return json.dumps(copy).encode("ascii")

    for student in ("s-good-1", "s-good-2"):
        hand_in(settings.root, assignment, student, variant(lambda _: None))
    flagged = {"s-meta": variant(lambda n: _cell(n, first).update(metadata=[1, 2])),
               "s-source": variant(lambda n: _cell(n, first).update(source=[None])),
               "s-surrogate": variant(lambda n: _cell(n, first).update(source=f'{first} = "\udc00"')),
               "s-twice": variant(lambda n: n["cells"].append(_cell(n, first))),
               "s-[bold]": variant(lambda n: _cell(n, first).update(cell_type="[/red]"))}
    for student, text in flagged.items():
        hand_in(settings.root, assignment, student, text)
    failed = {"s-json": b'{"cells": [', "s-cells": b'{"cells": {"q01": 1}}', "s-list": b"[]"}
    for student, text in failed.items():
        hand_in(settings.root, assignment, student, text)
    env = {**os.environ, "QINGLIAN_DB_URL": settings.db_url}
    os_user_as(settings, "trainer")  # the CLI acts as the OS user's staff account
    result = subprocess.run([str(BIN / "qinglian"), "autograde", assignment, "--root", str(settings.root)],
                            env=env, capture_output=True, text=True, timeout=600)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out
    for student in flagged:
        assert any(line.startswith(f"待复核 {student}：") and first in line for line in out.splitlines()), student
    for student in failed:
        line = next(line for line in out.splitlines() if line.startswith(f"未评分 {student}："))
        assert f"{student}/{assignment}" in line and "notebook" in line
    assert f"{assignment}：已评分 7 份，失败 3 份，待复核 5 份" in out
    with Session(engine) as session:
        rows = session.execute(select(ResultRow.student_id, ResultRow.auto_score).where(ResultRow.current))
        scores = {student: score for student, score in rows}
    assert set(scores) == {"s-good-1", "s-good-2", *flagged}
    assert scores["s-good-1"] == scores["s-good-2"] == sum(k.points for k in keys.items if k.type != "essay")
