"""grader.bank: reading trainer-written question banks and reporting every problem as `file:line: message`."""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path

import pytest

from grader.bank import (
    AREAS,
    ITEM_TYPES,
    TRUEFALSE_OPTIONS,
    BankCheck,
    BankError,
    bank_files,
    check_banks,
    load_banks,
)
from grader.yamlfile import Problem

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "banks"
BAD = DATA / "bad"
SMALL = DATA / "small.yaml"
REAL_BANKS = ROOT / "exams" / "banks"

# Each case: the bad bank files read together, and every line `check_banks` must report for them,
# in order. `{0}`, `{1}` stand for the files' paths.
BAD_CASES: dict[str, tuple[tuple[str, ...], list[str]]] = {
    "answer-not-an-option": (("answer-not-an-option.yaml",), [
        '{0}:14: answer "E" 不是选项（可选 A、B、C、D）',
    ]),
    "duplicate-ids-across-files": (("duplicate-ids-a.yaml", "duplicate-ids-b.yaml"), [
        "{1}:15: 题目编号 'dup-001' 重复（首次出现在 {0}:4）",
    ]),
    "missing-source": (("missing-source.yaml",), [
        "{0}:4: 缺少 source（出处：document 与 clause）",
        "{0}:20: 缺少 clause",
    ]),
    "unknown-area": (("unknown-area.yaml",), [
        "{0}:7: 未知领域 'anti_corruption'（可用 party_school, martyrs_cemetery, red_flag_canal, prison, "
        "supervision_regulation, discipline_regulation, local_policy）",
    ]),
    "unknown-type": (("unknown-type.yaml",), [
        "{0}:6: 未知题型 'choice'（可用 single, multiple, truefalse, fill, essay）",
    ]),
    "essay-without-rubric": (("essay-without-rubric.yaml",), [
        "{0}:4: 简答题缺少 rubric（评分要点）",
    ]),
    "fill-without-blank": (("fill-without-blank.yaml",), [
        "{0}:8: 填空题的题干应用 ____ 标出空位",
    ]),
    "truefalse-not-bool": (("truefalse-not-bool.yaml",), [
        "{0}:9: 判断题的 answer 应为 true 或 false，而不是 '正确'",
    ]),
    "alias-bomb": (("alias-bomb.yaml",), [
        "{0}:9: 别名展开后的内容过多（超过 100000 个值），疑似“别名炸弹”；请直接写出内容，少用别名",
    ]),
    "alias-recursive": (("alias-recursive.yaml",), [
        "{0}:14: 别名 *item 引用了包含它自己的内容（循环引用），无法展开",
    ]),
    "yaml-syntax-error": (("yaml-syntax-error.yaml",), [
        "{0}:7: YAML 语法错误：mapping values are not allowed here",
    ]),
    "duplicate-key": (("duplicate-key.yaml",), [
        "{0}:14: 重复的键 'answer'",
    ]),
    "empty-file": (("empty.yaml",), [
        "{0}:1: 文件为空",
    ]),
    "no-items": (("no-items.yaml",), [
        "{0}:3: items 应为非空的题目列表",
    ]),
    "missing-fact": (("missing-fact.yaml",), [  # a practice item (line 27) may leave it out
        "{0}:4: 缺少 fact（知识点：本题考查的那一个知识点）",
        "{0}:11: 缺少 fact（知识点：本题考查的那一个知识点）",
        "{0}:20: fact 应为文本",
    ]),
    "several-problems": (("several-problems.yaml",), [
        "{0}:5: 题目编号 'Bad_001' 只能含小写字母、数字和连字符",
        '{0}:13: 单项选择题只能有一个答案，而 answer 为 "AB"',
        "{0}:25: 选项字母应依次为 A、B、C…，实际为 A、B、D",
        "{0}:28: 多项选择题至少应有两个正确选项",
        "{0}:29: points 应为正数，而不是 0",
        "{0}:30: 未知字段 'difficulty'",
        "{0}:40: 判断题不写 options（固定为 正确/错误）",
        "{0}:45: use 应为 exam 或 practice，而不是 'test'",
        "{0}:55: 简答题不写 answer，请写 rubric（评分要点）",
        "{0}:62: 题目应为键值映射（id: …, type: …）",
    ]),
}


def write_bank(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def item_yaml(item_id: str, *, answer: str = "true", area: str = "prison") -> str:
    """A valid truefalse item, as YAML lines indented for a bank's `items:` list."""
    return (f"  - id: {item_id}\n    type: truefalse\n    area: {area}\n    stem: 监狱是警示教育基地。\n"
            f"    answer: {answer}\n    points: 1\n    source:\n      document: 安阳市《实施意见》\n"
            f"      clause: 二（五）\n    fact: 监狱作为警示教育基地\n")


@pytest.mark.parametrize("case", BAD_CASES, ids=list(BAD_CASES))
def test_a_bad_bank_reports_exactly_its_problems_with_their_lines(case: str) -> None:
    names, expected = BAD_CASES[case]
    paths = [BAD / name for name in names]
    result = check_banks(paths)
    assert [str(problem) for problem in result.problems] == [
        line.format(*(str(path) for path in paths)) for line in expected]


def test_every_bad_bank_file_has_a_case() -> None:
    covered = {name for names, _ in BAD_CASES.values() for name in names}
    assert {path.name for path in BAD.glob("*.yaml")} == covered


def test_load_banks_refuses_bad_banks_listing_every_problem() -> None:
    paths = [BAD / "answer-not-an-option.yaml", BAD / "missing-source.yaml"]
    with pytest.raises(BankError) as caught:
        load_banks(paths)
    assert [str(p) for p in caught.value.problems] == [
        f'{paths[0]}:14: answer "E" 不是选项（可选 A、B、C、D）',
        f"{paths[1]}:4: 缺少 source（出处：document 与 clause）",
        f"{paths[1]}:20: 缺少 clause",
    ]
    assert str(caught.value).splitlines() == [str(p) for p in caught.value.problems]


def test_problems_in_one_file_do_not_hide_the_items_of_another() -> None:
    result = check_banks([BAD / "answer-not-an-option.yaml", SMALL])
    assert len(result.problems) == 1
    assert len(result.items) == 15
    assert {item.bank for item in result.items} == {"small"}


def test_a_bank_keeps_its_valid_items_and_drops_only_the_bad_one(tmp_path: Path) -> None:
    path = write_bank(tmp_path, "mixed.yaml", "bank: mixed\ntitle: 部分有误\nitems:\n"
                      + item_yaml("mixed-001") + item_yaml("mixed-002", answer="对") + item_yaml("mixed-003"))
    result = check_banks([path])
    assert [item.id for item in result.items] == ["mixed-001", "mixed-003"]
    assert [str(p) for p in result.problems] == [f"{path}:18: 判断题的 answer 应为 true 或 false，而不是 '对'"]


def test_an_invalid_item_still_claims_its_id(tmp_path: Path) -> None:
    first = write_bank(tmp_path, "a.yaml", "bank: a\ntitle: 一\nitems:\n" + item_yaml("shared-001", answer="是的"))
    second = write_bank(tmp_path, "b.yaml", "bank: b\ntitle: 二\nitems:\n" + item_yaml("shared-001"))
    result = check_banks([first, second])
    assert f"{second}:4: 题目编号 'shared-001' 重复（首次出现在 {first}:4）" in [str(p) for p in result.problems]


def test_a_duplicate_id_within_one_file_points_back_to_the_first(tmp_path: Path) -> None:
    path = write_bank(tmp_path, "dup.yaml", "bank: dup\ntitle: 重复\nitems:\n"
                      + item_yaml("dup-001") + item_yaml("dup-002") + item_yaml("dup-001"))
    assert [str(p) for p in check_banks([path]).problems] == [
        f"{path}:24: 题目编号 'dup-001' 重复（首次出现在 {path}:4）"]


def test_two_files_with_the_same_bank_id_are_reported(tmp_path: Path) -> None:
    first = write_bank(tmp_path, "a.yaml", "bank: same\ntitle: 一\nitems:\n" + item_yaml("same-001"))
    second = write_bank(tmp_path, "b.yaml", "bank: same\ntitle: 二\nitems:\n" + item_yaml("same-002"))
    assert [str(p) for p in check_banks([first, second]).problems] == [
        f"{second}:1: 题库编号 'same' 与 {first} 重复"]


def choice_bank(folder: Path, item_type: str, answer: str) -> Path:
    """A bank of one choice item with options A–D whose answer (line 13) is `answer`."""
    return write_bank(folder, "bank.yaml", f"""
        bank: t
        title: 题
        items:
          - id: t-001
            type: {item_type}
            area: discipline_regulation
            stem: 下列哪些正确？
            options:
              A: 甲
              B: 乙
              C: 丙
              D: 丁
            answer: "{answer}"
            points: 2
            source:
              document: 《中国共产党纪律处分条例》
              clause: 第七条
            fact: 测试知识点
        """)


@pytest.mark.parametrize(
    ("item_type", "answer", "expected"),
    [
        ("single", "Ｂ", "B"),
        ("single", " c ", "C"),
        ("multiple", "DCA", "ACD"),
        ("multiple", "a，c、d", "ACD"),
        ("multiple", "B; D", "BD"),
        ("multiple", "ＡＢＢ", "AB"),
    ],
)
def test_a_choice_answer_is_read_as_its_canonical_letters(tmp_path: Path, item_type: str, answer: str,
                                                          expected: str) -> None:
    (item,) = load_banks([choice_bank(tmp_path, item_type, answer)])
    assert item.key == expected
    assert item.letters == "ABCD"


@pytest.mark.parametrize(
    ("item_type", "answer", "message"),
    [
        ("single", "E", 'answer "E" 不是选项（可选 A、B、C、D）'),
        ("single", "AB", '单项选择题只能有一个答案，而 answer 为 "AB"'),
        ("multiple", "AE", 'answer "E" 不是选项（可选 A、B、C、D）'),
        ("multiple", "A", "多项选择题至少应有两个正确选项"),
    ],
)
def test_a_bad_choice_answer_is_reported_at_the_answer_line(tmp_path: Path, item_type: str, answer: str,
                                                            message: str) -> None:
    path = choice_bank(tmp_path, item_type, answer)
    assert check_banks([path]).problems == (Problem(str(path), 13, message),)


def test_only_the_letters_that_are_not_offered_are_named_in_the_message(tmp_path: Path) -> None:
    path = choice_bank(tmp_path, "multiple", "A, E")
    assert check_banks([path]).problems == (Problem(str(path), 13, 'answer "E" 不是选项（可选 A、B、C、D）'),)


def test_the_small_bank_is_read_with_canonical_keys_and_defaults() -> None:
    result = check_banks([SMALL])
    assert result.problems == ()
    (bank,) = result.banks
    assert (bank.id, bank.title, bank.file) == ("small", "测试题库：四大教育基地与两个条例", str(SMALL))
    items = {item.id: item for item in result.items}
    assert len(items) == 15
    assert items["small-001"].key == "A"
    assert items["small-001"].options[0] == ("A", "理想信念教育基地")
    assert items["small-002"].letters == "ABC"
    assert items["small-006"].key == "ABC"  # written "A，C、B"
    assert (items["small-007"].key, items["small-008"].key) == ("B", "A")  # false, true
    assert items["small-007"].options == TRUEFALSE_OPTIONS
    assert items["small-012"].key == ("艰苦创业", "艰苦创业")
    assert items["small-013"].key is None
    assert items["small-013"].rubric.splitlines() == [
        "- 党内监督没有禁区、没有例外（2分）", "- 信任不能代替监督（2分）", "- 贯彻民主集中制，依规依纪进行（2分）"]
    assert items["small-014"].rubric.startswith("党校和行政学院")
    assert items["small-001"].use == "exam"  # the default
    assert items["small-015"].use == "practice"
    assert str(items["small-011"].source) == "安阳市《实施意见》 一（一）"
    assert (items["small-001"].file, items["small-001"].line, items["small-001"].bank) == (str(SMALL), 5, "small")
    assert items["small-001"].explanation == "把党校和行政学院作为理想信念教育基地。"


def test_bank_files_expands_folders_into_their_sorted_yaml_files(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yaml", "notes.md"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    single = tmp_path / "elsewhere.yaml"
    assert bank_files([tmp_path, single]) == [tmp_path / "a.yaml", tmp_path / "b.yaml", single]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("bank: gbk\ntitle: 国标编码题库\nitems: []\n".encode("gbk"), id="gbk-encoded"),
        pytest.param(b"bank: ctl\ntitle: \x07\nitems: []\n", id="control-character"),
        pytest.param(b"bank: tag\ntitle: !title t\nitems: []\n", id="unknown-tag"),
    ],
)
def test_an_unreadable_bank_is_a_problem_not_a_crash(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(content)
    result = check_banks([bad, SMALL])
    assert [p.file for p in result.problems] == [str(bad)]
    assert len(result.items) == 15


# ---- the real banks in exams/banks ----

@pytest.fixture(scope="module")
def real_banks() -> BankCheck:
    return check_banks(bank_files([REAL_BANKS]))


def test_the_real_banks_have_no_problems(real_banks: BankCheck) -> None:
    assert [str(p) for p in real_banks.problems] == []
    assert {bank.id for bank in real_banks.banks} == {"anyang-bases", "anyang-policy", "laws", "regulations"}


def test_every_real_item_cites_a_document_and_a_clause(real_banks: BankCheck) -> None:
    uncited = [item.id for item in real_banks.items
               if not item.source.document.strip() or not item.source.clause.strip()]
    assert uncited == []


def test_the_real_banks_hold_at_least_120_exam_items(real_banks: BankCheck) -> None:
    exam = [item for item in real_banks.items if item.use == "exam"]
    assert len(exam) >= 120
    assert set(Counter(item.type for item in exam)) == set(ITEM_TYPES)
    assert set(Counter(item.area for item in exam)) == set(AREAS)


def test_every_real_choice_key_is_among_its_options(real_banks: BankCheck) -> None:
    for item in real_banks.items:
        if item.type in ("single", "multiple", "truefalse"):
            assert item.key and set(item.key) <= set(item.letters), item.id
        if item.type == "single" or item.type == "truefalse":
            assert item.key is not None and len(item.key) == 1, item.id
        if item.type == "essay":
            assert item.rubric.strip(), item.id


def test_every_real_exam_item_has_a_fact_and_the_items_on_one_sentence_share_it(real_banks: BankCheck) -> None:
    exam = [item for item in real_banks.items if item.use == "exam"]
    assert all(item.fact for item in exam)
    on_the_bases = Counter(item.fact for item in exam
                           if item.bank == "anyang-bases" and item.source.clause == "二（五）")
    assert on_the_bases == {  # 二（五）: one sentence per base, whatever the item asks of it (issue 14: 61 items)
        "实施意见二（五）-党校和行政学院作为理想信念教育基地及其教育内容": 16,
        "实施意见二（五）-烈士陵园作为革命传统教育基地及其教育内容": 14,
        "实施意见二（五）-红旗渠作为创业精神教育基地及其教育内容": 14,
        "实施意见二（五）-监狱作为警示教育基地及其教育内容": 14,
        "实施意见二（五）-四个基地2007年之前建成": 2,
        "实施意见二（五）-开辟四大教育基地": 1,
    }


def test_a_fact_is_read_as_one_line_and_a_practice_item_may_leave_it_out(tmp_path: Path) -> None:
    path = write_bank(tmp_path, "facts.yaml", "bank: f\ntitle: 知识点\nitems:\n"
                      + item_yaml("f-001").replace("fact: 监狱作为警示教育基地",
                                                   "fact: \"  监狱作为\\n  警示教育基地 \"")
                      + item_yaml("f-002").replace("    fact: 监狱作为警示教育基地\n", "    use: practice\n"))
    first, second = check_banks([path]).items
    assert (first.fact, second.fact) == ("监狱作为 警示教育基地", "")
