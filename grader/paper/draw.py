"""Drawing a blueprint's papers from the banks: seeded, reproducible, A/B versions disjoint
wherever the pool is large enough; no paper holds two items of one fact, two of one stem or an
item that writes out another's answer (grader.paper.check), nor more than the blueprint's caps.
What the banks cannot supply (a bank the blueprint names that was not read, a section asking
for more items than it can take) is reported at the blueprint's line, every such problem at once."""

from __future__ import annotations

import random
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from grader.bank import Item
from grader.blueprint import Blueprint, Caps, Section
from grader.paper.check import clash
from grader.yamlfile import Problem


@dataclass(frozen=True)
class PaperItem:
    position: int  # 1-based, paper order
    name: str  # the answer variable and nbgrader grade_id, e.g. "q07"
    item: Item
    points: float


@dataclass(frozen=True)
class PaperSection:
    title: str
    type: str
    items: tuple[PaperItem, ...]


@dataclass(frozen=True)
class Paper:
    assignment: str
    blueprint: Blueprint
    version: str  # "A", "B", ...
    sections: tuple[PaperSection, ...]

    @property
    def items(self) -> tuple[PaperItem, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @property
    def total_points(self) -> float:
        return sum(item.points for item in self.items)


class DrawError(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)


def _pool(section: Section, items: Sequence[Item], banks: Sequence[str]) -> list[Item]:
    return [item for item in items
            if item.use == "exam" and item.type == section.type and item.bank in banks
            and (not section.areas or item.area in section.areas)]


def _missing_banks(blueprint: Blueprint, items: Sequence[Item]) -> list[Problem]:
    read = sorted({item.bank for item in items})
    known = f"（已读取的题库：{'、'.join(read)}）" if read else "（没有读取到任何题库）"
    return [Problem(blueprint.file, blueprint.bank_line(bank), f"找不到题库 {bank!r}{known}")
            for bank in dict.fromkeys(blueprint.banks) if bank not in read]


def clause_of(item: Item) -> str:
    """The clause an item cites, with its document: what `caps.clause` counts."""
    return str(item.source)


@dataclass
class _Sheet:
    """One version's paper while it is drawn: what it holds, and why candidates were turned away."""

    items: list[Item] = field(default_factory=list)
    clauses: Counter[str] = field(default_factory=Counter)
    areas: Counter[str] = field(default_factory=Counter)

    def refusal(self, item: Item, caps: Caps) -> str | None:
        """Why `item` may not join this paper: "fact", "stem", "leak" (a clash), "clause" or "area"."""
        if caps.clause is not None and self.clauses[clause_of(item)] >= caps.clause:
            return "clause"
        area_cap = caps.area_cap(item.area)
        if area_cap is not None and self.areas[item.area] >= area_cap:
            return "area"
        for held in self.items:
            found = clash(held, item)
            if found:
                return found.kind
        return None

    def take(self, item: Item) -> None:
        self.items.append(item)
        self.clauses[clause_of(item)] += 1
        self.areas[item.area] += 1


_WHY = {"fact": "与本卷已选题目考同一知识点", "stem": "与本卷已选题目题干相同或几乎相同",
        "leak": "与本卷已选题目互相写出答案", "clause": "所在出处条款已达 caps 的 clause 上限",
        "area": "所在内容领域已达 caps 的 area 上限"}


def _shortage(blueprint: Blueprint, index: int, pool: int, left: int, refused: Counter[str]) -> Problem:
    section = blueprint.sections[index]
    wanted = (f"第 {index + 1} 部分“{section.title}”需要 {section.count} 道题，"
              f"题库中符合条件（{section.type}，{', '.join(section.areas) or '任意领域'}）的")
    if pool < section.count:
        return Problem(blueprint.file, section.line, f"{wanted}只有 {pool} 道")
    taken = pool - left
    why = [f"{taken} 道已被其他部分选用"] if taken else []
    why += [f"{n} 道{_WHY[kind]}" for kind, n in sorted(refused.items(), key=lambda kv: list(_WHY).index(kv[0]))]
    usable = left - sum(refused.values())
    where = (f"；caps 在第 {blueprint.caps.line} 行" if blueprint.caps.line and (refused["clause"] or refused["area"])
             else "")
    return Problem(blueprint.file, section.line,
                   f"{wanted} {pool} 道中只有 {usable} 道可用（{'，'.join(why)}{where}）")


def _section_draws(blueprint: Blueprint, items: Sequence[Item]) -> list[list[list[Item]]]:
    """For each section, the items of each version, taken in the order of one seeded shuffle:
    items no version has yet come first, so versions share items only when the pool is too small.
    Sections are drawn scarcest pool first (essays before single choices), so caps and clashes
    leave the big pools to give way.
    A paper never takes an item that clashes with one it holds (one fact, one stem, a leaked answer)
    nor one past the blueprint's caps."""
    used: list[set[str]] = [set() for _ in range(blueprint.versions)]
    used_by_any: set[str] = set()
    sheets = [_Sheet() for _ in range(blueprint.versions)]
    draws: dict[int, list[list[Item]]] = {}
    problems: list[Problem] = []
    pools = [sorted(_pool(section, items, blueprint.banks), key=lambda item: item.id)
             for section in blueprint.sections]
    for index in sorted(range(len(pools)), key=lambda i: (len(pools[i]), i)):  # the scarcest first
        section, pool = blueprint.sections[index], pools[index]
        rng = random.Random(f"{blueprint.seed}:{blueprint.id}:{index}")
        rng.shuffle(pool)
        per_version = []
        for version, sheet in enumerate(sheets):
            fresh = [item for item in pool if item.id not in used_by_any]
            shared = [item for item in pool if item.id in used_by_any and item.id not in used[version]]
            chosen: list[Item] = []
            refused: Counter[str] = Counter()
            for item in fresh + shared:
                if len(chosen) == section.count:
                    break
                reason = sheet.refusal(item, blueprint.caps)
                if reason:
                    refused[reason] += 1
                    continue
                chosen.append(item)
                sheet.take(item)
            if len(chosen) < section.count:
                problems.append(_shortage(blueprint, index, len(pool), len(fresh) + len(shared), refused))
                break
            used[version].update(item.id for item in chosen)
            used_by_any.update(item.id for item in chosen)
            per_version.append(chosen)
        draws[index] = per_version
    if problems:
        raise DrawError(sorted(problems, key=lambda p: p.line))
    return [draws[index] for index in range(len(pools))]


def draw_papers(blueprint: Blueprint, items: Sequence[Item]) -> list[Paper]:
    """The blueprint's papers, one per version; the same inputs always give the same papers.
    Raises DrawError with every problem, each at its line of the blueprint."""
    missing = _missing_banks(blueprint, items)
    if missing:
        raise DrawError(missing)
    draws = _section_draws(blueprint, items)
    papers = []
    for version in range(blueprint.versions):
        letter = string.ascii_uppercase[version]
        position = 0
        sections = []
        for section, per_version in zip(blueprint.sections, draws, strict=True):
            paper_items = []
            for item in per_version[version]:
                position += 1
                paper_items.append(PaperItem(position, f"q{position:02d}", item, section.points))
            sections.append(PaperSection(section.title, section.type, tuple(paper_items)))
        papers.append(Paper(f"{blueprint.id}-{letter.lower()}", blueprint, letter, tuple(sections)))
    return papers
