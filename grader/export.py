"""Grade exports that open cleanly in Excel: UTF-8 with BOM, every field properly quoted."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.gradebook import nbgrader_tables as nb
from grader.gradebook.models import ItemResultRow, PaperItemRow, ResultRow

NBGRADER_COLUMNS = ("assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score")


def _max_scores(session: Session) -> dict[str, float]:
    assignment, cell, grade_cell = nb.assignment, nb.base_cell, nb.grade_cells
    rows = session.execute(select(assignment.c.name, func.coalesce(func.sum(grade_cell.c.max_score), 0.0))
                           .join(nb.notebook, nb.notebook.c.assignment_id == assignment.c.id)
                           .join(cell, cell.c.notebook_id == nb.notebook.c.id)
                           .join(grade_cell, grade_cell.c.id == cell.c.id).group_by(assignment.c.name))
    return {name: float(total) for name, total in rows}


def _scores(session: Session) -> dict[tuple[str, str], tuple[object, float, float]]:
    """(assignment, student) -> (timestamp, raw score, late penalty), as nbgrader computes them."""
    grade, sub, snb, assignment = nb.grade.c, nb.submitted_assignment, nb.submitted_notebook, nb.assignment
    score = func.coalesce(grade.manual_score, grade.auto_score, 0.0) + func.coalesce(grade.extra_credit, 0.0)
    rows = session.execute(
        select(assignment.c.name, sub.c.student_id, sub.c.timestamp,
               func.coalesce(func.sum(score), 0.0),
               func.coalesce(func.max(snb.c.late_submission_penalty), 0.0))
        .join(sub, sub.c.assignment_id == assignment.c.id)
        .join(snb, snb.c.assignment_id == sub.c.id)
        .join(nb.grade, grade.notebook_id == snb.c.id)
        .group_by(assignment.c.name, sub.c.student_id, sub.c.timestamp))
    return {(a, s): (t, float(raw), float(late)) for a, s, t, raw, late in rows}


def totals(session: Session, assignments: Sequence[str] = ()) -> list[dict[str, object]]:
    """One row per assignment and student, with the columns and values of `nbgrader export`
    (a student with no submission scores 0)."""
    assignment, student = nb.assignment.c, nb.student.c
    names = [a for a in session.scalars(select(assignment.name).order_by(assignment.name))
             if not assignments or a in assignments]
    students = session.execute(select(student.id, student.last_name, student.first_name, student.email)
                               .order_by(student.last_name, student.first_name)).all()
    max_scores, scores = _max_scores(session), _scores(session)
    duedates: dict[str, object] = {name: due for name, due in session.execute(select(assignment.name,
                                                                                    assignment.duedate))}
    rows = []
    for name in names:
        for student_id, last, first, email in students:
            timestamp, raw, late = scores.get((name, student_id), ("", 0.0, 0.0))
            rows.append({"assignment": name, "duedate": duedates.get(name) or "", "timestamp": timestamp or "",
                         "student_id": student_id, "last_name": last or "", "first_name": first or "",
                         "email": email or "", "raw_score": raw, "late_submission_penalty": late,
                         "score": raw - late, "max_score": max_scores.get(name, 0.0)})
    return rows


def item_scores(session: Session, assignment: str) -> tuple[list[str], dict[str, dict[str, object]]]:
    """Per-item scores of the current results: column names (q01…) and student -> {name: score}."""
    names = list(session.scalars(select(PaperItemRow.name).where(PaperItemRow.assignment == assignment)
                                 .order_by(PaperItemRow.position)))
    rows = session.execute(select(ResultRow.student_id, PaperItemRow.name, ItemResultRow.score)
                           .join(ItemResultRow, ItemResultRow.result_id == ResultRow.id)
                           .join(PaperItemRow, (PaperItemRow.assignment == ResultRow.assignment)
                                 & (PaperItemRow.position == ItemResultRow.position))
                           .where(ResultRow.assignment == assignment, ResultRow.current))
    per_student: dict[str, dict[str, object]] = {}
    for student, name, score in rows:
        per_student.setdefault(student, {})[name] = "" if score is None else score
    for student, name, manual in _manual_scores(session, assignment, names):  # essays marked by a person
        per_student.setdefault(student, {})[name] = manual
    return names, per_student


def _manual_scores(session: Session, assignment: str, names: Sequence[str]) -> list[tuple[str, str, float]]:
    """(student, item name, score a person gave) from nbgrader's grade table, as formgrader shows it."""
    sub, snb, grade, cell = nb.submitted_assignment, nb.submitted_notebook, nb.grade, nb.base_cell
    return [(s, n, float(m)) for s, n, m in session.execute(
        select(sub.c.student_id, cell.c.name, grade.c.manual_score)
        .join(snb, snb.c.assignment_id == sub.c.id).join(grade, grade.c.notebook_id == snb.c.id)
        .join(cell, cell.c.id == grade.c.cell_id).join(nb.assignment, nb.assignment.c.id == sub.c.assignment_id)
        .where(nb.assignment.c.name == assignment, grade.c.manual_score.is_not(None), cell.c.name.in_(names)))]


def write_csv(path: Path, rows: Sequence[dict[str, object]], columns: Sequence[str]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), quoting=csv.QUOTE_MINIMAL,
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def export_grades(session: Session, path: Path, assignments: Sequence[str] = (), *,
                  per_item: bool = False) -> int:
    """`qinglian export`: totals (nbgrader's columns), optionally followed by per-item scores."""
    rows = totals(session, assignments)
    columns = list(NBGRADER_COLUMNS)
    if per_item:
        for assignment in sorted({str(r["assignment"]) for r in rows}):
            names, scores = item_scores(session, assignment)
            for name in names:
                if name not in columns:
                    columns.append(name)
            for row in rows:
                if row["assignment"] == assignment:
                    row.update(scores.get(str(row["student_id"]), {}))
    write_csv(path, rows, columns)
    return len(rows)
