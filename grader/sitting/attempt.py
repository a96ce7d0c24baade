"""Attempts: one open attempt per seat, on the server's clock, rebuilt from the database on every
request (any room process can serve any candidate). Functions take the session and the server's
`now`; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import DateTime, Integer, String, Table, bindparam, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

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

ATTEMPTS = cast(Table, AttemptRow.__table__)

__all__ = [
    "AttemptView",
    "Held",
    "Seat",
    "SittingError",
    "attempt_for",
    "close_expired",
    "create_sitting",
    "enter",
    "hold",
    "lock_seat",
    "open_attempt",
    "paper_view",
    "presented",
    "presented_for",
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
    return presented_for(session, seat.assignment, paper.built_at if paper else None, seat.seed)


def presented_for(session: Session, assignment: str, built_at: datetime | None,
                  seed: int) -> tuple[PresentedItem, ...]:
    """A paper (as built at `built_at`) in the order of `seed`: read and shuffled once per process."""
    key = (assignment, built_at, seed)
    found = _PRESENTED.get(key) if built_at is not None else None
    if found is None:
        found = tuple(present(_cached_items(session, assignment, built_at), seed))
        if len(_PRESENTED) >= _PRESENTED_MAX:
            _PRESENTED.clear()
        _PRESENTED[key] = found
    return found


@dataclass(frozen=True)
class Held:
    """An attempt held (locked) for a write until the caller commits, with what the rules of a
    save need: read in one statement, so a save costs one round trip before it writes."""

    attempt_id: int
    admission_no: str
    deadline: datetime
    submitted_at: datetime | None
    assignment: str
    seed: int
    built_at: datetime | None  # of the paper: a rebuilt paper has a new one

    def items(self, session: Session) -> tuple[PresentedItem, ...]:
        return presented_for(session, self.assignment, self.built_at, self.seed)


_HELD_TYPES: dict[str, TypeEngine[Any]] = {"deadline": DateTime(), "submitted_at": DateTime(),
                                           "assignment": String(), "seed": Integer(), "built_at": DateTime()}
_HOLD = {  # the attempt's row is locked; its seat and paper only read
    "postgresql": text(
        "SELECT a.deadline, a.submitted_at, s.assignment, s.seed, p.built_at FROM ql_attempt a"
        " JOIN ql_sitting_candidate s ON s.admission_no = a.admission_no"
        " LEFT JOIN ql_paper p ON p.assignment = s.assignment"
        " WHERE a.id = :id AND a.admission_no = :admission_no FOR UPDATE OF a").columns(**_HELD_TYPES),
    "sqlite": text(
        "UPDATE ql_attempt SET number = number WHERE id = :id AND admission_no = :admission_no"
        " RETURNING deadline, submitted_at,"
        " (SELECT s.assignment FROM ql_sitting_candidate s WHERE s.admission_no = ql_attempt.admission_no),"
        " (SELECT s.seed FROM ql_sitting_candidate s WHERE s.admission_no = ql_attempt.admission_no),"
        " (SELECT p.built_at FROM ql_sitting_candidate s JOIN ql_paper p ON p.assignment = s.assignment"
        " WHERE s.admission_no = ql_attempt.admission_no)").columns(**_HELD_TYPES),
}


def hold(session: Session, attempt_id: int, admission_no: str) -> Held | None:
    """The seat's attempt, locked until the caller commits (None when it is not that seat's): saves,
    marks, events and submission of one attempt then happen one after the other. PostgreSQL: SELECT
    … FOR UPDATE; SQLite: an UPDATE … RETURNING (a SELECT locks nothing there; see lock_seat)."""
    connection = session.connection()
    row = connection.execute(_HOLD[connection.dialect.name], {"id": attempt_id, "admission_no": admission_no}).first()
    if row is None:
        return None
    return Held(attempt_id, admission_no, row[0], row[1], row[2], row[3], row[4])


# built once (a statement's construction costs more than its cached compilation)
_ANSWERS_OF = select(AnswerRow.position, AnswerRow.value, AnswerRow.saved_at).where(
    AnswerRow.attempt_id == bindparam("attempt"))
_MARKS_OF = select(MarkRow.position).where(MarkRow.attempt_id == bindparam("attempt"))
_ATTEMPTS_OF = (select(AttemptRow.id, AttemptRow.submitted_at).where(AttemptRow.admission_no == bindparam("seat"))
                .order_by(AttemptRow.number))


def view_of(session: Session, seat: SittingCandidateRow, attempt: AttemptRow) -> AttemptView:
    items = presented(session, seat)
    by_position = {p.item.position: p for p in items}
    answers: dict[int, str] = {}
    saved_at: dict[int, datetime] = {}
    # columns, not rows: a Core write earlier in this session (a save) is then never hidden by a stale object
    for position, value, at in session.execute(_ANSWERS_OF, {"attempt": attempt.id}):
        if position in by_position:
            answers[position] = by_position[position].to_shown(value)
            saved_at[position] = at
    marked = frozenset(session.scalars(_MARKS_OF, {"attempt": attempt.id}))
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
    """The view of the seat's attempt `open_attempt` resumes or starts (see there)."""
    attempt = session.get(AttemptRow, open_attempt(session, seat, now), populate_existing=True)
    assert attempt is not None
    return view_of(session, seat, attempt)


def open_attempt(session: Session, seat: SittingCandidateRow, now: datetime) -> int:
    """Resume the seat's open attempt (a second browser gets the same one), or start one if the
    sitting is open and attempts remain; with none left, the last one, submitted (its result).
    The deadline never exceeds the sitting's close. The seat must be locked (lock_seat); the
    database refuses a twin should anything get past the lock (the insert then does nothing and
    the twin is returned)."""
    sitting = session.get(SittingRow, seat.sitting_id)
    assert sitting is not None
    attempts = session.execute(_ATTEMPTS_OF, {"seat": seat.admission_no}).all()
    if attempts and attempts[-1].submitted_at is None:
        return int(attempts[-1].id)
    if now < sitting.opens_at:
        raise SittingError(f"考试尚未开始（{sitting.opens_at:%Y-%m-%d %H:%M} 开始）")
    if attempts and (now >= sitting.closes_at or len(attempts) >= sitting.attempts_allowed):
        return int(attempts[-1].id)  # handed in: signing in again shows the result
    if now >= sitting.closes_at:
        raise SittingError("考试已结束")
    deadline = min(now + timedelta(minutes=sitting.duration_minutes), sitting.closes_at)
    connection = session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    started = connection.execute(insert(ATTEMPTS).values(
        admission_no=seat.admission_no, number=len(attempts) + 1, started_at=now, deadline=deadline)
        .on_conflict_do_nothing().returning(ATTEMPTS.c.id)).scalar()
    if started is not None:
        return int(started)
    twin = connection.execute(select(ATTEMPTS.c.id).where(ATTEMPTS.c.admission_no == seat.admission_no,
                                                          ATTEMPTS.c.submitted_at.is_(None))).scalar()
    if twin is None:
        raise SittingError("另一处正在进入同一座位，请重试")
    return int(twin)


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
