"""Grading rules for one answer: pure functions shared by both graders.

The two normalisers are also copied verbatim (via ``inspect.getsource``) into the hidden
tests of every paper, so ``nbgrader autograde`` applies exactly the rules qinglian applies.
They must therefore use nothing but the standard library and be self-contained.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from enum import StrEnum

# The longest answer, in characters, that counts as an answer: the exam room refuses a longer save
# and the grader scores a longer one 0. One constant, so that what the room accepts is graded.
MAX_ANSWER_CHARS = 20_000


def normalize_choice(value: object, offered: str) -> str | None:
    """Canonical letters of a choice answer, or None when it cannot be a valid answer.

    NFKC folds full-width letters, case and separators are ignored, letters are de-duplicated
    and sorted. A letter that is not offered makes the whole answer invalid.
    """
    import unicodedata

    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).upper()
    for separator in " \t\r\n,，、;；":
        text = text.replace(separator, "")
    letters = sorted(set(text))
    if not letters or any(letter not in offered for letter in letters):
        return None
    return "".join(letters)


def normalize_fill(value: object) -> str | None:
    """Canonical text of a fill-in answer: NFKC, no whitespace, case-folded; None if not text."""
    import unicodedata

    if not isinstance(value, str):
        return None
    text = "".join(unicodedata.normalize("NFKC", value).split()).casefold()
    return text or None


class Verdict(StrEnum):
    """What grading made of one answer."""

    CORRECT = "correct"
    WRONG = "wrong"
    BLANK = "blank"
    INVALID = "invalid"  # not a plain literal: scored 0 and flagged for review
    MANUAL = "manual"  # essay: waits for a human grader


@dataclass(frozen=True)
class ItemScore:
    verdict: Verdict
    score: float | None
    max_score: float


CHOICE_TYPES = frozenset({"single", "multiple", "truefalse"})


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def score_answer(item_type: str, key: str | tuple[str, ...], offered: str, value: object,
                 points: float) -> ItemScore:
    """Score one literal answer against its key under the rules above."""
    if item_type == "essay":
        return ItemScore(Verdict.MANUAL, None, points)
    if item_type not in CHOICE_TYPES and item_type != "fill":
        raise ValueError(f"unknown item type {item_type!r}")
    if is_blank(value):
        return ItemScore(Verdict.BLANK, 0.0, points)
    if value == key:  # already canonical: most right answers are
        return ItemScore(Verdict.CORRECT, points, points)
    if item_type in CHOICE_TYPES:
        right = normalize_choice(value, offered) == key
    else:
        answer = normalize_fill(value)
        right = answer is not None and answer in key
    return ItemScore(Verdict.CORRECT if right else Verdict.WRONG, points if right else 0.0, points)


def rules_source() -> str:
    """The normalisers' source, for embedding in hidden tests."""
    return inspect.getsource(normalize_choice) + "\n\n" + inspect.getsource(normalize_fill)
