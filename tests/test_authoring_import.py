"""Importing banks from spreadsheets, CSV and Word: what a trainer fills in becomes a YAML bank, and every bad
row is reported as `文件: 第 N 行 列名: 说明` with nothing imported unless --skip-bad."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from grader.authoring import importing, xlsx
from grader.authoring.record import read_banks
from grader.authoring.wordfile import split_source
from grader.bank import check_banks
from grader.cli import main

DATA = Path(__file__).resolve().parent / "data" / "authoring"
LAW = "《中华人民共和国监察法》（2024年修正）"
GOOD_ROW: dict[str, Any] = {
    "题号": "jcf-x-001", "题型": "单选", "题干": "根据《中华人民共和国监察法》第三条，各级监察委员会是什么机关？",
    "选项A": "行使国家监察职能的专责机关", "选项B": "人民法院的内设机构", "选项C": "行政机关的内设机构",
    "选项D": "人民团体", "答案": "A", "分值": 2, "内容领域": "监狱（警示教育）", "知识点": "监察法3-监察委员会的性质",
    "出处文件": LAW, "出处条款": "第三条", "解析": "第三条：“各级监察委员会是行使国家监察职能的专责机关”。",
    "用途": "考试",
}
TRAINER_PROBLEMS = [
    "第 9 行 题型: 未知题型 '选择'（可用 单选、多选、判断、填空、简答）",
    '第 10 行 答案: "E" 不是已填写的选项（可选 A、B、C、D）',
    "第 11 行 分值: 应为正数，而不是 '两分'",
    "第 11 行 出处条款: 缺少条款（写明条款，如 第十五条）",
    "第 12 行 题号: 题号 'jcf-t-003' 重复（首次出现在第 5 行）",
    "第 13 行 知识点: 考试题必须填写知识点（本题考查的那一个知识点）",
]


def _filled(tmp_path: Path, rows: list[dict[str, Any]], name: str = "题库.xlsx") -> Path:
    """The template with rows typed into its 题目 sheet, as a trainer does in Excel."""
    path = tmp_path / name
    path.write_bytes(xlsx.template())
    book = load_workbook(path)
    sheet = book["题目"]
    header = [cell.value for cell in sheet[2]]
    for number, row in enumerate(rows, start=3):
        for column, value in row.items():
            sheet.cell(number, header.index(column) + 1, value)
    book["题库"]["B1"] = "jcf-x"
    book.save(path)
    return path


def _problems(path: Path, **options: Any) -> list[str]:
    result = importing.check_rows(path, importing.read_rows(path), **options)
    return [str(p).removeprefix(f"{path}: ") for p in result.problems]


def test_the_trainers_filled_template_reports_each_bad_row_in_its_own_words() -> None:
    path = DATA / "trainer.xlsx"
    result = importing.check_rows(path, importing.read_rows(path))
    assert [str(p) for p in result.problems] == [f"{path}: {line}" for line in TRAINER_PROBLEMS]
    assert (result.rows, result.bad_rows, result.fatal) == (11, 5, False)
    assert result.bank.id == "jcf-trainer" and result.bank.title == "《监察法》练习题（培训教师录入）"
    assert [r.id for r in result.bank.records] == [f"jcf-t-00{n}" for n in range(1, 7)]


NO_OPTIONS = {"选项A": None, "选项B": None, "选项C": None, "选项D": None}
RUBRIC = "依照法律规定独立行使监察权（4分）\n不受行政机关、社会团体和个人的干涉（6分）"
BAD_ROWS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "unknown type": ({"题型": "选择题型"}, ["第 3 行 题型: 未知题型 '选择题型'（可用 单选、多选、判断、填空、简答）"]),
    "answer letter with no option": ({"答案": "E"}, ['第 3 行 答案: "E" 不是已填写的选项（可选 A、B、C、D）']),
    "missing source": ({"出处文件": None, "出处条款": None},
                       ["第 3 行 出处文件: 缺少出处（写明文件和条款）"]),
    "missing clause": ({"出处条款": None}, ["第 3 行 出处条款: 缺少条款（写明条款，如 第十五条）"]),
    "missing document": ({"出处文件": None}, ["第 3 行 出处文件: 不能为空"]),
    "points as words": ({"分值": "两分"}, ["第 3 行 分值: 应为正数，而不是 '两分'"]),
    "points zero": ({"分值": 0}, ["第 3 行 分值: 应为正数，而不是 0"]),
    "points not a number": ({"分值": "nan"}, ["第 3 行 分值: 应为正数，而不是 'nan'"]),
    "points missing": ({"分值": None}, ["第 3 行 分值: 不能为空（填正数，如 2）"]),
    "unknown area": ({"内容领域": "廉政"}, [
        "第 3 行 内容领域: 未知内容领域 '廉政'（可用 党校和行政学院（理想信念教育）、烈士陵园（革命传统教育）、"
        "红旗渠（创业精神教育）、监狱（警示教育）、《中国共产党党内监督条例》、《中国共产党纪律处分条例》、"
        "本地制度（安阳市《实施意见》））"]),
    "exam item without fact": ({"知识点": None}, ["第 3 行 知识点: 考试题必须填写知识点（本题考查的那一个知识点）"]),
    "unknown use": ({"用途": "测验"}, ["第 3 行 用途: 用途应为 考试 或 练习，而不是 '测验'"]),
    "single with two answers": ({"答案": "AB"}, ['第 3 行 答案: 单选题只能有一个答案，而答案为 "AB"']),
    "multiple with one answer": ({"题型": "多选"}, ["第 3 行 答案: 多选题至少应有两个正确选项"]),
    "gap in the options": ({"选项C": None}, ["第 3 行 选项C: 选项应从选项A起依次填写，中间不能空（实际填了 A、B、D）"]),
    "one option only": ({"选项B": None, "选项C": None, "选项D": None}, [
        "第 3 行 选项A: 选择题至少要填 选项A 和 选项B", '第 3 行 答案: "A" 不是已填写的选项（可选 ）']),
    "true-false answer not a verdict": ({"题型": "判断", **NO_OPTIONS, "答案": "是的"},
                                        ["第 3 行 答案: 判断题的答案应为 正确 或 错误，而不是 '是的'"]),
    "true-false with options": ({"题型": "判断", "答案": "正确"},
                                ["第 3 行 选项A: 判断题不填选项（固定为 正确/错误）"]),
    "fill without blank": ({"题型": "填空", **NO_OPTIONS, "答案": "专责机关"},
                           ["第 3 行 题干: 填空题的题干应用 ____ 标出空位"]),
    "essay without rubric": ({"题型": "简答", **NO_OPTIONS, "答案": None},
                             ["第 3 行 评分要点: 简答题必须填写评分要点"]),
    "essay with an answer": ({"题型": "简答", **NO_OPTIONS, "评分要点": "专责机关（2分）"},
                             ["第 3 行 答案: 简答题不填答案，请填评分要点"]),
    "bad id": ({"题号": "Law 1"}, ["第 3 行 题号: 题号 'Law 1' 只能含小写字母、数字和连字符"]),
    "missing stem": ({"题干": None}, ["第 3 行 题干: 不能为空"]),
    "missing id": ({"题号": None}, ["第 3 行 题号: 不能为空"]),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_each_kind_of_bad_row_is_reported_at_its_row_and_column(tmp_path: Path, case: str) -> None:
    change, expected = BAD_ROWS[case]
    good = {**GOOD_ROW, "题号": "jcf-x-002"}
    path = _filled(tmp_path, [{**GOOD_ROW, **change}, good])
    assert _problems(path) == expected
    result = importing.check_rows(path, importing.read_rows(path))
    assert [r.id for r in result.bank.records] == ["jcf-x-002"]  # the good row is kept for --skip-bad


@pytest.mark.parametrize(("typed", "area"), [("监狱（警示教育）", "prison"), ("监狱", "prison"), ("prison", "prison"),
                                             ("红旗渠", "red_flag_canal"), ("本地制度", "local_policy"),
                                             ("《中国共产党纪律处分条例》", "discipline_regulation")])
def test_an_area_may_be_typed_as_its_label_its_short_name_or_its_code(tmp_path: Path, typed: str, area: str) -> None:
    path = _filled(tmp_path, [{**GOOD_ROW, "内容领域": typed, "题型": " 单选题 ", "用途": "考试题"}])
    result = importing.check_rows(path, importing.read_rows(path))
    assert result.problems == () and result.bank.records[0].area == area


def test_points_typed_as_text_or_in_full_width_digits_are_read_as_numbers(tmp_path: Path) -> None:
    path = _filled(tmp_path, [{**GOOD_ROW, "分值": "１.5"}, {**GOOD_ROW, "题号": "jcf-x-002", "分值": " 3 "}])
    result = importing.check_rows(path, importing.read_rows(path))
    assert result.problems == () and [r.points for r in result.bank.records] == [1.5, 3.0]


def test_rows_after_blank_rows_keep_the_numbers_excel_shows(tmp_path: Path) -> None:
    path = _filled(tmp_path, [GOOD_ROW, {}, {}, {**GOOD_ROW, "题号": "jcf-x-002", "答案": "F"}])
    assert _problems(path) == ['第 6 行 答案: "F" 不是已填写的选项（可选 A、B、C、D）']


def test_duplicate_ids_are_reported_within_the_file_and_against_the_banks_beside_it(tmp_path: Path) -> None:
    path = _filled(tmp_path, [GOOD_ROW, GOOD_ROW, {**GOOD_ROW, "题号": "law-001"}])
    laws = Path(__file__).resolve().parent.parent / "exams" / "banks"
    existing = importing.existing_ids(laws)
    assert _problems(path, existing=existing) == [
        "第 4 行 题号: 题号 'jcf-x-001' 重复（首次出现在第 3 行）",
        f"第 5 行 题号: 题号 'law-001' 已在 {laws / 'laws.yaml'}:{existing['law-001'].rsplit(':')[-1]} 使用"
        "（题号在全部题库中唯一）",
    ]


def test_header_problems_make_the_whole_file_fatal(tmp_path: Path) -> None:
    path = tmp_path / "题库.csv"
    path.write_text("题号,题型,题干,备注\njcf-x-001,单选,题干,无\n", encoding="utf-8-sig")
    result = importing.check_rows(path, importing.read_rows(path))
    assert result.fatal
    assert [str(p) for p in result.problems][:2] == [
        f"{path}: 第 1 行 备注: 未知列名（可用 题号、题型、题干、选项A、选项B、选项C、选项D、选项E、选项F、"
        "选项G、选项H、答案、分值、内容领域、知识点、出处文件、出处条款、解析、评分要点、用途）",
        f"{path}: 第 1 行: 缺少列 答案",
    ]


def test_a_header_written_with_spaces_or_full_width_letters_is_understood(tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    columns = {**GOOD_ROW}
    header = [name.replace("选项A", "选项 Ａ").replace("题号", " 题号 ") for name in columns]
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header, list(columns.values())])
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    result = importing.check_rows(path, importing.read_rows(path))
    assert result.problems == () and result.bank.records[0].options[0] == "行使国家监察职能的专责机关"


@pytest.mark.parametrize("name", ["trainer.csv", "trainer-gbk.csv"])
def test_csv_saved_by_excel_as_utf8_or_gbk_imports_the_same_items(name: str) -> None:
    path = DATA / name
    result = importing.check_rows(path, importing.read_rows(path), bank_id="jcf-trainer")
    workbook = importing.check_rows(DATA / "trainer.xlsx", importing.read_rows(DATA / "trainer.xlsx"))
    assert result.problems == ()
    assert result.bank.records == workbook.bank.records
    assert result.bank.records[4].rubric == RUBRIC


def test_a_word_file_in_the_common_layout_is_read_question_by_question() -> None:
    path = DATA / "trainer.docx"
    result = importing.check_rows(path, importing.read_rows(path, area="监狱（警示教育）"), bank_id="jcf-word")
    place = "第 2 题（“根据《中华人民共和国监察法》第四条，监察委员会依…”）"
    assert [str(p) for p in result.problems] == [
        f'{path}: {place} 答案: "E" 不是已填写的选项（可选 A、B、C、D）',
        f"{path}: {place} 出处: 缺少出处（写明文件和条款）",
    ]
    records = {r.id: r for r in result.bank.records}
    assert list(records) == ["jcf-word-001", "jcf-word-003", "jcf-word-004", "jcf-word-005", "jcf-word-006"]
    single, multiple, verdict, fill, essay = records.values()
    assert (single.type, single.options[1], single.answer, single.points) == ("single", "人民法院的内设机构", "A", 2)
    assert (single.document, single.clause, single.fact) == (LAW, "第三条", "监察法3-监察委员会的性质")
    assert (multiple.type, multiple.options, multiple.answer, multiple.points) == (
        "multiple", ("不敢腐", "不能腐", "不想腐", "不必腐"), "ABC", 3)
    assert (verdict.type, verdict.answer, verdict.clause) == ("truefalse", True, "第四条第二款")
    assert verdict.explanation.startswith("正确。第四条第二款：\n“监察机关")
    assert (fill.type, fill.answer) == ("fill", ("宽严相济", "宽严相济的原则"))
    assert (essay.type, essay.answer, essay.points, essay.area) == ("essay", None, 10, "prison")
    assert essay.rubric == RUBRIC


def test_a_word_files_numbered_ids_are_checked_against_the_banks_beside_it(tmp_path: Path) -> None:
    path = DATA / "trainer.docx"
    sheet = importing.read_rows(path, area="prison")
    result = importing.check_rows(path, sheet, bank_id="jcf-word", existing={"jcf-word-003": "b.yaml:9"})
    said = [str(p).removeprefix(f"{path}: ") for p in result.problems]
    assert said[-1] == ("第 3 题（“根据《中华人民共和国监察法》第六条，国家监察工作…”） 题号: "
                        "题号 'jcf-word-003' 已在 b.yaml:9 使用（题号在全部题库中唯一）")
    assert "jcf-word-003" not in [r.id for r in result.bank.records]


def test_word_automatic_numbering_is_refused_with_a_way_out(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("根据《中华人民共和国监察法》第三条，各级监察委员会是什么机关？", style="List Number")
    document.add_paragraph("答案：A")
    path = tmp_path / "auto.docx"
    document.save(str(path))
    result = importing.check_rows(path, importing.read_rows(path), bank_id="auto")
    assert result.fatal
    assert [str(p) for p in result.problems] == [
        f"{path}: 第 1 段（“根据《中华人民共和国监察法》”）: "
        "用了 Word 的自动编号，编号不在文字里：请把编号改为手写的“1. ”“A. ”"]


@pytest.mark.parametrize(("text", "document", "clause"), [
    ("《中华人民共和国监察法》（2024年修正）第三条", LAW, "第三条"),
    ("《中华人民共和国监察法》（2024年修正） 第三条", LAW, "第三条"),
    ("《中华人民共和国刑法》（2023年刑法修正案（十二）修正）第三百八十二条第一款",
     "《中华人民共和国刑法》（2023年刑法修正案（十二）修正）", "第三百八十二条第一款"),
    ("中共安阳市委 安阳市人民政府《实施意见（摘要）》二（五）",
     "中共安阳市委 安阳市人民政府《实施意见（摘要）》", "二（五）"),
    ("实施意见 二（五）", "实施意见", "二（五）"),
    ("《监察法》", "《监察法》", ""),
])
def test_a_word_source_line_splits_into_document_and_clause(text: str, document: str, clause: str) -> None:
    assert split_source(text) == (document, clause)


def test_cli_imports_nothing_from_a_file_with_errors_unless_told_to_skip_them(tmp_path: Path) -> None:
    target = tmp_path / "jcf.yaml"
    runner = CliRunner()
    refused = runner.invoke(main, ["bank", "import", str(DATA / "trainer.xlsx"), "--to", str(target)])
    assert refused.exit_code == 1 and not target.exists()
    assert refused.output.splitlines()[:6] == [f"{DATA / 'trainer.xlsx'}: {line}" for line in TRAINER_PROBLEMS]
    assert "未导入（改正后重新导入，或加 --skip-bad 只导入没有问题的题）" in refused.output
    skipped = runner.invoke(main, ["bank", "import", str(DATA / "trainer.xlsx"), "--to", str(target), "--skip-bad"])
    assert skipped.exit_code == 0, skipped.output
    assert "已导入 6 道题到" in skipped.output
    assert check_banks([target]).problems == ()
    (bank,) = read_banks([target])
    assert bank.id == "jcf-trainer" and len(bank.records) == 6


def test_cli_import_of_a_word_file_takes_the_bank_and_area_from_options(tmp_path: Path) -> None:
    target = tmp_path / "word.yaml"
    result = CliRunner().invoke(main, ["bank", "import", str(DATA / "trainer.docx"), "--to", str(target),
                                       "--area", "prison", "--title", "《监察法》测试题", "--skip-bad"])
    assert result.exit_code == 0, result.output
    (bank,) = read_banks([target])
    assert (bank.id, bank.title, len(bank.records)) == ("word", "《监察法》测试题", 5)
    assert target.read_text(encoding="utf-8").startswith("# 由 qinglian bank import 从 trainer.docx 生成\n")


def test_cli_refuses_a_target_folder_that_does_not_exist(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["bank", "import", str(DATA / "trainer.csv"), "--to",
                                       str(tmp_path / "nowhere" / "x.yaml")])
    assert result.exit_code == 1 and f"目录 {tmp_path / 'nowhere'} 不存在" in " ".join(result.output.split())


def test_cli_refuses_a_file_type_it_cannot_read(tmp_path: Path) -> None:
    path = tmp_path / "题库.txt"
    path.write_text("1. 题干", encoding="utf-8")
    result = CliRunner().invoke(main, ["bank", "import", str(path)])
    assert result.exit_code == 1
    assert "不支持的文件类型 .txt（可导入 .xlsx、.xlsm、.csv、.docx）" in result.output


def test_a_file_with_no_questions_says_so(tmp_path: Path) -> None:
    path = _filled(tmp_path, [])
    result = importing.check_rows(path, importing.read_rows(path))
    assert result.fatal
    assert [str(p) for p in result.problems] == [f"{path}: 全文: 没有读到任何题目（题目从表头下一行起，每行一道）"]


def test_a_bank_id_that_cannot_name_a_bank_is_refused(tmp_path: Path) -> None:
    path = _filled(tmp_path, [GOOD_ROW])
    result = importing.check_rows(path, importing.read_rows(path), bank_id="我的题库")
    assert result.fatal
    assert [str(p) for p in result.problems] == [
        f"{path}: 题库 题库编号: '我的题库' 只能含小写字母、数字和连字符（在“题库”表中填写，或导入时用 --bank 指定）"]


def test_a_file_that_is_not_a_workbook_is_one_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "题库.xlsx"
    path.write_bytes(b"not a zip")
    result = importing.check_rows(path, importing.read_rows(path), bank_id="x")
    assert result.fatal and len(result.problems) == 1
    assert str(result.problems[0]).startswith(f"{path}: 第 1 行: 无法读取 Excel 文件（")
