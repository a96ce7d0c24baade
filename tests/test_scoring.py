"""grader.scoring: the grading rules of docs/bank-format.md, shared by qinglian and the hidden tests."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from grader.scoring import (
    ItemScore,
    Verdict,
    blank_context,
    fill_accepted,
    is_blank,
    normalize_choice,
    normalize_fill,
    rules_source,
    score_answer,
)

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "scoring"

LETTERS = "ABCDEFGH"
# What candidates type into a choice answer: letters in both widths and cases, separators, and mistakes.
TYPED = "ABCDEFGHIJXYZabcdefghxyzＡＢＣＨＩａｂｃｈｉ ,，、;；\t\n\u3000.。/1２正确错误"
SEPARATORS = ["", " ", "\t", ",", "，", "、", ";", "；", "\u3000", ", ", " 、 "]


def full_width(letter: str) -> str:
    return chr(ord(letter) - ord("A") + ord("Ａ"))


def spellings(letter: str) -> list[str]:
    """Every way a candidate may type one option letter."""
    return [letter, letter.lower(), full_width(letter), full_width(letter.lower())]


offered_letters = st.integers(min_value=2, max_value=len(LETTERS)).map(lambda n: LETTERS[:n])


@st.composite
def offered_and_key(draw: st.DrawFn) -> tuple[str, str]:
    offered = draw(offered_letters)
    chosen = draw(st.sets(st.sampled_from(offered), min_size=1))
    return offered, "".join(sorted(chosen))


@st.composite
def typed_variant(draw: st.DrawFn, key: str) -> str:
    """The key as a candidate might type it: any case, width, order, repetition and separators."""
    letters = list(key) + draw(st.lists(st.sampled_from(key), max_size=3))
    letters = draw(st.permutations(letters))
    parts = [draw(st.sampled_from(spellings(letter))) for letter in letters]
    out = draw(st.sampled_from(SEPARATORS[:2]))
    for part in parts:
        out += part + draw(st.sampled_from(SEPARATORS))
    return out


answer_values = st.one_of(st.text(max_size=12), st.none(), st.integers(), st.floats(), st.booleans(),
                          st.binary(max_size=4), st.lists(st.text(max_size=2), max_size=3))


# ---- examples from docs/bank-format.md ----

@pytest.mark.parametrize(
    ("value", "offered", "expected"),
    [
        ("A", "ABCD", "A"),
        ("Ａ", "ABCD", "A"),
        ("ａ", "ABCD", "A"),
        ("DCA", "ABCD", "ACD"),
        ("d c a", "ABCD", "ACD"),
        ("A,C，D", "ABCD", "ACD"),
        ("A、C；D;", "ABCD", "ACD"),
        ("ＡＢ\u3000Ｃ", "ABCD", "ABC"),
        ("AAB", "ABCD", "AB"),
        ("\tb\n", "AB", "B"),
        ("E", "ABCD", None),
        ("AE", "ABCD", None),
        ("A.C", "ABCD", None),
        ("A/C", "ABCD", None),
        ("正确", "AB", None),
        ("", "ABCD", None),
        ("，、 ", "ABCD", None),
        (1, "ABCD", None),
        (None, "ABCD", None),
        (["A"], "ABCD", None),
    ],
)
def test_normalize_choice_follows_the_documented_rules(value: object, offered: str, expected: str | None) -> None:
    assert normalize_choice(value, offered) == expected


FILL_TABLE = yaml.safe_load((DATA / "fill_normalisation.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("row", FILL_TABLE, ids=[row["why"] for row in FILL_TABLE])
def test_normalize_fill_follows_the_documented_table(row: dict[str, Any]) -> None:
    assert normalize_fill(row["typed"]) == row["normal"]


@pytest.mark.parametrize("value", [3, None, 2.5, b"abc", ["廉政"]])
def test_a_fill_answer_that_is_not_text_is_no_answer(value: object) -> None:
    assert normalize_fill(value) is None
    assert not fill_accepted(value, ("3", "廉政"))


def _bank_stems() -> dict[str, str]:
    stems = {}
    for path in sorted((REPO / "exams" / "banks").glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]:
            stems[item["id"]] = item["stem"]
    return stems


BESIDE = yaml.safe_load((DATA / "beside_the_blank.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", BESIDE, ids=[case["item"] for case in BESIDE])
def test_an_answer_repeating_the_words_beside_the_blank_scores(case: dict[str, Any]) -> None:
    stem = _bank_stems()[case["item"]]
    key = tuple(normalize_fill(str(answer)) or "" for answer in case["accepted"])
    beside = blank_context(stem)
    for answer in case["right"]:
        assert score_answer("fill", key, "", str(answer), 2.0, beside).verdict is Verdict.CORRECT, answer
    for answer in case["wrong"]:
        assert score_answer("fill", key, "", str(answer), 2.0, beside).verdict is Verdict.WRONG, answer


def test_the_words_beside_the_blank_are_the_stem_around_it_normalised() -> None:
    assert blank_context("根据《实施意见》，实行奖优____。") == ("根据实施意见实行奖优", "")
    assert blank_context("分____个阶段") == ("分", "个阶段")
    assert blank_context("分＿＿个阶段") == ("分", "个阶段")
    assert blank_context("没有空位的题干") == ("", "")


@pytest.mark.parametrize(
    ("accepted", "typed", "right"),
    [
        (("三分之一",), "三分之一", True),
        (("三分之一",), "1/3", False),  # not listed: not equivalent
        (("三分之一", "1/3"), "1/3", True),
        (("三分之一", "1/3"), "１／３", True),
        (("1/3",), "13", False),
        (("0.5",), "05", False),
        (("30%",), "30", False),
    ],
)
def test_equivalent_spellings_count_only_where_the_bank_lists_them(accepted: tuple[str, ...], typed: str,
                                                                   right: bool) -> None:
    key = tuple(normalize_fill(a) or "" for a in accepted)
    assert fill_accepted(typed, key) is right


@pytest.mark.parametrize(
    ("item_type", "key", "offered", "value", "verdict", "score"),
    [
        ("single", "B", "ABCD", "b", Verdict.CORRECT, 2.0),
        ("single", "B", "ABCD", "C", Verdict.WRONG, 0.0),
        ("single", "B", "ABCD", "BC", Verdict.WRONG, 0.0),
        ("multiple", "ACD", "ABCD", "ＤＣＡ", Verdict.CORRECT, 2.0),
        ("multiple", "ACD", "ABCD", "AC", Verdict.WRONG, 0.0),  # missing one: no partial credit
        ("multiple", "ACD", "ABCD", "ABCD", Verdict.WRONG, 0.0),  # one too many
        ("truefalse", "A", "AB", "a", Verdict.CORRECT, 2.0),
        ("truefalse", "A", "AB", "正确", Verdict.WRONG, 0.0),
        ("truefalse", "A", "AB", True, Verdict.WRONG, 0.0),
        ("fill", ("廉政宣誓", "宣誓"), "", " 宣 誓 ", Verdict.CORRECT, 2.0),
        ("fill", ("廉政宣誓",), "", "廉政", Verdict.WRONG, 0.0),
        ("fill", ("2016",), "", 2016, Verdict.WRONG, 0.0),
        ("single", "B", "ABCD", "", Verdict.BLANK, 0.0),
        ("single", "B", "ABCD", " \n", Verdict.BLANK, 0.0),
        ("fill", ("廉政宣誓",), "", None, Verdict.BLANK, 0.0),
    ],
)
def test_score_answer_examples(item_type: str, key: str | tuple[str, ...], offered: str, value: object,
                               verdict: Verdict, score: float) -> None:
    assert score_answer(item_type, key, offered, value, 2.0) == ItemScore(verdict, score, 2.0)


@pytest.mark.parametrize("value", ["", "我的回答", None])
def test_an_essay_always_waits_for_a_human(value: object) -> None:
    assert score_answer("essay", "", "", value, 10.0) == ItemScore(Verdict.MANUAL, None, 10.0)


def test_an_unknown_item_type_is_an_error_not_a_score() -> None:
    with pytest.raises(ValueError, match="unknown item type 'matching'"):
        score_answer("matching", "A", "AB", "A", 1.0)


@pytest.mark.parametrize(("value", "blank"), [(None, True), ("", True), (" \t\n", True), ("A", False),
                                              (0, False), (False, False)])
def test_only_missing_or_whitespace_answers_are_blank(value: object, blank: bool) -> None:
    assert is_blank(value) is blank


# ---- properties ----

@given(st.sampled_from(["single", "multiple", "truefalse", "fill"]), offered_and_key(), answer_values,
       st.floats(min_value=0.5, max_value=100))
def test_a_score_is_never_below_zero_or_above_the_points(item_type: str, offered_key: tuple[str, str],
                                                         value: object, points: float) -> None:
    offered, key = offered_key
    result = score_answer(item_type, (key,) if item_type == "fill" else key, offered, value, points)
    assert result.max_score == points
    assert result.score is not None
    assert result.score in (0.0, points)
    assert (result.score == points) == (result.verdict is Verdict.CORRECT)


@given(st.data())
def test_normalize_choice_is_idempotent(data: st.DataObject) -> None:
    offered, key = data.draw(offered_and_key())
    value = data.draw(st.one_of(st.text(alphabet=TYPED, max_size=12), typed_variant(key)))
    once = normalize_choice(value, offered)
    assert normalize_choice(once, offered) == once


@given(st.text(alphabet=TYPED, max_size=12), offered_letters, st.randoms(use_true_random=False))
def test_normalize_choice_ignores_the_order_of_what_was_typed(value: str, offered: str, rng: random.Random) -> None:
    shuffled = list(value)
    rng.shuffle(shuffled)
    assert normalize_choice("".join(shuffled), offered) == normalize_choice(value, offered)


@given(st.data())
def test_a_correct_key_in_any_case_width_order_or_separators_scores_full(data: st.DataObject) -> None:
    offered, key = data.draw(offered_and_key())
    typed = data.draw(typed_variant(key))
    item_type = "single" if len(key) == 1 else "multiple"
    assert normalize_choice(typed, offered) == key
    assert score_answer(item_type, key, offered, typed, 3.0) == ItemScore(Verdict.CORRECT, 3.0, 3.0)


@given(st.data())
def test_an_answer_with_a_letter_not_offered_scores_zero(data: st.DataObject) -> None:
    offered, key = data.draw(offered_and_key())
    typed = data.draw(typed_variant(key))
    stray = data.draw(st.sampled_from([c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in offered]))
    position = data.draw(st.integers(min_value=0, max_value=len(typed)))
    spoiled = typed[:position] + data.draw(st.sampled_from(spellings(stray))) + typed[position:]
    assert normalize_choice(spoiled, offered) is None
    assert score_answer("multiple", key, offered, spoiled, 3.0) == ItemScore(Verdict.WRONG, 0.0, 3.0)


@given(st.text(alphabet="廉政宣誓清正abcXYZ0123", min_size=1, max_size=8), st.data())
def test_a_fill_answer_scores_full_whatever_its_spacing_width_or_case(accepted: str, data: st.DataObject) -> None:
    typed = ""
    for char in accepted:
        if char.isascii() and char.isalpha():
            char = data.draw(st.sampled_from([char.lower(), char.upper(), full_width(char.upper())]))
        typed += char + data.draw(st.sampled_from(["", "", " ", "\u3000", "\t"]))
    typed = data.draw(st.sampled_from(["", " ", "\n"])) + typed
    key = (normalize_fill(accepted),)
    assert score_answer("fill", key, "", typed, 2.0) == ItemScore(Verdict.CORRECT, 2.0, 2.0)


def _embedded_rules() -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
    namespace: dict[str, Any] = {}
    exec(compile(rules_source(), "<hidden tests>", "exec"), namespace)  # our own source, not a candidate's
    return namespace["normalize_choice"], namespace["normalize_fill"], namespace["fill_accepted"]


# every code point, surrogates and unassigned ones included: what a candidate could send
ANY_CHAR = st.characters(exclude_categories=())
MARKS = "“”‘’\"'「」『』《》〈〉，。、；：！？（）…—·,.;:!?()[]"


@given(answer_values, offered_letters, st.text(ANY_CHAR, max_size=8), st.text(ANY_CHAR, max_size=8))
def test_the_rules_copied_into_hidden_tests_agree_with_qinglian(value: object, offered: str, before: str,
                                                                after: str) -> None:
    choice, fill, accepted = _embedded_rules()
    assert choice(value, offered) == normalize_choice(value, offered)
    assert fill(value) == normalize_fill(value)
    key = (normalize_fill(before) or "x",)
    assert accepted(value, key, before, after) == fill_accepted(value, key, before, after)


@given(st.text(ANY_CHAR, max_size=40))
def test_normalize_fill_is_idempotent_on_any_unicode(value: str) -> None:
    once = normalize_fill(value)
    assert once is None or normalize_fill(once) == once


@given(st.text(ANY_CHAR, max_size=40), st.lists(st.text(ANY_CHAR, max_size=6), max_size=3),
       st.text(ANY_CHAR, max_size=20))
def test_the_fill_rules_never_raise_on_any_unicode(value: str, accepted: list[str], stem: str) -> None:
    key = tuple(normalize_fill(a) or "" for a in accepted)
    before, after = blank_context(stem + "____" + value)
    assert isinstance(fill_accepted(value, key, before, after), bool)
    assert score_answer("fill", key, "", value, 1.0, (before, after)).verdict in (Verdict.CORRECT, Verdict.WRONG,
                                                                                  Verdict.BLANK)


@given(st.text(alphabet="廉政宣誓清正abc0123", min_size=1, max_size=6),
       st.lists(st.sampled_from(MARKS), max_size=3), st.lists(st.sampled_from(MARKS), max_size=3))
def test_marks_around_a_fill_answer_do_not_change_its_score(accepted: str, left: list[str],
                                                            right: list[str]) -> None:
    key = (normalize_fill(accepted) or "",)
    typed = "".join(left) + accepted + "".join(right)
    assert score_answer("fill", key, "", typed, 2.0) == ItemScore(Verdict.CORRECT, 2.0, 2.0)


@given(st.text(alphabet="实行奖优罚劣建立机制", max_size=8), st.text(alphabet="罚劣奖优", min_size=1, max_size=3),
       st.text(alphabet="个阶段执法", max_size=6), st.data())
def test_any_words_beside_the_blank_may_be_repeated_and_nothing_else(before: str, key: str, after: str,
                                                                     data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(before)))
    end = data.draw(st.integers(min_value=0, max_value=len(after)))
    assert fill_accepted(before[cut:] + key + after[:end], (key,), before, after)
    typed = data.draw(st.text(alphabet="实行奖优罚劣建立机制个阶段执法", max_size=12))
    if fill_accepted(typed, (key,), before, after):  # sound: the key, with only the stem's words around it
        start = typed.find(key)
        assert start >= 0
        assert any(before.endswith(typed[:i]) and after.startswith(typed[i + len(key):])
                   for i in range(len(typed)) if typed.startswith(key, i))


def test_the_rules_copied_into_hidden_tests_need_nothing_but_the_standard_library() -> None:
    source = rules_source()
    namespace: dict[str, Any] = {"__builtins__": __builtins__}
    exec(compile(source, "<hidden tests>", "exec"), namespace)
    assert sorted(name for name in namespace if not name.startswith("__")) == ["fill_accepted", "normalize_choice",
                                                                             "normalize_fill"]
    assert "from grader" not in source and "import grader" not in source
