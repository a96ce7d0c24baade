"""grader.blueprint: reading a programme's exam blueprint and reporting every problem with its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader.blueprint import Blueprint, BlueprintError, Caps, Section, load_blueprint
from grader.yamlfile import Problem

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "exams" / "blueprints"
SMALL = Path(__file__).resolve().parent / "data" / "blueprints" / "small.yaml"

# A valid blueprint; each bad case below replaces one line (or block) of it. Line numbers:
BASE = """\
id: t
programme: induction
title: 测试
banks: [small]
seed: 3
versions: 2
duration_minutes: 30
pass_mark: 6
show_score: false
instructions: 认真作答。
sections:
  - title: 单选
    type: single
    count: 2
    points: 2
    areas: [prison, party_school]
  - type: truefalse
    count: 6
    points: 1
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "blueprint.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(BlueprintError) as caught:
        load_blueprint(path)
    assert str(caught.value).splitlines() == [str(p) for p in caught.value.problems]
    return [str(p) for p in caught.value.problems]


def test_a_valid_blueprint_is_read_with_its_sections(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    assert load_blueprint(path) == Blueprint(
        id="t", programme="induction", title="测试", banks=("small",), seed=3, versions=2,
        duration_minutes=30, pass_mark=6.0, show_score=False, instructions="认真作答。",
        sections=(Section("单选", "single", 2, 2.0, ("prison", "party_school")),
                  Section("判断题", "truefalse", 6, 1.0, ())),
        file=str(path))


def test_a_blueprint_remembers_where_its_banks_and_section_counts_are_written(tmp_path: Path) -> None:
    blueprint = load_blueprint(write(tmp_path, BASE.replace("banks: [small]", "banks:\n  - small\n  - other")))
    assert [s.line for s in blueprint.sections] == [16, 20]
    assert (blueprint.bank_line("small"), blueprint.bank_line("other")) == (5, 6)
    assert load_blueprint(write(tmp_path, BASE)).bank_line("small") == 4


def test_caps_are_read_per_clause_and_per_area_with_every_area_alike_unless_named(tmp_path: Path) -> None:
    capped = BASE.replace("sections:", "caps:\n  clause: 3\n  area:\n    prison: 2\n    local_policy: 4\nsections:")
    caps = load_blueprint(write(tmp_path, capped)).caps
    assert caps == Caps(clause=3, areas=(("prison", 2), ("local_policy", 4)))
    assert caps.line == 11
    assert (caps.area_cap("prison"), caps.area_cap("local_policy"), caps.area_cap("party_school")) == (2, 4, None)
    every = load_blueprint(write(tmp_path, BASE.replace("sections:", "caps: {area: 5}\nsections:"))).caps
    assert (every.clause, every.area_cap("prison"), every.area_cap("party_school")) == (None, 5, 5)
    assert load_blueprint(write(tmp_path, BASE)).caps == Caps()  # no caps: none


def test_the_total_is_the_sum_of_count_times_points(tmp_path: Path) -> None:
    assert load_blueprint(write(tmp_path, BASE)).total_points == 2 * 2 + 6 * 1


def test_a_section_without_title_is_titled_by_its_item_type() -> None:
    blueprint = load_blueprint(SMALL)
    assert [s.title for s in blueprint.sections] == ["单项选择题", "多项选择题", "判断题", "填空题", "简答题"]
    assert blueprint.total_points == 18
    assert blueprint.show_score is True


@pytest.mark.parametrize(("name", "programme", "duration"), [("promotion", "promotion", 90),
                                                               ("induction", "induction", 60)])
def test_the_real_blueprints_load_and_total_100_points(name: str, programme: str, duration: int) -> None:
    blueprint = load_blueprint(REAL / f"{name}.yaml")
    assert (blueprint.id, blueprint.programme) == (name, programme)
    assert blueprint.total_points == 100
    assert blueprint.pass_mark == 60
    assert blueprint.versions == 2
    assert blueprint.duration_minutes == duration
    assert set(blueprint.banks) == {"anyang-bases", "anyang-policy", "regulations", "laws"}
    n = sum(s.count for s in blueprint.sections)
    assert blueprint.caps.clause is not None and blueprint.caps.clause <= 0.15 * n  # no clause above 15 %


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("programme: induction", "programme: training",
         ["2: programme 应为 induction 或 promotion，而不是 'training'"]),
        ("id: t", "id: ''", ["1: 缺少 id"]),
        ("title: 测试", "title:", ["3: 缺少 title"]),
        ("banks: [small]", "banks: small", ["4: banks 应为题库编号列表"]),
        ("versions: 2", "versions: 0", ["6: versions 应为正整数，而不是 0"]),
        ("duration_minutes: 30", "duration_minutes: 1.5", ["7: duration_minutes 应为正整数，而不是 1.5"]),
        ("pass_mark: 6", "pass_mark: 及格", ["8: pass_mark 应为正数，而不是 '及格'"]),
        ("pass_mark: 6", "pass_mark: 11", ["8: 及格线 11 高于总分 10"]),
        ("show_score: false", "show_score: false\nshuffle: true", ["10: 未知字段 'shuffle'"]),
        ("show_score: false", "show_score: false\ncaps: 5",
         ["10: caps 应为键值映射（clause: 每个出处条款最多几题, area: …）"]),
        ("show_score: false", "show_score: false\ncaps:\n  clause: 0",
         ["11: caps 的 clause 应为正整数（每份试卷最多几题），而不是 0"]),
        ("show_score: false", "show_score: false\ncaps:\n  clause: 五",
         ["11: caps 的 clause 应为正整数（每份试卷最多几题），而不是 '五'"]),
        ("show_score: false", "show_score: false\ncaps:\n  clause: 3\n  fact: 1",
         ["12: caps 中未知字段 'fact'（可用 clause, area）"]),
        ("show_score: false", "show_score: false\ncaps:\n  area:\n    prison: 3\n    anti_corruption: 2",
         ["13: caps 中未知领域 'anti_corruption'"]),
        ("show_score: false", "show_score: false\ncaps:\n  area:\n    prison: -1",
         ["12: caps 的 prison 应为正整数（每份试卷最多几题），而不是 -1"]),
        ("show_score: false", "show_score: false\ncaps:\n  area: 2.5",
         ["11: caps 的 area 应为正整数（每份试卷最多几题），而不是 2.5"]),
        ("    type: single", "    type: choice",
         ["13: 未知题型 'choice'（可用 single, multiple, truefalse, fill, essay）"]),
        ("    count: 2", "    count: 0", ["14: count 应为正整数，而不是 0"]),
        ("    points: 2", "    points: -2", ["15: points 应为正数，而不是 -2"]),
        ("    areas: [prison, party_school]", "    areas: [prison, anti_corruption]",
         ["16: 未知领域 'anti_corruption'"]),
        ("    areas: [prison, party_school]", "    area: prison", ["16: 未知字段 'area'"]),
        ("  - type: truefalse\n    count: 6\n    points: 1\n", "  - 判断题\n",
         ["17: section 应为键值映射（title, type, count, points）"]),
    ],
    ids=["programme", "id", "title", "banks", "versions", "duration", "pass-mark-text", "pass-mark-above-total",
         "unknown-field", "caps-not-mapping", "caps-clause-zero", "caps-clause-text", "caps-unknown-field",
         "caps-unknown-area", "caps-area-negative", "caps-area-float", "section-type", "section-count",
         "section-points", "section-area", "section-unknown-field", "section-not-mapping"],
)
def test_a_bad_blueprint_reports_the_problem_with_its_line(tmp_path: Path, old: str, new: str,
                                                           expected: list[str]) -> None:
    assert old in BASE
    path = write(tmp_path, BASE.replace(old, new, 1))
    assert problems_of(path) == [f"{path}:{line}" for line in expected]


def test_every_problem_in_a_blueprint_is_reported_together(tmp_path: Path) -> None:
    path = write(tmp_path, textwrap.dedent("""\
        id: t
        programme: training
        banks: []
        versions: 2
        duration_minutes: 0
        pass_mark: 60
        sections:
          - type: essays
            count: 1
            points: 10
        """))
    assert sorted(problems_of(path)) == sorted([
        f"{path}:1: 缺少 title",
        f"{path}:2: programme 应为 induction 或 promotion，而不是 'training'",
        f"{path}:3: banks 应为题库编号列表",
        f"{path}:8: 未知题型 'essays'（可用 single, multiple, truefalse, fill, essay）",
        f"{path}:5: duration_minutes 应为正整数，而不是 0",
    ])


def test_a_blueprint_without_sections_is_refused(tmp_path: Path) -> None:
    text = BASE[: BASE.index("sections:")] + "sections: []\n"
    path = write(tmp_path, text)
    assert problems_of(path) == [f"{path}:11: sections 应为非空列表"]


def test_a_blueprint_with_a_syntax_error_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("title: 测试", "title: 测试: 第一期"))
    with pytest.raises(BlueprintError) as caught:
        load_blueprint(path)
    assert caught.value.problems == (Problem(str(path), 3, "YAML 语法错误：mapping values are not allowed here"),)


def test_a_blueprint_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "- id: t\n")
    assert problems_of(path) == [f"{path}:1: 蓝图文件应为键值映射"]


def test_empty_instructions_mean_no_instructions(tmp_path: Path) -> None:
    blueprint = load_blueprint(write(tmp_path, BASE.replace("instructions: 认真作答。", "instructions:")))
    assert blueprint.instructions == ""


def test_a_seed_that_is_not_an_integer_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("seed: 3", "seed: 2026a"))
    with pytest.raises(BlueprintError) as caught:
        load_blueprint(path)
    assert [(p.file, p.line) for p in caught.value.problems] == [(str(path), 5)]
