"""Hypothesis strategies for handed-in notebooks of every shape: a good one with answers whose
score is known, a bad one (any JSON value where a notebook, a cell, its metadata, its nbgrader
metadata or its source belongs; answers with characters no database holds; oversized answers;
duplicated cells; bytes that are not JSON), and good ones with junk where grading must not look
(outputs, ids, notebook metadata)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from grader.autograde.submission import MAX_ANSWER_CHARS
from grader.paper.store import PaperKey, PaperKeys

CHARS = st.characters(exclude_categories=())  # every code point, lone surrogates included
TEXT = st.text(CHARS, max_size=20)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                    max_leaves=8)
UNSTORABLE = st.sampled_from(["\x00", "\ud800", "\udfff", "\udc80"]) | st.characters(categories=["Cs"])
BAD_KINDS = ("file", "bytes", "cell", "metadata", "nbgrader", "source", "unstorable", "huge", "duplicate")
HARMLESS_KINDS = ("outputs", "execution_count", "id", "attachments", "notebook")


def right(key: PaperKey) -> str:
    if key.type == "essay":
        return "党内监督没有禁区、没有例外。"
    return key.key[0] if isinstance(key.key, tuple) else str(key.key)


def wrong(key: PaperKey) -> str:
    if key.type in ("single", "truefalse"):
        return next(letter for letter in key.options if letter != key.key)
    if key.type == "multiple":
        return f"{key.key}Z"  # a letter not offered spoils a right set
    return ""  # a blank fill-in or essay


@dataclass(frozen=True)
class Good:
    answers: dict[str, str]
    expected: float  # the automatic score these answers must get


def good_answers(data: st.DataObject, keys: PaperKeys) -> Good:
    rights = data.draw(st.lists(st.booleans(), min_size=len(keys.items), max_size=len(keys.items)), label="right")
    answers = {k.name: right(k) if ok else wrong(k) for k, ok in zip(keys.items, rights, strict=True)}
    expected = sum(k.points for k, ok in zip(keys.items, rights, strict=True) if ok and k.type != "essay")
    return Good(answers, expected)


def _dump(data: st.DataObject, value: object) -> bytes:
    """As a file: JSON with escapes, or with the characters themselves (then a lone surrogate makes
    the file something other than UTF-8)."""
    escaped = data.draw(st.booleans(), label="ascii")
    return json.dumps(value, ensure_ascii=escaped).encode("utf-8", "surrogatepass")


def _not_text(value: object) -> bool:
    return not isinstance(value, str) and not (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _answer_source(data: st.DataObject, cell: dict[str, Any], text: str) -> str:
    name = cell["metadata"]["nbgrader"]["grade_id"]
    if cell["cell_type"] == "markdown" or data.draw(st.booleans(), label="raw"):
        return text
    return f"{name} = {text!r}"


def bad_notebook(data: st.DataObject, handed_in: dict[str, Any]) -> tuple[str, bytes]:
    """A submission that must be reported (not graded) or graded and flagged for review."""
    kind = data.draw(st.sampled_from(BAD_KINDS), label="bad")
    nb = copy.deepcopy(handed_in)
    cells: list[Any] = nb["cells"]
    i = data.draw(st.integers(0, len(cells) - 1), label="cell")
    answer_cells = [c for c in cells if c["metadata"]["nbgrader"].get("solution")]
    if kind == "file":
        return kind, _dump(data, data.draw(JSON, label="file"))
    if kind == "bytes":
        return kind, data.draw(st.binary(max_size=64), label="bytes")
    if kind == "cell":
        cells[i] = data.draw(JSON.filter(lambda v: v != cells[i]), label="value")
    elif kind == "metadata":
        released = cells[i]["metadata"]["nbgrader"]
        cells[i]["metadata"] = data.draw(
            JSON.filter(lambda v: not (isinstance(v, dict) and v.get("nbgrader") == released)), label="value")
    elif kind == "nbgrader":
        released = cells[i]["metadata"]["nbgrader"]
        cells[i]["metadata"]["nbgrader"] = data.draw(JSON.filter(lambda v: v != released), label="value")
    elif kind == "source":
        cells[i]["source"] = data.draw(JSON.filter(_not_text) | st.lists(JSON, min_size=1).filter(_not_text),
                                       label="value")
    elif kind == "unstorable":
        cell = data.draw(st.sampled_from(answer_cells), label="answer")
        text = data.draw(TEXT, label="before") + data.draw(UNSTORABLE, label="char") + data.draw(TEXT, label="after")
        cell["source"] = _answer_source(data, cell, text)
    elif kind == "huge":
        cell = data.draw(st.sampled_from(answer_cells), label="answer")
        length = data.draw(st.sampled_from([MAX_ANSWER_CHARS + 1, 1_000_000]), label="length")
        cell["source"] = _answer_source(data, cell, "A" * length)
    else:
        cells.insert(i + 1, copy.deepcopy(cells[i]))
    return kind, _dump(data, nb)


def harmless_notebook(data: st.DataObject, handed_in: dict[str, Any]) -> tuple[str, bytes]:
    """The same answers with any JSON where grading must not look: it must grade as handed in."""
    kind = data.draw(st.sampled_from(HARMLESS_KINDS), label="harmless")
    nb = copy.deepcopy(handed_in)
    value = data.draw(JSON, label="junk")
    if kind == "notebook":
        nb[data.draw(st.sampled_from(["metadata", "nbformat", "nbformat_minor", "extra"]), label="key")] = value
    else:
        nb["cells"][data.draw(st.integers(0, len(nb["cells"]) - 1), label="cell")][kind] = value
    return kind, json.dumps(nb, ensure_ascii=True).encode("ascii")
