"""A paper as an nbgrader source notebook (keys inside solution regions and hidden tests)."""

from __future__ import annotations

import copy
import json
from typing import Any

from grader.bank import ITEM_TYPES
from grader.paper.draw import Paper, PaperItem
from grader.scoring import blank_context, rules_source

NOTEBOOK_NAME = "paper"  # every assignment has one notebook: paper.ipynb
ANSWER_HINT = "# 本题由系统自动评分"

# A notebook here is the plain JSON dict nbformat would hold (nbformat 4.5, as nbformat.v4.new_notebook
# makes it): building and writing one needs no nbformat, whose import (jsonschema) takes seconds.
Notebook = dict[str, Any]
Cell = dict[str, Any]


def _nbgrader(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
              points: float | None = None) -> dict[str, object]:
    meta: dict[str, object] = {"grade": grade, "grade_id": grade_id, "locked": locked,
                               "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def _cell(cell_type: str, source: str, nbgrader: dict[str, object], qinglian: dict[str, object] | None = None) -> Cell:
    """A cell as nbformat.v4.new_markdown_cell / new_code_cell make it."""
    metadata: dict[str, object] = {"nbgrader": nbgrader}
    if qinglian:
        metadata["qinglian"] = qinglian
    cell: Cell = {"cell_type": cell_type, "id": "", "metadata": metadata, "source": source}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _markdown(source: str, grade_id: str, **qinglian: object) -> Cell:
    return _cell("markdown", source, _nbgrader(grade_id, locked=True), qinglian)


def _stem(entry: PaperItem) -> str:
    item = entry.item
    lines = [f"**{entry.position}.** {item.stem}（{entry.points:g} 分）"]
    if item.type != "fill" and item.type != "essay":
        lines += [f"{letter}. {text}" for letter, text in item.options]
    return "\n\n".join(lines)


def _hidden_test(entry: PaperItem) -> str:
    item = entry.item
    if item.type == "fill":
        before, after = blank_context(item.stem)
        check = f"assert fill_accepted({entry.name}, {tuple(item.key or ())!r}, {before!r}, {after!r})"
    else:
        check = f"assert normalize_choice({entry.name}, {item.letters!r}) == {item.key!r}"
    return "\n".join([ANSWER_HINT, "### BEGIN HIDDEN TESTS", rules_source(), check,
                      "### END HIDDEN TESTS"])


def _item_cells(entry: PaperItem) -> list[Cell]:
    item = entry.item
    info: dict[str, object] = {"item": item.id, "type": item.type, "options": item.letters,
                               "points": entry.points}
    stem = _markdown(_stem(entry), f"{entry.name}-stem", **info)
    if item.type == "essay":
        answer = _cell("markdown", f"### BEGIN SOLUTION\n评分要点：\n\n{item.rubric}\n### END SOLUTION",
                       _nbgrader(entry.name, grade=True, solution=True, points=entry.points), info)
        return [stem, answer]
    key = json.dumps(_display_key(entry), ensure_ascii=False)
    answer = _cell("code", f'{entry.name} = ""\n### BEGIN SOLUTION\n{entry.name} = {key}\n### END SOLUTION',
                   _nbgrader(entry.name, solution=True), info)
    test = _cell("code", _hidden_test(entry),
                 _nbgrader(f"{entry.name}-test", grade=True, locked=True, points=entry.points))
    return [stem, answer, test]


def _display_key(entry: PaperItem) -> str:
    key = entry.item.key
    return key[0] if isinstance(key, tuple) else str(key)


def _header(paper: Paper) -> str:
    bp = paper.blueprint
    lines = [f"# {bp.title}（{paper.version}卷）", "",
             f"总分 {paper.total_points:g} 分，及格线 {bp.pass_mark:g} 分，考试时长 {bp.duration_minutes} 分钟。"]
    if bp.instructions:
        lines += ["", bp.instructions]
    return "\n".join(lines)


def paper_notebook(paper: Paper) -> Notebook:
    """The nbgrader source notebook of a paper. Pure: the same paper gives the same notebook."""
    cells = [_markdown(_header(paper), "header")]
    for index, section in enumerate(paper.sections, start=1):
        total = sum(e.points for e in section.items)
        cells.append(_markdown(f"## {_chinese_number(index)}、{section.title}"
                               f"（共 {len(section.items)} 题，{total:g} 分）", f"section-{index}"))
        for entry in section.items:
            cells.extend(_item_cells(entry))
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number:03d}"  # stable ids keep rebuilt papers byte-identical
    metadata: dict[str, object] = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}}
    metadata["qinglian"] = {"assignment": paper.assignment, "blueprint": paper.blueprint.id,
                               "programme": paper.blueprint.programme, "version": paper.version,
                               "areas": sorted({e.item.area for e in paper.items}),
                               "types": {t: ITEM_TYPES[t] for t in sorted({e.item.type for e in paper.items})}}
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def notebook_json(nb: Notebook) -> str:
    """The text nbformat.writes gives for a notebook: sources split into lines, keys sorted, indent 1."""
    cells = [{**cell, "source": cell["source"].splitlines(True)} if isinstance(cell["source"], str) else cell
             for cell in nb["cells"]]
    return json.dumps({**nb, "cells": cells}, indent=1, sort_keys=True, separators=(",", ": "),
                      ensure_ascii=False)


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九十"
    return digits[n] if n <= 10 else str(n)

def answered_notebook(released: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    """The released notebook with the answer cells filled in: what a candidate hands in."""
    nb = copy.deepcopy(released)
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        name = meta.get("grade_id")
        if meta.get("solution") and name in answers:
            value = answers[name]
            literal = json.dumps(value, ensure_ascii=False)
            cell["source"] = value if cell["cell_type"] == "markdown" else f"{name} = {literal}"
    return nb
