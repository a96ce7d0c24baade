"""Drawing a blueprint's papers from the banks: seeded, reproducible, A/B versions disjoint
wherever the pool is large enough. What the banks cannot supply (a bank the blueprint names
that was not read, a section asking for more items than there are) is reported at the
blueprint's line, every such problem at once."""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from dataclasses import dataclass

from grader.bank import Item
from grader.blueprint import Blueprint, Section
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


def _shortage(blueprint: Blueprint, index: int, pool: int, left: int) -> Problem:
    section = blueprint.sections[index]
    wanted = (f"第 {index + 1} 部分“{section.title}”需要 {section.count} 道题，"
              f"题库中符合条件（{section.type}，{', '.join(section.areas) or '任意领域'}）的")
    if pool >= section.count:  # enough items, but earlier sections of the same paper took them
        why = f"{wanted} {pool} 道中已有 {pool - left} 道被前面的部分选用，只剩 {left} 道"
        return Problem(blueprint.file, section.line, why)
    return Problem(blueprint.file, section.line, f"{wanted}只有 {pool} 道")


def _section_draws(blueprint: Blueprint, items: Sequence[Item]) -> list[list[list[Item]]]:
    """For each section, the items of each version, taken in the order of one seeded shuffle:
    items no version has yet come first, so versions share items only when the pool is too small."""
    used: list[set[str]] = [set() for _ in range(blueprint.versions)]
    used_by_any: set[str] = set()
    draws: list[list[list[Item]]] = []
    problems: list[Problem] = []
    for index, section in enumerate(blueprint.sections):
        pool = sorted(_pool(section, items, blueprint.banks), key=lambda item: item.id)
        rng = random.Random(f"{blueprint.seed}:{blueprint.id}:{index}")
        rng.shuffle(pool)
        per_version = []
        for version in range(blueprint.versions):
            fresh = [item for item in pool if item.id not in used_by_any]
            shared = [item for item in pool if item.id in used_by_any and item.id not in used[version]]
            if len(fresh) + len(shared) < section.count:
                problems.append(_shortage(blueprint, index, len(pool), len(fresh) + len(shared)))
                break
            chosen = (fresh + shared)[: section.count]
            used[version].update(item.id for item in chosen)
            used_by_any.update(item.id for item in chosen)
            per_version.append(chosen)
        draws.append(per_version)
    if problems:
        raise DrawError(problems)
    return draws


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
