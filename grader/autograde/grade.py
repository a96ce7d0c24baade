"""Scoring a parsed submission against the paper's keys. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from grader.autograde.submission import ParsedSubmission
from grader.paper.store import PaperKeys
from grader.scoring import ItemScore, Verdict, score_answer


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
        return bool(self.tampered) or any(item.verdict is Verdict.INVALID for item in self.items)

    @property
    def problems(self) -> list[str]:
        found = [f"{item.name}: {item.problem}" for item in self.items if item.problem]
        return found + [f"锁定单元格被改动：{grade_id}" for grade_id in self.tampered]


def _response(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else repr(value)


def grade_submission(student: str, submitted_at: datetime | None, parsed: ParsedSubmission,
                     keys: PaperKeys) -> GradedSubmission:
    items = []
    for key in keys.items:
        answer = parsed.answers.get(key.name)
        if answer is None or not answer.literal:
            result = ItemScore(Verdict.INVALID, 0.0, key.points)
            problem = answer.problem if answer else "答题单元格缺失"
        else:
            result = score_answer(key.type, key.key or "", key.options, answer.value, key.points)
            if result.verdict is Verdict.MANUAL and answer.value is None:
                result = ItemScore(Verdict.BLANK, 0.0, key.points)  # as nbgrader: no response, 0
            problem = ""
        items.append(GradedItem(key.position, key.name, key.item_id,
                                _response(answer.value if answer else None),
                                result.verdict, result.score, result.max_score, problem))
    return GradedSubmission(student, submitted_at, tuple(items), parsed.tampered)
