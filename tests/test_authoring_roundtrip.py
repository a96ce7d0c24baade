"""YAML → xlsx → YAML is lossless: every shipped bank, and generated items with any Unicode; the template."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from openpyxl import load_workbook

from grader.authoring import importing, xlsx
from grader.authoring.record import AuthoredBank, Record, UnwritableError, dump_bank, read_banks
from grader.authoring.samples import EXAMPLES
from grader.bank import Item, check_banks
from grader.cli import main
from tests.authoring_records import record_lists, valid

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "exams" / "banks").glob("*.yaml")) + sorted((ROOT / "courses" / "practice").glob("*.yaml"))


def _through_xlsx(bank: AuthoredBank, folder: Path) -> importing.ImportResult:
    path = folder / f"{bank.id or 'bank'}.xlsx"
    path.write_bytes(xlsx.write_bank(bank))
    return importing.check_rows(path, importing.read_rows(path), fallback_id=bank.id)


def _items(path: Path) -> list[Item]:
    result = check_banks([path])
    assert result.problems == ()
    return [dataclasses.replace(item, file="", line=0) for item in result.items]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_bank_comes_back_from_a_spreadsheet_as_it_was(tmp_path: Path, path: Path) -> None:
    (bank,) = read_banks([path])
    result = _through_xlsx(bank, tmp_path)
    assert result.problems == ()
    assert result.bank == bank
    target = tmp_path / path.name
    importing.write_yaml(result, target)
    assert _items(target) == _items(path)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record_lists())
def test_generated_items_come_back_from_a_spreadsheet_and_from_yaml_unchanged(
        tmp_path_factory: pytest.TempPathFactory, records: list[Record]) -> None:
    assume(all(valid(record) for record in records))  # the generators aim at valid items; the rules may tighten
    bank = AuthoredBank("generated", "生成的题库", tuple(records))
    folder = tmp_path_factory.mktemp("roundtrip")
    result = _through_xlsx(bank, folder)
    assert result.problems == ()
    assert result.bank == bank
    target = folder / "generated.yaml"
    importing.write_yaml(result, target)
    assert read_banks([target]) == (bank,)


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    record = dataclasses.replace(EXAMPLES[0], stem="=SUM(A1:A3)", options=("=1+1", "+2", "-3", "@4"))
    bank = AuthoredBank("formula", "公式", (record,))
    path = tmp_path / "formula.xlsx"
    path.write_bytes(xlsx.write_bank(bank))
    sheet = load_workbook(path)["题目"]
    assert sheet["C3"].value == "=SUM(A1:A3)" and sheet["C3"].data_type == "s"
    assert _through_xlsx(bank, tmp_path).bank == bank


def test_a_fill_answer_holding_the_separator_is_refused_not_split(tmp_path: Path) -> None:
    record = dataclasses.replace(EXAMPLES[3], answer=("甲｜乙",))
    with pytest.raises(UnwritableError) as refused:
        xlsx.write_bank(AuthoredBank("sep", "分隔符", (record,)))
    assert refused.value.reasons == ("example-004：填空题的可接受答案含有 ｜ 或 |，表格中它是答案之间的分隔符",)


def test_the_template_offers_drop_downs_notes_and_an_example_sheet_that_imports_clean(tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    path.write_bytes(xlsx.template())
    book = load_workbook(path)
    assert book.sheetnames == ["题目", "题库", "说明", "示例", "列表"]
    assert book["列表"].sheet_state == "hidden"
    sheet = book["题目"]
    assert sheet["A1"].value.startswith("每行一道题。")
    assert [cell.value for cell in sheet[2]][:4] == ["题号", "题型", "题干", "选项A"]
    assert "全部题库中唯一" in sheet["A2"].comment.text
    rules = {str(rule.sqref): rule for rule in sheet.data_validations.dataValidation}
    assert rules["B3:B3000"].formula1 == '"单选,多选,判断,填空,简答"'
    assert rules["T3:T3000"].formula1 == '"考试,练习"'
    assert rules["N3:N3000"].formula1 == "'列表'!$A$1:$A$7"
    assert (rules["M3:M3000"].type, rules["M3:M3000"].operator) == ("decimal", "greaterThan")
    assert [row[0].value for row in book["列表"].iter_rows()][3] == "监狱（警示教育）"
    assert importing.read_rows(path).rows == ()  # the questions sheet is empty; the examples are not imported
    examples = xlsx.question_rows("示例", [tuple(r) for r in book["示例"].iter_rows(values_only=True)])
    checked = importing.check_rows(path, examples, bank_id="example")
    assert checked.problems == () and checked.bank.records == EXAMPLES


def test_cli_export_then_import_gives_the_same_bank(tmp_path: Path) -> None:
    runner = CliRunner()
    source = ROOT / "exams" / "banks" / "regulations.yaml"
    exported = runner.invoke(main, ["bank", "export", str(source), "--to", str(tmp_path / "条例.xlsx")])
    assert exported.exit_code == 0, exported.output
    assert "已导出 1 个题库、" in exported.output
    imported = runner.invoke(main, ["bank", "import", str(tmp_path / "条例.xlsx"), "--to", str(tmp_path / "r.yaml")])
    assert imported.exit_code == 0, imported.output
    assert read_banks([tmp_path / "r.yaml"]) == read_banks([source])


def test_cli_template_writes_the_workbook(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["bank", "template", "--to", str(tmp_path / "模板.xlsx")])
    assert result.exit_code == 0, result.output
    assert load_workbook(tmp_path / "模板.xlsx").sheetnames[0] == "题目"


def test_yaml_written_by_import_reads_as_the_shipped_banks_do() -> None:
    text = dump_bank(AuthoredBank("example", "示例", EXAMPLES[:2]), note="由测试生成")
    assert text.startswith("# 由测试生成\nbank: example\ntitle: 示例\nitems:\n  - id: example-001\n    type: single\n")
    assert "\n\n  - id: example-002\n" in text
