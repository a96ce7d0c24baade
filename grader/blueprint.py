"""Exam blueprints: which banks a programme's paper draws from, how many items of each kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grader import yamlfile
from grader.bank import AREAS, ITEM_TYPES
from grader.yamlfile import LocatedDict, LocatedList, Problem

PROGRAMMES: dict[str, str] = {"induction": "上岗前廉政培训", "promotion": "职务提升廉政知识测试"}
_KEYS = {"id", "programme", "title", "banks", "seed", "versions", "duration_minutes", "pass_mark",
         "show_score", "instructions", "caps", "sections"}
_CAP_KEYS = {"clause", "area"}
_SECTION_KEYS = {"title", "type", "count", "points", "areas"}


@dataclass(frozen=True)
class Section:
    title: str
    type: str
    count: int
    points: float
    areas: tuple[str, ...] = ()  # empty: any area
    line: int = field(default=0, compare=False)  # where its count is written: for a draw that cannot meet it


@dataclass(frozen=True)
class Caps:
    """The most items one paper may hold from one clause (出处: document and clause) or one area."""

    clause: int | None = None  # every clause alike; None: no cap
    area: int | None = None  # every area alike, unless `areas` names it
    areas: tuple[tuple[str, int], ...] = ()
    line: int = field(default=0, compare=False)  # where `caps` is written: for a draw that cannot meet it

    def area_cap(self, area: str) -> int | None:
        return dict(self.areas).get(area, self.area)


@dataclass(frozen=True)
class Blueprint:
    id: str
    programme: str
    title: str
    banks: tuple[str, ...]
    seed: int
    versions: int
    duration_minutes: int
    pass_mark: float
    show_score: bool
    instructions: str
    sections: tuple[Section, ...]
    file: str = ""
    caps: Caps = Caps()
    bank_lines: tuple[int, ...] = field(default=(), compare=False)  # the line each of `banks` is named on

    @property
    def total_points(self) -> float:
        return sum(s.count * s.points for s in self.sections)

    def bank_line(self, bank: str) -> int:
        lines = dict(zip(self.banks, self.bank_lines, strict=False))
        return lines.get(bank, self.bank_lines[0] if self.bank_lines else 1)


class BlueprintError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)


def _positive(raw: LocatedDict, key: str, file: str, problems: list[Problem], *,
              integer: bool = True) -> int | float:
    value = raw.get(key)
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or not isinstance(value, int | float) or value <= 0:
        problems.append(Problem(file, raw.line_of(key), f"{key} 应为正{'整' if integer else ''}数，而不是 {value!r}"))
        return 1
    return value


MAX_VERSIONS = 26  # versions are lettered A to Z


def _seed(raw: LocatedDict, file: str, problems: list[Problem]) -> int:
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        problems.append(Problem(file, raw.line_of("seed"), f"seed 应为整数，而不是 {seed!r}"))
        return 0
    return seed


def _section(raw: object, line: int, file: str, problems: list[Problem]) -> Section | None:
    if not isinstance(raw, LocatedDict):
        problems.append(Problem(file, line, "section 应为键值映射（title, type, count, points）"))
        return None
    for key in raw:
        if key not in _SECTION_KEYS:
            problems.append(Problem(file, raw.line_of(key), f"未知字段 {key!r}"))
    item_type = raw.get("type")
    if item_type not in ITEM_TYPES:
        problems.append(Problem(file, raw.line_of("type"), f"未知题型 {item_type!r}（可用 {', '.join(ITEM_TYPES)}）"))
    areas = raw.get("areas") or []
    if not isinstance(areas, list):
        areas = [areas]
    for area in areas:
        if area not in AREAS:
            problems.append(Problem(file, raw.line_of("areas"), f"未知领域 {area!r}"))
    title = raw.get("title") or ITEM_TYPES.get(str(item_type), "")
    return Section(str(title), str(item_type), int(_positive(raw, "count", file, problems)),
                   float(_positive(raw, "points", file, problems, integer=False)),
                   tuple(str(a) for a in areas), raw.line_of("count"))


def _cap(raw: LocatedDict, key: str, file: str, problems: list[Problem]) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        problems.append(Problem(file, raw.line_of(key),
                                f"caps 的 {key} 应为正整数（每份试卷最多几题），而不是 {value!r}"))
        return None
    return value


def _caps(raw: LocatedDict, file: str, problems: list[Problem]) -> Caps:
    """`caps: {clause: 5, area: {local_policy: 12}}`, or `area: 12` for every area."""
    caps = raw.get("caps")
    if caps is None:
        return Caps()
    if not isinstance(caps, LocatedDict):
        problems.append(Problem(file, raw.line_of("caps"),
                                "caps 应为键值映射（clause: 每个出处条款最多几题, area: …）"))
        return Caps()
    for key in caps:
        if key not in _CAP_KEYS:
            problems.append(Problem(file, caps.line_of(key), f"caps 中未知字段 {key!r}（可用 clause, area）"))
    areas: list[tuple[str, int]] = []
    area = caps.get("area")
    if isinstance(area, LocatedDict):
        for name in area:
            if name not in AREAS:
                problems.append(Problem(file, area.line_of(name), f"caps 中未知领域 {name!r}"))
            elif (cap := _cap(area, name, file, problems)) is not None:
                areas.append((name, cap))
        every = None
    else:
        every = _cap(caps, "area", file, problems)
    return Caps(_cap(caps, "clause", file, problems), every, tuple(areas), raw.line_of("caps"))


def _check_top(raw: LocatedDict, file: str, problems: list[Problem]) -> None:
    for key in raw:
        if key not in _KEYS:
            problems.append(Problem(file, raw.line_of(key), f"未知字段 {key!r}"))
    for key in ("id", "title"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            problems.append(Problem(file, raw.line_of(key), f"缺少 {key}"))
    if raw.get("programme") not in PROGRAMMES:
        problems.append(Problem(file, raw.line_of("programme"),
                                f"programme 应为 {' 或 '.join(PROGRAMMES)}，而不是 {raw.get('programme')!r}"))
    if not isinstance(raw.get("banks"), list) or not raw["banks"]:
        problems.append(Problem(file, raw.line_of("banks"), "banks 应为题库编号列表"))
    if not isinstance(raw.get("sections"), LocatedList) or not raw["sections"]:
        problems.append(Problem(file, raw.line_of("sections"), "sections 应为非空列表"))


def _bank_lines(raw: LocatedDict) -> tuple[int, ...]:
    banks = raw.get("banks")
    if isinstance(banks, LocatedList):
        return tuple(banks.item_lines)
    return (raw.line_of("banks"),)


def load_blueprint(path: Path) -> Blueprint:
    """Read and check a blueprint file; raises BlueprintError with every problem found."""
    file = str(path)
    try:
        raw = yamlfile.load(path)
    except yamlfile.YamlFileError as error:
        raise BlueprintError([error.problem]) from error
    if not isinstance(raw, LocatedDict):
        raise BlueprintError([Problem(file, 1, "蓝图文件应为键值映射")])
    problems: list[Problem] = []
    _check_top(raw, file, problems)
    sections_raw = raw.get("sections")
    if not isinstance(sections_raw, LocatedList):
        sections_raw, lines = [], []
    else:
        lines = sections_raw.item_lines
    sections = [_section(s, line, file, problems) for s, line in zip(sections_raw, lines, strict=True)]
    blueprint = Blueprint(
        id=str(raw.get("id", "")), programme=str(raw.get("programme", "")), title=str(raw.get("title", "")),
        banks=tuple(str(b) for b in raw.get("banks") or ()),
        seed=_seed(raw, file, problems),
        versions=int(_positive(raw, "versions", file, problems)),
        duration_minutes=int(_positive(raw, "duration_minutes", file, problems)),
        pass_mark=float(_positive(raw, "pass_mark", file, problems, integer=False)),
        show_score=bool(raw.get("show_score", True)), instructions=str(raw.get("instructions") or "").strip(),
        sections=tuple(s for s in sections if s is not None), file=file, caps=_caps(raw, file, problems),
        bank_lines=_bank_lines(raw),
    )
    if blueprint.versions > MAX_VERSIONS:
        problems.append(Problem(file, raw.line_of("versions"), f"versions 最多为 {MAX_VERSIONS}（A 卷至 Z 卷）"))
    if not problems and blueprint.pass_mark > blueprint.total_points:
        problems.append(Problem(file, raw.line_of("pass_mark"),
                                f"及格线 {blueprint.pass_mark:g} 高于总分 {blueprint.total_points:g}"))
    if problems:
        raise BlueprintError(problems)
    return blueprint
