"""A person's whole record as the organisation department reads it: who they are (ID number
masked), study progress, exam attempts and scores, the gate-step trail, where they stand in each
programme, and their certificates. Also finding people and the status of a person or a unit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from grader.course.catalog import Module
from grader.course.study import ModuleProgress, progress
from grader.gradebook.models import (
    AttemptRow,
    CertificateRevocationRow,
    CertificateRow,
    GradingRunRow,
    PaperRow,
    PersonRow,
    ResultRow,
    SittingCandidateRow,
    SittingRow,
    UnitRow,
)
from grader.programmes import Programme, ProgrammeError, ProgrammeStatus, person_status, unit_status
from grader.programmes.case_status import CaseStatus
from grader.records.cases import person_cases
from grader.records.exam_scores import manual_marks
from grader.records.gate import GateRecord, records_of
from grader.records.review import Review, reviews_of
from grader.roster import mask_id_number


@dataclass(frozen=True)
class PersonCard:
    id: str
    name: str
    id_number: str  # masked: region and check digit only
    unit: str
    rank: str
    category: str


@dataclass(frozen=True)
class ExamLine:
    """A graded paper. A regrade adds a line; `current` marks the one that counts."""

    assignment: str
    title: str
    version: str
    submitted_at: datetime | None
    graded_at: datetime
    score: float  # the current result's counts graders' marks (grader.records.exam_scores)
    max_score: float
    pass_mark: float
    manual: float  # what graders' marks added (0: all automatic)
    pending: bool  # an answer still waits for a grader
    current: bool

    @property
    def passed(self) -> bool:
        return self.score >= self.pass_mark


@dataclass(frozen=True)
class AttemptLine:
    sitting: str
    admission_no: str
    assignment: str
    number: int
    started_at: datetime
    submitted_at: datetime | None
    submitted_how: str | None


@dataclass(frozen=True)
class CertificateLine:
    serial: str
    title: str
    issued_at: datetime
    issued_by: str
    revoked: str  # "" or when and why
    valid_until: str = ""  # 有效期至 (ISO date) where the programme sets a validity


@dataclass(frozen=True)
class PersonRecord:
    person: PersonCard
    study: tuple[ModuleProgress, ...]
    exams: tuple[ExamLine, ...]
    attempts: tuple[AttemptLine, ...]
    gate: tuple[GateRecord, ...]  # the whole trail, corrections and withdrawals included
    programmes: tuple[ProgrammeStatus, ...]
    certificates: tuple[CertificateLine, ...]
    cases: tuple[CaseStatus, ...] = ()  # promotion cases, oldest first, each judged
    reviews: tuple[Review, ...] = ()  # score reviews, both marks and the outcome


def _card(row: PersonRow) -> PersonCard:
    return PersonCard(row.id, row.name, mask_id_number(row.id_number), row.unit, row.rank, row.category)


def find_people(session: Session, query: str, limit: int = 50) -> list[PersonCard]:
    """People whose id or name contains `query` (spaces ignored), exact id first."""
    text = "".join(query.split())
    if not text:
        return []
    pattern = f"%{text}%"
    rows = session.scalars(select(PersonRow).where(or_(PersonRow.id.like(pattern), PersonRow.name.like(pattern)))
                           .order_by(PersonRow.id).limit(limit)).all()
    return sorted((_card(r) for r in rows), key=lambda c: (c.id != text, c.name != text, c.id))


def _exams(session: Session, person_id: str) -> tuple[ExamLine, ...]:
    rows = session.execute(
        select(ResultRow, PaperRow, GradingRunRow.started_at)
        .join(PaperRow, PaperRow.assignment == ResultRow.assignment)
        .join(GradingRunRow, GradingRunRow.id == ResultRow.run_id)
        .where(ResultRow.student_id == person_id).order_by(ResultRow.id)).all()
    manual = manual_marks(session, sorted({r.assignment for r, _, _ in rows}), [person_id])
    lines = []
    for r, p, graded in rows:
        added, pending = manual.get((r.assignment, person_id), (0.0, r.needs_manual)) if r.current else (0.0, False)
        lines.append(ExamLine(r.assignment, p.title, p.version, r.submitted_at, graded, r.auto_score + added,
                              r.max_score, p.pass_mark, added, pending, r.current))
    return tuple(lines)


def _attempts(session: Session, person_id: str) -> tuple[AttemptLine, ...]:
    rows = session.execute(
        select(AttemptRow, SittingCandidateRow, SittingRow.title)
        .join(SittingCandidateRow, SittingCandidateRow.admission_no == AttemptRow.admission_no)
        .join(SittingRow, SittingRow.id == SittingCandidateRow.sitting_id)
        .where(SittingCandidateRow.student_id == person_id).order_by(AttemptRow.started_at)).all()
    return tuple(AttemptLine(title, seat.admission_no, seat.assignment, a.number, a.started_at, a.submitted_at,
                             a.submitted_how) for a, seat, title in rows)


def _certificates(session: Session, person_id: str) -> tuple[CertificateLine, ...]:
    """The person's certificates (ql_certificate, issue 6), newest first, revoked ones marked;
    the PDFs stay in the database (the certificates app hands them out)."""
    from grader.certificates.payload import PROGRAMMES

    rows = session.execute(
        select(CertificateRow.serial, CertificateRow.programme, CertificateRow.issued_at, CertificateRow.issued_by,
               CertificateRevocationRow.revoked_at, CertificateRevocationRow.reason, CertificateRow.facts)
        .outerjoin(CertificateRevocationRow, CertificateRevocationRow.serial == CertificateRow.serial)
        .where(CertificateRow.person_id == person_id)
        .order_by(CertificateRow.issued_at.desc(), CertificateRow.serial))
    return tuple(CertificateLine(serial, PROGRAMMES[programme].title if programme in PROGRAMMES else programme,
                                 issued_at, issued_by, f"{revoked_at:%Y-%m-%d} 吊销：{reason}" if revoked_at else "",
                                 str((facts or {}).get("valid_until", "")))
                 for serial, programme, issued_at, issued_by, revoked_at, reason, facts in rows)


def person_record(session: Session, person_id: str, programmes: Mapping[str, Programme],
                  modules: Sequence[Module], *, year: int | None = None,
                  now: datetime | None = None) -> PersonRecord:
    """Everything the records view shows about one person."""
    row = session.get(PersonRow, person_id)
    if row is None:
        raise ProgrammeError([f"名单中没有编号为 {person_id!r} 的人员"])
    study = tuple(progress(session, person_id, modules)) if modules else ()
    statuses = tuple(person_status(session, p, person_id, modules=modules, year=year, now=now)
                     for p in programmes.values())
    cases = tuple(c for p in programmes.values() if p.cases for c in person_cases(session, p, person_id, now))
    return PersonRecord(_card(row), study, _exams(session, person_id), _attempts(session, person_id),
                        tuple(records_of(session, person_id)), statuses, _certificates(session, person_id), cases,
                        tuple(reviews_of(session, person_id)))


@dataclass(frozen=True)
class StatusReport:
    """`qinglian status TARGET`: a person (every programme) or a unit (everyone in it)."""

    target: str
    is_unit: bool
    statuses: tuple[ProgrammeStatus, ...]


def status_of(session: Session, target: str, programmes: Mapping[str, Programme], modules: Sequence[Module],
              *, programme: str | None = None, year: int | None = None, now: datetime | None = None,
              everyone: bool = False) -> StatusReport:
    """Status of a person id or a unit name, for one programme or all of them."""
    if programme is not None and programme not in programmes:
        raise ProgrammeError([f"没有培训项目 {programme!r}（可用：{'、'.join(programmes)}）"])
    chosen = [programmes[programme]] if programme else list(programmes.values())
    if session.get(PersonRow, target) is not None:
        return StatusReport(target, False, tuple(person_status(session, p, target, modules=modules, year=year,
                                                               now=now) for p in chosen))
    if session.get(UnitRow, target) is not None:
        return StatusReport(target, True, tuple(s for p in chosen for s in unit_status(
            session, p, target, modules=modules, year=year, now=now, everyone=everyone)))
    raise ProgrammeError([f"名单中既没有编号为 {target!r} 的人员，也没有这个名称的单位"])


def load_requirements(programmes: Path, courses: Path) -> tuple[dict[str, Programme], list[Module]]:
    """The programme files and, when a programme has a modules step, the course catalogue."""
    from grader.course.catalog import load_catalog
    from grader.programmes import load_programmes

    loaded = load_programmes(programmes)
    needs_modules = any(s.kind == "modules" for p in loaded.values() for s in p.steps)
    return loaded, load_catalog(courses) if needs_modules else []
