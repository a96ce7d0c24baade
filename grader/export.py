"""Grade exports that open cleanly in Excel: UTF-8 with BOM, every field properly quoted."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from nbgrader.api import Assignment, Grade, GradeCell, Notebook, Student, SubmittedAssignment, SubmittedNotebook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.gradebook.models import ItemResultRow, PaperItemRow, ResultRow

NBGRADER_COLUMNS = ("assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score")


def _max_scores(session: Session) -> dict[str, float]:
    rows = session.execute(select(Assignment.name, func.coalesce(func.sum(GradeCell.max_score), 0.0))
                           .join(Notebook, Notebook.assignment_id == Assignment.id)
                           .join(GradeCell, GradeCell.notebook_id == Notebook.id).group_by(Assignment.name))
    return {name: float(total) for name, total in rows}


def _scores(session: Session) -> dict[tuple[str, str], tuple[object, float, float]]:
    """(assignment, student) -> (timestamp, raw score, late penalty), as nbgrader computes them."""
    score = func.coalesce(Grade.manual_score, Grade.auto_score, 0.0) + func.coalesce(Grade.extra_credit, 0.0)
    rows = session.execute(
        select(Assignment.name, SubmittedAssignment.student_id, SubmittedAssignment.timestamp,
               func.coalesce(func.sum(score), 0.0),
               func.coalesce(func.max(SubmittedNotebook.late_submission_penalty), 0.0))
        .join(SubmittedAssignment, SubmittedAssignment.assignment_id == Assignment.id)
        .join(SubmittedNotebook, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
        .join(Grade, Grade.notebook_id == SubmittedNotebook.id)
        .group_by(Assignment.name, SubmittedAssignment.student_id, SubmittedAssignment.timestamp))
    return {(a, s): (t, float(raw), float(late)) for a, s, t, raw, late in rows}


def totals(session: Session, assignments: Sequence[str] = ()) -> list[dict[str, object]]:
    """One row per assignment and student, with the columns and values of `nbgrader export`
    (a student with no submission scores 0)."""
    names = [a for a in session.scalars(select(Assignment.name).order_by(Assignment.name))
             if not assignments or a in assignments]
    students = session.execute(select(Student.id, Student.last_name, Student.first_name, Student.email)
                               .order_by(Student.last_name, Student.first_name)).all()
    max_scores, scores = _max_scores(session), _scores(session)
    duedates: dict[str, object] = dict(session.execute(select(Assignment.name, Assignment.duedate)).all())
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
    return names, per_student


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
