"""grader.paper.notebook: a paper as an nbgrader source notebook."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.bank import Item, load_banks
from grader.blueprint import Blueprint, load_blueprint
from grader.paper import NOTEBOOK_NAME, Paper, draw_papers
from grader.paper import paper_notebook as paper_dict
from grader.paper.notebook import notebook_json
from grader.scoring import blank_context, score_answer

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = DATA / "golden" / "small-paper.ipynb"


@pytest.fixture(scope="module")
def blueprint() -> Blueprint:
    return load_blueprint(DATA / "blueprints" / "small.yaml")


@pytest.fixture(scope="module")
def items() -> tuple[Item, ...]:
    return load_banks([DATA / "banks" / "small.yaml"])


@pytest.fixture(scope="module")
def paper(blueprint: Blueprint, items: tuple[Item, ...]) -> Paper:
    return draw_papers(blueprint, items)[0]


def paper_notebook(paper: Paper) -> Any:
    """The paper's notebook as nbformat reads it (attribute access), from the plain dict qinglian builds."""
    return nbformat.from_dict(paper_dict(paper))


def meta(cell: Any) -> dict[str, Any]:
    return dict(cell.metadata.get("nbgrader", {}))


def by_grade_id(nb: Any) -> dict[str, Any]:
    return {meta(cell)["grade_id"]: cell for cell in nb.cells}


def test_the_small_paper_matches_its_golden_notebook(paper: Paper) -> None:
    """Regenerate with QINGLIAN_UPDATE_GOLDEN=1 (see /work/notes/golden.md: once, after bank and drawer changes)."""
    text = notebook_json(paper_dict(paper))
    if os.environ.get("QINGLIAN_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8"), (
        f"{GOLDEN} differs; if the change is intended, rerun with QINGLIAN_UPDATE_GOLDEN=1 and review the diff")


def test_the_notebook_is_written_exactly_as_nbformat_writes_it(paper: Paper) -> None:
    nb = paper_dict(paper)
    assert notebook_json(nb) == nbformat.writes(nbformat.from_dict(nb))
    assert notebook_json(nb) == nbformat.writes(nbformat.reads(notebook_json(nb), as_version=4))


def test_the_notebook_is_a_valid_nbformat_4_notebook(paper: Paper) -> None:
    nb = paper_notebook(paper)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.kernelspec.name == "python3"
    assert NOTEBOOK_NAME == "paper"


def test_the_header_states_title_version_total_pass_mark_duration_and_instructions(paper: Paper) -> None:
    header = paper_notebook(paper).cells[0]
    assert header.source.splitlines() == [
        "# 测试小试卷（A卷）", "", "总分 18 分，及格线 10 分，考试时长 20 分钟。", "",
        "多项选择题多选、少选、错选均不得分；简答题由阅卷人评分。"]
    assert meta(header)["locked"] is True


def test_sections_are_headed_with_chinese_numbers_counts_and_points(paper: Paper) -> None:
    headings = [cell.source for cell in paper_notebook(paper).cells if meta(cell)["grade_id"].startswith("section-")]
    assert headings == ["## 一、单项选择题（共 2 题，4 分）", "## 二、多项选择题（共 1 题，4 分）",
                        "## 三、判断题（共 2 题，2 分）", "## 四、填空题（共 1 题，2 分）",
                        "## 五、简答题（共 1 题，6 分）"]


def test_every_cell_is_an_nbgrader_cell_with_a_unique_grade_id_and_cell_id(paper: Paper) -> None:
    nb = paper_notebook(paper)
    grade_ids = [meta(cell)["grade_id"] for cell in nb.cells]
    assert len(grade_ids) == len(set(grade_ids))
    assert [cell.id for cell in nb.cells] == [f"cell-{n:03d}" for n in range(len(nb.cells))]
    assert all(meta(cell)["schema_version"] == 3 for cell in nb.cells)


def test_each_auto_graded_item_has_a_locked_stem_a_solution_cell_and_a_hidden_test(paper: Paper) -> None:
    cells = by_grade_id(paper_notebook(paper))
    for entry in paper.items:
        stem = cells[f"{entry.name}-stem"]
        assert stem.cell_type == "markdown" and meta(stem)["locked"]
        assert stem.source.startswith(f"**{entry.position}.** {entry.item.stem}（{entry.points:g} 分）")
        assert stem.metadata.qinglian == {"item": entry.item.id, "type": entry.item.type,
                                          "options": entry.item.letters, "points": entry.points}
        answer = cells[entry.name]
        assert meta(answer)["solution"] and not meta(answer)["locked"]
        if entry.item.type == "essay":
            assert answer.cell_type == "markdown"
            assert meta(answer)["grade"] and meta(answer)["points"] == entry.points
            assert entry.item.rubric in answer.source
            assert f"{entry.name}-test" not in cells
            continue
        assert answer.cell_type == "code"
        assert answer.source.splitlines()[0] == f'{entry.name} = ""'  # what the candidate is given
        test = cells[f"{entry.name}-test"]
        assert meta(test)["grade"] and meta(test)["locked"] and meta(test)["points"] == entry.points
        assert "### BEGIN HIDDEN TESTS" in test.source and "### END HIDDEN TESTS" in test.source


def test_choice_stems_list_their_options_and_fill_stems_do_not(paper: Paper) -> None:
    cells = by_grade_id(paper_notebook(paper))
    for entry in paper.items:
        source = cells[f"{entry.name}-stem"].source
        for letter, text in entry.item.options:
            assert f"\n\n{letter}. {text}" in source
        if entry.item.type == "truefalse":
            assert source.endswith("A. 正确\n\nB. 错误")
        if entry.item.type in ("fill", "essay"):
            assert "\n\nA. " not in source


def _run(source: str, namespace: dict[str, Any]) -> None:
    exec(compile(source, "<cell>", "exec"), namespace)  # the generated notebook's own cells, not a candidate's


@pytest.mark.parametrize("version", [0, 1])
def test_the_solution_passes_its_hidden_test_and_a_wrong_answer_fails_it(
        blueprint: Blueprint, items: tuple[Item, ...], version: int) -> None:
    paper = draw_papers(blueprint, items)[version]
    cells = by_grade_id(paper_notebook(paper))
    for entry in paper.items:
        if entry.item.type == "essay":
            continue
        namespace: dict[str, Any] = {}
        _run(cells[entry.name].source, namespace)
        _run(cells[f"{entry.name}-test"].source, namespace)  # the key passes
        key = entry.item.key
        variant = (key[0] if isinstance(key, tuple) else " ".join(reversed(key))).lower()
        _run(cells[f"{entry.name}-test"].source, {entry.name: variant})  # so does a sloppy spelling of it
        for wrong in ("", "Z", "不知道"):
            with pytest.raises(AssertionError):
                _run(cells[f"{entry.name}-test"].source, {entry.name: wrong})


def test_the_notebook_metadata_describes_the_paper(paper: Paper) -> None:
    info = paper_notebook(paper).metadata.qinglian
    assert info["assignment"] == "small-a"
    assert (info["blueprint"], info["programme"], info["version"]) == ("small", "induction", "A")
    assert info["areas"] == sorted({e.item.area for e in paper.items})
    assert info["types"] == {"essay": "简答题", "fill": "填空题", "multiple": "多项选择题", "single": "单项选择题",
                             "truefalse": "判断题"}


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10**6), version=st.sampled_from([0, 1]))
def test_the_same_paper_always_gives_byte_identical_notebooks(blueprint: Blueprint, items: tuple[Item, ...],
                                                              seed: int, version: int) -> None:
    reseeded = dataclasses.replace(blueprint, seed=seed)
    first = notebook_json(paper_dict(draw_papers(reseeded, items)[version]))
    again = notebook_json(paper_dict(draw_papers(reseeded, tuple(reversed(items)))[version]))
    assert first == again


def _hidden_test_passes(source: str, name: str, value: object) -> bool:
    try:
        _run(source, {name: value})
    except AssertionError:
        return False
    return True


MARKS = "“”‘’\"'「」『』《》〈〉，。、；：！？（）…,.;:!? \u3000"


@st.composite
def typed_answers(draw: st.DrawFn, entry: Any) -> str:
    """What a candidate may type for one item: anything at all, or the key dressed in marks, widths,
    case and the words printed beside the blank."""
    key = entry.item.key
    if draw(st.booleans()):
        return draw(st.text(st.characters(exclude_categories=()), max_size=12))
    right = draw(st.sampled_from(key)) if isinstance(key, tuple) else str(key)
    stem = entry.item.stem
    blank = stem.find("____")
    if blank >= 0 and draw(st.booleans()):
        right = stem[blank - draw(st.integers(0, min(blank, 6))):blank] + right + \
            stem[blank + 4:blank + 4 + draw(st.integers(0, 6))]
    marks = st.text(alphabet=MARKS, max_size=2)
    return draw(marks) + draw(st.sampled_from([right, right.lower(), right.upper()])) + draw(marks)


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_the_papers_own_hidden_tests_and_qinglian_agree_on_every_answer(
        paper: Paper, data: st.DataObject) -> None:
    cells = by_grade_id(paper_notebook(paper))
    for entry in paper.items:
        if entry.item.type == "essay":
            continue
        value = data.draw(typed_answers(entry))
        ours = score_answer(entry.item.type, entry.item.key or "", entry.item.letters, value, entry.points,
                            blank_context(entry.item.stem))
        passed = _hidden_test_passes(cells[f"{entry.name}-test"].source, entry.name, value)
        assert passed == (ours.score == entry.points), (entry.name, value)
