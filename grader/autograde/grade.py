"""Scoring a parsed submission against the paper's keys. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from grader.autograde.submission import ParsedSubmission
from grader.paper.store import PaperKey, PaperKeys
from grader.scoring import ItemScore, Verdict, score_answer

# what no gradebook can hold: lone surrogates cannot be encoded, PostgreSQL's text refuses NUL
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """The text as every gradebook (and a UTF-8 terminal) can hold it: the characters none can
    written as their escapes, everything else unchanged."""
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@dataclass(frozen=True)
class GradedItem:
    position: int
    name: str
    item_id: str
    response: str | None
    verdict: Verdict
    score: float | None
    max_score: float
    problem: str = ""


@dataclass(frozen=True)
class GradedSubmission:
    student: str
    submitted_at: datetime | None
    items: tuple[GradedItem, ...]
    tampered: tuple[str, ...]
    warnings: tuple[str, ...] = ()  # reasons for review beyond items and locked cells

    @property
    def auto_score(self) -> float:
        return sum(item.score or 0.0 for item in self.items)

    @property
    def max_score(self) -> float:
        return sum(item.max_score for item in self.items)

    @property
    def needs_manual(self) -> bool:
        return any(item.verdict is Verdict.MANUAL for item in self.items)

    @property
    def flagged(self) -> bool:
        return bool(self.tampered or self.warnings) or any(item.verdict is Verdict.INVALID or item.problem
                                                           for item in self.items)

    @property
    def problems(self) -> list[str]:
        found = [f"{item.name}: {item.problem}" for item in self.items if item.problem]
        return found + [f"锁定单元格被改动：{grade_id}" for grade_id in self.tampered] + list(self.warnings)


def _response(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else repr(value)


def _graded_item(key: PaperKey, parsed: ParsedSubmission) -> GradedItem:
    answer = parsed.answers.get(key.name)
    if answer is None or not answer.literal:
        result = ItemScore(Verdict.INVALID, 0.0, key.points)
        problem = answer.problem if answer else "答题单元格缺失"
    else:
        result = score_answer(key.type, key.key or "", key.options, answer.value, key.points, key.beside)
        if result.verdict is Verdict.MANUAL and answer.value is None:
            result = ItemScore(Verdict.BLANK, 0.0, key.points)  # as nbgrader: no response, 0
        problem = ""
    response = _response(answer.value if answer else None)
    if response is not None and _UNSTORABLE.search(response):
        response = storable(response)
        problem = problem or "答案含有无法保存的字符（孤立代理项或 NUL），已按转义形式保存"
    return GradedItem(key.position, key.name, key.item_id, response, result.verdict, result.score,
                      result.max_score, storable(problem))


def grade_submission(student: str, submitted_at: datetime | None, parsed: ParsedSubmission,
                     keys: PaperKeys, warnings: tuple[str, ...] = ()) -> GradedSubmission:
    items = tuple(_graded_item(key, parsed) for key in keys.items)
    return GradedSubmission(student, submitted_at, items, parsed.tampered,
                            tuple(storable(w) for w in parsed.warnings + warnings))
