"""Programme files (`exams/programmes/*.yaml`): what a person must have done, and the rules a
promotion case is judged by. Reading and checking the files only; no database.

A step is one of three kinds: `exam` (a passing result of a paper built from the named blueprint,
optionally valid for so many months), `modules` (every course module credited) and `record` (a
step the organisation department records, optionally within the year, before or after a date of
the case, with the commitment's text). A programme with a `case` block is judged per promotion
case (任职事项), with its re-sit (补考) and score-review (成绩复核) rules.

Every rule says where it comes from: `source` (document, clause and the clause's words, quoted
exactly) or `local` (a configurable local rule: what it is and whose notice it follows). A rule
that no text in the seed or the reference laws states is never dressed up as a cited fact."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader import yamlfile
from grader.yamlfile import LocatedDict, LocatedList, Problem

STEP_KINDS = {"exam": "考试", "modules": "课程模块", "record": "记录事项"}
RECORD_KINDS: dict[str, str] = {
    "talk": "廉政谈话",
    "oath": "廉政宣誓",
    "commitment": "廉政公开承诺",
    "theory_study": "反腐倡廉理论专题学习",
    "party_lecture": "带头上廉政党课",
}
CASE_DATES = {"notice_start": "公示开始", "notice_end": "公示结束", "decision": "任职决定"}
COUNTS = {"latest": "以最后一次成绩为准", "best": "以最好成绩为准"}
_KEYS = {"id", "title", "source", "applies_to", "steps", "case", "resit", "review"}
_SOURCE_KEYS = {"document", "clause", "text"}
_STEP_KEYS = {"kind", "label", "blueprint", "record", "yearly", "valid_months", "order", "text_required"}
_APPLIES_KEYS = {"category": "人员类别", "rank": "职级"}


class ProgrammeError(Exception):
    def __init__(self, problems: Sequence[Problem | str]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Basis:
    """Where a rule comes from: a quoted clause, or a configurable local rule (`local` says whose)."""

    document: str = ""
    clause: str = ""
    text: str = ""
    local: str = ""

    @property
    def is_local(self) -> bool:
        return bool(self.local)

    def __str__(self) -> str:
        if self.local:
            return f"本地规则（可配置）：{self.local}"
        return f"{self.document}{self.clause}：“{self.text}”"


@dataclass(frozen=True)
class Rule:
    """One rule as the file states it, for showing beside a status: what, and on what basis."""

    name: str
    value: str
    basis: Basis


@dataclass(frozen=True)
class StepSpec:
    """One requirement of a programme, as written in its file."""

    kind: str  # exam | modules | record
    label: str
    blueprint: str = ""  # exam: the blueprint id its papers were built from
    record: str = ""  # record: a kind of RECORD_KINDS
    yearly: bool = False  # record: only a record dated in the year asked about counts
    valid_months: int | None = None  # exam: a result older than this (at the date judged) counts as missing
    after: str = ""  # record in a case: not before this date of the case (CASE_DATES)
    before: str = ""  # record in a case: not after this date of the case
    text_required: bool = False  # record: the full text must be kept (the commitment's words)
    line: int = 0

    @property
    def id(self) -> str:
        return {"exam": "exam", "modules": "modules"}.get(self.kind, self.record)


@dataclass(frozen=True)
class ResitRule:
    """补考: how many re-sits after a failed test, within how many months of the first fail, and
    which score counts. After the last allowed fail the case is 已取消任用资格."""

    max_resits: int
    window_months: int
    counts: str  # latest | best
    basis: Basis


@dataclass(frozen=True)
class ReviewRule:
    """成绩复核: a review may be asked for within `days` days of the result."""

    days: int
    basis: Basis


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
    cases: bool = False  # judged per promotion case: unit lists show open cases, not everyone
    resit: ResitRule | None = None
    review: ReviewRule | None = None
    rules: tuple[Rule, ...] = ()  # every rule with its basis, in file order

    @property
    def yearly(self) -> bool:
        return any(s.yearly for s in self.steps)

    def applies(self, category: str, rank: str) -> bool:
        values = {"category": category, "rank": rank}
        return all(values[field] in allowed for field, allowed in self.applies_to)

    @property
    def audience(self) -> str:
        """Who the programme is for, as a record page says it ("": everyone)."""
        return "，".join(f"{_APPLIES_KEYS[field]}为{'、'.join(allowed)}" for field, allowed in self.applies_to)

    def step(self, step_id: str) -> StepSpec | None:
        return next((s for s in self.steps if s.id == step_id), None)


class _Reader:
    """One file's problems, collected so that every one is reported at once."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.rules: list[Rule] = []

    def problem(self, raw: LocatedDict, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, raw.line_of(key), message))

    def text(self, raw: LocatedDict, key: str, required: bool = True) -> str:
        value = raw.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(raw, key, f"缺少 {key}（应为非空文本）")
            return ""
        return value.strip()

    def unknown(self, raw: LocatedDict, allowed: set[str]) -> None:
        for key in raw:
            if key not in allowed:
                self.problem(raw, key, f"未知字段 {key!r}（可用：{', '.join(sorted(allowed))}）")

    def mapping(self, raw: LocatedDict, key: str, what: str) -> LocatedDict | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, LocatedDict):
            self.problem(raw, key, f"{key} 应为键值映射（{what}）")
            return None
        return value

    def basis(self, raw: LocatedDict, where: str) -> Basis:
        """A rule's `source` (quoted clause) or `local` (configurable local rule): exactly one."""
        local = raw.get("local")
        source = raw.get("source")
        if (local is None) == (source is None):
            self.problem(raw, "source",
                         f"{where} 须写明依据：source（文件、条款与原文）或 local（本地规则说明），二者选一")
            return Basis()
        if local is not None:
            if not isinstance(local, str) or not local.strip():
                self.problem(raw, "local", f"{where} 的 local 应为非空文本：说明这是哪里的本地规则")
                return Basis()
            return Basis(local=local.strip())
        if not isinstance(source, LocatedDict):
            self.problem(raw, "source", f"{where} 的 source 应为键值映射（document、clause、text）")
            return Basis()
        self.unknown(source, _SOURCE_KEYS)
        return Basis(*(self.text(source, key) for key in ("document", "clause", "text")))

    def integer(self, raw: LocatedDict, key: str, where: str, minimum: int) -> int:
        value = raw.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.problem(raw, key, f"{where} 的 {key} 应为不小于 {minimum} 的整数，而不是 {value!r}")
            return minimum
        return value

    def rule(self, name: str, value: str, basis: Basis) -> None:
        self.rules.append(Rule(name, value, basis))


def _valid_months(reader: _Reader, raw: LocatedDict, label: str) -> int | None:
    block = reader.mapping(raw, "valid_months", "value 与 source 或 local")
    if block is None:
        return None
    reader.unknown(block, {"value", "source", "local"})
    months = reader.integer(block, "value", f"{label}的有效期", 1)
    reader.rule(f"{label}有效期", f"{months} 个月", reader.basis(block, f"{label}的有效期"))
    return months


def _order(reader: _Reader, raw: LocatedDict, label: str) -> tuple[str, str]:
    block = reader.mapping(raw, "order", "after / before 与 source 或 local")
    if block is None:
        return "", ""
    reader.unknown(block, {"after", "before", "source", "local"})
    dates = []
    for key in ("after", "before"):
        value = block.get(key, "")
        if value and value not in CASE_DATES:
            reader.problem(block, key, f"{key} 应为 {'、'.join(CASE_DATES)} 之一，而不是 {value!r}")
            value = ""
        dates.append(str(value))
    if not any(dates):
        reader.problem(block, "after", f"{label}的 order 至少要有 after 或 before")
    said = "、".join(p for p in (f"不早于{CASE_DATES[dates[0]]}" if dates[0] else "",
                                  f"不晚于{CASE_DATES[dates[1]]}" if dates[1] else "") if p)
    reader.rule(f"{label}时间", said, reader.basis(block, f"{label}的时间要求"))
    return dates[0], dates[1]


def _text_required(reader: _Reader, raw: LocatedDict, label: str) -> bool:
    block = reader.mapping(raw, "text_required", "value 与 source 或 local")
    if block is None:
        return False
    reader.unknown(block, {"value", "source", "local"})
    value = block.get("value")
    if not isinstance(value, bool):
        reader.problem(block, "value", f"{label}的 text_required.value 应为 true 或 false")
        value = False
    reader.rule(f"{label}全文", "须保留全文" if value else "不要求全文", reader.basis(block, f"{label}的全文要求"))
    return value


def _step(reader: _Reader, raw: object, line: int, blueprints: set[str] | None) -> StepSpec | None:
    if not isinstance(raw, LocatedDict):
        reader.problems.append(Problem(reader.file, line, "步骤应为键值映射（kind 及其参数）"))
        return None
    reader.unknown(raw, _STEP_KEYS)
    kind = raw.get("kind")
    if kind not in STEP_KINDS:
        reader.problem(raw, "kind", f"kind 应为 {'、'.join(STEP_KINDS)} 之一，而不是 {kind!r}")
        return None
    label = reader.text(raw, "label", required=False)
    yearly = raw.get("yearly", False)
    if not isinstance(yearly, bool) or (yearly and kind != "record"):
        reader.problem(raw, "yearly", "yearly 只用于 record 步骤，应为 true 或 false")
    for key, allowed in (("valid_months", "exam"), ("order", "record"), ("text_required", "record")):
        if key in raw and kind != allowed:
            reader.problem(raw, key, f"{key} 只用于 {allowed} 步骤")
    if kind == "exam":
        blueprint = reader.text(raw, "blueprint")
        if blueprints is not None and blueprint and blueprint not in blueprints:
            reader.problem(raw, "blueprint", f"找不到蓝图 {blueprint!r}（已有：{', '.join(sorted(blueprints))}）")
        label = label or "考试"
        return StepSpec("exam", label, blueprint=blueprint, valid_months=_valid_months(reader, raw, label),
                        line=raw.line)
    if kind == "record":
        record = raw.get("record")
        if record not in RECORD_KINDS:
            reader.problem(raw, "record", f"record 应为 {'、'.join(RECORD_KINDS)} 之一，而不是 {record!r}")
            return None
        label = label or RECORD_KINDS[record]
        after, before = _order(reader, raw, label)
        return StepSpec("record", label, record=record, yearly=yearly is True, after=after, before=before,
                        text_required=_text_required(reader, raw, label), line=raw.line)
    return StepSpec("modules", label or "课程模块", line=raw.line)


def _applies_to(reader: _Reader, raw: LocatedDict) -> tuple[tuple[str, tuple[str, ...]], ...]:
    value = reader.mapping(raw, "applies_to", "category / rank")
    if value is None:
        return ()
    reader.unknown(value, set(_APPLIES_KEYS))
    result = []
    for field in _APPLIES_KEYS:
        allowed = value.get(field)
        if allowed is None:
            continue
        if not isinstance(allowed, list) or not allowed or not all(isinstance(a, str) for a in allowed):
            reader.problem(value, field, f"{field} 应为{_APPLIES_KEYS[field]}的列表")
            continue
        result.append((field, tuple(allowed)))
    return tuple(result)


def _steps(reader: _Reader, raw: LocatedDict, blueprints: set[str] | None) -> list[StepSpec]:
    steps_raw = raw.get("steps")
    if not isinstance(steps_raw, LocatedList) or not steps_raw:
        reader.problem(raw, "steps", "steps 应为非空列表")
        return []
    steps: list[StepSpec] = []
    for item, line in zip(steps_raw, steps_raw.item_lines, strict=True):
        step = _step(reader, item, line, blueprints)
        if step is None:
            continue
        if step.id in {s.id for s in steps}:
            reader.problems.append(Problem(reader.file, step.line, f"步骤 {step.id!r} 重复"))
        steps.append(step)
    return steps


def _case(reader: _Reader, raw: LocatedDict) -> bool:
    block = reader.mapping(raw, "case", "source 或 local：为什么按任职事项办理")
    if block is None:
        return False
    reader.unknown(block, {"source", "local"})
    reader.rule("按任职事项办理", "四个环节挂在任职事项上", reader.basis(block, "case"))
    return True


def _resit(reader: _Reader, raw: LocatedDict) -> ResitRule | None:
    block = reader.mapping(raw, "resit", "max_resits、window_months、counts 与 source 或 local")
    if block is None:
        return None
    reader.unknown(block, {"max_resits", "window_months", "counts", "source", "local"})
    max_resits = reader.integer(block, "max_resits", "补考规则", 0)
    window = reader.integer(block, "window_months", "补考规则", 1)
    counts = block.get("counts")
    if counts not in COUNTS:
        reader.problem(block, "counts", f"counts 应为 {'、'.join(COUNTS)} 之一，而不是 {counts!r}")
        counts = "latest"
    basis = reader.basis(block, "补考规则")
    reader.rule("补考", f"首次未通过后 {window} 个月内可补考 {max_resits} 次，{COUNTS[str(counts)]}；"
                "最后一次允许的补考仍未通过即取消任用资格", basis)
    return ResitRule(max_resits, window, str(counts), basis)


def _review(reader: _Reader, raw: LocatedDict) -> ReviewRule | None:
    block = reader.mapping(raw, "review", "days 与 source 或 local")
    if block is None:
        return None
    reader.unknown(block, {"days", "source", "local"})
    days = reader.integer(block, "days", "成绩复核规则", 1)
    basis = reader.basis(block, "成绩复核规则")
    reader.rule("成绩复核", f"成绩评定后 {days} 日内可申请复核，由另一位阅卷人重新评阅简答题", basis)
    return ReviewRule(days, basis)


def _source(reader: _Reader, raw: LocatedDict) -> tuple[str, str, str]:
    source = raw.get("source")
    if not isinstance(source, LocatedDict):
        reader.problem(raw, "source", "缺少 source（出处：document、clause 与原文 text）")
        return "", "", ""
    reader.unknown(source, _SOURCE_KEYS)
    document, clause, text = (reader.text(source, key) for key in ("document", "clause", "text"))
    return document, clause, text


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
    reader = _Reader(file)
    reader.unknown(raw, _KEYS)
    programme_id = reader.text(raw, "id")
    if programme_id and not re.fullmatch(r"[a-z][a-z0-9_]*", programme_id):
        reader.problem(raw, "id", f"id 只能用小写字母、数字和下划线，而不是 {programme_id!r}")
    document, clause, basis = _source(reader, raw)
    title = reader.text(raw, "title")
    steps = tuple(_steps(reader, raw, blueprints))
    cases = _case(reader, raw)
    resit, review = _resit(reader, raw), _review(reader, raw)
    if (resit or any(s.after or s.before for s in steps)) and not cases:
        reader.problem(raw, "steps", "补考规则和环节的时间要求只用于按任职事项办理的项目（请加 case）")
    if resit is not None and not any(s.kind == "exam" for s in steps):
        reader.problem(raw, "resit", "补考规则需要一个 exam 步骤")
    if reader.problems:
        raise ProgrammeError(reader.problems)
    return Programme(programme_id, title, document, clause, basis, steps, _applies_to(reader, raw), file,
                     cases, resit, review, tuple(reader.rules))


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
