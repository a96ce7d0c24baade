"""Signing in: admission number and exam code, checked in constant time under the workspace key.

Five wrong codes in a row lock the admission number for ten minutes (the sixth try is refused
even with the right code); twenty failures from one client address in ten minutes hold that
address back. Every try, good or bad, is a ql_sign_in row. The seat is locked while a sign-in
runs, so tries on one seat are counted one after the other."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.gradebook.models import SignInRow, SittingCandidateRow, SittingRow
from grader.sitting.answers import loggable
from grader.sitting.attempt import AttemptView, enter, lock_seat
from grader.sitting.codes import is_stale, matches
from grader.sitting.errors import SittingError

SEAT_TRIES = 5
SEAT_LOCK = timedelta(minutes=10)
CLIENT_FAILURES = 20
CLIENT_WINDOW = timedelta(minutes=10)
WRONG = "准考证号或考试码不正确"


def locked_message(until: datetime) -> str:
    return f"考试码连续输错 {SEAT_TRIES} 次，该准考证号已锁定至 {until:%H:%M:%S}；如需提前解锁请联系监考人员"


def _log(session: Session, admission_no: str, client: str, outcome: str, now: datetime) -> None:
    session.add(SignInRow(admission_no=loggable(admission_no)[:64], client=loggable(client)[:64], outcome=outcome,
                          at=now))


def _plausible(admission_no: str) -> bool:
    """Could be an admission number at all: short and storable (anything else is simply unknown)."""
    return 0 < len(admission_no) <= 32 and admission_no == loggable(admission_no)


def _client_throttled(session: Session, client: str, now: datetime, limit: int | None) -> bool:
    if not client or limit is None:
        return False
    failures = session.scalar(select(func.count()).select_from(SignInRow).where(
        SignInRow.client == client, SignInRow.at > now - CLIENT_WINDOW,
        SignInRow.outcome.in_(("wrong_code", "unknown", "locked", "stale_code"))))
    return int(failures or 0) >= limit


def sign_in(session: Session, secret: bytes, admission_no: str, code: str, *, client: str, now: datetime,
            client_limit: int | None = CLIENT_FAILURES) -> AttemptView:
    """The candidate's attempt: resumed if one is open, else started. Raises SittingError with the
    reason; the refusal is logged in the session, so the caller commits also on SittingError.
    `client_limit`: failures per address in ten minutes before it is held back (None: no limit;
    raise it where a whole exam hall reaches the room through one NAT address)."""
    number = admission_no.strip()
    code = code.strip()
    client = loggable(client)[:64]
    if _client_throttled(session, client, now, client_limit):
        _log(session, number, client, "throttled", now)
        raise SittingError(f"本机尝试次数过多，请 {int(CLIENT_WINDOW.total_seconds() // 60)} 分钟后再试")
    seat = lock_seat(session, number) if _plausible(number) else None
    if seat is None:
        _log(session, number, client, "unknown", now)
        raise SittingError(WRONG)
    if seat.locked_until is not None and seat.locked_until > now:
        _log(session, number, client, "locked", now)
        raise SittingError(locked_message(seat.locked_until))
    if is_stale(seat.code_hash):
        _log(session, number, client, "stale_code", now)
        raise SittingError("该准考证号的考试码已作废，请向监考人员领取新的考试码")
    if not matches(secret, seat.admission_no, code, seat.code_hash):
        _wrong(seat, now)
        _log(session, number, client, "wrong_code", now)
        if seat.locked_until is not None:
            raise SittingError(locked_message(seat.locked_until))
        raise SittingError(f"{WRONG}（再错 {SEAT_TRIES - seat.failed_tries} 次将锁定 10 分钟）")
    seat.failed_tries, seat.locked_until = 0, None
    try:
        view = enter(session, seat, now)
    except SittingError:
        _log(session, number, client, "closed", now)  # the right code, outside the sitting's time
        raise
    _log(session, number, client, "ok", now)
    return view


def _wrong(seat: SittingCandidateRow, now: datetime) -> None:
    seat.failed_tries = (seat.failed_tries or 0) + 1
    if seat.failed_tries >= SEAT_TRIES:
        seat.failed_tries, seat.locked_until = 0, now + SEAT_LOCK


def sign_in_hub_user(session: Session, student_id: str, *, client: str, now: datetime) -> AttemptView:
    """The JupyterHub user's seat in the sitting open now: no code, the hub authenticated them."""
    seats = session.scalars(select(SittingCandidateRow.admission_no)
                            .join(SittingRow, SittingRow.id == SittingCandidateRow.sitting_id)
                            .where(SittingCandidateRow.student_id == student_id, SittingRow.opens_at <= now,
                                   SittingRow.closes_at > now)
                            .order_by(SittingRow.opens_at, SittingCandidateRow.admission_no)).all()
    if not seats:
        raise SittingError("现在没有您的考试场次")
    seat = lock_seat(session, seats[0])
    assert seat is not None
    view = enter(session, seat, now)
    _log(session, seat.admission_no, client, "hub", now)
    return view
