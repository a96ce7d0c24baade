"""Signing in: admission number and exam code, checked in constant time under the workspace key.

Five wrong codes in a row lock the admission number for ten minutes (the sixth try is refused
even with the right code). Failures from one client address in ten minutes hold that address back
at twenty, plus one for every ten candidates who signed in from it in that time: a hall of 2,000
behind one NAT address may mistype about 220 times, while a guesser with no right code still stops
at twenty (and each seat at five). Every try, good or bad, is a ql_sign_in row. The seat is locked
while a sign-in runs, so tries on one seat are counted one after the other.

`admit` is what the room calls (the attempt's id, a few statements); `sign_in` is `admit` plus
the attempt's view, for the CLI and the tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Integer, Table, bindparam, case, func, select
from sqlalchemy.orm import Session

from grader.gradebook.models import AttemptRow, SignInRow, SittingCandidateRow, SittingRow
from grader.sitting.answers import loggable
from grader.sitting.attempt import AttemptView, lock_seat, open_attempt, view_of
from grader.sitting.codes import is_stale, matches
from grader.sitting.errors import SittingError

SEAT_TRIES = 5
SEAT_LOCK = timedelta(minutes=10)
CLIENT_FAILURES = 20
CLIENT_WINDOW = timedelta(minutes=10)
SEATS_PER_EXTRA_FAILURE = 10  # a hall behind one address: one more failure allowed per ten signed in
FAILURES = ("wrong_code", "unknown", "locked", "stale_code")
SIGN_INS = cast(Table, SignInRow.__table__)
WRONG = "准考证号或考试码不正确"


def locked_message(until: datetime) -> str:
    return f"考试码连续输错 {SEAT_TRIES} 次，该准考证号已锁定至 {until:%H:%M:%S}；如需提前解锁请联系监考人员"


@dataclass(frozen=True)
class Admitted:
    """Who entered and which attempt: all the room's cookie needs."""

    sitting_id: str
    admission_no: str
    attempt_id: int


def _log(session: Session, admission_no: str, client: str, outcome: str, now: datetime) -> None:
    session.connection().execute(SIGN_INS.insert().values(
        admission_no=loggable(admission_no)[:64], client=loggable(client)[:64], outcome=outcome, at=now))


def _plausible(admission_no: str) -> bool:
    """Could be an admission number at all: short and storable (anything else is simply unknown)."""
    return 0 < len(admission_no) <= 32 and admission_no == loggable(admission_no)


# failures and distinct seats signed in, per address, in the window: built once
_CLIENT_TRIES = select(func.sum(case((SignInRow.outcome.in_(FAILURES), 1), else_=0), type_=Integer),
                       func.count(func.distinct(case((SignInRow.outcome == "ok", SignInRow.admission_no))))).where(
    SignInRow.client == bindparam("client"), SignInRow.at > bindparam("since"))


def _client_throttled(session: Session, client: str, now: datetime, limit: int | None) -> bool:
    if not client or limit is None:
        return False
    failures, seats = session.execute(_CLIENT_TRIES, {"client": client, "since": now - CLIENT_WINDOW}).one()
    return int(failures or 0) >= limit + int(seats or 0) // SEATS_PER_EXTRA_FAILURE


def sign_in(session: Session, secret: bytes, admission_no: str, code: str, *, client: str, now: datetime,
            client_limit: int | None = CLIENT_FAILURES) -> AttemptView:
    """`admit`, and the attempt's view."""
    admitted = admit(session, secret, admission_no, code, client=client, now=now, client_limit=client_limit)
    return _view(session, admitted)


def _view(session: Session, admitted: Admitted) -> AttemptView:
    seat = session.get(SittingCandidateRow, admitted.admission_no)
    attempt = session.get(AttemptRow, admitted.attempt_id, populate_existing=True)
    assert seat is not None and attempt is not None
    return view_of(session, seat, attempt)


def admit(session: Session, secret: bytes, admission_no: str, code: str, *, client: str, now: datetime,
          client_limit: int | None = CLIENT_FAILURES) -> Admitted:
    """The candidate's attempt: resumed if one is open, else started. Raises SittingError with the
    reason; the refusal is logged in the session, so the caller commits also on SittingError.
    `client_limit`: failures per address in ten minutes before it is held back, before the
    allowance for the candidates signed in from it (None: no limit)."""
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
    if seat.failed_tries or seat.locked_until is not None:
        seat.failed_tries, seat.locked_until = 0, None
    try:
        attempt_id = open_attempt(session, seat, now)
    except SittingError:
        _log(session, number, client, "closed", now)  # the right code, outside the sitting's time
        raise
    _log(session, number, client, "ok", now)
    return Admitted(seat.sitting_id, seat.admission_no, attempt_id)


def _wrong(seat: SittingCandidateRow, now: datetime) -> None:
    seat.failed_tries = (seat.failed_tries or 0) + 1
    if seat.failed_tries >= SEAT_TRIES:
        seat.failed_tries, seat.locked_until = 0, now + SEAT_LOCK


def sign_in_hub_user(session: Session, student_id: str, *, client: str, now: datetime) -> AttemptView:
    """`admit_hub_user`, and the attempt's view."""
    return _view(session, admit_hub_user(session, student_id, client=client, now=now))


def admit_hub_user(session: Session, student_id: str, *, client: str, now: datetime) -> Admitted:
    """The JupyterHub user's seat in the sitting open now: no code, the hub authenticated them.
    JupyterHub lowercases user names, so a roster id that differs only in case is theirs too
    (an exact match first)."""
    seats = session.execute(select(SittingCandidateRow.admission_no, SittingCandidateRow.student_id)
                            .join(SittingRow, SittingRow.id == SittingCandidateRow.sitting_id)
                            .where(func.lower(SittingCandidateRow.student_id) == student_id.lower(),
                                   SittingRow.opens_at <= now, SittingRow.closes_at > now)
                            .order_by(SittingRow.opens_at, SittingCandidateRow.admission_no)).all()
    mine = [number for number, student in seats if student == student_id]
    if not mine and len({student for _, student in seats}) > 1:
        raise SittingError("名单中有几个只差大小写的编号与您的账号相同，无法确定座位，请联系监考人员")
    mine = mine or [number for number, _ in seats]
    if not mine:
        raise SittingError("现在没有您的考试场次")
    seat = lock_seat(session, mine[0])
    assert seat is not None
    attempt_id = open_attempt(session, seat, now)
    _log(session, seat.admission_no, client, "hub", now)
    return Admitted(seat.sitting_id, seat.admission_no, attempt_id)
