"""Per-candidate shuffles are reproducible and always map back to the paper's own letters."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from grader.sitting.presentation import PaperItemView, present


def _items(spec: list[tuple[str, int]]) -> list[PaperItemView]:
    items = []
    for position, (kind, count) in enumerate(spec, start=1):
        options = (("A", "正确"), ("B", "错误")) if kind == "truefalse" else tuple(
            (string.ascii_uppercase[i], f"选项{i}") for i in range(count))
        items.append(PaperItemView(position, f"q{position:02d}", kind, f"题{position}", options, 1.0))
    return items


specs = st.lists(st.tuples(st.sampled_from(["single", "multiple", "truefalse"]), st.integers(2, 6)),
                 min_size=1, max_size=12)


@given(specs, st.integers(0, 2**31))
def test_the_same_seed_gives_the_same_paper(spec: list[tuple[str, int]], seed: int) -> None:
    items = _items(spec)
    assert present(items, seed) == present(items, seed)


@given(specs, st.integers(0, 2**31))
def test_every_item_is_shown_once_and_options_map_one_to_one(spec: list[tuple[str, int]], seed: int) -> None:
    items = _items(spec)
    shown = present(items, seed)
    assert sorted(p.item.position for p in shown) == [i.position for i in items]
    assert [p.number for p in shown] == list(range(1, len(items) + 1))
    for p in shown:
        paper_letters = [paper for _, paper in p.shown_to_paper]
        assert sorted(paper_letters) == [letter for letter, _ in p.item.options]
        texts = dict(p.item.options)
        assert all(texts[paper] == dict(p.options)[s] for s, paper in p.shown_to_paper)


@given(specs, st.integers(0, 2**31), st.data())
def test_a_shown_answer_round_trips_through_the_paper_letters(spec: list[tuple[str, int]], seed: int,
                                                               data: st.DataObject) -> None:
    for p in present(_items(spec), seed):
        letters = [s for s, _ in p.options]
        chosen = "".join(sorted(data.draw(st.sets(st.sampled_from(letters), min_size=1))))
        assert p.to_shown(p.to_paper(chosen)) == chosen


def test_true_false_keeps_its_order_and_a_letter_not_offered_is_no_answer() -> None:
    (tf,) = present(_items([("truefalse", 2)]), 7)
    assert tf.options == (("A", "正确"), ("B", "错误"))
    (single,) = present(_items([("single", 3)]), 7)
    assert single.to_paper("Z") == ""
    assert single.to_paper(" ａ ") == single.to_paper("A") != ""
