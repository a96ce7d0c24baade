"""考试须知: what the candidate reads before the first question, and the page header. No key."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from grader.gradebook.models import AttemptRow, PaperRow, SittingCandidateRow, SittingRow
from grader.sitting.attempt import AttemptView, view_of
from grader.sitting.errors import SittingError
from grader.sitting.seats import people

TYPE_NAMES = {"single": "单选题", "multiple": "多选题", "truefalse": "判断题", "fill": "填空题", "essay": "简答题"}
# the grading rules of grader.scoring, as a candidate needs them
RULES = {
    "single": "从所给选项中选一项，选对得分。",
    "multiple": "选出全部正确选项才得分，多选、少选、错选均不得分。",
    "truefalse": "判断正确或错误，判对得分。",
    "fill": "填写答案文字；全角半角、空格、标点、引号书名号和英文大小写不影响评分。",
    "essay": "用自己的话作答，由阅卷人评分。",
}


@dataclass(frozen=True)
class Section:
    type: str
    name: str  # 单选题 ...
    items: int
    points_each: tuple[float, ...]  # distinct point values, usually one
    points: float
    rule: str


@dataclass(frozen=True)
class Briefing:
    admission_no: str
    name: str
    unit: str
    sitting_title: str
    paper_title: str
    duration_minutes: int
    items: int
    sections: tuple[Section, ...]  # in the order the candidate meets them
    total: float
    pass_mark: float
    show_score: bool
    switch_limit: int | None


_ENTRY = (select(AttemptRow, SittingCandidateRow, SittingRow, PaperRow)
          .join(SittingCandidateRow, SittingCandidateRow.admission_no == AttemptRow.admission_no)
          .join(SittingRow, SittingRow.id == SittingCandidateRow.sitting_id)
          .outerjoin(PaperRow, PaperRow.assignment == SittingCandidateRow.assignment)
          .where(AttemptRow.id == bindparam("attempt"), AttemptRow.admission_no == bindparam("seat"))
          .execution_options(populate_existing=True))  # built once


def briefing(session: Session, attempt_id: int, admission_no: str) -> Briefing:
    return exam_entry(session, attempt_id, admission_no)[1]


def exam_entry(session: Session, attempt_id: int, admission_no: str) -> tuple[AttemptView, Briefing]:
    """What the exam page shows, read once: the attempt with its seat, sitting and paper (one
    statement), its answers, its marks and the candidate's name. Refused when the attempt is not
    that seat's (a forged cookie)."""
    row = session.execute(_ENTRY, {"attempt": attempt_id, "seat": admission_no}).first()
    if row is None:
        raise SittingError("没有这次作答")
    attempt, seat, sitting, paper = row
    view = view_of(session, seat, attempt)  # the paper is in the session now: not read again
    return view, _briefing(session, view, seat, sitting, paper)


def _briefing(session: Session, view: AttemptView, seat: SittingCandidateRow, sitting: SittingRow,
              paper: PaperRow | None) -> Briefing:
    items = view.items
    sections: list[Section] = []
    for kind in dict.fromkeys(p.item.type for p in items):
        group = [p.item.points for p in items if p.item.type == kind]
        sections.append(Section(kind, TYPE_NAMES.get(kind, kind), len(group), tuple(sorted(set(group))),
                                sum(group), RULES.get(kind, "")))
    person = people(session, [seat.student_id]).get(seat.student_id)
    return Briefing(seat.admission_no, person.name if person else "", person.unit if person else "", sitting.title,
                    paper.title if paper else seat.assignment, sitting.duration_minutes, len(items),
                    tuple(sections), paper.total_points if paper else sum(s.points for s in sections),
                    paper.pass_mark if paper else 0.0, bool(paper.show_score) if paper else False,
                    sitting.switch_limit)
