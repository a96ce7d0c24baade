"""Attempts: one open attempt per seat, on the server's clock, rebuilt from the database on every
request (any room process can serve any candidate). Functions take the session and the server's
`now`; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader.gradebook.models import (
    AnswerRow,
    AttemptRow,
    MarkRow,
    PaperItemRow,
    PaperRow,
    SittingCandidateRow,
    SittingRow,
)
from grader.sitting.errors import SittingError
from grader.sitting.presentation import PaperItemView, PresentedItem, present
from grader.sitting.seats import Seat, create_sitting, seat_list

if TYPE_CHECKING:
    from grader.sitting.answers import Saved

__all__ = [
    "AttemptView",
    "Seat",
    "SittingError",
    "attempt_for",
    "close_expired",
    "create_sitting",
    "enter",
    "lock_seat",
    "paper_view",
    "presented",
    "resume",
    "save_answer",
    "seat_list",
    "start_for_user",
    "start_or_resume",
    "submit",
    "unanswered",
]


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
    sitting_id: str = ""
    number: int = 1
    started_at: datetime | None = None
    saved_at: dict[int, datetime] = field(default_factory=dict)  # paper position -> when it was saved
    marked: frozenset[int] = frozenset()  # paper positions marked for review

    def remaining(self, now: datetime) -> timedelta:
        return max(self.deadline - now, timedelta(0))


def paper_view(session: Session, assignment: str) -> list[PaperItemView]:
    paper = session.get(PaperRow, assignment)
    return list(_cached_items(session, assignment, paper.built_at if paper else None))


_ITEMS: dict[tuple[str, datetime | None], tuple[PaperItemView, ...]] = {}
_PRESENTED: dict[tuple[str, datetime | None, int], tuple[PresentedItem, ...]] = {}
_PRESENTED_MAX = 20_000  # seats whose order a room process keeps (a few MB)


def _cached_items(session: Session, assignment: str, built_at: datetime | None) -> tuple[PaperItemView, ...]:
    """A built paper never changes (a rebuild has a new built_at), so a room process reads each
    paper's items once, not at every save."""
    key = (assignment, built_at)
    if key not in _ITEMS or built_at is None:
        rows = session.scalars(select(PaperItemRow).where(PaperItemRow.assignment == assignment)
                               .order_by(PaperItemRow.position))
        _ITEMS[key] = tuple(PaperItemView(r.position, r.name, r.type, r.stem or "",
                                          tuple(zip(r.options, r.option_texts or [], strict=False)), r.points)
                            for r in rows)
    return _ITEMS[key]


def presented(session: Session, seat: SittingCandidateRow) -> tuple[PresentedItem, ...]:
    """The seat's paper in its own order (shuffled once per process and seat, then remembered)."""
    paper = session.get(PaperRow, seat.assignment)
    built_at = paper.built_at if paper else None
    key = (seat.assignment, built_at, seat.seed)
    found = _PRESENTED.get(key) if built_at is not None else None
    if found is None:
        found = tuple(present(_cached_items(session, seat.assignment, built_at), seat.seed))
        if len(_PRESENTED) >= _PRESENTED_MAX:
            _PRESENTED.clear()
        _PRESENTED[key] = found
    return found


def view_of(session: Session, seat: SittingCandidateRow, attempt: AttemptRow) -> AttemptView:
    items = presented(session, seat)
    by_position = {p.item.position: p for p in items}
    answers: dict[int, str] = {}
    saved_at: dict[int, datetime] = {}
    for row in session.scalars(select(AnswerRow).where(AnswerRow.attempt_id == attempt.id)):
        if row.position in by_position:
            answers[row.position] = by_position[row.position].to_shown(row.value)
            saved_at[row.position] = row.saved_at
    marked = frozenset(session.scalars(select(MarkRow.position).where(MarkRow.attempt_id == attempt.id)))
    return AttemptView(attempt.id, seat.admission_no, seat.student_id, seat.assignment, attempt.deadline,
                       attempt.submitted_at, items, answers, seat.sitting_id, attempt.number, attempt.started_at,
                       saved_at, marked)


def owned_attempt(session: Session, attempt_id: int, admission_no: str | None, *,
                  lock: bool = False) -> tuple[AttemptRow, SittingCandidateRow]:
    """The attempt and its seat; refused when it is not the named seat's (a forged cookie). With
    `lock`, the attempt is held until the caller commits: saves, events and submission of one
    attempt then happen one after the other, so no save lands after its attempt was submitted."""
    attempt = _lock_attempt(session, attempt_id) if lock else session.get(AttemptRow, attempt_id)
    if attempt is None or (admission_no is not None and attempt.admission_no != admission_no):
        raise SittingError("没有这次作答")
    seat = session.get(SittingCandidateRow, attempt.admission_no)
    assert seat is not None  # a foreign key
    return attempt, seat


def _lock_attempt(session: Session, attempt_id: int) -> AttemptRow | None:
    if session.get_bind().dialect.name == "sqlite":  # see lock_seat
        session.execute(update(AttemptRow).where(AttemptRow.id == attempt_id).values(number=AttemptRow.number))
        return session.get(AttemptRow, attempt_id, populate_existing=True)
    return session.get(AttemptRow, attempt_id, with_for_update=True, populate_existing=True)


def resume(session: Session, attempt_id: int, admission_no: str, now: datetime) -> AttemptView:
    """A reload: the attempt named by the room's signed cookie, without the code. Also a
    submitted attempt (the page then shows the result)."""
    attempt, seat = owned_attempt(session, attempt_id, admission_no)
    return view_of(session, seat, attempt)


def attempt_for(session: Session, attempt_id: int) -> AttemptView:
    """Any attempt, for staff (proctoring, review)."""
    attempt, seat = owned_attempt(session, attempt_id, None)
    return view_of(session, seat, attempt)


def lock_seat(session: Session, admission_no: str) -> SittingCandidateRow | None:
    """Hold the seat until the caller commits, so two sign-ins on one seat happen one after the
    other: FOR UPDATE on PostgreSQL; on SQLite the write itself, which takes the database's write
    lock (a SELECT there locks nothing), as the transaction's first write."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(SittingCandidateRow).where(SittingCandidateRow.admission_no == admission_no)
                        .values(seed=SittingCandidateRow.seed))
        seat = session.get(SittingCandidateRow, admission_no, populate_existing=True)
    else:
        seat = session.get(SittingCandidateRow, admission_no, with_for_update=True, populate_existing=True)
    return seat


def enter(session: Session, seat: SittingCandidateRow, now: datetime) -> AttemptView:
    """Resume the seat's open attempt (a second browser gets the same one), or start one if the
    sitting is open and attempts remain; with none left, the last one, submitted (its result).
    The deadline never exceeds the sitting's close. The seat must be locked (lock_seat); the
    database refuses a twin should anything get past the lock."""
    sitting = session.get(SittingRow, seat.sitting_id)
    assert sitting is not None
    attempts = list(session.scalars(select(AttemptRow).where(AttemptRow.admission_no == seat.admission_no)
                                    .order_by(AttemptRow.number)))
    if attempts and attempts[-1].submitted_at is None:
        return view_of(session, seat, attempts[-1])
    if now < sitting.opens_at:
        raise SittingError(f"考试尚未开始（{sitting.opens_at:%Y-%m-%d %H:%M} 开始）")
    if attempts and (now >= sitting.closes_at or len(attempts) >= sitting.attempts_allowed):
        return view_of(session, seat, attempts[-1])  # handed in: signing in again shows the result
    if now >= sitting.closes_at:
        raise SittingError("考试已结束")
    deadline = min(now + timedelta(minutes=sitting.duration_minutes), sitting.closes_at)
    attempt = AttemptRow(admission_no=seat.admission_no, number=len(attempts) + 1, started_at=now, deadline=deadline)
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:
        twin = session.scalars(select(AttemptRow).where(AttemptRow.admission_no == seat.admission_no,
                                                        AttemptRow.submitted_at.is_(None))).first()
        if twin is None:
            raise SittingError("另一处正在进入同一座位，请重试") from None
        return view_of(session, seat, twin)
    return view_of(session, seat, attempt)


def unanswered(view: AttemptView) -> list[int]:
    """Numbers (as the candidate sees them) of items with no answer yet."""
    return [p.number for p in view.items if not view.answers.get(p.item.position, "").strip()]


# --- the names the Voila room and older callers use ---


def start_or_resume(session: Session, admission_no: str, code: str, now: datetime, *, secret: bytes,
                    client: str = "") -> AttemptView:
    from grader.sitting.signin import sign_in

    return sign_in(session, secret, admission_no, code, client=client, now=now)


def start_for_user(session: Session, student_id: str, now: datetime, *, client: str = "") -> AttemptView:
    from grader.sitting.signin import sign_in_hub_user

    return sign_in_hub_user(session, student_id, client=client, now=now)


def submit(session: Session, root: Path, view: AttemptView, now: datetime, *, how: str = "candidate") -> Path:
    from grader.sitting.submission import submit as submit_view

    return submit_view(session, root, view, now, how=how)


def save_answer(session: Session, view: AttemptView, position: int, shown: str, now: datetime) -> Saved:
    from grader.sitting.answers import save_answer as save_view

    return save_view(session, view, position, shown, now)


def close_expired(session: Session, root: Path, now: datetime) -> list[str]:
    from grader.sitting.submission import close_expired as sweep

    return sweep(session, root, now)
