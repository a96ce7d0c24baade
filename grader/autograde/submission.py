"""Reading a submitted notebook as data: answers are parsed as literals, never executed.

A submission is untrusted JSON of any shape: every level (the notebook, a cell, its metadata, its
source) is checked for its type before it is used, so a malformed part becomes a reason for review
or a SubmissionError, never an exception of another kind."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

import orjson

from grader.scoring import MAX_ANSWER_CHARS as MAX_ANSWER_CHARS  # one limit for the exam room and the grader

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
    raw_source: object = None  # the source as the release holds it (usually a list of lines)


@dataclass(frozen=True)
class Layout:
    """What the released notebook promised: answer cells by name, locked cells as released."""

    assignment: str
    answers: dict[str, str]  # answer name -> cell type ("code" or "markdown")
    locked: dict[str, LockedCell]  # grade_id -> the released cell
    answer_meta: dict[str, dict[str, Any]] | None = None  # answer name -> its released nbgrader metadata


@dataclass(frozen=True)
class ParsedSubmission:
    answers: dict[str, Answer]
    tampered: tuple[str, ...]  # grade_ids of locked cells that were changed or removed
    cells: list[Any]
    text: str  # the file as handed in
    warnings: tuple[str, ...] = ()  # whatever else a person must look at (duplicated cells, …)


class SubmissionError(Exception):
    """The submission cannot be graded at all (broken file, wrong paper)."""


def nbgrader_meta(cell: object) -> dict[str, Any]:
    """A cell's nbgrader metadata, or {} where the cell, its metadata or that entry is not an object."""
    if not isinstance(cell, dict):
        return {}
    metadata = cell.get("metadata")
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def cell_source(cell: dict[str, Any]) -> str | None:
    """The cell's text; None when its source is neither a string nor a list of strings."""
    source = cell.get("source", "")
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return None


def checksum(cell: dict[str, Any]) -> str:
    # only a locked cell that differs from the release gets here: nbgrader loads for it alone
    from nbformat import from_dict
    from nbgrader.utils import compute_checksum

    node = from_dict({**cell, "source": cell_source(cell)})
    return str(compute_checksum(node))


def shown(value: object, limit: int = 40) -> str:
    """A value from the submission as it may appear in a message: short, one line."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def layout_of(released: dict[str, Any], assignment: str) -> Layout:
    answers: dict[str, str] = {}
    answer_meta: dict[str, dict[str, Any]] = {}
    locked: dict[str, LockedCell] = {}
    for cell in released["cells"]:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            answers[meta["grade_id"]] = cell["cell_type"]
            answer_meta[meta["grade_id"]] = meta
        elif meta.get("locked"):
            locked[meta["grade_id"]] = LockedCell(meta["checksum"], cell["cell_type"], cell_source(cell) or "", meta,
                                                  cell.get("source", ""))
    return Layout(assignment, answers, locked, answer_meta)


def read_code_answer(source: str, name: str) -> Answer:
    """`name = "B"` gives "B"; anything that is not one assignment of a constant to `name` is
    refused without being run (ast.parse only builds a tree)."""
    if len(source) > MAX_ANSWER_CHARS:
        return Answer(name, None, False, f"答题单元格超过 {MAX_ANSWER_CHARS} 个字符，记 0 分")
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
        return Answer(name, None, False, f"答题单元格类型被改为 {shown(cell.get('cell_type'))}")
    source = cell_source(cell)
    if source is None:
        return Answer(name, None, False, f"答题单元格的 source 不是文本：{shown(cell.get('source'))}，记 0 分")
    if cell_type == "markdown":
        if len(source) > MAX_ANSWER_CHARS:
            return Answer(name, None, False, f"答题单元格超过 {MAX_ANSWER_CHARS} 个字符，记 0 分")
        return Answer(name, source.strip() or None, True)
    return read_code_answer(source, name)


def _notebook_cells(text: str) -> list[Any]:
    try:
        nb = orjson.loads(text)
    except orjson.JSONDecodeError:
        nb = None  # what orjson refuses (NaN, lone surrogates, huge integers, deep nesting) json may read
    try:
        nb = json.loads(text) if nb is None else nb
    except (ValueError, RecursionError) as error:
        raise SubmissionError(f"不是有效的 notebook 文件：{type(error).__name__}: {error}") from error
    if not isinstance(nb, dict):
        raise SubmissionError(f"不是有效的 notebook 文件：顶层是 {type(nb).__name__}，不是对象")
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise SubmissionError(f"不是有效的 notebook 文件：cells 是 {type(cells).__name__}，不是列表")
    return cells


def _graded_cells(cells: list[Any]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], dict[str, int]]:
    """grade_id -> its last cell and that cell's nbgrader metadata, and how often each repeated
    grade_id appears (nbgrader_meta inlined: this runs for every cell of every submission)."""
    by_id: dict[str, dict[str, Any]] = {}
    metas: dict[str, dict[str, Any]] = {}
    repeated: dict[str, int] = {}
    for cell in cells:
        metadata = cell.get("metadata") if isinstance(cell, dict) else None
        meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if isinstance(grade_id, str):
            if grade_id in by_id:
                repeated[grade_id] = repeated.get(grade_id, 1) + 1
            by_id[grade_id] = cell  # the last one, as nbgrader's DeduplicateIds keeps
            metas[grade_id] = meta  # type: ignore[assignment]  # a dict: grade_id came from it
    return by_id, metas, repeated


def parse_submission(text: str, layout: Layout) -> ParsedSubmission:
    """Parse one submitted notebook's JSON against the released layout."""
    cells = _notebook_cells(text)
    by_id, metas, repeated = _graded_cells(cells)
    if not any(name in by_id for name in layout.answers):
        raise SubmissionError(f"不是试卷 {layout.assignment} 的答卷：找不到任何答题单元格")
    answers = {name: _answer(by_id[name], name, cell_type) if name in by_id
               else Answer(name, None, False, "答题单元格缺失")
               for name, cell_type in layout.answers.items()}
    tampered = tuple(grade_id for grade_id, expected in layout.locked.items()
                     if grade_id not in by_id or _changed(by_id[grade_id], metas[grade_id], expected))
    warnings = [f"单元格 {grade_id} 出现 {repeated[grade_id]} 次，按最后一个评分（与 nbgrader 相同）"
                for grade_id in by_id if grade_id in repeated and (grade_id in layout.answers
                                                                   or grade_id in layout.locked)]
    warnings += [f"答题单元格 {name} 的 nbgrader 元数据被改动" for name, meta in (layout.answer_meta or {}).items()
                 if name in by_id and metas[name] != meta]
    return ParsedSubmission(answers, tampered, cells, text, tuple(warnings))


def _changed(cell: dict[str, Any], meta: dict[str, Any], released: LockedCell) -> bool:
    """nbgrader's checksum decides; a cell identical to the released one (source, type and
    nbgrader metadata, everything the checksum covers) is unchanged without hashing."""
    if (cell.get("cell_type") == released.cell_type and meta == released.nbgrader
            and released.raw_source is not None and cell.get("source", "") == released.raw_source):
        return False  # the common case: the cell as released, compared without joining its lines
    source = cell_source(cell)
    if source is None:
        return True
    if (cell.get("cell_type") == released.cell_type and meta == released.nbgrader
            and source == released.source):
        return False
    try:
        return checksum(cell) != released.checksum
    except Exception:  # whatever nbformat or nbgrader make of a malformed cell, it is not the released one
        return True
