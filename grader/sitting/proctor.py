"""Proctoring (监考), staff only: the live seat table and the four actions on a seat. Every action
is an organiser's (a signed-in staff account, checked here), names who did it and why, is kept in
ql_proctor_action and appended to the audit log in the caller's transaction.

Reopening (after a technical failure) keeps the attempt's answers and gives it a new deadline,
`minutes` from now; what it handed in before stays in ql_submission and a result graded before
stays in the gradebook's history (a regrade adds a result, it never overwrites one). Only the
seat's latest attempt can be reopened. Extending moves one candidate's deadline, also past the
sitting's close: that is the proctor's decision, and it is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.audit.log import record
from grader.gradebook.models import (
    AnswerRow,
    AttemptEventRow,
    AttemptRow,
    PaperItemRow,
    ProctorActionRow,
    SittingCandidateRow,
    SittingRow,
)
from grader.sitting.attempt import lock_seat, owned_attempt
from grader.sitting.errors import SittingError
from grader.sitting.seats import people
from grader.sitting.submission import Submitted, submit_attempt
from grader.staff.roles import Actor, authorize

NOT_SIGNED_IN, ANSWERING, SUBMITTED, LOCKED = "未登录", "作答中", "已交卷", "已锁定"


@dataclass(frozen=True)
class SeatStatus:
    admission_no: str
    student_id: str
    name: str
    unit: str
    assignment: str
    state: str  # 未登录 | 作答中 | 已交卷 | 已锁定
    answered: int
    items: int
    last_save: datetime | None
    switches: int
    attempt_id: int | None
    deadline: datetime | None
    locked: bool  # wrong codes locked the admission number (also shown while answering)

    @property
    def label(self) -> str:
        return f"{ANSWERING} {self.answered}/{self.items}" if self.state == ANSWERING else self.state


@dataclass(frozen=True)
class ProctorAction:
    admission_no: str
    action: str
    detail: str
    reason: str
    actor: str
    at: datetime


def _latest_attempts(session: Session, sitting_id: str) -> dict[str, AttemptRow]:
    latest: dict[str, AttemptRow] = {}
    for attempt in session.scalars(select(AttemptRow).join(SittingCandidateRow)
                                   .where(SittingCandidateRow.sitting_id == sitting_id).order_by(AttemptRow.number)):
        latest[attempt.admission_no] = attempt
    return latest


def seat_table(session: Session, sitting_id: str, now: datetime) -> list[SeatStatus]:
    if session.get(SittingRow, sitting_id) is None:
        raise SittingError(f"没有场次 {sitting_id}")
    seats = list(session.scalars(select(SittingCandidateRow).where(SittingCandidateRow.sitting_id == sitting_id)
                                 .order_by(SittingCandidateRow.admission_no)))
    latest = _latest_attempts(session, sitting_id)
    ids = [a.id for a in latest.values()]
    saves = {row[0]: (row[1], row[2]) for row in session.execute(
        select(AnswerRow.attempt_id, func.count(), func.max(AnswerRow.saved_at))
        .where(AnswerRow.attempt_id.in_(ids), AnswerRow.value != "").group_by(AnswerRow.attempt_id))} if ids else {}
    switches = dict(session.execute(select(AttemptEventRow.attempt_id, func.count())
                                    .where(AttemptEventRow.attempt_id.in_(ids))
                                    .group_by(AttemptEventRow.attempt_id)).all()) if ids else {}
    sizes = dict(session.execute(select(PaperItemRow.assignment, func.count())
                                 .where(PaperItemRow.assignment.in_({s.assignment for s in seats}))
                                 .group_by(PaperItemRow.assignment)).all())
    known = people(session, (s.student_id for s in seats))
    table = []
    for seat in seats:
        attempt = latest.get(seat.admission_no)
        locked = seat.locked_until is not None and seat.locked_until > now
        if attempt is None:
            state = LOCKED if locked else NOT_SIGNED_IN
        else:
            state = SUBMITTED if attempt.submitted_at is not None else ANSWERING
        answered, last = saves.get(attempt.id, (0, None)) if attempt else (0, None)
        person = known.get(seat.student_id)
        table.append(SeatStatus(seat.admission_no, seat.student_id, person.name if person else "",
                                person.unit if person else "", seat.assignment, state, answered,
                                sizes.get(seat.assignment, 0), last, switches.get(attempt.id, 0) if attempt else 0,
                                attempt.id if attempt else None, attempt.deadline if attempt else None, locked))
    return table


def _record(session: Session, seat: SittingCandidateRow, attempt_id: int | None, action: str, detail: str, *,
            actor: Actor, reason: str, now: datetime) -> None:
    row = ProctorActionRow(sitting_id=seat.sitting_id, admission_no=seat.admission_no, attempt_id=attempt_id,
                           action=action, detail=detail, reason=reason.strip(), actor=actor.name, at=now)
    session.add(row)
    record(session, actor, f"proctor.{action}", [row], now)


def _seat(session: Session, admission_no: str, actor: Actor, reason: str) -> SittingCandidateRow:
    authorize(actor, "sitting.proctor")
    if not reason.strip():
        raise SittingError("请填写操作理由")
    seat = lock_seat(session, admission_no.strip())
    if seat is None:
        raise SittingError(f"没有准考证号 {admission_no}")
    return seat


def _latest(session: Session, seat: SittingCandidateRow) -> AttemptRow | None:
    return session.scalars(select(AttemptRow).where(AttemptRow.admission_no == seat.admission_no)
                           .order_by(AttemptRow.number.desc())).first()


def _open_attempt(session: Session, seat: SittingCandidateRow) -> AttemptRow:
    attempt = _latest(session, seat)
    if attempt is None or attempt.submitted_at is not None:
        raise SittingError(f"{seat.admission_no} 没有正在进行的作答")
    locked, _ = owned_attempt(session, attempt.id, seat.admission_no, lock=True)
    if locked.submitted_at is not None:
        raise SittingError(f"{seat.admission_no} 已交卷")
    return locked


def unlock(session: Session, admission_no: str, *, actor: Actor, reason: str, now: datetime) -> None:
    """Lift a wrong-code lock before its ten minutes are up."""
    seat = _seat(session, admission_no, actor, reason)
    detail = f"原锁定至 {seat.locked_until:%H:%M:%S}" if seat.locked_until else "未锁定"
    seat.failed_tries, seat.locked_until = 0, None
    _record(session, seat, None, "unlock", detail, actor=actor, reason=reason, now=now)


def extend(session: Session, admission_no: str, minutes: int, *, actor: Actor, reason: str, now: datetime) -> datetime:
    """More time for one candidate's open attempt; the new deadline."""
    if minutes <= 0:
        raise SittingError("延长的分钟数应为正数")
    seat = _seat(session, admission_no, actor, reason)
    attempt = _open_attempt(session, seat)
    before = attempt.deadline
    attempt.deadline = before + timedelta(minutes=minutes)
    detail = f"延长 {minutes} 分钟：{before:%H:%M:%S} → {attempt.deadline:%H:%M:%S}"
    _record(session, seat, attempt.id, "extend", detail, actor=actor, reason=reason, now=now)
    return attempt.deadline


def force_submit(session: Session, root: Path, admission_no: str, *, actor: Actor, reason: str,
                 now: datetime) -> Submitted:
    """Hand in a candidate's open attempt now (grade it next, as after any submission)."""
    seat = _seat(session, admission_no, actor, reason)
    attempt = _open_attempt(session, seat)
    done = submit_attempt(session, root, attempt.id, now, how="proctor")
    _record(session, seat, attempt.id, "force_submit", f"交卷时间 {done.submitted_at:%H:%M:%S}",
            actor=actor, reason=reason, now=now)
    return done


def reopen(session: Session, admission_no: str, minutes: int, *, actor: Actor, reason: str, now: datetime) -> datetime:
    """After a technical failure: the seat's latest, submitted attempt is open again with its
    answers, until `minutes` from now; the new deadline."""
    if minutes <= 0:
        raise SittingError("重新开放的分钟数应为正数")
    seat = _seat(session, admission_no, actor, reason)
    latest = _latest(session, seat)
    if latest is None:
        raise SittingError(f"{seat.admission_no} 还没有作答，无需重新开放")
    attempt, _ = owned_attempt(session, latest.id, seat.admission_no, lock=True)
    if attempt.submitted_at is None:
        raise SittingError(f"{seat.admission_no} 正在作答，无需重新开放")
    deadline = now + timedelta(minutes=minutes)
    detail = f"原交卷 {attempt.submitted_at:%H:%M:%S}（{attempt.submitted_how}），新截止 {deadline:%H:%M:%S}"
    attempt.submitted_at, attempt.submitted_how, attempt.deadline = None, None, deadline
    _record(session, seat, attempt.id, "reopen", detail, actor=actor, reason=reason, now=now)
    return attempt.deadline


def actions(session: Session, sitting_id: str) -> list[ProctorAction]:
    return [ProctorAction(r.admission_no, r.action, r.detail, r.reason, r.actor, r.at)
            for r in session.scalars(select(ProctorActionRow).where(ProctorActionRow.sitting_id == sitting_id)
                                     .order_by(ProctorActionRow.at, ProctorActionRow.id))]
