"""Seats of a sitting: admission numbers, exam codes (shown once), paper versions in turn, the
printable admission list, and reissuing codes."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import column, func, select, table
from sqlalchemy.orm import Session

from grader.audit.log import record
from grader.gradebook.models import PersonRow, SittingCandidateRow, SittingRow
from grader.sitting.codes import digest, is_stale, new_code
from grader.sitting.errors import SittingError
from grader.staff.roles import Actor, authorize

# nbgrader's own student table, read without importing nbgrader (the exam room stays light)
_STUDENT = table("student", column("id"), column("first_name"), column("last_name"))


@dataclass(frozen=True)
class Seat:
    admission_no: str
    code: str  # shown once, at creation or reissue; only its HMAC is stored
    student_id: str
    assignment: str


@dataclass(frozen=True)
class SittingInfo:
    id: str
    title: str
    opens_at: datetime
    closes_at: datetime
    duration_minutes: int
    seats: int
    switch_limit: int | None


@dataclass(frozen=True)
class Person:
    name: str
    unit: str


def create_sitting(session: Session, sitting_id: str, title: str, assignments: Sequence[str],
                   students: Sequence[str], opens_at: datetime, closes_at: datetime, duration_minutes: int,
                   *, secret: bytes, attempts_allowed: int = 1, switch_limit: int | None = None,
                   created_by: Actor, now: datetime) -> list[Seat]:
    """Seat every student, paper versions in turn (A, B, A, ...), each with an exam code. An
    organiser's action (or the platform's, for demo data), logged with the sitting's state."""
    authorize(created_by, "sitting.create")
    if session.get(SittingRow, sitting_id) is not None:
        raise SittingError(f"场次 {sitting_id} 已存在")
    if closes_at <= opens_at or duration_minutes <= 0:
        raise SittingError("场次的结束时间应晚于开始时间，时长应为正数")
    if not assignments:
        raise SittingError("场次至少需要一份试卷")
    if switch_limit is not None and switch_limit <= 0:
        raise SittingError("切屏次数上限应为正数（不限制则不设）")
    sitting = SittingRow(id=sitting_id, title=title, opens_at=opens_at, closes_at=closes_at,
                         duration_minutes=duration_minutes, attempts_allowed=attempts_allowed,
                         switch_limit=switch_limit, created_by=created_by.name, created_at=now)
    session.add(sitting)
    session.flush()  # the seats refer to it
    seats = []
    for number, student in enumerate(students, start=1):
        admission_no = f"{sitting_id}-{number:04d}"
        code = new_code()
        assignment = assignments[(number - 1) % len(assignments)]
        session.add(SittingCandidateRow(admission_no=admission_no, sitting_id=sitting_id, student_id=student,
                                        assignment=assignment, code_hash=digest(secret, admission_no, code),
                                        seed=secrets.randbelow(2**31), failed_tries=0))
        seats.append(Seat(admission_no, code, student, assignment))
    record(session, created_by, "sitting.create", [sitting], now)
    return seats


def reissue_codes(session: Session, secret: bytes, sitting_id: str, *, every: bool = False) -> list[Seat]:
    """New codes for the sitting's seats whose code can no longer be checked (made before HMAC
    codes), or for every seat; the old codes stop working. Lockouts are lifted with the new code."""
    if session.get(SittingRow, sitting_id) is None:
        raise SittingError(f"没有场次 {sitting_id}")
    seats = []
    for row in session.scalars(select(SittingCandidateRow).where(SittingCandidateRow.sitting_id == sitting_id)
                               .order_by(SittingCandidateRow.admission_no)):
        if every or is_stale(row.code_hash):
            code = new_code()
            row.code_hash, row.failed_tries, row.locked_until = digest(secret, row.admission_no, code), 0, None
            seats.append(Seat(row.admission_no, code, row.student_id, row.assignment))
    return seats


def people(session: Session, student_ids: Iterable[str]) -> dict[str, Person]:
    """Name and unit of each student: the roster where it knows them, else nbgrader's student table."""
    wanted = sorted(set(student_ids))
    found: dict[str, Person] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        for row in session.execute(select(_STUDENT.c.id, _STUDENT.c.last_name, _STUDENT.c.first_name)
                                   .where(_STUDENT.c.id.in_(chunk))):
            found[row.id] = Person(f"{row.last_name or ''}{row.first_name or ''}", "")
        for person in session.scalars(select(PersonRow).where(PersonRow.id.in_(chunk))):
            found[person.id] = Person(person.name, person.unit)
    return found


def seat_list(session: Session, seats: Sequence[Seat]) -> list[dict[str, object]]:
    """The printable admission list: one row per seat, with the code shown this once."""
    known = people(session, (s.student_id for s in seats))
    return [{"准考证号": s.admission_no, "考试码": s.code, "编号": s.student_id,
             "姓名": known[s.student_id].name if s.student_id in known else "",
             "单位": known[s.student_id].unit if s.student_id in known else "", "试卷": s.assignment}
            for s in seats]


def sittings(session: Session) -> list[SittingInfo]:
    """Every sitting, the latest first, with its number of seats."""
    counts = dict(session.execute(select(SittingCandidateRow.sitting_id, func.count())
                                  .group_by(SittingCandidateRow.sitting_id)).all())
    return [SittingInfo(s.id, s.title, s.opens_at, s.closes_at, s.duration_minutes, counts.get(s.id, 0),
                        s.switch_limit)
            for s in session.scalars(select(SittingRow).order_by(SittingRow.opens_at.desc(), SittingRow.id))]
