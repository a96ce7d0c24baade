"""Sittings and attempts: every rule is enforced here, on the server, whatever the browser sends.
Functions take the session and the server's `now`; the caller commits (before the page may say
已保存)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.gradebook.models import (
    AnswerEventRow,
    AnswerRow,
    AttemptRow,
    PaperItemRow,
    SittingCandidateRow,
    SittingRow,
)
from grader.sitting.presentation import PaperItemView, PresentedItem, present


class SittingError(Exception):
    """A rule refused the request; the message is for the candidate or the organiser."""


@dataclass(frozen=True)
class Seat:
    admission_no: str
    code: str  # shown once, at creation; only its hash is stored
    student_id: str
    assignment: str


@dataclass(frozen=True)
class AttemptView:
    attempt_id: int
    admission_no: str
    student_id: str
    assignment: str
    deadline: datetime
    submitted_at: datetime | None
    items: tuple[PresentedItem, ...]
    answers: dict[int, str]  # paper position -> answer as shown to this candidate

    def remaining(self, now: datetime) -> timedelta:
        return max(self.deadline - now, timedelta(0))


def _hash(code: str, admission_no: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", code.encode(), admission_no.encode(), 100_000).hex()


def create_sitting(session: Session, sitting_id: str, title: str, assignments: Sequence[str],
                   students: Sequence[str], opens_at: datetime, closes_at: datetime, duration_minutes: int,
                   *, attempts_allowed: int = 1, created_by: str, now: datetime) -> list[Seat]:
    """Seat every student, paper versions in turn (A, B, A, ...), each with an exam code."""
    if session.get(SittingRow, sitting_id) is not None:
        raise SittingError(f"场次 {sitting_id} 已存在")
    if closes_at <= opens_at or duration_minutes <= 0:
        raise SittingError("场次的结束时间应晚于开始时间，时长应为正数")
    session.add(SittingRow(id=sitting_id, title=title, opens_at=opens_at, closes_at=closes_at,
                           duration_minutes=duration_minutes, attempts_allowed=attempts_allowed,
                           created_by=created_by, created_at=now))
    session.flush()  # the seats refer to it
    seats = []
    for number, student in enumerate(students, start=1):
        admission_no = f"{sitting_id}-{number:04d}"
        code = f"{secrets.randbelow(10**6):06d}"
        assignment = assignments[(number - 1) % len(assignments)]
        session.add(SittingCandidateRow(admission_no=admission_no, sitting_id=sitting_id, student_id=student,
                                        assignment=assignment, code_hash=_hash(code, admission_no),
                                        seed=secrets.randbelow(2**31)))
        seats.append(Seat(admission_no, code, student, assignment))
    return seats


def paper_view(session: Session, assignment: str) -> list[PaperItemView]:
    rows = session.scalars(select(PaperItemRow).where(PaperItemRow.assignment == assignment)
                           .order_by(PaperItemRow.position))
    return [PaperItemView(r.position, r.name, r.type, r.stem or "",
                          tuple(zip(r.options, r.option_texts or [], strict=False)), r.points) for r in rows]


def _seat(session: Session, admission_no: str, code: str) -> SittingCandidateRow:
    seat = session.get(SittingCandidateRow, admission_no.strip())
    if seat is None or not hmac.compare_digest(seat.code_hash, _hash(code.strip(), seat.admission_no)):
        raise SittingError("准考证号或考试码不正确")
    return seat


def _view(session: Session, seat: SittingCandidateRow, attempt: AttemptRow) -> AttemptView:
    items = tuple(present(paper_view(session, seat.assignment), seat.seed))
    by_position = {p.item.position: p for p in items}
    answers = {row.position: by_position[row.position].to_shown(row.value)
               for row in session.scalars(select(AnswerRow).where(AnswerRow.attempt_id == attempt.id))}
    return AttemptView(attempt.id, seat.admission_no, seat.student_id, seat.assignment, attempt.deadline,
                       attempt.submitted_at, items, answers)


def start_or_resume(session: Session, admission_no: str, code: str, now: datetime) -> AttemptView:
    """Sign in: resume the open attempt (a second browser gets the same one), or start one if the
    sitting is open and attempts remain. The deadline never exceeds the sitting's close."""
    return _enter(session, _seat(session, admission_no, code), now)


def start_for_user(session: Session, student_id: str, now: datetime) -> AttemptView:
    """Sign in as the JupyterHub user: their seat in the sitting open now. No code is asked; the
    hub has authenticated them."""
    seats = session.scalars(select(SittingCandidateRow)
                            .join(SittingRow, SittingRow.id == SittingCandidateRow.sitting_id)
                            .where(SittingCandidateRow.student_id == student_id, SittingRow.opens_at <= now,
                                   SittingRow.closes_at > now)).all()
    if not seats:
        raise SittingError("现在没有您的考试场次")
    return _enter(session, seats[0], now)


def _enter(session: Session, seat: SittingCandidateRow, now: datetime) -> AttemptView:
    sitting = session.get(SittingRow, seat.sitting_id)
    assert sitting is not None
    attempts = list(session.scalars(select(AttemptRow).where(AttemptRow.admission_no == seat.admission_no)
                                    .order_by(AttemptRow.number).with_for_update()))
    if attempts and attempts[-1].submitted_at is None:
        return _view(session, seat, attempts[-1])
    if now < sitting.opens_at:
        raise SittingError(f"考试尚未开始（{sitting.opens_at:%Y-%m-%d %H:%M} 开始）")
    if now >= sitting.closes_at:
        raise SittingError("考试已结束")
    if len(attempts) >= sitting.attempts_allowed:
        raise SittingError("已交卷，本场次不能再次作答")
    deadline = min(now + timedelta(minutes=sitting.duration_minutes), sitting.closes_at)
    attempt = AttemptRow(admission_no=seat.admission_no, number=len(attempts) + 1, started_at=now, deadline=deadline)
    session.add(attempt)
    session.flush()
    return _view(session, seat, attempt)


def _open_attempt(session: Session, attempt_id: int) -> tuple[AttemptRow, SittingCandidateRow]:
    attempt = session.get(AttemptRow, attempt_id)
    if attempt is None:
        raise SittingError("没有这次作答")
    seat = session.get(SittingCandidateRow, attempt.admission_no)
    assert seat is not None
    return attempt, seat


@dataclass(frozen=True)
class Saved:
    accepted: bool
    reason: str  # why it was refused ("" when accepted)
    value: str  # the canonical value now stored


def save_answer(session: Session, view: AttemptView, position: int, shown: str, now: datetime) -> Saved:
    """Keep one answer, canonical. Every value the browser sent is logged, a refused one with the
    reason; nothing raises, so the caller commits the log either way."""
    attempt, seat = _open_attempt(session, view.attempt_id)
    item = next((p for p in view.items if p.item.position == position), None)
    reason = ""
    canonical = ""
    if seat.admission_no != view.admission_no:
        reason = "不是本人的作答"
    elif attempt.submitted_at is not None:
        reason = "已交卷"
    elif now > attempt.deadline:
        reason = "已超过考试时间"
    elif item is None:
        reason = "没有这道题"
    else:
        canonical = item.to_paper(shown)
        if shown.strip() and item.item.type != "fill" and not canonical:
            reason = "选项不存在"
    session.add(AnswerEventRow(attempt_id=attempt.id, position=position, value=shown[:2000], accepted=not reason,
                               reason=reason, at=now))
    if reason:
        return Saved(False, reason, "")
    row = session.get(AnswerRow, (attempt.id, position))
    if row is None:
        session.add(AnswerRow(attempt_id=attempt.id, position=position, value=canonical, saved_at=now))
    else:
        row.value, row.saved_at = canonical, now
    return Saved(True, "", canonical)


def submit(session: Session, root: Path, view: AttemptView, now: datetime, *, how: str = "candidate") -> Path:
    """Close the attempt and write the canonical submission (paper order, paper letters) where
    nbgrader expects it, stamped with the server's time."""
    from grader.paper.notebook import answered_notebook  # nbformat is heavy: kernels load it at submission
    from grader.release import release_path
    from grader.workspace import write_submission

    attempt, seat = _open_attempt(session, view.attempt_id)
    if attempt.submitted_at is not None:
        raise SittingError("已交卷")
    stamped = min(now, attempt.deadline)
    attempt.submitted_at, attempt.submitted_how = stamped, how
    names = {p.item.position: p.item.name for p in view.items}
    answers = {names[row.position]: row.value
               for row in session.scalars(select(AnswerRow).where(AnswerRow.attempt_id == attempt.id))}
    released = json.loads(release_path(root, seat.assignment).read_text(encoding="utf-8"))
    return write_submission(root, seat.assignment, seat.student_id, answered_notebook(released, answers), stamped)


def unanswered(view: AttemptView) -> list[int]:
    """Numbers (as the candidate sees them) of items with no answer yet."""
    return [p.number for p in view.items if not view.answers.get(p.item.position, "").strip()]


def attempts_count(session: Session, admission_no: str) -> int:
    return int(session.scalar(select(func.count()).select_from(AttemptRow)
                              .where(AttemptRow.admission_no == admission_no)) or 0)


def seat_list(session: Session, seats: Sequence[Seat]) -> list[dict[str, object]]:
    """The printable admission list: one row per seat, with the code shown this once."""
    from nbgrader.api import Student

    names = {s.id: f"{s.last_name or ''}{s.first_name or ''}" for s in session.scalars(
        select(Student).where(Student.id.in_([seat.student_id for seat in seats])))}
    return [{"准考证号": s.admission_no, "考试码": s.code, "编号": s.student_id, "姓名": names.get(s.student_id, ""),
             "试卷": s.assignment} for s in seats]


def close_expired(session: Session, root: Path, now: datetime) -> list[str]:
    """Submit and grade every attempt whose time is up but whose page never submitted it (a closed
    tab, a culled kernel, a crash). Returns the admission numbers closed."""
    from grader.autograde import autograde

    closed = []
    for attempt in session.scalars(select(AttemptRow).where(AttemptRow.submitted_at.is_(None),
                                                            AttemptRow.deadline <= now)).all():
        seat = session.get(SittingCandidateRow, attempt.admission_no)
        assert seat is not None
        submit(session, root, _view(session, seat, attempt), now, how="timeout")
        autograde(session, root, seat.assignment, actor="timeout", workers=1, students=[seat.student_id])
        closed.append(seat.admission_no)
    return closed
