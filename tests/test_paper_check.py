"""grader.paper.check and `qinglian paper check`: a paper that gives its own answers away is refused,
naming both items; the shipped blueprints' papers pass, and no clause holds more than 15 % of one."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from grader.bank import Item, Source, bank_files, load_banks
from grader.blueprint import Blueprint, Section, load_blueprint
from grader.cli import main
from grader.paper.check import check_items, check_paper, clash
from grader.paper.draw import Paper, PaperItem, PaperSection, clause_of, draw_papers

ROOT = Path(__file__).resolve().parent.parent
LEAKY = Path(__file__).resolve().parent / "data" / "papers" / "leaky-bank.yaml"
BLUEPRINTS = sorted((ROOT / "exams" / "blueprints").glob("*.yaml"))

# Every pair of the leaky paper (its items in bank order, q01 … q13) that gives an answer away.
LEAKS = [
    "leaky-a: q02（leaky-002） 的题干写出了 q01（leaky-001） 的答案“创业精神教育基地”",
    "leaky-a: q13（leaky-013） 的题干写出了 q01（leaky-001） 的答案“创业精神教育基地”",  # issue 14: induction-a q40
    "leaky-a: q13（leaky-013） 的题干写出了 q02（leaky-002） 的答案“红旗渠”",
    "leaky-a: q05（leaky-005） 的选项 C写出了 q04（leaky-004） 的答案“国家法律法规”",
    "leaky-a: q05（leaky-005） 的选项 B写出了 q13（leaky-013） 的答案“廉洁奉公”",
    "leaky-a: q08（leaky-008） 的题干写出了 q06（leaky-006） 的答案“廉政培训”",  # a true statement
    "leaky-a: q10（leaky-010） 与 q11（leaky-011） 考同一知识点“监督性报道十日内整改”",
    "leaky-a: q10（leaky-010） 与 q12（leaky-012） 题干相同或几乎相同",  # issue 14: promotion-a q6 and q42
]


@pytest.fixture(scope="module")
def leaky_items() -> tuple[Item, ...]:
    return load_banks([LEAKY])


def leaky_blueprint() -> Blueprint:
    return Blueprint(id="leaky", programme="induction", title="泄露答案的试卷", banks=("leaky",), seed=1,
                     versions=1, duration_minutes=30, pass_mark=1.0, show_score=True, instructions="",
                     sections=(Section("全部", "single", 13, 2.0),), file="leaky.yaml")


def leaky_paper(items: tuple[Item, ...]) -> Paper:
    entries = tuple(PaperItem(n, f"q{n:02d}", item, item.points) for n, item in enumerate(items, 1))
    return Paper("leaky-a", leaky_blueprint(), "A", (PaperSection("全部", "single", entries),))


def test_a_paper_built_to_leak_is_refused_naming_both_items_of_every_leak(leaky_items: tuple[Item, ...]) -> None:
    problems = check_paper(leaky_paper(leaky_items))
    assert [str(p) for p in problems] == LEAKS
    assert (problems[0].first, problems[0].second) == ("q01", "q02")


def test_an_option_that_is_just_another_items_answer_or_a_short_answer_elsewhere_is_no_leak(
        leaky_items: tuple[Item, ...]) -> None:
    items = {item.id: item for item in leaky_items}
    assert clash(items["leaky-001"], items["leaky-003"]) is None  # the same four bases offered as choices
    assert clash(items["leaky-007"], items["leaky-009"]) is None  # "一次" in a sentence on another matter
    assert clash(items["leaky-011"], items["leaky-012"]) is None  # "三十日" is not "十日"


def test_the_drawer_never_puts_the_leaky_items_together_in_a_way_the_check_refuses(
        leaky_items: tuple[Item, ...]) -> None:
    blueprint = dataclasses.replace(leaky_blueprint(), sections=(Section("单选", "single", 4, 2.0),
                                                                 Section("判断", "truefalse", 2, 1.0),
                                                                 Section("填空", "fill", 1, 2.0)))
    (paper,) = draw_papers(blueprint, leaky_items)
    assert check_paper(paper) == ()


@st.composite
def item_pairs(draw: st.DrawFn) -> tuple[Item, Item]:
    words = st.text(alphabet="红旗渠监狱警示教育基地十日内整改廉政培训", min_size=1, max_size=12)

    def item(n: int) -> Item:
        kind = draw(st.sampled_from(["single", "truefalse", "fill"]))
        stem = draw(words) + ("____" + draw(words) if kind == "fill" else "")
        options = (("A", draw(words)), ("B", draw(words))) if kind == "single" else ()
        key: str | tuple[str, ...] = {"single": "A", "truefalse": draw(st.sampled_from("AB"))}.get(kind, (draw(words),))
        return Item(id=f"p-{n}", type=kind, area="prison", stem=stem, options=options, key=key, points=1.0,
                    source=Source("文件", "条款"), fact=draw(st.sampled_from(["", "甲", "乙"])))

    return item(1), item(2)


@given(item_pairs())
def test_two_items_clash_whichever_comes_first(pair: tuple[Item, Item]) -> None:
    first, second = pair
    there, back = clash(first, second), clash(second, first)
    assert (there is None) == (back is None)
    assert there is None or back is None or there.kind == back.kind


@pytest.fixture(scope="module")
def shipped_papers() -> list[Paper]:
    items = load_banks(bank_files([ROOT / "exams" / "banks"]))
    return [paper for path in BLUEPRINTS for paper in draw_papers(load_blueprint(path), items)]


def test_every_shipped_blueprints_papers_pass_the_check(shipped_papers: list[Paper]) -> None:
    assert {p.assignment for p in shipped_papers} >= {"induction-a", "induction-b", "promotion-a", "promotion-b"}
    assert [str(problem) for paper in shipped_papers for problem in check_paper(paper)] == []


def test_no_clause_holds_more_than_15_percent_of_a_shipped_paper(shipped_papers: list[Paper]) -> None:
    for paper in shipped_papers:
        clause, most = Counter(clause_of(e.item) for e in paper.items).most_common(1)[0]
        assert most <= 0.15 * len(paper.items), (paper.assignment, clause, most)
        facts = [e.item.fact for e in paper.items]
        assert len(set(facts)) == len(facts) and all(facts)


def test_the_shipped_papers_draw_on_the_laws_and_the_regulations(shipped_papers: list[Paper]) -> None:
    for paper in shipped_papers:
        banks = Counter(e.item.bank for e in paper.items)
        assert banks["laws"] >= 0.25 * len(paper.items) and banks["regulations"] >= 0.2 * len(paper.items), banks


def test_paper_check_passes_the_shipped_blueprints_from_the_command_line() -> None:
    result = CliRunner().invoke(main, ["paper", "check", *map(str, BLUEPRINTS)])
    assert result.exit_code == 0, result.output
    assert "promotion-a：46 道题，没有发现问题" in result.output
    assert "induction-b：41 道题，没有发现问题" in result.output


def test_paper_check_refuses_a_built_paper_that_leaks_listing_every_leak(
        tmp_path: Path, leaky_items: tuple[Item, ...]) -> None:
    from grader.cli.edge import transaction
    from grader.paper.store import record_paper
    from grader.settings import Settings

    root = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    with transaction(Settings.resolve(root, None)) as session:
        record_paper(session, leaky_paper(leaky_items))
    result = CliRunner().invoke(main, ["paper", "check", "leaky-a", "--root", str(root), "--banks", str(LEAKY)])
    assert result.exit_code == 1
    assert result.output.splitlines()[:-1] == LEAKS
    assert "leaky-a：13 道题，8 个问题" in result.output
    unknown = CliRunner().invoke(main, ["paper", "check", "nosuch-a", "--root", str(root)])
    assert unknown.exit_code == 1 and "没有名为 nosuch-a 的试卷" in unknown.output


def test_a_built_paper_is_checked_as_recorded_even_without_its_banks(
        tmp_path: Path, leaky_items: tuple[Item, ...]) -> None:
    """Without the banks the facts are unknown: the stems and options still give leaks away."""
    from grader.cli.edge import transaction
    from grader.paper.store import record_paper, recorded_items
    from grader.settings import Settings

    root = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    with transaction(Settings.resolve(root, None)) as session:
        record_paper(session, leaky_paper(leaky_items))
        problems = check_items("leaky-a", recorded_items(session, "leaky-a", {}))
    assert [str(p) for p in problems] == [line for line in LEAKS if "知识点" not in line]
