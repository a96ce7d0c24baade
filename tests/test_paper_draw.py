"""grader.paper.draw: a blueprint's papers drawn from the banks, reproducibly, A and B kept apart."""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from grader.bank import AREAS, Item, Source, bank_files, load_banks
from grader.blueprint import Blueprint, BlueprintError, Caps, Section, load_blueprint
from grader.paper.draw import DrawError, Paper, clause_of, draw_papers

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
AREA_NAMES = sorted(AREAS)
TYPES = ("single", "multiple", "truefalse", "fill", "essay")
NO_CAPS = Caps()


def make_item(number: int, item_type: str = "single", area: str = "prison", *, bank: str = "b",
              use: str = "exam", fact: str = "", clause: str = "条款") -> Item:
    return Item(id=f"item-{number:03d}", type=item_type, area=area, stem=f"第 {number} 题", options=(),
                key=None, points=1.0, source=Source("文件", clause), use=use, fact=fact, bank=bank)


def make_blueprint(*sections: Section, versions: int = 2, seed: int = 1, banks: tuple[str, ...] = ("b",),
                   caps: Caps = NO_CAPS) -> Blueprint:
    return Blueprint(id="bp", programme="induction", title="测试", banks=banks, seed=seed, versions=versions,
                     duration_minutes=30, pass_mark=1.0, show_score=True, instructions="", sections=sections,
                     file="bp.yaml", caps=caps)


def ids(paper: Paper) -> list[str]:
    return [entry.item.id for entry in paper.items]


def overlap(papers: list[Paper]) -> set[str]:
    seen: Counter[str] = Counter(i for paper in papers for i in set(ids(paper)))
    return {item_id for item_id, times in seen.items() if times > 1}


@pytest.fixture(scope="module")
def small() -> tuple[Blueprint, tuple[Item, ...]]:
    return load_blueprint(DATA / "blueprints" / "small.yaml"), load_banks([DATA / "banks" / "small.yaml"])


def test_the_small_blueprint_gives_papers_a_and_b(small: tuple[Blueprint, tuple[Item, ...]]) -> None:
    blueprint, items = small
    papers = draw_papers(blueprint, items)
    assert [(p.assignment, p.version) for p in papers] == [("small-a", "A"), ("small-b", "B")]
    for paper in papers:
        assert paper.blueprint is blueprint
        assert paper.total_points == 18
        assert [(s.title, s.type, len(s.items)) for s in paper.sections] == [
            (s.title, s.type, s.count) for s in blueprint.sections]
        assert [(e.position, e.name) for e in paper.items] == [(n, f"q{n:02d}") for n in range(1, 8)]
        for section, drawn in zip(blueprint.sections, paper.sections, strict=True):
            assert all(e.item.type == section.type and e.points == section.points for e in drawn.items)
    assert overlap(papers) == set()


def test_practice_items_never_reach_a_paper(small: tuple[Blueprint, tuple[Item, ...]]) -> None:
    blueprint, items = small
    many = dataclasses.replace(blueprint, versions=2, sections=(Section("单选", "single", 2, 2.0),))
    drawn = {i for paper in draw_papers(many, items) for i in ids(paper)}
    assert drawn == {"small-001", "small-002", "small-003", "small-004"}  # not small-015 (practice)


def test_a_section_draws_only_from_its_areas_and_the_blueprint_banks() -> None:
    items = ([make_item(n, area="prison") for n in range(6)] + [make_item(n, area="party_school") for n in range(6, 12)]
             + [make_item(n, area="prison", bank="other") for n in range(12, 20)])
    blueprint = make_blueprint(Section("警示", "single", 3, 1.0, ("prison",)))
    papers = draw_papers(blueprint, items)
    assert sorted(i for p in papers for i in ids(p)) == [f"item-{n:03d}" for n in range(6)]


def test_too_small_a_pool_is_a_draw_error_naming_the_section() -> None:
    items = [make_item(n, "essay") for n in range(2)]
    blueprint = make_blueprint(Section("简答题", "essay", 3, 10.0))
    with pytest.raises(DrawError, match="第 1 部分“简答题”需要 3 道题，题库中符合条件（essay，任意领域）的只有 2 道"):
        draw_papers(blueprint, items)


def test_versions_share_items_only_when_the_pool_is_too_small_for_both() -> None:
    items = [make_item(n) for n in range(3)]
    papers = draw_papers(make_blueprint(Section("单选", "single", 2, 1.0)), items)
    assert all(len(set(ids(p))) == 2 for p in papers)  # never the same item twice on one paper
    assert len(overlap(papers)) == 1


def test_the_order_the_banks_list_their_items_in_does_not_matter(small: tuple[Blueprint, tuple[Item, ...]]) -> None:
    blueprint, items = small
    shuffled = list(items)
    random.Random(5).shuffle(shuffled)
    assert draw_papers(blueprint, shuffled) == draw_papers(blueprint, items)


def test_another_seed_draws_other_papers() -> None:
    items = [make_item(n) for n in range(40)]
    blueprint = make_blueprint(Section("单选", "single", 10, 1.0))
    assert ids(draw_papers(blueprint, items)[0]) != ids(draw_papers(dataclasses.replace(blueprint, seed=2), items)[0])


# ---- properties ----

@st.composite
def pools_and_blueprints(draw: st.DrawFn) -> tuple[Blueprint, list[Item]]:
    """One section per item type, each pool large enough for every version."""
    versions = draw(st.integers(min_value=1, max_value=4))
    types = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=5, unique=True))
    sections: list[Section] = []
    items: list[Item] = []
    for item_type in types:
        count = draw(st.integers(min_value=1, max_value=4))
        size = draw(st.integers(min_value=versions * count, max_value=versions * count + 5))
        sections.append(Section(item_type, item_type, count, draw(st.sampled_from([1.0, 2.0, 2.5]))))
        for _ in range(size):
            items.append(make_item(len(items), item_type, draw(st.sampled_from(AREA_NAMES))))
    for _ in range(draw(st.integers(0, 3))):
        items.append(make_item(len(items), "single", use="practice"))
    blueprint = make_blueprint(*sections, versions=versions, seed=draw(st.integers(0, 10_000)))
    return blueprint, draw(st.permutations(items))


@settings(max_examples=60)
@given(pools_and_blueprints())
def test_when_the_pool_allows_versions_are_complete_disjoint_and_reproducible(
        case: tuple[Blueprint, list[Item]]) -> None:
    blueprint, items = case
    papers = draw_papers(blueprint, items)
    assert len(papers) == blueprint.versions
    assert overlap(papers) == set()
    for paper in papers:
        assert [len(s.items) for s in paper.sections] == [s.count for s in blueprint.sections]
        assert paper.total_points == blueprint.total_points
        assert all(e.item.use == "exam" for e in paper.items)
    assert draw_papers(blueprint, list(reversed(items))) == papers


@settings(max_examples=60)
@given(st.integers(min_value=1, max_value=3), st.lists(st.tuples(st.integers(1, 3), st.sets(
    st.sampled_from(AREA_NAMES[:3]), max_size=2)), min_size=1, max_size=3), st.integers(3, 15),
    st.integers(0, 1000))
def test_a_paper_never_repeats_an_item_even_when_sections_overlap(versions: int, shapes: list[tuple[int, set[str]]],
                                                                  size: int, seed: int) -> None:
    items = [make_item(n, "single", AREA_NAMES[n % 3]) for n in range(size)]
    blueprint = make_blueprint(*(Section(f"s{k}", "single", count, 1.0, tuple(sorted(areas)))
                                 for k, (count, areas) in enumerate(shapes)), versions=versions, seed=seed)
    try:
        papers = draw_papers(blueprint, items)
    except DrawError:
        return
    for paper in papers:
        assert len(ids(paper)) == len(set(ids(paper))) == sum(count for count, _ in shapes)
        for section, drawn in zip(blueprint.sections, paper.sections, strict=True):
            assert all(not section.areas or e.item.area in section.areas for e in drawn.items)


@st.composite
def facts_and_caps(draw: st.DrawFn) -> tuple[Blueprint, list[Item]]:
    """Items of few facts, clauses and areas (some facts shared across types), sections of any
    size, caps or none: a draw either succeeds within every rule or says why at a section's line."""
    facts = draw(st.integers(1, 8))
    items = [make_item(n, draw(st.sampled_from(TYPES[:3])), draw(st.sampled_from(AREA_NAMES[:3])),
                       fact=f"知识点{draw(st.integers(0, facts - 1))}", clause=f"第{draw(st.integers(1, 4))}条")
             for n in range(draw(st.integers(1, 30)))]
    sections = [Section(f"s{k}", item_type, draw(st.integers(1, 4)), 1.0, line=10 + k)
                for k, item_type in enumerate(draw(st.lists(st.sampled_from(TYPES[:3]), min_size=1, max_size=3)))]
    caps = Caps(clause=draw(st.none() | st.integers(1, 4)), area=draw(st.none() | st.integers(1, 4)),
                areas=draw(st.sampled_from([(), (("prison", 1),)])))
    return make_blueprint(*sections, versions=draw(st.integers(1, 3)), seed=draw(st.integers(0, 99)),
                          caps=caps), items


@settings(max_examples=80)
@given(facts_and_caps())
def test_a_paper_never_holds_two_items_of_one_fact_nor_more_than_its_caps(case: tuple[Blueprint, list[Item]]) -> None:
    blueprint, items = case
    try:
        papers = draw_papers(blueprint, items)
    except DrawError as error:
        event("refused")
        lines = {s.line for s in blueprint.sections}
        assert error.problems and all(p.file == "bp.yaml" and p.line in lines for p in error.problems)
        assert all("需要" in p.message and "道题" in p.message for p in error.problems)
        return
    event("drawn")
    caps = blueprint.caps
    for paper in papers:
        facts = [e.item.fact for e in paper.items]
        assert len(facts) == len(set(facts))
        clauses = Counter(clause_of(e.item) for e in paper.items)
        assert caps.clause is None or max(clauses.values()) <= caps.clause
        for area, n in Counter(e.item.area for e in paper.items).items():
            cap = caps.area_cap(area)
            assert cap is None or n <= cap


def test_a_fact_asked_more_often_than_the_pool_has_other_facts_is_a_draw_error_saying_so() -> None:
    items = [make_item(n, fact="同一知识点" if n < 5 else f"知识点{n}") for n in range(6)]
    blueprint = make_blueprint(Section("单选", "single", 3, 1.0, line=9), versions=1)
    with pytest.raises(DrawError) as caught:
        draw_papers(blueprint, items)
    assert [str(p) for p in caught.value.problems] == [
        "bp.yaml:9: 第 1 部分“单选”需要 3 道题，题库中符合条件（single，任意领域）的 6 道中只有 2 道可用"
        "（4 道与本卷已选题目考同一知识点）"]


def test_caps_per_clause_and_per_area_are_kept_and_named_when_they_cannot_be() -> None:
    items = ([make_item(n, clause="第一条") for n in range(4)]
             + [make_item(n, area="party_school", clause=f"第{n}条") for n in range(4, 8)])
    capped = make_blueprint(Section("单选", "single", 3, 1.0, line=9), versions=1,
                            caps=Caps(clause=1, areas=(("party_school", 2),)))
    (paper,) = draw_papers(capped, items)
    assert Counter(e.item.area for e in paper.items) == {"prison": 1, "party_school": 2}
    tight = dataclasses.replace(capped, caps=Caps(clause=1, area=1))
    with pytest.raises(DrawError) as caught:
        draw_papers(tight, items)
    assert [str(p) for p in caught.value.problems] == [
        "bp.yaml:9: 第 1 部分“单选”需要 3 道题，题库中符合条件（single，任意领域）的 8 道中只有 2 道可用"
        "（3 道所在出处条款已达 caps 的 clause 上限，3 道所在内容领域已达 caps 的 area 上限）"]


def test_the_scarcest_section_is_drawn_first_so_a_cap_does_not_starve_it() -> None:
    singles = [make_item(n, "single", "prison" if n % 2 else "party_school") for n in range(10)]
    essays = [make_item(10 + n, "essay", "prison") for n in range(1)]
    blueprint = make_blueprint(Section("单选", "single", 3, 1.0), Section("简答", "essay", 1, 5.0), versions=1,
                               caps=Caps(areas=(("prison", 1),)))
    (paper,) = draw_papers(blueprint, singles + essays)
    assert [e.item.type for e in paper.items] == ["single"] * 3 + ["essay"]  # paper order stays the blueprint's
    assert [e.item.area for e in paper.items] == ["party_school"] * 3 + ["prison"]


def test_versions_stay_disjoint_when_sections_share_a_large_pool() -> None:
    items = [make_item(n, "single", "prison" if n % 2 else "party_school") for n in range(20)]
    blueprint = make_blueprint(Section("单选（任意）", "single", 2, 1.0),
                               Section("单选（警示）", "single", 2, 1.0, ("prison",)), seed=2)
    assert overlap(draw_papers(blueprint, items)) == set()


def test_more_versions_than_letters_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text("id: many\nprogramme: induction\ntitle: 多套\nbanks: [b]\nversions: 27\nduration_minutes: 30\n"
                    "pass_mark: 1\nsections:\n  - type: single\n    count: 1\n    points: 1\n", encoding="utf-8")
    items = [make_item(n) for n in range(30)]
    with pytest.raises((BlueprintError, DrawError)):
        draw_papers(load_blueprint(path), items)


# ---- the real blueprints and banks ----

@pytest.fixture(scope="module")
def real_items() -> tuple[Item, ...]:
    return load_banks(bank_files([ROOT / "exams" / "banks"]))


@pytest.mark.parametrize("name", ["promotion", "induction"])
def test_the_real_blueprints_draw_complete_disjoint_100_point_papers(name: str, real_items: tuple[Item, ...]) -> None:
    blueprint = load_blueprint(ROOT / "exams" / "blueprints" / f"{name}.yaml")
    papers = draw_papers(blueprint, real_items)
    assert [p.assignment for p in papers] == [f"{name}-a", f"{name}-b"]
    assert overlap(papers) == set()
    for paper in papers:
        assert paper.total_points == 100
        assert [len(s.items) for s in paper.sections] == [s.count for s in blueprint.sections]
        assert len(set(ids(paper))) == sum(s.count for s in blueprint.sections)
        for section, drawn in zip(blueprint.sections, paper.sections, strict=True):
            assert all(e.item.type == section.type for e in drawn.items)
            assert all(not section.areas or e.item.area in section.areas for e in drawn.items)
            assert all(e.item.use == "exam" and e.item.bank in blueprint.banks for e in drawn.items)
    assert draw_papers(blueprint, real_items) == papers


# ---- what the banks cannot supply is reported at the blueprint's line, through `qinglian paper build` ----

ITEM_YAML = {
    "single": "    options: {A: 甲, B: 乙}\n    answer: A\n",
    "multiple": "    options: {A: 甲, B: 乙, C: 丙}\n    answer: AB\n",
    "truefalse": "    answer: true\n",
    "fill": "    answer: [答案]\n",
    "essay": "    rubric: 要点\n",
}


def unlike(*parts: object) -> str:
    """Words no other item's stem resembles (two near-same stems may not share a paper)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def bank_yaml(bank: str, counts: dict[str, int], area: str = "prison") -> str:
    items = "".join(
        f"  - id: {bank}-{item_type}-{n}\n    type: {item_type}\n    area: {area}\n"
        f"    stem: 第 {n} 题 {unlike(bank, item_type, n)}{'____' if item_type == 'fill' else ''}\n"
        f"{ITEM_YAML[item_type]}"
        f"    points: 1\n    source: {{document: 文件, clause: 第{n}条}}\n    fact: {bank}-{item_type}-{n}\n"
        for item_type, count in counts.items() for n in range(count))
    return f"bank: {bank}\ntitle: 题库 {bank}\nitems:\n{items}" if items else f"bank: {bank}\ntitle: 空\nitems: []\n"


def blueprint_yaml(banks: list[str], sections: list[tuple[str, int]], versions: int = 2) -> str:
    """Line 4 names the banks; section k's count is on line 10 + 3k."""
    body = "".join(f"  - type: {item_type}\n    count: {count}\n    points: 1\n" for item_type, count in sections)
    return (f"id: bp\nprogramme: induction\ntitle: 测试\nbanks: [{', '.join(banks)}]\nversions: {versions}\n"
            f"duration_minutes: 30\npass_mark: 1\nsections:\n{body}")


def test_a_section_asking_for_more_than_the_bank_holds_is_reported_at_its_count(tmp_path: Path) -> None:
    path = tmp_path / "blueprint.yaml"
    path.write_text(blueprint_yaml(["b"], [("single", 2), ("essay", 3), ("fill", 9)]), encoding="utf-8")
    bank = tmp_path / "b.yaml"
    bank.write_text(bank_yaml("b", {"single": 4, "essay": 2, "fill": 1}), encoding="utf-8")
    with pytest.raises(DrawError) as caught:
        draw_papers(load_blueprint(path), load_banks([bank]))
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:13: 第 2 部分“简答题”需要 3 道题，题库中符合条件（essay，任意领域）的只有 2 道",
        f"{path}:16: 第 3 部分“填空题”需要 9 道题，题库中符合条件（fill，任意领域）的只有 1 道",
    ]


def test_items_taken_by_an_earlier_section_are_said_to_be_taken() -> None:
    items = [make_item(n) for n in range(4)]
    blueprint = make_blueprint(Section("单选一", "single", 3, 1.0, line=9),
                               Section("单选二", "single", 2, 1.0, line=12))
    with pytest.raises(DrawError) as caught:
        draw_papers(blueprint, items)
    assert [str(p) for p in caught.value.problems] == [
        "bp.yaml:12: 第 2 部分“单选二”需要 2 道题，题库中符合条件（single，任意领域）的"
        " 4 道中只有 1 道可用（3 道已被其他部分选用）"]


def test_a_bank_the_blueprint_names_but_nobody_read_is_reported_at_its_name(tmp_path: Path) -> None:
    path = tmp_path / "blueprint.yaml"
    path.write_text(blueprint_yaml(["b", "nosuch"], [("single", 1)]).replace(
        "banks: [b, nosuch]", "banks:\n  - b\n  - nosuch"), encoding="utf-8")
    with pytest.raises(DrawError) as caught:
        draw_papers(load_blueprint(path), [make_item(1)])
    assert [str(p) for p in caught.value.problems] == [f"{path}:6: 找不到题库 'nosuch'（已读取的题库：b）"]


def run_build(root: Path, blueprint: Path, banks: Path) -> tuple[int, str]:
    from click.testing import CliRunner

    from grader.cli import main

    result = CliRunner().invoke(main, ["paper", "build", str(blueprint), "--banks", str(banks), "--root", str(root)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    from grader.cli import main

    root = tmp_path_factory.mktemp("draw") / "ws"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    return root


@pytest.mark.parametrize(("banks", "sections", "line", "message"), [
    (["b"], [("single", 2), ("truefalse", 5)], 13,
     "第 2 部分“判断题”需要 5 道题，题库中符合条件（truefalse，任意领域）的只有 3 道"),
    (["b", "nosuch"], [("single", 1)], 4, "找不到题库 'nosuch'（已读取的题库：b）"),
], ids=["too-many-items", "missing-bank"])
def test_paper_build_reports_the_blueprint_line_and_exits_1_without_a_traceback(
        workspace: Path, tmp_path: Path, banks: list[str], sections: list[tuple[str, int]], line: int,
        message: str) -> None:
    blueprint = tmp_path / "blueprint.yaml"
    blueprint.write_text(blueprint_yaml(banks, sections), encoding="utf-8")
    (tmp_path / "banks").mkdir()
    (tmp_path / "banks" / "b.yaml").write_text(bank_yaml("b", {"single": 3, "truefalse": 3}), encoding="utf-8")
    code, output = run_build(workspace, blueprint, tmp_path / "banks")
    assert code == 1
    assert f"{blueprint}:{line}: {message}" in output
    assert "Traceback" not in output


@st.composite
def blueprints_against_banks(draw: st.DrawFn) -> tuple[dict[str, dict[str, int]], list[str], list[tuple[str, int]],
                                                       int]:
    """Banks of any size (empty ones too), a blueprint naming some of them (or one that does not
    exist), one section per type asking for any count (0 included, which is itself a mistake)."""
    banks = {f"b{k}": draw(st.fixed_dictionaries({t: st.integers(2, 6) | st.integers(0, 4) for t in TYPES}))
             for k in range(draw(st.integers(1, 3)))}
    named = draw(st.lists(st.sampled_from(list(banks)), min_size=1, max_size=3, unique=True))
    if draw(st.integers(0, 4)) == 0:
        named.insert(draw(st.integers(0, len(named))), "nosuch")
    types = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=5, unique=True))
    sections = [(t, draw(st.integers(1, 3) | st.integers(0, 9))) for t in types]
    return banks, named, sections, draw(st.integers(1, 3))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=blueprints_against_banks())
def test_any_counts_against_any_banks_give_papers_or_errors_at_blueprint_lines(
        workspace: Path, tmp_path_factory: pytest.TempPathFactory,
        case: tuple[dict[str, dict[str, int]], list[str], list[tuple[str, int]], int]) -> None:
    banks, named, sections, versions = case
    folder = tmp_path_factory.mktemp("case")
    (folder / "banks").mkdir()
    for bank, counts in banks.items():
        (folder / "banks" / f"{bank}.yaml").write_text(bank_yaml(bank, counts), encoding="utf-8")
    blueprint = folder / "blueprint.yaml"
    blueprint.write_text(blueprint_yaml(named, sections, versions), encoding="utf-8")
    code, output = run_build(workspace, blueprint, folder / "banks")
    empty = [b for b in named if b in banks and not any(banks[b].values())]  # a bank with no items is refused
    available = {t: sum(banks[b][t] for b in named if b in banks) for t, _ in sections}
    drawn = "nosuch" not in named and not empty and all(count > 0 for _, count in sections)  # reaches the draw
    possible = drawn and all(count <= available[t] for t, count in sections)
    event("papers" if possible else "short" if drawn else "blueprint or bank mistake")
    assert "Traceback" not in output
    if possible:
        assert code == 0, output
        assert output.count("已生成") == versions
        return
    assert code == 1
    lines = blueprint.read_text(encoding="utf-8").splitlines()
    reported = re.findall(rf"({re.escape(str(folder))}\S*?):(\d+): ", output)
    assert reported, output
    for file, line in reported:
        assert 1 <= int(line) <= len(Path(file).read_text(encoding="utf-8").splitlines() or [""])
    for item_type, count in sections:  # every short section is named at its count's line
        if drawn and available[item_type] < count:
            index = [t for t, _ in sections].index(item_type)
            assert f"{blueprint}:{10 + 3 * index}: 第 {index + 1} 部分" in output
            assert lines[9 + 3 * index].strip() == f"count: {count}"


def test_caps_too_tight_for_a_blueprint_are_reported_at_the_section_naming_the_caps_line(tmp_path: Path) -> None:
    path = tmp_path / "blueprint.yaml"
    path.write_text(blueprint_yaml(["b"], [("single", 3)]).replace("sections:", "caps:\n  clause: 1\nsections:"),
                    encoding="utf-8")
    bank = tmp_path / "b.yaml"
    bank.write_text(bank_yaml("b", {"single": 4}).replace("clause: 第1条", "clause: 第0条")
                    .replace("clause: 第2条", "clause: 第0条"), encoding="utf-8")
    with pytest.raises(DrawError) as caught:
        draw_papers(load_blueprint(path), load_banks([bank]))
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:12: 第 1 部分“单项选择题”需要 3 道题，题库中符合条件（single，任意领域）的 4 道中只有 2 道可用"
        "（2 道所在出处条款已达 caps 的 clause 上限；caps 在第 8 行）"]
