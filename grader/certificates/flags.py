"""Results flagged 待复核 (a locked question cell altered, an answer that is not a plain value,
a submission the roster does not know…) earn no certificate until a person has looked at them
and cleared the flag. Clearing is recorded in ql_result_flag_clearance (who, when, why), once
per result: a regrade is a new result and is judged afresh. The caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader.gradebook.models import GradingIssueRow, GradingRunRow, PaperRow, ResultFlagClearanceRow, ResultRow
from grader.staff.roles import Actor, authorize

_CHUNK = 500


class FlagError(Exception):
    pass


@dataclass(frozen=True)
class FlaggedResult:
    """A current result still flagged for review, and what the grader found."""

    result_id: int
    student_id: str
    assignment: str
    graded_at: datetime
    problems: tuple[str, ...]

    def __str__(self) -> str:
        found = "；".join(self.problems) or "评分时被标记待复核"
        return f"试卷 {self.assignment}（{self.graded_at:%Y-%m-%d %H:%M} 评分）待复核：{found}"


@dataclass(frozen=True)
class FlagClearance:
    result_id: int
    student_id: str
    assignment: str
    cleared_by: str
    cleared_at: datetime
    reason: str


def _problems(session: Session, pairs: set[tuple[int, str]]) -> dict[tuple[int, str], list[str]]:
    found: dict[tuple[int, str], list[str]] = {}
    runs = sorted({run for run, _ in pairs})
    for start in range(0, len(runs), _CHUNK):
        for run, student, message in session.execute(
                select(GradingIssueRow.run_id, GradingIssueRow.student_id, GradingIssueRow.message)
                .where(GradingIssueRow.run_id.in_(runs[start:start + _CHUNK])).order_by(GradingIssueRow.id)):
            if (run, student) in pairs:
                found.setdefault((run, student), []).append(message)
    return found


def open_flags(session: Session, person_ids: Sequence[str] | None,
               papers: ColumnElement[bool]) -> dict[str, list[FlaggedResult]]:
    """person id -> their current results on the papers selected (a condition on PaperRow) that
    are flagged and not yet cleared, oldest first; everyone's when person_ids is None."""
    query = (select(ResultRow.id, ResultRow.run_id, ResultRow.student_id, ResultRow.assignment,
                    GradingRunRow.started_at)
             .join(PaperRow, PaperRow.assignment == ResultRow.assignment)
             .join(GradingRunRow, GradingRunRow.id == ResultRow.run_id)
             .where(ResultRow.current, ResultRow.flagged, papers,
                    ~ResultRow.id.in_(select(ResultFlagClearanceRow.result_id)))
             .order_by(GradingRunRow.started_at, ResultRow.student_id, ResultRow.id))
    rows: list[tuple[int, int, str, str, datetime]] = []
    if person_ids is None:
        rows.extend(session.execute(query))
    ids = list(dict.fromkeys(person_ids or ()))
    for start in range(0, len(ids), _CHUNK):
        rows.extend(session.execute(query.where(ResultRow.student_id.in_(ids[start:start + _CHUNK]))))
    problems = _problems(session, {(run, student) for _, run, student, _, _ in rows})
    flags: dict[str, list[FlaggedResult]] = {}
    for result_id, run, student, assignment, graded_at in rows:
        flags.setdefault(student, []).append(FlaggedResult(result_id, student, assignment, graded_at,
                                                           tuple(problems.get((run, student), ()))))
    return flags


def refusal(flags: Sequence[FlaggedResult]) -> str:
    """Why a certificate waits: the flagged results named, and what clears them."""
    first = flags[0]
    return (f"成绩待复核，暂不签发：{'；'.join(str(f) for f in flags)}。须由复核人员核查答卷后解除标记"
            f"（qinglian result clear-flag {first.student_id} {first.assignment} --reason 原因）")


def _locked_result(session: Session, student_id: str, assignment: str) -> ResultRow | None:
    """The current result, held until the caller commits, so two reviewers clear one after the
    other: FOR UPDATE on PostgreSQL; on SQLite, where a SELECT locks nothing, a no-op write that
    takes the database's write lock."""
    where = (ResultRow.student_id == student_id, ResultRow.assignment == assignment, ResultRow.current)
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(ResultRow).where(*where).values(flagged=ResultRow.flagged))
        return session.scalars(select(ResultRow).where(*where).execution_options(populate_existing=True)).first()
    return session.scalars(select(ResultRow).where(*where).with_for_update()).first()


def clear_flag(session: Session, student_id: str, assignment: str, by: Actor, reason: str,
               now: datetime) -> FlagClearance:
    """A staff member whose role may clears the flag on a student's current result for a paper, saying why."""
    from grader.audit.log import record

    authorize(by, "flag.clear")
    if not reason.strip():
        raise FlagError("解除待复核标记必须写明理由（--reason）")
    result = _locked_result(session, student_id, assignment)
    if result is None:
        raise FlagError(f"没有 {student_id} 在试卷 {assignment} 上的成绩")
    if not result.flagged:
        raise FlagError(f"{student_id} 在试卷 {assignment} 上的成绩没有待复核标记，无需解除")
    done = session.get(ResultFlagClearanceRow, result.id)
    if done is not None:
        raise FlagError(f"{student_id} 在试卷 {assignment} 上的待复核标记已于 {done.cleared_at:%Y-%m-%d %H:%M} "
                        f"由 {done.cleared_by} 解除：{done.reason}")
    try:
        with session.begin_nested():  # two reviewers at once: the primary key lets one through
            row = ResultFlagClearanceRow(result_id=result.id, cleared_by=by.name, cleared_at=now,
                                         reason=reason.strip())
            session.add(row)
            session.flush()
    except IntegrityError as error:
        raise FlagError(f"{student_id} 在试卷 {assignment} 上的待复核标记刚刚已由别人解除") from error
    record(session, by, "flag.clear", [row], now)
    return FlagClearance(result.id, student_id, assignment, by.name, now, reason.strip())
