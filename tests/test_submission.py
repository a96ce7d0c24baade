"""grader.autograde.submission: a submitted notebook is read as data, never run."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, ClearOutput, ClearSolutions, ComputeChecksums

from grader.autograde.submission import (
    MAX_ANSWER_CHARS,
    Answer,
    Layout,
    SubmissionError,
    checksum,
    layout_of,
    parse_submission,
    read_code_answer,
)
from grader.bank import load_banks
from grader.blueprint import load_blueprint
from grader.paper import draw_papers, paper_notebook

DATA = Path(__file__).resolve().parent / "data"


def released_notebook(version: int) -> dict[str, Any]:
    """The small paper as `nbgrader generate_assignment` releases it under qinglian's nbgrader_config.py
    (answer cells keep only `qNN = ""`, essays start empty, hidden tests removed, checksums recorded)."""
    items = load_banks([DATA / "banks" / "small.yaml"])
    papers = draw_papers(load_blueprint(DATA / "blueprints" / "small.yaml"), items)
    nb = nbformat.from_dict(paper_notebook(papers[version]))
    resources: dict[str, Any] = {}
    for step in (ClearSolutions(code_stub={"python": ""}, text_stub=""), ClearOutput(), ComputeChecksums(),
                 ClearHiddenTests(), ClearMarkScheme(), ComputeChecksums()):
        nb, resources = step.preprocess(nb, resources)
    released: dict[str, Any] = json.loads(nbformat.writes(nb))
    return released


@pytest.fixture(scope="module")
def released() -> dict[str, Any]:
    return released_notebook(0)


@pytest.fixture(scope="module")
def layout(released: dict[str, Any]) -> Layout:
    return layout_of(released, "small-a")


def cell(nb: dict[str, Any], grade_id: str) -> dict[str, Any]:
    (found,) = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id]
    return found


def submit(released: dict[str, Any], **answers: str) -> str:
    """The released notebook with some answer cells' sources replaced, as Jupyter would save it."""
    nb = copy.deepcopy(released)
    for name, source in answers.items():
        cell(nb, name)["source"] = source
    return nbformat.writes(nbformat.from_dict(nb))


def test_the_layout_lists_answer_cells_and_locked_cells(layout: Layout) -> None:
    assert layout.assignment == "small-a"
    assert layout.answers == {"q01": "code", "q02": "code", "q03": "code", "q04": "code", "q05": "code",
                              "q06": "code", "q07": "markdown"}
    assert set(layout.locked) == ({"header"} | {f"section-{n}" for n in range(1, 6)}
                                  | {f"q{n:02d}-stem" for n in range(1, 8)} | {f"q{n:02d}-test" for n in range(1, 7)})


def test_the_released_notebook_untouched_is_all_blank_and_untampered(released: dict[str, Any],
                                                                     layout: Layout) -> None:
    parsed = parse_submission(json.dumps(released), layout)
    assert parsed.tampered == ()
    assert {name: (a.value, a.literal) for name, a in parsed.answers.items()} == {
        "q01": ("", True), "q02": ("", True), "q03": ("", True), "q04": ("", True), "q05": ("", True),
        "q06": ("", True), "q07": (None, True)}


def test_a_notebook_saved_by_jupyter_with_line_lists_is_not_tampered(released: dict[str, Any],
                                                                     layout: Layout) -> None:
    text = submit(released, q01='q01 = "C"\n')
    assert isinstance(json.loads(text)["cells"][0]["source"], list)
    parsed = parse_submission(text, layout)
    assert parsed.tampered == ()
    assert parsed.answers["q01"] == Answer("q01", "C", True)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ('q01 = "B"', "B"),
        ("q01 = 'b'\n", "b"),
        ('# 我的答案\nq01 = "A C"  # 最后确定\n', "A C"),
        ('q01 = "廉政" "宣誓"', "廉政宣誓"),
        ("q01 = 1", 1),
        ("q01 = None", None),
        ("", None),
        ("\n  \n", None),
        ("# 还没想好\n", None),
    ],
    ids=["double-quotes", "single-quotes", "comments", "implicit-concatenation", "number", "none", "empty",
         "whitespace", "only-a-comment"],
)
def test_a_plain_literal_assignment_is_read_as_the_answer(released: dict[str, Any], layout: Layout, source: str,
                                                          value: object) -> None:
    parsed = parse_submission(submit(released, q01=source), layout)
    assert parsed.answers["q01"] == Answer("q01", value, True)
    assert parsed.tampered == ()


@pytest.mark.parametrize(
    "template",
    [
        'import os; os.system("touch {sentinel}")',
        'q01 = __import__("os").system("touch {sentinel}")',
        'q01 = open("{sentinel}", "w").write("B")',
        'exec("open(\'{sentinel}\', \'w\')")\nq01 = "B"',
        'q01 = "B"\nopen("{sentinel}", "w")',
        'q01 = [open("{sentinel}", "w") for _ in "B"][0] and "B"',
        'q01 = "B" if open("{sentinel}", "w") else "A"',
        'q01: str = "B"  # {sentinel}',
        'q01 = q02 = "B"  # {sentinel}',
        'q02 = "B"  # {sentinel}',
        'def q01(): open("{sentinel}", "w")',
        'q01 = f"{{open(\'{sentinel}\', \'w\')}}"',
        '!touch {sentinel}',
        '%%bash\ntouch {sentinel}',
        'q01 = "B',
    ],
    ids=["os-system", "dunder-import", "open-call", "exec", "literal-then-code", "comprehension", "conditional",
         "annotated", "chained", "wrong-name", "def", "f-string", "shell-escape", "cell-magic", "syntax-error"],
)
def test_anything_but_a_literal_assignment_is_refused_without_running_it(
        released: dict[str, Any], layout: Layout, tmp_path: Path, template: str) -> None:
    sentinel = tmp_path / "ran"
    parsed = parse_submission(submit(released, q01=template.format(sentinel=sentinel)), layout)
    answer = parsed.answers["q01"]
    assert (answer.name, answer.value, answer.literal) == ("q01", None, False)
    assert answer.problem
    assert not sentinel.exists()


def test_an_oversized_answer_cell_is_refused(released: dict[str, Any], layout: Layout) -> None:
    source = 'q01 = "' + "A" * MAX_ANSWER_CHARS + '"'
    answer = parse_submission(submit(released, q01=source), layout).answers["q01"]
    assert (answer.value, answer.literal) == (None, False)
    assert str(MAX_ANSWER_CHARS) in answer.problem


def test_an_essay_is_read_as_its_text(released: dict[str, Any], layout: Layout) -> None:
    parsed = parse_submission(submit(released, q07="  党内监督没有禁区、没有例外。\n"), layout)
    assert parsed.answers["q07"] == Answer("q07", "党内监督没有禁区、没有例外。", True)


def test_an_answer_cell_whose_type_was_changed_is_refused(released: dict[str, Any], layout: Layout) -> None:
    nb = copy.deepcopy(released)
    cell(nb, "q01").update(cell_type="markdown", source='q01 = "B"')
    del cell(nb, "q01")["outputs"], cell(nb, "q01")["execution_count"]
    answer = parse_submission(json.dumps(nb), layout).answers["q01"]
    assert (answer.value, answer.literal) == (None, False)
    assert "markdown" in answer.problem


def test_a_deleted_answer_cell_is_reported_missing(released: dict[str, Any], layout: Layout) -> None:
    nb = copy.deepcopy(released)
    nb["cells"].remove(cell(nb, "q02"))
    parsed = parse_submission(json.dumps(nb), layout)
    assert parsed.answers["q02"] == Answer("q02", None, False, "答题单元格缺失")
    assert parsed.answers["q01"].literal


@pytest.mark.parametrize(
    ("grade_id", "change"),
    [
        ("q01-stem", {"source": "**1.** 根据《实施意见》，红旗渠被作为哪一类教育基地？（20 分）"}),
        ("header", {"source": "# 测试小试卷（A卷）\n\n总分 100 分"}),
        ("q03-test", {"source": "# 本题由系统自动评分\nassert True"}),
        ("q02-test", {"metadata": {"nbgrader": {"grade": True, "grade_id": "q02-test", "locked": True,
                                                "points": 20.0, "schema_version": 3, "solution": False,
                                                "task": False}}}),
    ],
    ids=["stem-text", "header", "test-source", "test-points"],
)
def test_a_changed_locked_cell_is_reported_as_tampered(released: dict[str, Any], layout: Layout, grade_id: str,
                                                       change: dict[str, Any]) -> None:
    nb = copy.deepcopy(released)
    target = cell(nb, grade_id)
    if "metadata" in change:
        change["metadata"]["nbgrader"]["checksum"] = target["metadata"]["nbgrader"]["checksum"]
    target.update(change)
    assert parse_submission(json.dumps(nb), layout).tampered == (grade_id,)


def test_a_deleted_locked_cell_is_reported_as_tampered(released: dict[str, Any], layout: Layout) -> None:
    nb = copy.deepcopy(released)
    nb["cells"].remove(cell(nb, "q05-stem"))
    assert parse_submission(json.dumps(nb), layout).tampered == ("q05-stem",)


def test_checksum_matches_nbgrader_for_both_source_forms(released: dict[str, Any]) -> None:
    stem = cell(released, "q01-stem")
    expected = stem["metadata"]["nbgrader"]["checksum"]
    assert checksum(stem) == expected
    assert checksum({**stem, "source": "".join(stem["source"])}) == expected
    assert checksum({**stem, "source": "changed"}) != expected


@pytest.mark.parametrize(
    "text",
    ["", "{", "not json", "[]", "null", "{}", '{"cells": 3}', '{"cells": "q01 = \\"B\\""}', "\x00\x01"],
    ids=["empty", "truncated", "text", "list", "null", "no-cells", "cells-number", "cells-text", "binary"],
)
def test_a_broken_file_cannot_be_graded(layout: Layout, text: str) -> None:
    with pytest.raises(SubmissionError, match="不是有效的 notebook 文件"):
        parse_submission(text, layout)


def test_a_notebook_of_another_course_cannot_be_graded(layout: Layout) -> None:
    other = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 自测练习"),
                                            nbformat.v4.new_code_cell('q01 = "B"')])
    with pytest.raises(SubmissionError, match="不是试卷 small-a 的答卷"):
        parse_submission(nbformat.writes(other), layout)


def test_the_other_version_of_the_paper_is_never_graded_silently(layout: Layout) -> None:
    other = released_notebook(1)  # the B paper handed in for A: same qNN names, other questions
    text = submit(other, q01='q01 = "D"')
    try:
        parsed = parse_submission(text, layout)
    except SubmissionError:
        return
    assert {f"q{n:02d}-stem" for n in range(1, 8)} <= set(parsed.tampered)


@given(st.text(max_size=40))
def test_any_string_literal_is_read_back_exactly(value: str) -> None:
    assert read_code_answer(f"q05 = {value!r}", "q05") == Answer("q05", value, True)


@given(st.text(max_size=60))
def test_reading_any_cell_text_never_raises(source: str) -> None:
    answer = read_code_answer(source, "q01")
    assert answer.name == "q01"
    assert answer.literal or (answer.value is None and answer.problem)


@pytest.mark.parametrize(
    "change",
    [{"metadata": ["nbgrader"]}, {"metadata": {"nbgrader": "q01"}}, {"source": ['q01 = "B"', 7]},
     {"source": {"text": 'q01 = "B"'}}, {"cell_type": ["code"]}],
    ids=["metadata-list", "nbgrader-text", "source-list-with-number", "source-object", "cell-type-list"])
def test_a_malformed_answer_cell_scores_nothing_and_says_why(released: dict[str, Any], layout: Layout,
                                                             change: dict[str, Any]) -> None:
    nb = copy.deepcopy(released)
    cell(nb, "q01").update(change)
    parsed = parse_submission(json.dumps(nb), layout)
    answer = parsed.answers["q01"]
    assert (answer.value, answer.literal) == (None, False) and answer.problem
    assert parsed.answers["q02"].literal


@pytest.mark.parametrize("change", [{"metadata": 3}, {"source": [None]}, {"source": 1.5}],
                         ids=["metadata-number", "source-null-line", "source-number"])
def test_a_malformed_locked_cell_counts_as_tampered(released: dict[str, Any], layout: Layout,
                                                    change: dict[str, Any]) -> None:
    nb = copy.deepcopy(released)
    cell(nb, "q01-stem").update(change)
    assert parse_submission(json.dumps(nb), layout).tampered == ("q01-stem",)


@pytest.mark.parametrize("value", [None, 1, "cells", [1, 2], {"cells": None}], ids=["null", "number", "text",
                                                                                       "list", "cells-null"])
def test_a_notebook_that_is_not_an_object_of_cells_cannot_be_graded(layout: Layout, value: object) -> None:
    with pytest.raises(SubmissionError, match="不是有效的 notebook 文件"):
        parse_submission(json.dumps(value), layout)


def test_a_duplicated_answer_cell_is_read_from_the_last_and_reported(released: dict[str, Any],
                                                                     layout: Layout) -> None:
    nb = copy.deepcopy(released)
    first = cell(nb, "q01")
    twin = {**copy.deepcopy(first), "source": 'q01 = "D"'}
    nb["cells"].append(twin)  # nbgrader's DeduplicateIds keeps the last one too
    parsed = parse_submission(json.dumps(nb), layout)
    assert parsed.answers["q01"] == Answer("q01", "D", True)
    assert parsed.warnings == ("单元格 q01 出现 2 次，按最后一个评分（与 nbgrader 相同）",)


def test_changed_nbgrader_metadata_on_an_answer_cell_is_reported(released: dict[str, Any],
                                                                 layout: Layout) -> None:
    nb = copy.deepcopy(released)
    cell(nb, "q02")["metadata"]["nbgrader"]["points"] = 100
    parsed = parse_submission(json.dumps(nb), layout)
    assert parsed.warnings == ("答题单元格 q02 的 nbgrader 元数据被改动",)


def test_an_oversized_essay_is_refused(released: dict[str, Any], layout: Layout) -> None:
    answer = parse_submission(submit(released, q07="廉" * (MAX_ANSWER_CHARS + 1)), layout).answers["q07"]
    assert (answer.value, answer.literal) == (None, False)
    assert str(MAX_ANSWER_CHARS) in answer.problem
