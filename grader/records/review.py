"""Score review (成绩复核): the candidate, or the department on their behalf, asks within the
programme's days for a review of a graded result; a second marker regrades the essays from a
sheet that shows the answers, never the first marks; the department decides which marks stand.
Both marks, the outcome and who decided stay in ql_score_review; when the second marks are
adopted they become the grader's marks in nbgrader's gradebook (as formgrader would write
them), so every score read from then on counts them. The caller commits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import column, select, table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader.audit import log as audit_log
from grader.gradebook.models import GradingRunRow, ItemResultRow, PaperItemRow, ResultRow, ScoreReviewRow
from grader.programmes.spec import Programme
from grader.records.gate import RecordError
from grader.records.locking import hold
from grader.staff.roles import Actor, authorize

_GRADE = table("grade", column("id"), column("notebook_id"), column("cell_id"), column("auto_score"),
               column("manual_score"), column("extra_credit"), column("needs_manual_grade"))
_CELL = table("base_cell", column("id"), column("name"))
_SUB_NB = table("submitted_notebook", column("id"), column("assignment_id"))
_SUB = table("submitted_assignment", column("id"), column("assignment_id"), column("student_id"))
_ASSIGNMENT = table("assignment", column("id"), column("name"))
OUTCOMES = {"upheld": "维持原评分", "changed": "采用复核评分"}


@dataclass(frozen=True)
class Review:
    id: int
    person_id: str
    assignment: str
    requested_by: str
    on_behalf: bool
    requested_at: datetime
    reason: str
    first_marks: dict[str, float]
    first_score: float
    marker: str | None
    second_marks: dict[str, float] | None
    marked_at: datetime | None
    outcome: str | None  # upheld | changed; None: not decided yet
    final_score: float | None
    decided_by: str | None
    decided_at: datetime | None
    note: str

    @property
    def state(self) -> str:
        if self.outcome:
            return OUTCOMES[self.outcome]
        return "待决定" if self.second_marks is not None else "待复核评分"


@dataclass(frozen=True)
class EssayToMark:
    name: str
    stem: str
    response: str
    max_points: float


@dataclass(frozen=True)
class ReviewSheet:
    """What the second marker sees: the answers and their maximum, not the first marks."""

    review_id: int
    assignment: str
    essays: tuple[EssayToMark, ...]


def _view(row: ScoreReviewRow) -> Review:
    return Review(row.id, row.person_id, row.assignment, row.requested_by, row.on_behalf, row.requested_at,
                  row.reason, dict(row.first_marks), row.first_score, row.marker,
                  None if row.second_marks is None else dict(row.second_marks), row.marked_at, row.outcome,
                  row.final_score, row.decided_by, row.decided_at, row.note)


def _essay_grades(session: Session, assignment: str, person_id: str) -> dict[str, tuple[object, float | None, float]]:
    """essay name -> (nbgrader grade id, manual score, auto score) of the person's submission."""
    names = list(session.scalars(select(PaperItemRow.name).where(PaperItemRow.assignment == assignment,
                                                                PaperItemRow.type == "essay")))
    rows = session.execute(
        select(_CELL.c.name, _GRADE.c.id, _GRADE.c.manual_score, _GRADE.c.auto_score)
        .select_from(_GRADE).join(_CELL, _CELL.c.id == _GRADE.c.cell_id)
        .join(_SUB_NB, _SUB_NB.c.id == _GRADE.c.notebook_id).join(_SUB, _SUB.c.id == _SUB_NB.c.assignment_id)
        .join(_ASSIGNMENT, _ASSIGNMENT.c.id == _SUB.c.assignment_id)
        .where(_ASSIGNMENT.c.name == assignment, _SUB.c.student_id == person_id, _CELL.c.name.in_(names)))
    return {name: (gid, manual, float(auto or 0.0)) for name, gid, manual, auto in rows}


def request_review(session: Session, programme: Programme, person_id: str, assignment: str, requested_by: Actor,
                   reason: str, on_behalf: bool = False, now: datetime | None = None) -> Review:
    """The department takes in a request for a review of the person's current result on the
    paper: the candidate's own (in writing), or its own on their behalf (`on_behalf`). Refused: no
    rule, no such result, too late, no essays or essays not yet marked, or a review of it already
    asked for."""
    now = now or datetime.now()
    authorize(requested_by, "review.request")
    if programme.review is None:
        raise RecordError(f"{programme.title}没有成绩复核规则（{programme.file} 中没有 review）")
    if not reason.strip():
        raise RecordError("申请复核须写明理由")
    found = session.execute(select(ResultRow, GradingRunRow.started_at)
                            .join(GradingRunRow, GradingRunRow.id == ResultRow.run_id)
                            .where(ResultRow.assignment == assignment, ResultRow.student_id == person_id,
                                   ResultRow.current)).first()
    if found is None:
        raise RecordError(f"{person_id} 没有试卷 {assignment} 的成绩")
    result, graded_at = found
    deadline = graded_at + timedelta(days=programme.review.days)
    if now > deadline:
        raise RecordError(f"申请复核须在成绩评定后 {programme.review.days} 日内（{graded_at:%Y-%m-%d} 评定，"
                          f"至 {deadline:%Y-%m-%d %H:%M}），现已超过；依据：{programme.review.basis}")
    grades = _essay_grades(session, assignment, person_id)
    if not grades:
        raise RecordError(f"试卷 {assignment} 没有简答题，客观题由程序判分，无需复核")
    unmarked = sorted(n for n, (_, manual, _) in grades.items() if manual is None)
    if unmarked:
        raise RecordError(f"简答题 {'、'.join(unmarked)} 尚未评分，评分后才能申请复核")
    first = {name: float(manual or 0.0) for name, (_, manual, _) in grades.items()}
    added = sum(first[n] - auto for n, (_, _, auto) in grades.items())
    row = ScoreReviewRow(result_id=result.id, person_id=person_id, assignment=assignment,
                         requested_by=requested_by.name, on_behalf=on_behalf, requested_at=now,
                         reason=reason.strip(), first_marks=first, first_score=result.auto_score + added, note="")
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as error:
        raise RecordError(f"{person_id} 的试卷 {assignment} 这次成绩已申请过复核") from error
    audit_log.record(session, requested_by, "review.request", [row], now)
    return _view(row)


def _row(session: Session, review_id: int, lock: bool = True) -> ScoreReviewRow:
    row = hold(session, ScoreReviewRow, review_id) if lock else session.get(ScoreReviewRow, review_id)
    if row is None:
        raise RecordError(f"没有编号为 #{review_id} 的复核申请")
    return row


def review_sheet(session: Session, review_id: int) -> ReviewSheet:
    """The essays to regrade, without the first marks."""
    row = _row(session, review_id, lock=False)
    result = session.get(ResultRow, row.result_id)
    assert result is not None
    items = session.execute(select(PaperItemRow.name, PaperItemRow.stem, PaperItemRow.points,
                                   ItemResultRow.response)
                            .join(ItemResultRow, (ItemResultRow.position == PaperItemRow.position)
                                  & (ItemResultRow.result_id == result.id))
                            .where(PaperItemRow.assignment == row.assignment, PaperItemRow.type == "essay")
                            .order_by(PaperItemRow.position))
    return ReviewSheet(row.id, row.assignment, tuple(EssayToMark(name, stem or "", response or "", points)
                                                     for name, stem, points, response in items))


def mark_review(session: Session, review_id: int, marker: Actor, marks: Mapping[str, float],
                now: datetime | None = None) -> Review:
    """The second marker's marks, one per essay, within each essay's points."""
    authorize(marker, "review.mark")
    now = now or datetime.now()
    row = _row(session, review_id)
    if row.second_marks is not None:
        raise RecordError(f"复核 #{review_id} 已由 {row.marker} 评分")
    sheet = {e.name: e.max_points for e in review_sheet(session, review_id).essays}
    if set(marks) != set(sheet):
        raise RecordError(f"须为每道简答题评分：{'、'.join(sorted(sheet))}（收到：{'、'.join(sorted(marks)) or '无'}）")
    for name, points in marks.items():
        if not 0 <= points <= sheet[name]:
            raise RecordError(f"{name} 的得分 {points:g} 超出范围 0–{sheet[name]:g}")
    row.marker, row.second_marks, row.marked_at = marker.name, {k: float(v) for k, v in marks.items()}, now
    audit_log.record(session, marker, "review.mark", [row], now)
    return _view(row)


def decide_review(session: Session, review_id: int, decided_by: Actor, adopt: str, note: str = "",
                  now: datetime | None = None) -> Review:
    """Decide which marks stand (`first` or `second`). Adopting different second marks writes them
    as the grader's marks (logged, so the audit log vouches for them); the first marks stay in the review."""
    authorize(decided_by, "review.decide")
    now = now or datetime.now()
    row = _row(session, review_id)
    if row.outcome is not None:
        raise RecordError(f"复核 #{review_id} 已由 {row.decided_by} 决定：{OUTCOMES[row.outcome]}")
    if row.second_marks is None:
        raise RecordError(f"复核 #{review_id} 尚无复核评分，不能决定")
    if adopt not in ("first", "second"):
        raise RecordError("请选择 first（维持原评分）或 second（采用复核评分）")
    second = dict(row.second_marks)
    changed = adopt == "second" and second != row.first_marks
    if changed:
        _adopt(session, row, second, decided_by, now)
        from grader.summary import settle

        settle(session)  # the adopted marks in the scoreboard's summaries
    delta = sum(second[n] - row.first_marks.get(n, 0.0) for n in second) if changed else 0.0
    row.outcome, row.final_score = ("changed" if changed else "upheld"), row.first_score + delta
    row.decided_by, row.decided_at, row.note = decided_by.name, now, note.strip()
    audit_log.record(session, decided_by, "review.decide", [row], now)
    return _view(row)


def _adopt(session: Session, row: ScoreReviewRow, marks: Mapping[str, float], actor: Actor, now: datetime) -> None:
    """The second marks become the grader's marks in nbgrader's gradebook, each change logged."""
    from grader.audit.tables import states_by_key

    grades = _essay_grades(session, row.assignment, row.person_id)
    ids = [str(grades[name][0]) for name in marks]
    for name, points in marks.items():
        session.execute(update(_GRADE).where(_GRADE.c.id == grades[name][0])
                        .values(manual_score=points, needs_manual_grade=False))
    states = states_by_key(session, "grade", ids)
    audit_log.append_many(session, actor, [audit_log.Change("review.decide", "grade", i, states[i]) for i in ids],
                          now)


def reviews_of(session: Session, person_id: str) -> list[Review]:
    return [_view(r) for r in session.scalars(select(ScoreReviewRow).where(ScoreReviewRow.person_id == person_id)
                                              .order_by(ScoreReviewRow.id))]
