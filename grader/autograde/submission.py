"""Reading a submitted notebook as data: answers are parsed as literals, never executed."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

from nbformat import from_dict
from nbgrader.utils import compute_checksum

MAX_ANSWER_CHARS = 20_000  # an answer cell longer than this is not an answer
# `qNN = "text"` with no backslash or quote inside: its value is the text itself, so the common
# case needs no parser. Everything else goes through ast.
_PLAIN = re.compile(r'[ \t]*(q\d+)[ \t]*=[ \t]*"([^"\\\n\r]*)"[ \t]*\n?[ \t]*')


@dataclass(frozen=True)
class Answer:
    """One answer as found in the submission. `literal` is False when the cell held anything
    but `name = <constant>`: such an answer scores 0 and is flagged for review."""

    name: str
    value: object
    literal: bool
    problem: str = ""


@dataclass(frozen=True)
class LockedCell:
    checksum: str
    cell_type: str
    source: str
    nbgrader: dict[str, Any]


@dataclass(frozen=True)
class Layout:
    """What the released notebook promised: answer cells by name, locked cells as released."""

    assignment: str
    answers: dict[str, str]  # answer name -> cell type ("code" or "markdown")
    locked: dict[str, LockedCell]  # grade_id -> the released cell


@dataclass(frozen=True)
class ParsedSubmission:
    answers: dict[str, Answer]
    tampered: tuple[str, ...]  # grade_ids of locked cells that were changed or removed
    cells: list[dict[str, Any]]
    text: str  # the file as handed in


class SubmissionError(Exception):
    """The submission cannot be graded at all (broken file, wrong paper)."""


def cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def checksum(cell: dict[str, Any]) -> str:
    node = from_dict({**cell, "source": cell_source(cell)})
    return str(compute_checksum(node))


def layout_of(released: dict[str, Any], assignment: str) -> Layout:
    answers: dict[str, str] = {}
    locked: dict[str, LockedCell] = {}
    for cell in released["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            answers[meta["grade_id"]] = cell["cell_type"]
        elif meta.get("locked"):
            locked[meta["grade_id"]] = LockedCell(meta["checksum"], cell["cell_type"], cell_source(cell), meta)
    return Layout(assignment, answers, locked)


def read_code_answer(source: str, name: str) -> Answer:
    """`name = "B"` gives "B"; anything that is not one assignment of a constant to `name` is
    refused without being run (ast.parse only builds a tree)."""
    if len(source) > MAX_ANSWER_CHARS:
        return Answer(name, None, False, f"答题单元格超过 {MAX_ANSWER_CHARS} 个字符")
    plain = _PLAIN.fullmatch(source)
    if plain and plain.group(1) == name:
        return Answer(name, plain.group(2), True)
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return Answer(name, None, False, f"答题单元格无法解析：{type(error).__name__}")
    if not body:
        return Answer(name, None, True)
    statement = body[0]
    if (len(body) == 1 and isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name) and statement.targets[0].id == name
            and isinstance(statement.value, ast.Constant)):
        return Answer(name, statement.value.value, True)
    return Answer(name, None, False, f"答题单元格不是 {name} = \"…\" 形式的简单赋值，未执行，记 0 分")


def _answer(cell: dict[str, Any], name: str, cell_type: str) -> Answer:
    if cell.get("cell_type") != cell_type:
        return Answer(name, None, False, f"答题单元格类型被改为 {cell.get('cell_type')}")
    source = cell_source(cell)
    if cell_type == "markdown":
        return Answer(name, source.strip() or None, True)
    return read_code_answer(source, name)


def parse_submission(text: str, layout: Layout) -> ParsedSubmission:
    """Parse one submitted notebook's JSON against the released layout."""
    try:
        nb = json.loads(text)
        cells = nb["cells"]
        if not isinstance(cells, list):
            raise TypeError("cells is not a list")
    except (ValueError, KeyError, TypeError) as error:
        raise SubmissionError(f"不是有效的 notebook 文件：{error}") from error
    by_id: dict[str, dict[str, Any]] = {}
    for cell in cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") if isinstance(cell, dict) else None
        if isinstance(grade_id, str):
            by_id.setdefault(grade_id, cell)
    if not any(name in by_id for name in layout.answers):
        raise SubmissionError(f"不是试卷 {layout.assignment} 的答卷：找不到任何答题单元格")
    answers = {name: _answer(by_id[name], name, cell_type) if name in by_id
               else Answer(name, None, False, "答题单元格缺失")
               for name, cell_type in layout.answers.items()}
    tampered = tuple(grade_id for grade_id, expected in layout.locked.items()
                     if grade_id not in by_id or _changed(by_id[grade_id], expected))
    return ParsedSubmission(answers, tampered, cells, text)


def _changed(cell: dict[str, Any], released: LockedCell) -> bool:
    """nbgrader's checksum decides; a cell identical to the released one (source, type and
    nbgrader metadata, everything the checksum covers) is unchanged without hashing."""
    if (cell.get("cell_type") == released.cell_type and cell.get("metadata", {}).get("nbgrader") == released.nbgrader
            and cell_source(cell) == released.source):
        return False
    try:
        return checksum(cell) != released.checksum
    except (KeyError, AttributeError, TypeError, ValueError):
        return True
