"""What a person has done against a programme: every step done or not, when, and the evidence.
A step the programme gives a validity (`valid_months`) counts as missing once it is older than
that at the date judged (today, or a case's decision date): an expired test is no test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.gradebook.models import PersonRow, UnitRow
from grader.programmes.evidence import GateRecord, credits, for_people, in_force
from grader.programmes.scores import ExamScore, exam_scores
from grader.programmes.spec import Programme, ProgrammeError, StepSpec
from grader.roster import unit_members


@dataclass(frozen=True)
class StepStatus:
    """One requirement for one person: done or not, when, and what the evidence is."""

    step: str  # "exam", "talk", "oath", "commitment", "theory_study", "module:<module id>"
    label: str
    done: bool
    at: datetime | None  # an exam: when the passing paper was submitted; a record: the day it happened
    detail: str


@dataclass(frozen=True)
class ProgrammeStatus:
    """A person against a programme (or against one promotion case of it): every step, in order."""

    person_id: str
    programme: str
    title: str
    steps: tuple[StepStatus, ...]
    name: str = ""
    unit: str = ""
    year: int | None = None  # for yearly programmes: the year the status is for
    case_id: int | None = None  # judged for this promotion case
    position: str = ""  # the case's 拟任职务
    cancelled: str = ""  # the case is 已取消任用资格: why
    applies: bool = True  # False: the person is outside the programme's applies_to, so nothing is owed
    audience: str = ""  # Programme.audience: who it is for, to say why it does not apply

    @property
    def state(self) -> str:
        """已完成, 未完成, or 不适用 for a person the programme does not apply to (and who has not cleared it);
        for a promotion case its verdict (可以任职 / 缺 … / 已取消任用资格)."""
        if self.case_id is not None:
            return self.verdict
        if self.cleared:
            return "已完成"
        return "未完成" if self.applies else "不适用"

    @property
    def cleared(self) -> bool:
        return not self.cancelled and all(s.done for s in self.steps)

    @property
    def missing(self) -> tuple[StepStatus, ...]:
        return tuple(s for s in self.steps if not s.done)

    @property
    def missing_summary(self) -> str:
        """The missing steps by name for a list; several missing course modules are counted, not named."""
        if self.cancelled:
            return f"已取消任用资格：{self.cancelled}"
        modules = [s for s in self.missing if s.step.startswith("module:")]
        labels = [s.label for s in self.missing if not s.step.startswith("module:")]
        if len(modules) > 1:
            labels.insert(0, f"课程模块 {len(modules)} 个未完成")
        elif modules:
            labels.insert(0, f"课程模块：{modules[0].label}")
        return "；".join(labels)

    @property
    def verdict(self) -> str:
        """可以任职 / 缺 … / 已取消任用资格 for a case; 已完成 / 未完成 otherwise."""
        if self.case_id is None:
            return "已完成" if self.cleared else "未完成"
        if self.cancelled:
            return "已取消任用资格"
        return "可以任职" if self.cleared else "缺 " + "、".join(s.label for s in self.missing)

    @property
    def cleared_at(self) -> datetime | None:
        """When the last step was done, if every step is."""
        if not self.cleared:
            return None
        times = [s.at for s in self.steps if s.at is not None]
        return max(times) if times else None


class ModuleLike(Protocol):
    """What the status needs of a course module (grader.course.catalog.Module has it)."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def hours(self) -> float: ...


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def months_after(day: date, months: int) -> date:
    return months_before(day, -months)


def valid_until(programme: Programme, done_on: date) -> date | None:
    """The last day a certificate resting on the programme's exam step passed on `done_on` is
    valid (the step's `valid_months`); None when the programme sets no validity."""
    months = [s.valid_months for s in programme.steps if s.kind == "exam" and s.valid_months is not None]
    return months_after(done_on, min(months)) if months else None


def _score_text(r: ExamScore) -> str:
    manual = f"，含人工评分 {r.manual:+g}" if r.manual else ""
    return f"得分 {r.score:g}/{r.max_score:g}（及格线 {r.pass_mark:g}{manual}，试卷 {r.assignment}）"


def exam_step(spec: StepSpec, built: bool, results: Sequence[ExamScore], on: date) -> StepStatus:
    """The exam step judged on `on`: the first pass still valid then (results after `on` do not count)."""
    results = [r for r in results if r.at is None or r.at.date() <= on]
    passing = [r for r in results if r.passed]
    expired: list[ExamScore] = []
    if spec.valid_months is not None:
        since = months_before(on, spec.valid_months)
        expired = [r for r in passing if r.at is not None and r.at.date() < since]
        passing = [r for r in passing if r.at is None or r.at.date() >= since]  # the rest (not compared as values)
    if passing:
        r = min(passing, key=lambda r: (r.at or datetime.max, r.assignment))  # the first pass
        return StepStatus("exam", spec.label, True, r.at, _score_text(r))
    if expired:
        r = max(expired, key=lambda r: r.at or datetime.min)
        assert r.at is not None and spec.valid_months is not None
        until = months_after(r.at.date(), spec.valid_months)
        return StepStatus("exam", spec.label, False, None,
                          f"已过期：{r.at:%Y-%m-%d} 通过（{_score_text(r)}），有效期 {spec.valid_months} 个月，"
                          f"至 {until:%Y-%m-%d}")
    if not built:
        return StepStatus("exam", spec.label, False, None, f"尚无按蓝图 {spec.blueprint} 组成的试卷")
    if not results:
        return StepStatus("exam", spec.label, False, None, "尚未参加考试")
    best = max(results, key=lambda r: r.score)
    pending = "；有答案待人工评分" if any(r.pending for r in results) else ""
    return StepStatus("exam", spec.label, False, None,
                      f"最高得分 {best.score:g}/{best.max_score:g}，未达及格线 {best.pass_mark:g}{pending}")


def _module_steps(modules: Sequence[ModuleLike], person: str,
                  found: dict[tuple[str, str], tuple[float, datetime]]) -> list[StepStatus]:
    steps = []
    for module in modules:
        credit = found.get((person, module.id))
        steps.append(StepStatus(f"module:{module.id}", module.title, credit is not None,
                                credit[1] if credit else None,
                                f"已完成，记 {credit[0]:g} 学时" if credit
                                else f"尚未完成（自测全部答对后记 {module.hours:g} 学时）"))
    return steps


def record_detail(record: GateRecord) -> str:
    assert record.happened_on is not None
    detail = f"{record.happened_on:%Y-%m-%d}，记录人 {record.recorded_by}"
    if record.notes:
        detail += f"：{record.notes}"
    if record.text:
        detail += f"（承诺书 {len(record.text)} 字）"
    return detail


def _record_step(spec: StepSpec, records: list[GateRecord], year: int) -> StepStatus:
    label = f"{year} 年{spec.label}" if spec.yearly else spec.label
    matching = [r for r in records if r.kind == spec.record and r.happened_on is not None
                and (not spec.yearly or r.happened_on.year == year)]
    if not matching:
        return StepStatus(spec.record, label, False, None, f"{year} 年尚无记录" if spec.yearly else "尚无记录")
    latest = max(matching, key=lambda r: (r.happened_on or date.min, r.id))
    assert latest.happened_on is not None
    return StepStatus(spec.record, label, True, datetime.combine(latest.happened_on, time()), record_detail(latest))


def people_status(session: Session, programme: Programme, person_ids: Sequence[str], *,
                  modules: Sequence[ModuleLike] = (), year: int | None = None,
                  now: datetime | None = None) -> list[ProgrammeStatus]:
    """The status of many people at once, in the order given (people not on the roster are
    skipped): a query per table per 500 people (for a crowd, one read of each table), whatever the
    number of steps. `modules` is the course catalogue (needed when the programme has a modules
    step); `year` (default: this year) is the year yearly steps are checked for."""
    if any(s.kind == "modules" for s in programme.steps) and not modules:
        raise ProgrammeError([f"{programme.file}: {programme.title}需要课程目录（courses/）才能判断课程模块"])
    now = now or datetime.now()
    year = year or now.year
    ids = list(dict.fromkeys(person_ids))
    people: dict[str, tuple[str, str, bool]] = {}
    query = select(PersonRow.id, PersonRow.name, PersonRow.unit, PersonRow.category, PersonRow.rank)
    for narrowed in for_people(query, PersonRow.id, ids):
        people.update((pid, (name, unit, programme.applies(category, rank)))
                      for pid, name, unit, category, rank in session.execute(narrowed))
    ids = [i for i in ids if i in people]  # a crowd's read brought everyone: kept are those asked for
    exams = {s.blueprint: exam_scores(session, s.blueprint, ids) for s in programme.steps if s.kind == "exam"}
    found = credits(session, ids) if any(s.kind == "modules" for s in programme.steps) else {}
    records = in_force(session, ids) if any(s.kind == "record" for s in programme.steps) else {}
    statuses = []
    for person in ids:
        steps: list[StepStatus] = []
        for spec in programme.steps:
            if spec.kind == "exam":
                built, results = exams[spec.blueprint]
                steps.append(exam_step(spec, built, results.get(person, []), now.date()))
            elif spec.kind == "modules":
                steps += _module_steps(modules, person, found)
            else:
                steps.append(_record_step(spec, records.get(person, []), year))
        name, unit, applies = people[person]
        statuses.append(ProgrammeStatus(person, programme.id, programme.title, tuple(steps), name, unit,
                                        year if programme.yearly else None, applies=applies,
                                        audience=programme.audience))
    return statuses


def person_status(session: Session, programme: Programme, person_id: str, *, modules: Sequence[ModuleLike] = (),
                  year: int | None = None, now: datetime | None = None) -> ProgrammeStatus:
    """One person against one programme: cleared, or exactly which steps are missing."""
    found = people_status(session, programme, [person_id], modules=modules, year=year, now=now)
    if not found:
        raise ProgrammeError([f"名单中没有编号为 {person_id!r} 的人员"])
    return found[0]


def unit_status(session: Session, programme: Programme, unit: str, *, modules: Sequence[ModuleLike] = (),
                year: int | None = None, now: datetime | None = None,
                everyone: bool = False) -> list[ProgrammeStatus]:
    """The people of a unit and its sub-units, ordered by person id: for a programme judged per
    case, each open case (one line per case); otherwise everyone the programme applies to (its
    `applies_to`). With `everyone`: every member, judged without cases."""
    if session.get(UnitRow, unit) is None:
        raise ProgrammeError([f"名单中没有名为 {unit!r} 的单位"])
    members = unit_members(session, unit)
    if programme.cases and not everyone:
        from grader.programmes.case_status import open_case_statuses

        return open_case_statuses(session, programme, members, now=now)
    if programme.applies_to and not everyone:
        kept: set[str] = set()
        for narrowed in for_people(select(PersonRow.id, PersonRow.category, PersonRow.rank), PersonRow.id, members):
            kept.update(pid for pid, category, rank in session.execute(narrowed) if programme.applies(category, rank))
        members = [m for m in members if m in kept]
    return people_status(session, programme, members, modules=modules, year=year, now=now)
