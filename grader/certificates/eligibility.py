"""Who has earned which certificate, as plain facts for issuing:

- induction: the `induction` programme cleared (every course module credited, the induction
  exam passed), per grader.programmes;
- promotion_test: a current result of a promotion paper at or above that paper's pass mark;
- promotion_gate: the `promotion` programme cleared (test, talk, oath and public commitment); where
  the programme is handled per promotion case (its file has `case:`), a case judged 可以任职 (the
  latest such case; without one, the latest case's verdict says what is missing), not the person's
  overall status, which would count steps recorded for another promotion.

Whoever has a current result on the certificate's papers that is flagged 待复核 and not yet
cleared (grader.certificates.flags) is refused, the flagged result named, however well they
scored: a flag means a person must look first.

Name and unit come from the roster (ql_person)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from grader.certificates.flags import open_flags, refusal
from grader.certificates.payload import PROGRAMMES, CertificateFacts, PayloadError
from grader.course.catalog import CourseError, Module, load_catalog
from grader.gradebook.models import GradingRunRow, PaperRow, PersonRow, ResultRow, SittingCandidateRow
from grader.programmes import Programme, ProgrammeError, load_programmes, people_status, valid_until
from grader.programmes.status import ProgrammeStatus
from grader.roster import unit_members

_CHUNK = 500
# the programme file a certificate rests on (exams/programmes/<id>.yaml)
_PROGRAMME_FILE = {"induction": "induction", "promotion_gate": "promotion"}
# a sitting's papers name their programme (blueprint `programme`); this is its certificate
_SITTING_CERTIFICATE = {"induction": "induction", "promotion": "promotion_test"}


class EligibilityError(Exception):
    pass


@dataclass(frozen=True)
class Sources:
    """Where the programme definitions and the course catalogue are (files of the repository)."""

    programmes: Path  # exams/programmes
    courses: Path  # courses


@dataclass(frozen=True)
class NotEligible:
    person_id: str
    programme: str
    reason: str


def _people(session: Session, ids: Sequence[str]) -> dict[str, PersonRow]:
    found: dict[str, PersonRow] = {}
    for start in range(0, len(ids), _CHUNK):
        found.update((p.id, p) for p in session.scalars(
            select(PersonRow).where(PersonRow.id.in_(list(ids[start:start + _CHUNK])))))
    return found


def _add(facts: list[CertificateFacts], refused: dict[str, str], person: PersonRow, certificate: str, result: str,
         day: date, until: date | None = None) -> None:
    try:
        facts.append(CertificateFacts(person.id, person.name, person.unit, certificate, result, day, until))
    except PayloadError as error:  # a roster row that cannot be printed: this person only
        refused[person.id] = str(error)


def _promotion_test(session: Session, people: dict[str, PersonRow],
                    validity: Programme | None = None) -> tuple[list[CertificateFacts], dict[str, str]]:
    ids = list(people)
    best: dict[str, tuple[float, float, float, datetime | None]] = {}
    query = (select(ResultRow.student_id, ResultRow.auto_score, ResultRow.max_score, PaperRow.pass_mark,
                    ResultRow.submitted_at, GradingRunRow.started_at)
             .join(PaperRow, PaperRow.assignment == ResultRow.assignment)
             .join(GradingRunRow, GradingRunRow.id == ResultRow.run_id)
             .where(ResultRow.current, PaperRow.programme == "promotion"))
    for start in range(0, len(ids), _CHUNK):
        for student, score, max_score, pass_mark, submitted, graded in session.execute(
                query.where(ResultRow.student_id.in_(ids[start:start + _CHUNK]))):
            old = best.get(student)
            if old is None or (score >= pass_mark, score) > (old[0] >= old[2], old[0]):
                best[student] = (score, max_score, pass_mark, submitted or graded)
    facts: list[CertificateFacts] = []
    refused: dict[str, str] = {}
    for person_id, person in people.items():
        found = best.get(person_id)
        if found is None:
            refused[person_id] = "没有职务提升廉政知识测试的成绩"
        elif found[0] < found[2]:
            refused[person_id] = f"廉政知识测试得分 {found[0]:g}，未达及格线 {found[2]:g}"
        else:
            score, max_score, pass_mark, at = found
            result = f"合格，得分 {score:g}/{max_score:g}（及格线 {pass_mark:g}）"
            day = (at or datetime.now()).date()
            until = valid_until(validity, day) if validity else None
            _add(facts, refused, person, "promotion_test", result, day, until)
    return facts, refused


def _promotion_rules(sources: Sources) -> Programme | None:
    """The promotion programme, whose test's validity a test certificate carries (None: unreadable)."""
    try:
        return load_programmes(sources.programmes).get("promotion")
    except ProgrammeError:
        return None


def _by_case(session: Session, programme: Programme, people: dict[str, PersonRow],
             now: datetime) -> tuple[list[ProgrammeStatus], dict[str, str]]:
    """Per person the case that counts for the gate certificate: the latest 可以任职, else the latest."""
    from grader.programmes.case_status import case_statuses
    from grader.programmes.evidence import cases_of

    found = cases_of(session, list(people), programme.id)
    counted: dict[str, ProgrammeStatus] = {}
    for judged in case_statuses(session, programme, [c for cases in found.values() for c in cases], now):
        earlier = counted.get(judged.case.person_id)
        if earlier is None or judged.status.cleared or not earlier.cleared:
            counted[judged.case.person_id] = judged.status
    refused = {person: f"没有{programme.title}的任职事项（职务提升按任职事项办理：qinglian case open）"
               for person in people if person not in counted}
    return [counted[p] for p in people if p in counted], refused


def _programme(session: Session, people: dict[str, PersonRow], certificate: str, sources: Sources,
               now: datetime) -> tuple[list[CertificateFacts], dict[str, str], list[str]]:
    """Facts, refusals, and the blueprints whose papers the programme's exam steps count."""
    try:
        programme = load_programmes(sources.programmes)[_PROGRAMME_FILE[certificate]]
        modules: list[Module] = []
        if any(s.kind == "modules" for s in programme.steps):
            modules = load_catalog(sources.courses)
        refused: dict[str, str] = {}
        if certificate == "promotion_gate" and programme.cases:
            statuses, refused = _by_case(session, programme, people, now)
        else:
            statuses = people_status(session, programme, list(people), modules=modules, now=now)
    except (ProgrammeError, CourseError, KeyError) as error:
        raise EligibilityError(f"无法判断{PROGRAMMES[certificate].title}：{error}") from error
    facts: list[CertificateFacts] = []
    for status in statuses:
        person = people[status.person_id]
        if not status.cleared or status.cleared_at is None:
            refused[status.person_id] = (f"任职事项 #{status.case_id}（{status.position}）：{status.verdict}"
                                         if status.case_id is not None
                                         else "尚未完成：" + "、".join(s.label for s in status.missing))
            continue
        done = "；".join(f"{s.label}（{s.detail}）" for s in status.steps if not s.step.startswith("module:"))
        modules_done = sum(1 for s in status.steps if s.step.startswith("module:"))
        result = f"合格：完成全部 {modules_done} 个课程模块；{done}" if modules_done else f"全部完成：{done}"
        exam = next((s for s in status.steps if s.step == "exam" and s.at is not None), None)
        until = valid_until(programme, exam.at.date()) if exam and exam.at else None  # the test's validity
        _add(facts, refused, person, certificate, result, status.cleared_at.date(), until)
    return facts, refused, [s.blueprint for s in programme.steps if s.kind == "exam"]


def _hold_flagged(session: Session, facts: list[CertificateFacts], refused: dict[str, str],
                  papers: ColumnElement[bool]) -> list[CertificateFacts]:
    flags = open_flags(session, [f.person_id for f in facts], papers)
    refused.update((person, refusal(found)) for person, found in flags.items())
    return [f for f in facts if f.person_id not in flags]


def eligible(session: Session, person_ids: Sequence[str], certificate: str, sources: Sources,
             now: datetime) -> tuple[list[CertificateFacts], list[NotEligible]]:
    """Facts for everyone who has earned the certificate, and why the others have not."""
    if certificate not in PROGRAMMES:
        raise EligibilityError(f"未知的证书项目 {certificate!r}（可用：{'、'.join(PROGRAMMES)}）")
    ids = list(dict.fromkeys(person_ids))
    people = _people(session, ids)
    if certificate == "promotion_test":
        facts, refused = _promotion_test(session, people, _promotion_rules(sources))
        papers = PaperRow.programme == "promotion"
    else:
        facts, refused, blueprints = _programme(session, people, certificate, sources, now)
        papers = PaperRow.blueprint.in_(blueprints)
    facts = _hold_flagged(session, facts, refused, papers)
    refused.update((i, f"名单中没有编号为 {i} 的人员") for i in ids if i not in people)
    by_id = {f.person_id: f for f in facts}
    ordered = [by_id[i] for i in ids if i in by_id]
    return ordered, [NotEligible(i, certificate, refused[i]) for i in ids if i in refused]


def sitting_people(session: Session, sitting_id: str) -> tuple[list[str], str]:
    """The candidates of a sitting and the certificate its papers lead to."""
    rows = session.execute(select(SittingCandidateRow.student_id, PaperRow.programme)
                           .join(PaperRow, PaperRow.assignment == SittingCandidateRow.assignment)
                           .where(SittingCandidateRow.sitting_id == sitting_id)
                           .order_by(SittingCandidateRow.admission_no)).all()
    if not rows:
        raise EligibilityError(f"没有场次 {sitting_id!r}，或场次中没有考生")
    programmes = {programme for _, programme in rows}
    if len(programmes) != 1 or next(iter(programmes)) not in _SITTING_CERTIFICATE:
        raise EligibilityError(f"场次 {sitting_id} 的试卷属于项目 {'、'.join(sorted(programmes))}，"
                               "请用 --programme 指定证书项目")
    return list(dict.fromkeys(s for s, _ in rows)), _SITTING_CERTIFICATE[programmes.pop()]


def unit_people(session: Session, unit: str) -> list[str]:
    members = unit_members(session, unit)
    if not members:
        raise EligibilityError(f"单位 {unit!r} 不在名单中，或其中没有人员")
    return members
