"""Study records: visits, self-check answers judged on the server, and hours credited only on
server-side evidence. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.course.catalog import Module
from grader.gradebook.models import StudyAttemptRow, StudyCreditRow, StudyVisitRow
from grader.scoring import Verdict, blank_context, score_answer


@dataclass(frozen=True)
class CheckResult:
    """What the learner is told about one answer. The explanation quotes the source and so gives the
    key away, and so may the source itself (a document's title can carry the date a question asks
    about): both are kept until the answer is right. A wrong answer gets `hint` instead: the section
    of the module to re-read, which says where the answer is but not what it is."""

    correct: bool
    blank: bool
    explanation: str  # only when correct
    hint: str  # only when wrong
    passed: int  # self-checks of the module answered correctly so far
    total: int
    credited_hours: float | None  # set when this answer completed the module


@dataclass(frozen=True)
class ModuleProgress:
    module: str
    title: str
    hours: float
    passed: int
    total: int
    credited_hours: float
    completed_at: datetime | None

    @property
    def complete(self) -> bool:
        return self.completed_at is not None


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def record_visit(session: Session, learner: str, module: Module) -> None:
    session.add(StudyVisitRow(learner_id=learner, module=module.id, at=now()))


def _passed(session: Session, learner: str, module: Module) -> set[str]:
    return set(session.scalars(select(StudyAttemptRow.item_id).where(
        StudyAttemptRow.learner_id == learner, StudyAttemptRow.module == module.id, StudyAttemptRow.correct)))


def record_answer(session: Session, learner: str, module: Module, item_id: str, answer: str) -> CheckResult:
    """Judge one self-check answer, keep it, and credit the module's hours the first time every
    self-check of the module has been answered correctly. Wrong answers may be retried without limit
    (this is practice, not the exam), so nothing shown after a wrong answer may contain the key."""
    item = module.item(item_id)
    score = score_answer(item.type, item.key or "", item.letters, answer, 1.0, blank_context(item.stem))
    correct = score.verdict is Verdict.CORRECT
    session.add(StudyAttemptRow(learner_id=learner, module=module.id, item_id=item_id, answer=answer,
                                correct=correct, at=now()))
    session.flush()
    passed = _passed(session, learner, module) & set(module.checks)
    credited = None
    if passed == set(module.checks) and session.get(StudyCreditRow, (learner, module.id)) is None:
        session.add(StudyCreditRow(learner_id=learner, module=module.id, hours=module.hours, completed_at=now(),
                                   evidence=f"{len(module.checks)} 道自测题全部答对（服务器判分）"))
        credited = module.hours
    blank = score.verdict is Verdict.BLANK
    return CheckResult(correct, blank, item.explanation if correct else "",
                       reread_hint(module, item_id) if not correct and not blank else "", len(passed),
                       len(module.checks), credited)


def reread_hint(module: Module, item_id: str) -> str:
    """Where to look after a wrong answer, without the answer."""
    section = module.section(item_id)
    return f"请重读本模块“{section}”一节，再作答。" if section else "请重读本模块的正文，再作答。"


def progress(session: Session, learner: str, modules: Sequence[Module]) -> list[ModuleProgress]:
    credits = {row.module: row for row in session.scalars(
        select(StudyCreditRow).where(StudyCreditRow.learner_id == learner))}
    result = []
    for module in modules:
        credit = credits.get(module.id)
        result.append(ModuleProgress(module.id, module.title, module.hours,
                                     len(_passed(session, learner, module) & set(module.checks)),
                                     len(module.checks), credit.hours if credit else 0.0,
                                     credit.completed_at if credit else None))
    return result


def all_modules_complete(session: Session, learner: str, modules: Sequence[Module]) -> bool:
    """The study part of the induction programme: every course module credited."""
    return all(p.complete for p in progress(session, learner, modules))


@dataclass(frozen=True)
class LearnerProgress:
    id: str
    name: str
    modules: tuple[ModuleProgress, ...]

    @property
    def hours(self) -> float:
        return sum(p.credited_hours for p in self.modules)

    @property
    def complete(self) -> bool:
        return all(p.complete for p in self.modules)


@dataclass(frozen=True)
class ProgressReport:
    modules: tuple[Module, ...]
    learners: tuple[LearnerProgress, ...]


def learners_progress(session: Session, modules: Sequence[Module], learner: str | None = None,
                      among: Sequence[str] | None = None) -> ProgressReport:
    """Every learner on the roster (or one, or those `among` a unit), module by module: three
    queries, whatever the roster."""
    from nbgrader.api import Student

    students = select(Student).order_by(Student.id)
    passed_q = select(StudyAttemptRow.learner_id, StudyAttemptRow.module, StudyAttemptRow.item_id).where(
        StudyAttemptRow.correct).distinct()
    credits_q = select(StudyCreditRow)
    if among is not None:
        students = students.where(Student.id.in_(list(among)))
    if learner is not None:
        students = students.where(Student.id == learner)
        passed_q = passed_q.where(StudyAttemptRow.learner_id == learner)
        credits_q = credits_q.where(StudyCreditRow.learner_id == learner)
    passed: dict[tuple[str, str], set[str]] = {}
    for learner_id, module_id, item_id in session.execute(passed_q):
        passed.setdefault((learner_id, module_id), set()).add(item_id)
    credits = {(c.learner_id, c.module): c for c in session.scalars(credits_q)}
    rows = []
    for student in session.scalars(students):
        per_module = []
        for m in modules:
            credit = credits.get((student.id, m.id))
            per_module.append(ModuleProgress(m.id, m.title, m.hours,
                                             len(passed.get((student.id, m.id), set()) & set(m.checks)),
                                             len(m.checks), credit.hours if credit else 0.0,
                                             credit.completed_at if credit else None))
        rows.append(LearnerProgress(student.id, f"{student.last_name or ''}{student.first_name or ''}",
                                    tuple(per_module)))
    return ProgressReport(tuple(modules), tuple(rows))
