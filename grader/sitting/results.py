"""What a candidate may see after handing in: objective score, total, pass mark and whether they
passed, from the gradebook's current result for that submission. Available on every re-entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.gradebook.models import AttemptRow, PaperItemRow, PaperRow, ResultRow, SittingCandidateRow
from grader.sitting.errors import SittingError

STATUS_TEXT = {"pending": "评分中", "passed": "通过", "failed": "未通过",
               "pending_manual": "简答题待人工评分，结果稍后公布"}


@dataclass(frozen=True)
class ResultView:
    attempt_id: int
    submitted_at: datetime | None
    graded: bool
    score: float | None  # objective score (essays are graded by people)
    objective_total: float
    total: float  # the paper's total, essays included
    pass_mark: float
    status: str  # pending | passed | failed | pending_manual
    flagged: bool  # the grader asked a person to look at this submission (待复核)
    shown: bool  # the paper lets the candidate see the score

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]


def _status(score: float, pass_mark: float, needs_manual: bool) -> str:
    """Essay points can only add, so an objective score at the pass mark has passed already."""
    if score >= pass_mark:
        return "passed"
    return "pending_manual" if needs_manual else "failed"


def result_view(session: Session, attempt_id: int) -> ResultView:
    attempt = session.get(AttemptRow, attempt_id)
    if attempt is None:
        raise SittingError("没有这次作答")
    seat = session.get(SittingCandidateRow, attempt.admission_no)
    assert seat is not None
    paper = session.get(PaperRow, seat.assignment)
    points = session.execute(select(PaperItemRow.type, PaperItemRow.points)
                             .where(PaperItemRow.assignment == seat.assignment)).all()
    objective = sum(p for kind, p in points if kind != "essay")
    total = paper.total_points if paper else sum(p for _, p in points)
    pass_mark = paper.pass_mark if paper else 0.0
    shown = bool(paper.show_score) if paper else False
    found = None
    if attempt.submitted_at is not None:
        found = session.scalars(select(ResultRow).where(
            ResultRow.assignment == seat.assignment, ResultRow.student_id == seat.student_id,
            ResultRow.submitted_at == attempt.submitted_at).order_by(ResultRow.current.desc(), ResultRow.id.desc())
        ).first()
    if found is None:
        return ResultView(attempt.id, attempt.submitted_at, False, None, objective, total, pass_mark, "pending",
                          False, shown)
    return ResultView(attempt.id, attempt.submitted_at, True, found.auto_score, objective, total, pass_mark,
                      _status(found.auto_score, pass_mark, found.needs_manual), found.flagged, shown)
