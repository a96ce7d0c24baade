"""Per-candidate presentation: question and option order shuffled from a stored seed, while
what is stored stays canonical (the paper's order and letters). Pure."""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from dataclasses import dataclass

from grader.scoring import normalize_choice


@dataclass(frozen=True)
class PaperItemView:
    """An item as the exam room may know it: no key."""

    position: int
    name: str
    type: str
    stem: str
    options: tuple[tuple[str, str], ...]  # paper letter, text
    points: float


@dataclass(frozen=True)
class PresentedItem:
    number: int  # 1-based, in the candidate's order
    item: PaperItemView
    options: tuple[tuple[str, str], ...]  # shown letter, text
    shown_to_paper: tuple[tuple[str, str], ...]  # shown letter -> paper letter

    def to_paper(self, shown: str) -> str:
        """The canonical answer for what the candidate chose ('' if not a valid choice)."""
        if self.item.type not in ("single", "multiple", "truefalse"):
            return shown
        letters = normalize_choice(shown, "".join(s for s, _ in self.options))
        if letters is None:
            return ""
        mapping = dict(self.shown_to_paper)
        return "".join(sorted(mapping[letter] for letter in letters))

    def to_shown(self, paper: str) -> str:
        if self.item.type not in ("single", "multiple", "truefalse"):
            return paper
        mapping = {p: s for s, p in self.shown_to_paper}
        return "".join(sorted(mapping[letter] for letter in paper if letter in mapping))


def present(items: Sequence[PaperItemView], seed: int) -> list[PresentedItem]:
    """The candidate's paper: sections keep their order (all single choice first, and so on);
    items within a section and options within an item are shuffled. True/false keeps 正确, 错误."""
    rng = random.Random(seed)
    sections: dict[str, list[PaperItemView]] = {}
    for item in sorted(items, key=lambda i: i.position):
        sections.setdefault(item.type, []).append(item)
    presented: list[PresentedItem] = []
    for group in sections.values():
        order = list(group)
        rng.shuffle(order)
        for item in order:
            paper_options = list(item.options)
            if item.type in ("single", "multiple"):
                rng.shuffle(paper_options)
            shown = tuple((string.ascii_uppercase[i], text) for i, (_, text) in enumerate(paper_options))
            mapping = tuple((string.ascii_uppercase[i], letter) for i, (letter, _) in enumerate(paper_options))
            presented.append(PresentedItem(len(presented) + 1, item, shown, mapping))
    return presented
