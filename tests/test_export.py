"""Exports open cleanly in Excel and carry nbgrader's columns and totals."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.api import Student
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.autograde import autograde
from grader.export import NBGRADER_COLUMNS, export_grades, write_csv
from grader.paper.notebook import answered_notebook
from grader.paper.store import load_keys
from grader.release import release_path
from grader.settings import Settings
from grader.staff.roles import system
from grader.workspace import write_submission


def test_csv_has_a_bom_and_a_name_with_a_comma_stays_one_field(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, [{"name": "张,伟", "note": '说"好"'}], ["name", "note"])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert '"张,伟"' in raw.decode("utf-8-sig")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.DictReader(handle)) == [{"name": "张,伟", "note": '说"好"'}]


def _grade_one(settings: Settings, engine: Engine, assignment: str) -> float:
    with Session(engine) as session, session.begin():
        session.add(Student(id="s1", last_name="张,伟", first_name="明"))
        session.add(Student(id="s2", last_name="李", first_name="四"))
        keys = load_keys(session, assignment)
    nb = json.loads(release_path(settings.root, assignment).read_text(encoding="utf-8"))
    answers = {k.name: (k.key if isinstance(k.key, str) else "") for k in keys.items}
    write_submission(settings.root, assignment, "s1", answered_notebook(nb, answers),
                     datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    with Session(engine) as session, session.begin():
        return autograde(session, settings.root, assignment, actor=system("t")).graded[0].auto_score


def test_export_has_nbgrader_columns_totals_and_zero_for_no_submission(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    assignment = released[0]
    score = _grade_one(settings, engine, assignment)
    target = tmp_path / "grades.csv"
    with Session(engine) as session:
        count = export_grades(session, target, [assignment])
    with target.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == NBGRADER_COLUMNS
        rows = {r["student_id"]: r for r in reader}
    assert count == 2
    assert rows["s1"]["last_name"] == "张,伟"
    assert float(rows["s1"]["score"]) == score > 0
    assert rows["s2"]["timestamp"] == "" and float(rows["s2"]["score"]) == 0
    assert rows["s1"]["timestamp"].startswith("2026-11-26 08:00:00")


def test_per_item_export_adds_one_column_per_item_that_sums_to_the_total(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    assignment = released[0]
    _grade_one(settings, engine, assignment)
    target = tmp_path / "items.csv"
    with Session(engine) as session:
        export_grades(session, target, [assignment], per_item=True)
        names = [k.name for k in load_keys(session, assignment).items]
    with target.open(encoding="utf-8-sig", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["student_id"] == "s1")
    assert sum(float(row[n]) for n in names if row[n] != "") == float(row["raw_score"])
