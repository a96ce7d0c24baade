"""Exam scores as a programme judges them: every result of a paper built from a blueprint, with
the marks a grader gave in formgrader counted as `qinglian export` (and nbgrader) count them: per
grade cell the manual score if there is one, else the automatic one, plus extra credit. Without
that an essay's marks would never count and a cadre who passed would be shown as failing.

A person's tries are their distinct submissions (paper, time handed in): a regrade of the same
submission is the same try, its latest grading counting. nbgrader keeps the marks of the latest
submission of a paper only, so an earlier try of the same paper counts its automatic score."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, case, column, func, or_, select, table
from sqlalchemy.orm import Session

from grader.gradebook.models import GradingRunRow, PaperRow, ResultRow
from grader.programmes.evidence import for_people

# nbgrader's tables, read without importing nbgrader (seconds of start-up in a page kernel)
_GRADE = table("grade", column("notebook_id"), column("auto_score"), column("manual_score"), column("extra_credit"),
               column("needs_manual_grade"))
_SUB_NB = table("submitted_notebook", column("id"), column("assignment_id"))
_SUB = table("submitted_assignment", column("id"), column("assignment_id"), column("student_id"))
_ASSIGNMENT = table("assignment", column("id"), column("name"))


@dataclass(frozen=True)
class ExamScore:
    assignment: str
    score: float  # automatic score, with manual marks and extra credit counted
    manual: float  # how much of it the graders' marks changed (0: all automatic)
    max_score: float
    pass_mark: float
    at: datetime | None  # submitted (else graded)
    pending: bool  # an answer still waits for a grader
    current: bool = True  # the paper's latest submission (an earlier try of the same paper: False)
    result_id: int = 0

    @property
    def passed(self) -> bool:
        return self.score >= self.pass_mark


def manual_marks(session: Session, assignments: Sequence[str],
                 students: Sequence[str]) -> dict[tuple[str, str], tuple[float, bool]]:
    """(assignment, student) -> (what manual marks and extra credit add to the automatic score,
    whether an answer still waits for a grader), for these students' submissions a grader has
    touched or must."""
    auto = func.coalesce(_GRADE.c.auto_score, 0.0)
    added = func.coalesce(_GRADE.c.manual_score, auto) - auto + func.coalesce(_GRADE.c.extra_credit, 0.0)
    waiting = func.max(case((_GRADE.c.needs_manual_grade.is_(True), 1), else_=0).cast(Integer))
    query = (select(_ASSIGNMENT.c.name, _SUB.c.student_id, func.sum(added), waiting)
             .select_from(_SUB).join(_ASSIGNMENT, _ASSIGNMENT.c.id == _SUB.c.assignment_id)
             .join(_SUB_NB, _SUB_NB.c.assignment_id == _SUB.c.id)
             .join(_GRADE, _GRADE.c.notebook_id == _SUB_NB.c.id)
             .where(_ASSIGNMENT.c.name.in_(list(assignments)),
                    or_(_GRADE.c.manual_score.is_not(None), _GRADE.c.extra_credit.is_not(None),
                        _GRADE.c.needs_manual_grade.is_(True)))
             .group_by(_ASSIGNMENT.c.name, _SUB.c.student_id))
    wanted = set(students)
    found = {}
    for narrowed in for_people(query, _SUB.c.student_id, students):
        found.update({(a, s): (float(delta or 0.0), bool(wait)) for a, s, delta, wait in session.execute(narrowed)
                      if s in wanted})
    return found


def _papers(session: Session, blueprint: str) -> dict[str, float]:
    return {assignment: pass_mark for assignment, pass_mark in session.execute(
        select(PaperRow.assignment, PaperRow.pass_mark).where(PaperRow.blueprint == blueprint))}


def exam_history(session: Session, blueprint: str,
                 ids: Sequence[str]) -> tuple[bool, dict[str, list[ExamScore]]]:
    """(whether any paper was built from the blueprint, person -> every try on its papers, oldest first)."""
    papers = _papers(session, blueprint)
    found: dict[str, list[ExamScore]] = {}
    if not papers:
        return False, found
    manual = manual_marks(session, list(papers), ids)
    query = (select(ResultRow.id, ResultRow.student_id, ResultRow.assignment, ResultRow.auto_score,
                    ResultRow.max_score, ResultRow.needs_manual, ResultRow.submitted_at, ResultRow.current,
                    GradingRunRow.started_at)
             .join(GradingRunRow, GradingRunRow.id == ResultRow.run_id)
             .where(ResultRow.assignment.in_(list(papers))))
    wanted = set(ids)
    latest: dict[tuple[str, str, datetime | None], ExamScore] = {}
    for narrowed in for_people(query, ResultRow.student_id, ids):
        # sorted here, not by ORDER BY id: that makes SQLite scan every result instead of the lookup index
        for rid, student, assignment, score, max_score, needs_manual, submitted, current, graded in sorted(
                session.execute(narrowed), key=lambda row: row[0]):
            if student not in wanted:
                continue
            added, waiting = manual.get((assignment, student), (0.0, needs_manual)) if current else (0.0, False)
            latest[(student, assignment, submitted)] = ExamScore(  # a later grading of the same try wins
                assignment, score + added, added, max_score, papers[assignment], submitted or graded, waiting,
                current, rid)
    for (student, _, _), try_ in latest.items():
        found.setdefault(student, []).append(try_)
    for tries in found.values():
        tries.sort(key=lambda t: (t.at or datetime.min, t.result_id))
    return True, found


def exam_scores(session: Session, blueprint: str, ids: Sequence[str]) -> tuple[bool, dict[str, list[ExamScore]]]:
    """(whether any paper was built from the blueprint, person -> their current results on its papers)."""
    built, history = exam_history(session, blueprint, ids)
    return built, {p: current for p, tries in history.items() if (current := [t for t in tries if t.current])}
