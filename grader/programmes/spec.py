"""Programmes as data: what a person must have done (exams passed, course modules completed,
gate steps recorded) is read from `exams/programmes/*.yaml`, and a person's or a unit's status
is computed from the gradebook: cleared, or exactly which steps are missing.

A step is one of three kinds: `exam` (a current result of a paper built from the named blueprint
at or above that paper's pass mark, graders' marks counted: grader.records.exam_scores),
`modules` (every course module credited; one step per module) and `record` (a gate step in force
in grader.records.gate, optionally within the year)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader import yamlfile
from grader.gradebook.models import PersonRow, StudyCreditRow, UnitRow
from grader.records.exam_scores import ExamScore, exam_scores
from grader.records.gate import RECORD_KINDS, GateRecord, for_people, in_force
from grader.roster import unit_members
from grader.yamlfile import LocatedDict, LocatedList, Problem

STEP_KINDS = {"exam": "考试", "modules": "课程模块", "record": "记录事项"}
_KEYS = {"id", "title", "source", "applies_to", "steps"}
_SOURCE_KEYS = {"document", "clause", "text"}
_STEP_KEYS = {"kind", "label", "blueprint", "record", "yearly"}
_APPLIES_KEYS = {"category": "人员类别", "rank": "职级"}


# ---------------------------------------------------------------- programmes (files)


@dataclass(frozen=True)
class StepSpec:
    """One requirement of a programme, as written in its file."""

    kind: str  # exam | modules | record
    label: str
    blueprint: str = ""  # exam: the blueprint id its papers were built from
    record: str = ""  # record: a kind of grader.records.gate.RECORD_KINDS
    yearly: bool = False  # record: only a record dated in the year asked about counts
    line: int = 0

    @property
    def id(self) -> str:
        return {"exam": "exam", "modules": "modules"}.get(self.kind, self.record)


@dataclass(frozen=True)
class Programme:
    id: str
    title: str
    document: str  # the policy the programme implements
    clause: str
    basis: str  # the clause's text, quoted exactly
    steps: tuple[StepSpec, ...]
    applies_to: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (person field, allowed values): who a unit list shows
    file: str = ""

    @property
    def yearly(self) -> bool:
        return any(s.yearly for s in self.steps)

    def applies(self, category: str, rank: str) -> bool:
        values = {"category": category, "rank": rank}
        return all(values[field] in allowed for field, allowed in self.applies_to)

    @property
    def audience(self) -> str:
        """Who the programme is for, as a reader of a record page says it ("" : everyone)."""
        return "，".join(f"{_APPLIES_KEYS[field]}为{'、'.join(allowed)}" for field, allowed in self.applies_to)


class ProgrammeError(Exception):
    def __init__(self, problems: Sequence[Problem | str]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)


def _text(raw: LocatedDict, key: str, file: str, problems: list[Problem], required: bool = True) -> str:
    value = raw.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(file, raw.line_of(key), f"缺少 {key}（应为非空文本）"))
        return ""
    return value.strip()


def _unknown(raw: LocatedDict, allowed: set[str], file: str, problems: list[Problem]) -> None:
    problems += [Problem(file, raw.line_of(k), f"未知字段 {k!r}（可用：{', '.join(sorted(allowed))}）")
                 for k in raw if k not in allowed]


def _step(raw: object, line: int, file: str, problems: list[Problem], blueprints: set[str] | None) -> StepSpec | None:
    if not isinstance(raw, LocatedDict):
        problems.append(Problem(file, line, "步骤应为键值映射（kind 及其参数）"))
        return None
    _unknown(raw, _STEP_KEYS, file, problems)
    kind = raw.get("kind")
    if kind not in STEP_KINDS:
        problems.append(Problem(file, raw.line_of("kind"),
                                f"kind 应为 {'、'.join(STEP_KINDS)} 之一，而不是 {kind!r}"))
        return None
    label = _text(raw, "label", file, problems, required=False)
    yearly = raw.get("yearly", False)
    if not isinstance(yearly, bool) or (yearly and kind != "record"):
        problems.append(Problem(file, raw.line_of("yearly"), "yearly 只用于 record 步骤，应为 true 或 false"))
    if kind == "exam":
        blueprint = _text(raw, "blueprint", file, problems)
        if blueprints is not None and blueprint and blueprint not in blueprints:
            problems.append(Problem(file, raw.line_of("blueprint"),
                                    f"找不到蓝图 {blueprint!r}（已有：{', '.join(sorted(blueprints))}）"))
        return StepSpec("exam", label or "考试", blueprint=blueprint, line=raw.line)
    if kind == "record":
        record = raw.get("record")
        if record not in RECORD_KINDS:
            problems.append(Problem(file, raw.line_of("record"),
                                    f"record 应为 {'、'.join(RECORD_KINDS)} 之一，而不是 {record!r}"))
            return None
        return StepSpec("record", label or RECORD_KINDS[record], record=record, yearly=yearly is True,
                        line=raw.line)
    return StepSpec("modules", label or "课程模块", line=raw.line)


def _applies_to(raw: LocatedDict, file: str, problems: list[Problem]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    value = raw.get("applies_to")
    if value is None:
        return ()
    if not isinstance(value, LocatedDict):
        problems.append(Problem(file, raw.line_of("applies_to"), "applies_to 应为键值映射（category / rank）"))
        return ()
    _unknown(value, set(_APPLIES_KEYS), file, problems)
    result = []
    for field in _APPLIES_KEYS:
        allowed = value.get(field)
        if allowed is None:
            continue
        if not isinstance(allowed, list) or not allowed or not all(isinstance(a, str) for a in allowed):
            problems.append(Problem(file, value.line_of(field), f"{field} 应为{_APPLIES_KEYS[field]}的列表"))
            continue
        result.append((field, tuple(allowed)))
    return tuple(result)


def _steps(raw: LocatedDict, file: str, problems: list[Problem], blueprints: set[str] | None) -> list[StepSpec]:
    steps_raw = raw.get("steps")
    if not isinstance(steps_raw, LocatedList) or not steps_raw:
        problems.append(Problem(file, raw.line_of("steps"), "steps 应为非空列表"))
        return []
    steps: list[StepSpec] = []
    for item, line in zip(steps_raw, steps_raw.item_lines, strict=True):
        step = _step(item, line, file, problems, blueprints)
        if step is None:
            continue
        if step.id in {s.id for s in steps}:
            problems.append(Problem(file, step.line, f"步骤 {step.id!r} 重复"))
        steps.append(step)
    return steps


def load_programme(path: Path, blueprints: set[str] | None = None) -> Programme:
    """Read and check one programme file; ProgrammeError lists every problem as `file:line: …`.
    `blueprints`, when given, are the blueprint ids an exam step may name."""
    file = str(path)
    try:
        raw = yamlfile.load(path)
    except yamlfile.YamlFileError as error:
        raise ProgrammeError([error.problem]) from error
    if not isinstance(raw, LocatedDict):
        raise ProgrammeError([Problem(file, 1, "培训项目文件应为键值映射（id, title, source, steps）")])
    problems: list[Problem] = []
    _unknown(raw, _KEYS, file, problems)
    programme_id = _text(raw, "id", file, problems)
    if programme_id and not re.fullmatch(r"[a-z][a-z0-9_]*", programme_id):
        problems.append(Problem(file, raw.line_of("id"), f"id 只能用小写字母、数字和下划线，而不是 {programme_id!r}"))
    source = raw.get("source")
    if not isinstance(source, LocatedDict):
        problems.append(Problem(file, raw.line_of("source"), "缺少 source（出处：document、clause 与原文 text）"))
        source = LocatedDict()
        source.line, source.key_lines = raw.line_of("source"), {}
    else:
        _unknown(source, _SOURCE_KEYS, file, problems)
    document, clause, basis = (_text(source, key, file, problems) for key in ("document", "clause", "text"))
    programme = Programme(programme_id, _text(raw, "title", file, problems), document, clause, basis,
                          steps=tuple(_steps(raw, file, problems, blueprints)),
                          applies_to=_applies_to(raw, file, problems), file=file)
    if problems:
        raise ProgrammeError(problems)
    return programme


def _blueprint_ids(folder: Path) -> set[str] | None:
    blueprints = folder.parent / "blueprints"
    if not blueprints.is_dir():
        return None
    ids = set()
    for path in blueprints.glob("*.yaml"):
        try:
            raw = yamlfile.load(path)
        except yamlfile.YamlFileError:
            continue  # a broken blueprint is `qinglian paper build`'s to report
        ids.add(str(raw.get("id")) if isinstance(raw, LocatedDict) else path.stem)
    return ids


def load_programmes(folder: Path) -> dict[str, Programme]:
    """Every `*.yaml` in `folder` (normally exams/programmes), by programme id. Exam steps must
    name a blueprint in the sibling `blueprints/` folder when there is one. ProgrammeError lists
    the problems of every file at once."""
    blueprints = _blueprint_ids(folder)
    programmes: dict[str, Programme] = {}
    problems: list[Problem | str] = []
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise ProgrammeError([f"{folder}: 没有培训项目文件（*.yaml）"])
    for path in paths:
        try:
            programme = load_programme(path, blueprints)
        except ProgrammeError as error:
            problems += error.problems
            continue
        if programme.id in programmes:
            problems.append(Problem(str(path), 1, f"培训项目 {programme.id!r} 与 {programmes[programme.id].file} 重复"))
        programmes[programme.id] = programme
    if problems:
        raise ProgrammeError(problems)
    return programmes


# ---------------------------------------------------------------- status


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
    """A person against a programme: every step, in the programme's order."""

    person_id: str
    programme: str
    title: str
    steps: tuple[StepStatus, ...]
    name: str = ""
    unit: str = ""
    year: int | None = None  # for yearly programmes: the year the status is for
    applies: bool = True  # False: the person is outside the programme's applies_to, nothing is owed
    audience: str = ""  # Programme.audience, to say why it does not apply

    @property
    def cleared(self) -> bool:
        return all(s.done for s in self.steps)

    @property
    def state(self) -> str:
        """已完成, 未完成, or 不适用 for a person the programme does not apply to (and has not cleared)."""
        if self.cleared:
            return "已完成"
        return "未完成" if self.applies else "不适用"

    @property
    def missing(self) -> tuple[StepStatus, ...]:
        return tuple(s for s in self.steps if not s.done)

    @property
    def missing_summary(self) -> str:
        """The missing steps by name for a list; several missing course modules are counted, not named."""
        modules = [s for s in self.missing if s.step.startswith("module:")]
        labels = [s.label for s in self.missing if not s.step.startswith("module:")]
        if len(modules) > 1:
            labels.insert(0, f"课程模块 {len(modules)} 个未完成")
        elif modules:
            labels.insert(0, f"课程模块：{modules[0].label}")
        return "；".join(labels)

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


def _exam_step(spec: StepSpec, built: bool, results: list[ExamScore]) -> StepStatus:
    passing = [r for r in results if r.passed]
    if passing:
        r = min(passing, key=lambda r: (r.at or datetime.max, r.assignment))  # the first pass
        manual = f"，含人工评分 {r.manual:+g}" if r.manual else ""
        return StepStatus("exam", spec.label, True, r.at,
                          f"得分 {r.score:g}/{r.max_score:g}（及格线 {r.pass_mark:g}{manual}，试卷 {r.assignment}）")
    if not built:
        return StepStatus("exam", spec.label, False, None, f"尚无按蓝图 {spec.blueprint} 组成的试卷")
    if not results:
        return StepStatus("exam", spec.label, False, None, "尚未参加考试")
    best = max(results, key=lambda r: r.score)
    pending = "；有答案待人工评分" if any(r.pending for r in results) else ""
    return StepStatus("exam", spec.label, False, None,
                      f"最高得分 {best.score:g}/{best.max_score:g}，未达及格线 {best.pass_mark:g}{pending}")


def _credits(session: Session, ids: Sequence[str]) -> dict[tuple[str, str], tuple[float, datetime]]:
    found: dict[tuple[str, str], tuple[float, datetime]] = {}
    query = select(StudyCreditRow.learner_id, StudyCreditRow.module, StudyCreditRow.hours,
                   StudyCreditRow.completed_at)
    wanted = set(ids)
    for narrowed in for_people(query, StudyCreditRow.learner_id, ids):
        found.update(((learner, module), (hours, at)) for learner, module, hours, at in session.execute(narrowed)
                     if learner in wanted)
    return found


def _module_steps(modules: Sequence[ModuleLike], person: str,
                  credits: dict[tuple[str, str], tuple[float, datetime]]) -> list[StepStatus]:
    steps = []
    for module in modules:
        credit = credits.get((person, module.id))
        steps.append(StepStatus(f"module:{module.id}", module.title, credit is not None,
                                credit[1] if credit else None,
                                f"已完成，记 {credit[0]:g} 学时" if credit
                                else f"尚未完成（自测全部答对后记 {module.hours:g} 学时）"))
    return steps


def _record_step(spec: StepSpec, records: list[GateRecord], year: int) -> StepStatus:
    label = f"{year} 年{spec.label}" if spec.yearly else spec.label
    matching = [r for r in records if r.kind == spec.record and r.happened_on is not None
                and (not spec.yearly or r.happened_on.year == year)]
    if not matching:
        return StepStatus(spec.record, label, False, None, f"{year} 年尚无记录" if spec.yearly else "尚无记录")
    latest = max(matching, key=lambda r: (r.happened_on or date.min, r.id))
    assert latest.happened_on is not None
    detail = f"{latest.happened_on:%Y-%m-%d}，记录人 {latest.recorded_by}"
    if latest.notes:
        detail += f"：{latest.notes}"
    if latest.text:
        detail += f"（承诺书 {len(latest.text)} 字）"
    return StepStatus(spec.record, label, True, datetime.combine(latest.happened_on, time()), detail)


def people_status(session: Session, programme: Programme, person_ids: Sequence[str], *,
                  modules: Sequence[ModuleLike] = (), year: int | None = None,
                  now: datetime | None = None) -> list[ProgrammeStatus]:
    """The status of many people at once, in the order given (people not on the roster are
    skipped): a query per table per 500 people (for a crowd, one read of each table), whatever the
    number of steps. `modules` is the course catalogue (needed when the programme has a modules
    step); `year` (default: this year) is the year yearly steps are checked for."""
    if any(s.kind == "modules" for s in programme.steps) and not modules:
        raise ProgrammeError([f"{programme.file}: {programme.title}需要课程目录（courses/）才能判断课程模块"])
    year = year or (now or datetime.now()).year
    ids = list(dict.fromkeys(person_ids))
    people: dict[str, tuple[str, str, bool]] = {}
    query = select(PersonRow.id, PersonRow.name, PersonRow.unit, PersonRow.category, PersonRow.rank)
    for narrowed in for_people(query, PersonRow.id, ids):
        people.update((pid, (name, unit, programme.applies(category, rank)))
                      for pid, name, unit, category, rank in session.execute(narrowed))
    ids = [i for i in ids if i in people]  # a crowd's read brought everyone: kept are those asked for
    exams = {s.blueprint: exam_scores(session, s.blueprint, ids) for s in programme.steps if s.kind == "exam"}
    credits = _credits(session, ids) if any(s.kind == "modules" for s in programme.steps) else {}
    records = in_force(session, ids) if any(s.kind == "record" for s in programme.steps) else {}
    statuses = []
    for person in ids:
        steps: list[StepStatus] = []
        for spec in programme.steps:
            if spec.kind == "exam":
                built, results = exams[spec.blueprint]
                steps.append(_exam_step(spec, built, results.get(person, [])))
            elif spec.kind == "modules":
                steps += _module_steps(modules, person, credits)
            else:
                steps.append(_record_step(spec, records.get(person, []), year))
        name, unit, applies = people[person]
        statuses.append(ProgrammeStatus(person, programme.id, programme.title, tuple(steps), name, unit,
                                        year if programme.yearly else None, applies, programme.audience))
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
    """Everyone in a unit and its sub-units the programme applies to (its `applies_to`; all of
    them with `everyone`), ordered by person id."""
    if session.get(UnitRow, unit) is None:
        raise ProgrammeError([f"名单中没有名为 {unit!r} 的单位"])
    members = unit_members(session, unit)
    if programme.applies_to and not everyone:
        kept: set[str] = set()
        for narrowed in for_people(select(PersonRow.id, PersonRow.category, PersonRow.rank), PersonRow.id, members):
            kept.update(pid for pid, category, rank in session.execute(narrowed) if programme.applies(category, rank))
        members = [m for m in members if m in kept]
    return people_status(session, programme, members, modules=modules, year=year, now=now)
