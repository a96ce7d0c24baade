"""Grading rules for one answer: pure functions shared by both graders.

The normalisers and ``fill_accepted`` are also copied verbatim (via ``inspect.getsource``) into the hidden
tests of every paper, so ``nbgrader autograde`` applies exactly the rules qinglian applies.
They must therefore use nothing but the standard library and be self-contained.
"""

from __future__ import annotations

import functools
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
    """Canonical text of a fill-in answer, or None if it is not text or nothing is left.

    NFKC (full-width letters and digits become half-width), case-folded, every whitespace and
    punctuation character deleted: quotation marks (“” ‘’ " ' 「」 『』), book-title marks (《》 〈〉)
    and full- or half-width punctuation, wherever they stand. Kept: ``%`` ``‰`` ``‱``, and ``.``
    ``/`` ``:`` ``-`` between two digits (``0.5``, ``1/3``, ``2015-2020`` keep their meaning).
    The steps are repeated until nothing changes, so the result is its own normal form.
    """
    import unicodedata

    if not isinstance(value, str):
        return None
    text = value
    for _ in range(16):  # NFKC, case folding and deletion can undo each other's normal form
        folded = "".join(unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()).split())
        last = len(folded) - 1
        kept = [char for index, char in enumerate(folded)
                if not unicodedata.category(char).startswith("P") or char in "%\u2030\u2031"
                or (char in "./:-" and 0 < index < last and folded[index - 1].isdecimal()
                    and folded[index + 1].isdecimal())]
        if "".join(kept) == text:
            break
        text = "".join(kept)
    return text or None


def fill_accepted(value: object, accepted: tuple[str, ...], before: str = "", after: str = "") -> bool:
    """True when a fill answer, normalised, is one of the accepted answers (themselves normalised),
    or is one with words printed right beside the blank repeated around it: ``before`` and ``after``
    are the stem's text before and after the blank, normalised (实行奖优____ answered 奖优罚劣).
    Nothing else is equivalent: 三分之一 and 1/3 are both right only if both are accepted."""
    answer = normalize_fill(value)
    if answer is None:
        return False
    if answer in accepted:
        return True
    for key in accepted:
        start = answer.find(key) if key else -1
        while start >= 0:
            if before.endswith(answer[:start]) and after.startswith(answer[start + len(key):]):
                return True
            start = answer.find(key, start + 1)
    return False


def blank_context(stem: str) -> tuple[str, str]:
    """The stem's text before and after its blank (``____``), normalised as answers are: what
    ``fill_accepted`` lets an answer repeat. Empty strings for a stem without a blank."""
    import re

    blank = re.search(r"[_\uff3f]{2,}", stem)
    if blank is None:
        return "", ""
    return normalize_fill(stem[:blank.start()]) or "", normalize_fill(stem[blank.end():]) or ""


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
                 points: float, beside: tuple[str, str] = ("", "")) -> ItemScore:
    """Score one literal answer against its key under the rules above; ``beside`` is a fill item's
    ``blank_context`` (the words an answer may repeat)."""
    if item_type == "essay":
        return ItemScore(Verdict.MANUAL, None, points)
    if item_type not in CHOICE_TYPES and item_type != "fill":
        raise ValueError(f"unknown item type {item_type!r}")
    if is_blank(value):
        return ItemScore(Verdict.BLANK, 0.0, points)
    if value == key or (isinstance(key, tuple) and value in key):  # already canonical: most right answers are
        return ItemScore(Verdict.CORRECT, points, points)
    if item_type in CHOICE_TYPES:
        right = normalize_choice(value, offered) == key
    else:
        right = fill_accepted(value, tuple(key), *beside)
    return ItemScore(Verdict.CORRECT if right else Verdict.WRONG, points if right else 0.0, points)


@functools.cache  # every hidden test embeds it: read the source once, not three tokenisations per item
def rules_source() -> str:
    """The normalisers' source, for embedding in hidden tests."""
    return "\n\n".join(inspect.getsource(rule) for rule in (normalize_choice, normalize_fill, fill_accepted))
