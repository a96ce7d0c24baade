"""Banks as GIFT, Moodle's plain-text question format, one `$CATEGORY:` per bank.

Question texts and options are HTML (`[html]`), as in the Moodle XML export; fill answers are plain text, as
Moodle compares them with what a candidate typed. GIFT has no points, tags or grader information: the points,
area and use are written in a comment above each question (Moodle ignores comments), and an essay's rubric
goes into its general feedback with the explanation, fact and source."""

from __future__ import annotations

from collections.abc import Sequence

from grader.authoring.moodle import category_path, feedback, fraction, html_text
from grader.authoring.record import AuthoredBank, Record

SPECIAL = "\\~=#{}:"  # escaped with a backslash wherever they stand in text


def escape(text: str) -> str:
    escaped = "".join(f"\\{ch}" if ch in SPECIAL else ch for ch in text)
    return escaped.replace("\n", "\\n")


def _answers(record: Record) -> str:
    if record.type in ("single", "multiple"):
        parts = []
        for letter, option in zip(record.letters, record.options, strict=True):
            weight = fraction(record, letter)
            if record.type == "single":
                parts.append(("=" if weight == "100" else "~") + escape(html_text(option)))
            else:
                parts.append(f"~%{weight}%{escape(html_text(option))}")
        return "\n".join(parts)
    if record.type == "truefalse":
        return "TRUE" if record.answer else "FALSE"
    if record.type == "fill":
        assert isinstance(record.answer, tuple)
        return "\n".join(f"={escape(accepted)}" for accepted in record.answer if accepted)
    return ""  # essay


def question(record: Record) -> str:
    comment = f"// {record.id}：分值 {record.points:g}，内容领域 {record.area}，用途 {record.use}"
    general = escape(feedback(record, rubric=record.type == "essay"))
    stem = escape(html_text(record.stem))
    answers = _answers(record)  # an essay has none: no empty line, which would end the question
    return f"{comment}\n::{record.id}::[html]{stem}{{\n{answers + chr(10) if answers else ''}####{general}\n}}\n"


def write_gift(banks: Sequence[AuthoredBank]) -> bytes:
    """The GIFT text of banks (UTF-8)."""
    parts = []
    for bank in banks:
        parts.append(f"// qinglian 题库 {bank.id}\n$CATEGORY: {category_path(bank)}\n")
        parts.extend(question(record) for record in bank.records)
    return "\n".join(parts).encode("utf-8")
