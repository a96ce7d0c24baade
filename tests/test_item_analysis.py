"""Item analysis: a hand-checked example against textbook formulas, properties under Hypothesis,
the edge cases, and the statistics of really graded submissions (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from nbgrader.api import Gradebook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.autograde import autograde
from grader.gradebook.models import ItemResultRow, ResultRow
from grader.item_analysis import ItemAnalysisError, graded_papers, item_analysis
from grader.item_analysis.stats import (
    BLANK,
    FLAG_LOW,
    FLAG_NEGATIVE,
    FLAG_PENDING,
    FLAG_TOO_EASY,
    FLAG_TOO_HARD,
    INVALID,
    ItemAnalysis,
    ItemSpec,
    PaperResponses,
    Sheet,
    analyse,
    group_size,
)
from grader.item_analysis.text import ratio
from grader.paper.store import PaperKeys
from grader.settings import Settings
from grader.staff.roles import system
from tests.graded_papers import grade_simulated, mark_essays

DATA = Path(__file__).parent / "data" / "item_analysis"
LETTERS = (("A", "甲"), ("B", "乙"), ("C", "丙"), ("D", "丁"))
EXAMPLE_ITEMS = (
    ItemSpec(1, "q1", "ex-single", "single", "单选题", 2.0, LETTERS),
    ItemSpec(2, "q2", "ex-multiple", "multiple", "多选题", 3.0, LETTERS),
    ItemSpec(3, "q3", "ex-truefalse", "truefalse", "判断题", 1.0, (("A", "正确"), ("B", "错误"))),
    ItemSpec(4, "q4", "ex-fill", "fill", "填空题", 2.0),
    ItemSpec(5, "q5", "ex-essay", "essay", "简答题", 10.0),
)


def _example() -> PaperResponses:
    with (DATA / "example.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    sheets = tuple(Sheet(row["student"], tuple(float(row[f"{i.name}_score"]) for i in EXAMPLE_ITEMS),
                         tuple(row[i.name] for i in EXAMPLE_ITEMS)) for row in rows)
    return PaperResponses("example", "手算样例", 10.0, EXAMPLE_ITEMS, sheets)


def _sum_of_products(xs: Sequence[Fraction], ys: Sequence[Fraction]) -> Fraction:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum(((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)), Fraction(0))


def _textbook(columns: list[list[Fraction]]) -> dict[str, object]:
    """The statistics from their definitions, in exact fractions (square roots taken last)."""
    n, k = len(columns[0]), len(columns)
    totals = [sum(row, Fraction(0)) for row in zip(*columns, strict=True)]
    rests = [[t - x for t, x in zip(totals, column, strict=True)] for column in columns]
    var_total = _sum_of_products(totals, totals) / (n - 1)
    alpha = Fraction(k, k - 1) * (1 - sum(_sum_of_products(c, c) / (n - 1) for c in columns) / var_total)
    r = [None if _sum_of_products(c, c) == 0 else
         float(_sum_of_products(c, rest)) / math.sqrt(_sum_of_products(c, c) * _sum_of_products(rest, rest))
         for c, rest in zip(columns, rests, strict=True)]
    de = [None if _sum_of_products(sorted(c), sorted(rest)) == 0 else
          float(_sum_of_products(c, rest) / _sum_of_products(sorted(c), sorted(rest)))
          for c, rest in zip(columns, rests, strict=True)]
    return {"mean": [float(sum(c) / n) for c in columns],
            "sd": [math.sqrt(_sum_of_products(c, c) / (n - 1)) for c in columns],
            "r": r, "de": de, "alpha": float(alpha), "total_mean": float(sum(totals) / n),
            "total_sd": math.sqrt(var_total), "sem": math.sqrt(var_total) * math.sqrt(1 - alpha)}


def _close(actual: float | None, expected: float | None) -> bool:
    return (actual is None and expected is None) or (
        actual is not None and expected is not None and abs(actual - expected) < 1e-9)


def test_hand_computed_example_matches_the_textbook_formulas() -> None:
    data = _example()
    result = analyse(data)
    columns = [[Fraction(str(s.scores[i])) for s in data.sheets] for i in range(len(data.items))]
    expected = _textbook(columns)
    for i, item in enumerate(result.items):
        assert _close(item.mean, expected["mean"][i])  # type: ignore[index]
        assert _close(item.facility, expected["mean"][i] / EXAMPLE_ITEMS[i].max_score)  # type: ignore[index]
        assert _close(item.sd, expected["sd"][i])  # type: ignore[index]
        assert _close(item.discrimination, expected["r"][i]), item.name  # type: ignore[index]
        assert _close(item.efficiency, expected["de"][i]), item.name  # type: ignore[index]
    paper = result.paper
    assert _close(paper.alpha, expected["alpha"])  # type: ignore[arg-type]
    assert _close(paper.mean, expected["total_mean"]) and _close(paper.sd, expected["total_sd"])  # type: ignore[arg-type]
    assert _close(paper.sem, expected["sem"])  # type: ignore[arg-type]


def test_hand_computed_example_values_worked_out_on_paper() -> None:
    # Totals (s1..s8): 16, 15, 14, 10, 9, 8, 6, 4. q3 (true/false, 1 point) scores 0,0,1,1,0,1,1,1, so the rest
    # of the test is 16,15,13,9,9,7,5,3 (sum 77). With n = 8: Sxr = 37 - 5*77/8 = -89/8, Sxx = 5 - 25/8 = 15/8,
    # Srr = 895 - 77^2/8 = 1231/8, so r = -89 / sqrt(15 * 1231) = -89 / sqrt(18465) = -0.65496...
    # q1: 4 of 8 scored 2 of 2 -> facility 0.5; q4: all 8 right -> facility 1, no variance, no r.
    # Pass mark 10: 16, 15, 14 and 10 pass -> 50%. Groups: round(0.27 * 8) = 2, upper s1 s2, lower s7 s8.
    result = analyse(_example())
    assert result.item("q3").discrimination == pytest.approx(-89 / math.sqrt(18465), abs=1e-12)
    assert result.item("q3").facility == pytest.approx(5 / 8, abs=1e-12)
    assert result.item("q1").facility == pytest.approx(0.5, abs=1e-12)
    assert result.item("q4").facility == 1.0 and result.item("q4").discrimination is None
    assert result.paper.pass_rate == pytest.approx(0.5, abs=1e-12)
    assert result.paper.group_size == 2
    assert statistics.correlation([0, 0, 1, 1, 0, 1, 1, 1], [16, 15, 13, 9, 9, 7, 5, 3]) == pytest.approx(
        result.item("q3").discrimination, abs=1e-12)


def test_hand_counted_distractor_tables_by_upper_and_lower_group() -> None:
    result = analyse(_example())
    with (DATA / "example_options.csv").open(encoding="utf-8") as handle:
        expected = [(r["item"], r["option"], int(r["upper"]), int(r["lower"]), int(r["everyone"]))
                    for r in csv.DictReader(handle)]
    actual = [(i.name, o.option, o.upper, o.lower, o.everyone) for i in result.items for o in i.options]
    assert actual == expected
    assert result.item("q4").options == () and result.item("q5").options == ()  # fill and essay: none


def test_example_flags_a_negative_item_and_a_too_easy_one() -> None:
    result = analyse(_example())
    assert result.item("q3").flags == (FLAG_NEGATIVE,)
    assert result.item("q4").flags == (FLAG_TOO_EASY,)
    assert ratio(result.item("q4").discrimination) == "—"


def _paper(columns: Sequence[Sequence[float | None]], specs: Sequence[ItemSpec] | None = None,
           responses: Sequence[Sequence[str | None]] | None = None, pass_mark: float = 1.0) -> PaperResponses:
    specs = specs or [ItemSpec(i + 1, f"q{i + 1}", f"x{i}", "single", "题", 1.0, LETTERS) for i in range(len(columns))]
    n = len(columns[0]) if columns else 0
    answers = responses or [[None] * len(columns) for _ in range(n)]
    sheets = tuple(Sheet(f"c{j:02d}", tuple(c[j] for c in columns), tuple(answers[j])) for j in range(n))
    return PaperResponses("t", "测试", pass_mark, tuple(specs), sheets)


def test_an_item_everyone_gets_right_has_no_discrimination_and_is_too_easy() -> None:
    result = analyse(_paper([[1, 1, 1, 1], [1, 0, 1, 0], [0, 0, 1, 1]]))
    first = result.items[0]
    assert first.discrimination is None and first.efficiency is None and first.sd == 0.0
    assert first.flags == (FLAG_TOO_EASY,)


def test_low_and_hard_flags_use_the_named_thresholds() -> None:
    # item 1: facility 0.1 (hard); item 2 nearly unrelated to the rest (low r, not negative)
    hard = [1] + [0] * 9
    result = analyse(_paper([hard, [1, 0, 1, 0, 1, 0, 1, 0, 1, 0], [1, 1, 0, 0, 1, 1, 0, 0, 1, 1],
                             [1, 0, 1, 1, 0, 1, 1, 0, 0, 1]]))
    assert FLAG_TOO_HARD in result.items[0].flags
    second = result.items[1]
    assert second.discrimination is not None and 0 <= second.discrimination < 0.2
    assert FLAG_LOW in second.flags and FLAG_NEGATIVE not in second.flags


def test_one_candidate_gives_facility_but_no_spread_correlation_or_alpha() -> None:
    result = analyse(_paper([[1], [0]]))
    assert result.items[0].facility == 1.0 and result.items[1].facility == 0.0
    assert all(i.sd is None and i.discrimination is None for i in result.items)
    paper = result.paper
    assert (paper.candidates, paper.sd, paper.alpha, paper.sem, paper.group_size) == (1, None, None, None, 0)


def test_no_candidates_at_all_gives_empty_statistics() -> None:
    result = analyse(_paper([[], []]))
    assert result.paper.candidates == 0 and result.paper.mean is None and result.paper.pass_rate is None
    assert all(i.facility is None and i.mean is None for i in result.items)
    assert all(o.everyone == 0 for o in result.items[0].options)


def test_an_essay_waiting_for_a_grader_is_left_out_of_totals_alpha_and_discrimination() -> None:
    specs = [ItemSpec(1, "q1", "a", "single", "题", 1.0, LETTERS), ItemSpec(2, "q2", "b", "single", "题", 1.0, LETTERS),
             ItemSpec(3, "q3", "c", "essay", "论述", 10.0)]
    pending = analyse(_paper([[1, 0, 1, 0], [1, 0, 0, 1], [8, None, 5, 2]], specs))
    essay = pending.item("q3")
    assert essay.flags[0] == FLAG_PENDING and essay.pending == 1 and essay.scored == 3
    assert essay.facility is None and essay.mean is None and essay.discrimination is None
    assert pending.paper.left_out == ("q3",) and pending.paper.pass_rate is None
    assert pending.paper.max_score == 2.0 and pending.paper.items_in_total == 2
    without = analyse(_paper([[1, 0, 1, 0], [1, 0, 0, 1]], specs[:2]))
    assert pending.paper.alpha == without.paper.alpha
    assert pending.item("q1").discrimination == without.item("q1").discrimination


def test_blank_and_unreadable_answers_are_counted_apart() -> None:
    result = analyse(_paper([[0, 0, 1]], responses=[[""], ["选B"], ["b"]]))
    counts = {o.option: o.everyone for o in result.items[0].options}
    assert counts == {"A": 0, "B": 1, "C": 0, "D": 0, BLANK: 1, INVALID: 1}


@pytest.mark.parametrize(("candidates", "size"), [(0, 0), (1, 0), (2, 1), (3, 1), (6, 2), (8, 2), (10, 3),
                                                  (100, 27)])
def test_upper_and_lower_groups_are_27_percent_rounded(candidates: int, size: int) -> None:
    assert group_size(candidates) == size


TYPES = ("single", "multiple", "truefalse", "fill", "essay")
ANSWERS = st.one_of(st.none(), st.sampled_from(["A", "B", "C", "AC", "bd", "", "  ", "Ｄ", "？", "A，B"]))


@st.composite
def papers(draw: st.DrawFn, dichotomous: bool = False) -> PaperResponses:
    k = draw(st.integers(1, 5))
    n = draw(st.integers(0, 12))
    specs = []
    for i in range(k):
        kind = "single" if dichotomous else draw(st.sampled_from(TYPES))
        top = 1.0 if dichotomous else draw(st.sampled_from([1.0, 2.0, 3.0]))
        options = {"truefalse": (("A", "正确"), ("B", "错误")), "single": LETTERS, "multiple": LETTERS}.get(kind, ())
        specs.append(ItemSpec(i + 1, f"q{i + 1:02d}", f"x{i}", kind, "题", top, options))
    score = {s.name: st.integers(0, int(2 * s.max_score)).map(lambda v: v / 2) for s in specs}
    if dichotomous:
        score = {s.name: st.sampled_from([0.0, 1.0]) for s in specs}
    sheets = []
    for j in range(n):
        scores = tuple(draw(st.one_of(st.none(), score[s.name]) if s.type == "essay" else score[s.name])
                       for s in specs)
        sheets.append(Sheet(f"c{j:03d}", scores, tuple(draw(ANSWERS) for _ in specs)))
    return PaperResponses("h", "性质", draw(st.sampled_from([0.0, 1.0, 2.5])), tuple(specs), tuple(sheets))


def _in(value: float | None, low: float, high: float) -> bool:
    return value is None or low - 1e-9 <= value <= high + 1e-9


@hypothesis_settings(max_examples=300, deadline=None)
@given(papers())
def test_statistics_stay_in_their_ranges(data: PaperResponses) -> None:
    result = analyse(data)
    for item in result.items:
        assert _in(item.facility, 0, 1) and _in(item.discrimination, -1, 1)
        assert _in(item.efficiency, -math.inf, 1)
        for option in item.options:
            assert option.upper <= result.paper.group_size and option.lower <= result.paper.group_size
            assert option.everyone <= len(data.sheets)
        if item.options:  # every candidate is somewhere: an option, blank or invalid
            assert sum(o.everyone for o in item.options) >= len(data.sheets)
            assert sum(o.upper for o in item.options) >= result.paper.group_size
    assert _in(result.paper.alpha, -math.inf, 1) and _in(result.paper.pass_rate, 0, 1)


@hypothesis_settings(max_examples=200, deadline=None)
@given(papers(), st.randoms(use_true_random=False))
def test_the_order_of_candidates_does_not_change_anything(data: PaperResponses, rng: object) -> None:
    shuffled = list(data.sheets)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    again = PaperResponses(data.assignment, data.title, data.pass_mark, data.items, tuple(shuffled))
    assert analyse(again) == analyse(data)


@hypothesis_settings(max_examples=200, deadline=None)
@given(papers(dichotomous=True))
def test_alpha_of_right_or_wrong_items_is_kr20(data: PaperResponses) -> None:
    result: ItemAnalysis = analyse(data)
    n, k = len(data.sheets), len(data.items)
    totals = [sum(s.scores) for s in data.sheets]  # type: ignore[arg-type]
    if n < 3 or k < 2 or len(set(totals)) == 1:
        assert result.paper.alpha is None
        return
    pq = sum(p * (1 - p) for p in (sum(s.scores[i] for s in data.sheets) / n for i in range(k)))  # type: ignore[misc]
    kr20 = k / (k - 1) * (1 - pq / statistics.pvariance(totals))
    assert result.paper.alpha == pytest.approx(kr20, abs=1e-9)


# --- Really graded submissions, read back from the gradebook (SQLite and PostgreSQL) ---

STUDENTS = [f"2026{n:05d}" for n in range(1, 15)]


def _gradebook_columns(engine: Engine, settings: Settings, keys: PaperKeys) -> dict[str, list[float | None]]:
    """Per item name, every student's score read through the ORM rows and nbgrader's own API."""
    with Session(engine) as session:
        rows = session.execute(select(ResultRow.student_id, ItemResultRow.position, ItemResultRow.score)
                               .join(ItemResultRow, ItemResultRow.result_id == ResultRow.id)
                               .where(ResultRow.assignment == keys.assignment, ResultRow.current)).all()
    by_student: dict[str, dict[int, float | None]] = {}
    for student, position, score in rows:
        by_student.setdefault(student, {})[position] = score
    with Gradebook(settings.db_url) as gradebook:
        for student, scores in by_student.items():
            for key in keys.items:
                manual = gradebook.find_grade(key.name if key.type == "essay" else f"{key.name}-test", "paper",
                                              keys.assignment, student).manual_score
                if manual is not None:
                    scores[key.position] = manual
    students = sorted(by_student)
    return {key.name: [by_student[s][key.position] for s in students] for key in keys.items}


def _check_against_gradebook(result: ItemAnalysis, keys: PaperKeys, columns: dict[str, list[float | None]]) -> None:
    complete = [k for k in keys.items if None not in columns[k.name]]
    for key in keys.items:
        known = [x for x in columns[key.name] if x is not None]
        item = result.item(key.name)
        assert item.scored == len(known) and item.pending == len(columns[key.name]) - len(known)
        assert _close(item.facility, statistics.fmean(known) / key.points if item.pending == 0 else None)
    expected = _textbook([[Fraction(str(x)) for x in columns[k.name]] for k in complete])
    assert _close(result.paper.alpha, expected["alpha"])  # type: ignore[arg-type]
    assert _close(result.paper.mean, expected["total_mean"])  # type: ignore[arg-type]
    for index, key in enumerate(complete):
        assert _close(result.item(key.name).discrimination, expected["r"][index])  # type: ignore[index]
    assert result.paper.left_out == tuple(k.name for k in keys.items if k not in complete)


def test_statistics_of_graded_submissions_match_the_gradebook_before_and_after_essays_are_marked(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    assignment = released[0]
    keys = grade_simulated(settings, engine, assignment, STUDENTS)
    with Session(engine) as session:
        before = item_analysis(session, assignment)
    columns = _gradebook_columns(engine, settings, keys)
    essay = next(k.name for k in keys.items if k.type == "essay")
    assert None in columns[essay]  # the essays wait for a grader: left out, flagged
    assert before.paper.candidates == len(STUDENTS) and before.paper.pass_rate is None
    assert FLAG_PENDING in before.item(essay).flags
    _check_against_gradebook(before, keys, columns)

    before_first = columns[keys.items[0].name]
    waiting = [s for s, score in zip(sorted(STUDENTS), columns[essay], strict=True) if score is None]
    mark_essays(settings, keys, {s: float(3 + i % 7) for i, s in enumerate(waiting)})
    first = keys.items[0]
    with Gradebook(settings.db_url) as gradebook:  # a grader overrides an automatic score in formgrader
        grade = gradebook.find_grade(f"{first.name}-test", "paper", assignment, STUDENTS[0])
        grade.manual_score = first.points - (grade.auto_score or 0.0)
        gradebook.db.commit()
    with Session(engine) as session:
        after = item_analysis(session, assignment)
    columns = _gradebook_columns(engine, settings, keys)
    assert columns[first.name][0] == first.points - before_first[0]  # type: ignore[operator]
    _check_against_gradebook(after, keys, columns)
    with Gradebook(settings.db_url) as gradebook:  # nbgrader's own totals
        totals = [float(gradebook.find_submission(assignment, s).score) for s in STUDENTS]
    assert _close(after.paper.mean, statistics.fmean(totals))
    assert _close(after.paper.pass_rate, sum(t >= keys.pass_mark for t in totals) / len(totals))


def test_a_regrade_replaces_results_instead_of_adding_candidates(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    assignment = released[0]
    grade_simulated(settings, engine, assignment, STUDENTS[:6])
    with Session(engine) as session, session.begin():
        autograde(session, settings.root, assignment, actor=system("tester"), workers=1)
    with Session(engine) as session:
        result = item_analysis(session, assignment)
        papers = graded_papers(session)
    assert result.paper.candidates == 6
    assert [(p.assignment, p.candidates) for p in papers] == [(assignment, 6)]


def test_an_unknown_paper_is_named_in_the_error(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(ItemAnalysisError, match="no-such-paper"):
        item_analysis(session, "no-such-paper")
