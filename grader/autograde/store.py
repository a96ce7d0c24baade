"""Writing graded submissions: into nbgrader's tables (so `nbgrader export` and formgrader see
them) and into qinglian's (per-item results, history, issues). Bulk statements; no commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import uuid4

from nbgrader.api import (
    Assignment,
    Comment,
    Grade,
    GradeCell,
    Notebook,
    SolutionCell,
    Student,
    SubmittedAssignment,
    SubmittedNotebook,
)
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from grader.autograde.grade import GradedSubmission
from grader.gradebook.models import GradingIssueRow, ItemResultRow, ResultRow
from grader.paper.notebook import NOTEBOOK_NAME
from grader.scoring import Verdict

_CHUNK = 400


@dataclass(frozen=True)
class NbgraderCells:
    """nbgrader's ids for one released assignment."""

    assignment_id: str
    notebook_id: str
    grade_cells: dict[str, str]  # grade_id -> cell id
    solution_cells: dict[str, str]


class NotReleasedError(Exception):
    pass


def nbgrader_cells(session: Session, assignment: str) -> NbgraderCells:
    row = session.execute(
        select(Assignment.id, Notebook.id).join(Notebook, Notebook.assignment_id == Assignment.id)
        .where(Assignment.name == assignment, Notebook.name == NOTEBOOK_NAME)).first()
    if row is None:
        raise NotReleasedError(f"nbgrader 的成绩库中没有 {assignment}（先运行 qinglian release {assignment}）")
    assignment_id, notebook_id = row
    grade: dict[str, str] = dict(session.execute(
        select(GradeCell.name, GradeCell.id).where(GradeCell.notebook_id == notebook_id)).tuples().all())
    solution: dict[str, str] = dict(session.execute(select(SolutionCell.name, SolutionCell.id)
                                    .where(SolutionCell.notebook_id == notebook_id)).tuples().all())
    return NbgraderCells(assignment_id, notebook_id, grade, solution)


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[i:i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _ensure_students(session: Session, students: Sequence[str]) -> None:
    existing: set[str] = set()
    for chunk in _chunks(students):
        existing.update(session.scalars(select(Student.id).where(Student.id.in_(chunk))))
    missing = [{"id": s} for s in students if s not in existing]
    if missing:
        session.execute(insert(Student), missing)


def _previous_manual(session: Session, cells: NbgraderCells,
                     students: Sequence[str]) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    """(student, grade cell id) -> (manual_score, extra_credit) of the submission being replaced."""
    found = {}
    for chunk in _chunks(students):
        rows = session.execute(
            select(SubmittedAssignment.student_id, Grade.cell_id, Grade.manual_score, Grade.extra_credit)
            .join(SubmittedNotebook, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Grade, Grade.notebook_id == SubmittedNotebook.id)
            .where(SubmittedAssignment.assignment_id == cells.assignment_id,
                   SubmittedAssignment.student_id.in_(chunk),
                   (Grade.manual_score.is_not(None)) | (Grade.extra_credit.is_not(None))))
        found.update({(s, c): (m, e) for s, c, m, e in rows})
    return found


def _previous_responses(session: Session, assignment: str,
                        students: Sequence[str]) -> dict[tuple[str, int], str | None]:
    found = {}
    for chunk in _chunks(students):
        rows = session.execute(
            select(ResultRow.student_id, ItemResultRow.position, ItemResultRow.response)
            .join(ItemResultRow, ItemResultRow.result_id == ResultRow.id)
            .where(ResultRow.assignment == assignment, ResultRow.current, ResultRow.student_id.in_(chunk)))
        found.update({(s, p): r for s, p, r in rows})
    return found


def _drop_nbgrader_submissions(session: Session, cells: NbgraderCells, students: Sequence[str]) -> None:
    for chunk in _chunks(students):
        subs = select(SubmittedAssignment.id).where(SubmittedAssignment.assignment_id == cells.assignment_id,
                                                     SubmittedAssignment.student_id.in_(chunk))
        notebooks = select(SubmittedNotebook.id).where(SubmittedNotebook.assignment_id.in_(subs))
        session.execute(delete(Grade).where(Grade.notebook_id.in_(notebooks)))
        session.execute(delete(Comment).where(Comment.notebook_id.in_(notebooks)))
        session.execute(delete(SubmittedNotebook).where(SubmittedNotebook.assignment_id.in_(subs)))
        session.execute(delete(SubmittedAssignment).where(SubmittedAssignment.id.in_(subs)))


def _nbgrader_rows(graded: Sequence[GradedSubmission], cells: NbgraderCells,
                   manual: dict[tuple[str, str], tuple[float | None, float | None]],
                   previous: dict[tuple[str, int], str | None]) -> dict[str, list[dict[str, object]]]:
    rows: dict[str, list[dict[str, object]]] = {"sub": [], "nb": [], "grade": [], "comment": []}
    for g in graded:
        sub_id, nb_id = uuid4().hex, uuid4().hex
        rows["sub"].append({"id": sub_id, "assignment_id": cells.assignment_id, "student_id": g.student,
                            "timestamp": g.submitted_at})
        rows["nb"].append({"id": nb_id, "assignment_id": sub_id, "notebook_id": cells.notebook_id,
                           "flagged": g.flagged})
        for item in g.items:
            # an essay is graded on its own answer cell; an autograded item on its test cell
            cell_id = cells.grade_cells.get(item.name) or cells.grade_cells[f"{item.name}-test"]
            kept = manual.get((g.student, cell_id), (None, None))
            if previous.get((g.student, item.position), item.response) != item.response:
                kept = (None, None)  # the answer changed: an old manual score would be stale
            rows["grade"].append({"id": uuid4().hex, "notebook_id": nb_id, "cell_id": cell_id,
                                  "auto_score": item.score, "manual_score": kept[0], "extra_credit": kept[1],
                                  "needs_manual_grade": item.verdict is Verdict.MANUAL and kept[0] is None})
            rows["comment"].append({"id": uuid4().hex, "notebook_id": nb_id,
                                    "cell_id": cells.solution_cells[item.name],
                                    "auto_comment": "No response." if item.response is None else item.problem or None})
    return rows


def store_nbgrader(session: Session, cells: NbgraderCells, assignment: str,
                   graded: Sequence[GradedSubmission]) -> None:
    students = [g.student for g in graded]
    _ensure_students(session, students)
    manual = _previous_manual(session, cells, students)
    previous = _previous_responses(session, assignment, students)
    _drop_nbgrader_submissions(session, cells, students)
    rows = _nbgrader_rows(graded, cells, manual, previous)
    session.execute(insert(SubmittedAssignment), rows["sub"])
    session.execute(insert(SubmittedNotebook), rows["nb"])
    session.execute(insert(Grade), rows["grade"])
    session.execute(insert(Comment), rows["comment"])


def store_results(session: Session, run_id: int, assignment: str,
                  graded: Sequence[GradedSubmission]) -> None:
    """qinglian's history: the new results become current, earlier ones are kept, not current."""
    for chunk in _chunks([g.student for g in graded]):
        session.execute(update(ResultRow).where(ResultRow.assignment == assignment, ResultRow.current,
                                                ResultRow.student_id.in_(chunk)).values(current=False))
    ids = session.scalars(insert(ResultRow).returning(ResultRow.id, sort_by_parameter_order=True), [
        {"run_id": run_id, "assignment": assignment, "student_id": g.student, "submitted_at": g.submitted_at,
         "auto_score": g.auto_score, "max_score": g.max_score, "needs_manual": g.needs_manual,
         "flagged": g.flagged, "current": True} for g in graded]).all()
    session.execute(insert(ItemResultRow), [
        {"result_id": result_id, "position": i.position, "item_id": i.item_id, "response": i.response,
         "verdict": i.verdict.value, "score": i.score, "max_score": i.max_score}
        for result_id, g in zip(ids, graded, strict=True) for i in g.items])
    issues = [{"run_id": run_id, "student_id": g.student, "kind": "review", "message": problem}
              for g in graded for problem in g.problems]
    if issues:
        session.execute(insert(GradingIssueRow), issues)
