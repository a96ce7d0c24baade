"""grader.autograde.grade: scoring a handed-in paper against the paper's keys."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions, ComputeChecksums

from grader.autograde.grade import GradedSubmission, grade_submission
from grader.autograde.submission import Layout, layout_of, parse_submission
from grader.bank import load_banks
from grader.blueprint import load_blueprint
from grader.paper import Paper, draw_papers, paper_notebook
from grader.paper.store import PaperKey, PaperKeys
from grader.scoring import Verdict, blank_context

DATA = Path(__file__).resolve().parent / "data"
WHEN = datetime(2026, 3, 1, 9, 30)
NAMES = [f"q0{n}" for n in range(1, 8)]


def keys_of(paper: Paper) -> PaperKeys:
    """The keys as the gradebook hands them to autograde (grader.paper.store.load_keys)."""
    return PaperKeys(paper.assignment, paper.blueprint.title, paper.total_points, paper.blueprint.pass_mark,
                     tuple(PaperKey(e.position, e.name, e.item.id, e.item.type, e.points, e.item.letters,
                                    e.item.key, blank_context(e.item.stem) if e.item.type == "fill" else ("", ""))
                           for e in paper.items))


@pytest.fixture(scope="module")
def paper() -> Paper:
    items = load_banks([DATA / "banks" / "small.yaml"])
    return draw_papers(load_blueprint(DATA / "blueprints" / "small.yaml"), items)[0]


@pytest.fixture(scope="module")
def keys(paper: Paper) -> PaperKeys:
    return keys_of(paper)


@pytest.fixture(scope="module")
def released(paper: Paper) -> dict[str, Any]:
    """The paper as nbgrader releases it under qinglian's nbgrader_config.py."""
    nb = nbformat.from_dict(paper_notebook(paper))
    resources: dict[str, Any] = {}
    for step in (ClearSolutions(code_stub={"python": ""}, text_stub=""), ComputeChecksums(), ClearHiddenTests(),
                 ComputeChecksums()):
        nb, resources = step.preprocess(nb, resources)
    result: dict[str, Any] = json.loads(nbformat.writes(nb))
    return result


@pytest.fixture(scope="module")
def layout(released: dict[str, Any], paper: Paper) -> Layout:
    return layout_of(released, paper.assignment)


def hand_in(released: dict[str, Any], sources: dict[str, str], *, stems: dict[str, str] | None = None,
            drop: tuple[str, ...] = ()) -> str:
    """The released notebook with answer cells (and perhaps locked stems) rewritten by a candidate."""
    nb = copy.deepcopy(released)
    changes = {**sources, **(stems or {})}
    nb["cells"] = [c for c in nb["cells"] if c["metadata"]["nbgrader"]["grade_id"] not in drop]
    for c in nb["cells"]:
        grade_id = c["metadata"]["nbgrader"]["grade_id"]
        if grade_id in changes:
            c["source"] = changes[grade_id]
    return json.dumps(nb, ensure_ascii=False)


def typed(answers: dict[str, object]) -> dict[str, str]:
    """Answer cells holding the given literal values (the essay, q07, is markdown text)."""
    return {name: (str(value) if name == "q07" else f"{name} = {value!r}") for name, value in answers.items()}


def key_answers(keys: PaperKeys) -> dict[str, object]:
    """Every key as a candidate would type it."""
    return {k.name: (k.key[0] if isinstance(k.key, tuple) else k.key) for k in keys.items if k.type != "essay"}


def grade(text: str, layout: Layout, keys: PaperKeys) -> GradedSubmission:
    return grade_submission("zhang-san", WHEN, parse_submission(text, layout), keys)


def test_the_small_paper_keys_are_what_the_tests_expect(keys: PaperKeys) -> None:
    assert [(k.name, k.type) for k in keys.items] == [
        ("q01", "single"), ("q02", "single"), ("q03", "multiple"), ("q04", "truefalse"), ("q05", "truefalse"),
        ("q06", "fill"), ("q07", "essay")]
    assert keys.total_points == 18


def test_all_keys_and_an_essay_score_every_auto_point_and_wait_for_the_essay(
        released: dict[str, Any], layout: Layout, keys: PaperKeys) -> None:
    graded = grade(hand_in(released, typed({**key_answers(keys), "q07": "党内监督没有禁区。"})), layout, keys)
    assert (graded.student, graded.submitted_at) == ("zhang-san", WHEN)
    assert [item.verdict for item in graded.items] == [Verdict.CORRECT] * 6 + [Verdict.MANUAL]
    assert graded.auto_score == 12
    assert graded.max_score == 18
    assert graded.items[-1].score is None
    assert graded.items[-1].response == "党内监督没有禁区。"
    assert graded.needs_manual
    assert not graded.flagged
    assert graded.problems == []


def test_sloppy_spellings_of_the_keys_score_as_the_keys(released: dict[str, Any], layout: Layout,
                                                        keys: PaperKeys) -> None:
    sloppy: dict[str, object] = {}
    for key in keys.items:
        if isinstance(key.key, tuple):
            sloppy[key.name] = " " + " ".join(key.key[0])
        elif isinstance(key.key, str):
            sloppy[key.name] = "，".join(chr(ord(c) - ord("A") + ord("ａ")) for c in reversed(key.key))
    graded = grade(hand_in(released, typed(sloppy)), layout, keys)
    assert [item.verdict for item in graded.items][:6] == [Verdict.CORRECT] * 6
    assert graded.auto_score == 12


@pytest.mark.parametrize("answer", ["“清廉”", "《清廉》。", "务实、清廉", "坚持为民、务实、清廉", "「清 廉」"])
def test_a_fill_answer_in_marks_or_repeating_the_words_beside_the_blank_scores(
        released: dict[str, Any], layout: Layout, keys: PaperKeys, paper: Paper, answer: str) -> None:
    fill = next(e for e in paper.items if e.item.type == "fill")
    assert fill.item.stem.endswith("要坚持为民、务实、____。") and fill.item.key == ("清廉",)
    graded = grade(hand_in(released, typed({fill.name: answer})), layout, keys)
    assert next(i for i in graded.items if i.name == fill.name).verdict is Verdict.CORRECT


def test_wrong_and_blank_answers_score_zero_and_an_untouched_essay_is_blank(
        released: dict[str, Any], layout: Layout, keys: PaperKeys) -> None:
    sources = typed({"q01": "Z", "q02": "", "q03": "A", "q04": "正确", "q06": "不知道"})
    graded = grade(hand_in(released, {**sources, "q05": "# 不会\n"}), layout, keys)
    assert [(item.verdict, item.score) for item in graded.items] == [
        (Verdict.WRONG, 0.0), (Verdict.BLANK, 0.0), (Verdict.WRONG, 0.0), (Verdict.WRONG, 0.0),
        (Verdict.BLANK, 0.0), (Verdict.WRONG, 0.0), (Verdict.BLANK, 0.0)]
    assert graded.auto_score == 0
    assert not graded.needs_manual
    assert not graded.flagged


def test_an_answer_that_is_not_a_literal_scores_zero_and_flags_the_submission(
        released: dict[str, Any], layout: Layout, keys: PaperKeys, tmp_path: Path) -> None:
    sentinel = tmp_path / "ran"
    sources = {**typed(key_answers(keys)), "q01": f'q01 = __import__("pathlib").Path("{sentinel}").touch() or "A"'}
    graded = grade(hand_in(released, sources), layout, keys)
    first = graded.items[0]
    assert (first.verdict, first.score, first.max_score, first.response) == (Verdict.INVALID, 0.0, 2.0, None)
    assert graded.auto_score == 10
    assert graded.flagged
    assert [problem.split(":")[0] for problem in graded.problems] == ["q01"]
    assert not sentinel.exists()


def test_a_deleted_answer_cell_is_invalid(released: dict[str, Any], layout: Layout, keys: PaperKeys) -> None:
    graded = grade(hand_in(released, typed(key_answers(keys)), drop=("q06",)), layout, keys)
    assert (graded.items[5].verdict, graded.items[5].score) == (Verdict.INVALID, 0.0)
    assert graded.problems == ["q06: 答题单元格缺失"]
    assert graded.flagged


def test_tampered_cells_flag_the_submission_but_keep_its_scores(released: dict[str, Any], layout: Layout,
                                                                keys: PaperKeys) -> None:
    text = hand_in(released, typed(key_answers(keys)), stems={"q01-stem": "**1.** 送分题（20 分）"})
    graded = grade(text, layout, keys)
    assert graded.auto_score == 12
    assert graded.flagged
    assert graded.tampered == ("q01-stem",)
    assert graded.problems == ["锁定单元格被改动：q01-stem"]


@pytest.mark.parametrize(("value", "response"), [("ab", "ab"), (1, "1"), (None, None), (b"A", "b'A'")])
def test_the_response_is_kept_as_text(released: dict[str, Any], layout: Layout, keys: PaperKeys, value: object,
                                      response: str | None) -> None:
    item = grade(hand_in(released, typed({"q03": value})), layout, keys).items[2]
    assert item.response == response
    assert item.score == 0


def test_items_are_graded_in_paper_order_with_their_item_ids(released: dict[str, Any], layout: Layout,
                                                             keys: PaperKeys) -> None:
    graded = grade(json.dumps(released), layout, keys)
    assert [(i.position, i.name, i.item_id) for i in graded.items] == [
        (k.position, k.name, k.item_id) for k in keys.items]


@settings(max_examples=50)
@given(st.dictionaries(st.sampled_from(NAMES[:6]),
                       st.one_of(st.text(alphabet="ABCDabcd，、 艰苦创业清廉Z\"\\", max_size=6), st.none(),
                                 st.integers(), st.just(...)),
                       max_size=6),
       st.dictionaries(st.sampled_from(NAMES), st.sampled_from(["q0 = 1", "print('A')", "q01 = input()", "（"]),
                       max_size=2))
def test_scores_stay_within_each_items_points(released: dict[str, Any], layout: Layout, keys: PaperKeys,
                                              answers: dict[str, object], junk: dict[str, str]) -> None:
    graded = grade(hand_in(released, {**typed(answers), **junk}), layout, keys)
    for item in graded.items:
        assert item.score is None or 0 <= item.score <= item.max_score
        assert (item.score is None) == (item.verdict is Verdict.MANUAL)
    assert 0 <= graded.auto_score <= graded.max_score - 6  # the essay is never auto-scored
    assert graded.flagged == any(item.verdict is Verdict.INVALID for item in graded.items)


@pytest.mark.parametrize("value", ["\ud800", "A\x00", "B\udfff"], ids=["surrogate", "nul", "trailing-surrogate"])
def test_an_answer_no_database_can_hold_is_kept_as_its_escape_and_flagged(
        released: dict[str, Any], layout: Layout, keys: PaperKeys, value: str) -> None:
    graded = grade(hand_in(released, typed({"q06": value})), layout, keys)
    item = next(i for i in graded.items if i.name == "q06")
    assert item.response is not None and "\\u" in item.response
    assert item.response.encode("utf-8") and "\x00" not in item.response
    assert item.score == 0 and graded.flagged
    assert any(p.startswith("q06:") for p in graded.problems)
