"""Item analysis leaving the library: `.xlsx` and `.csv` files read back, and `qinglian items`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.cli import main
from grader.item_analysis import ItemAnalysisError, item_analysis
from grader.item_analysis.export import ITEM_COLUMNS, write_analysis
from grader.item_analysis.stats import ItemAnalysis, ItemSpec, PaperResponses, Sheet, analyse
from grader.item_analysis.text import ratio
from grader.settings import Settings
from tests.graded_papers import grade_simulated

OPTIONS = (("A", "甲"), ("B", "乙"))


def _analysis() -> ItemAnalysis:
    items = (ItemSpec(1, "q01", "a", "single", "=1+1 是公式吗", 1.0, OPTIONS),
             ItemSpec(2, "q02", "b", "single", "张,伟 的“题目”", 2.0, OPTIONS),
             ItemSpec(3, "q03", "c", "essay", "论述", 10.0))
    sheets = (Sheet("s1", (1.0, 2.0, 8.0), ("A", "B", "答")), Sheet("s2", (0.0, 2.0, 5.0), ("B", "B", "答")),
              Sheet("s3", (1.0, 0.0, 6.0), ("A", "", "答")), Sheet("s4", (0.0, 0.0, 1.0), ("", "A", "")))
    return analyse(PaperResponses("t-a", "导出测试", 8.0, items, sheets))


def test_xlsx_holds_the_library_figures_as_numbers_and_texts_stay_text(tmp_path: Path) -> None:
    analysis = _analysis()
    path = tmp_path / "items.xlsx"
    write_analysis(analysis, path)
    book = load_workbook(path)
    assert book.sheetnames == ["试卷概况", "题目分析", "选项分析"]
    rows = list(book["题目分析"].iter_rows(values_only=True))
    assert rows[0] == ITEM_COLUMNS
    by_column = [dict(zip(ITEM_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert [r["难度(通过率)"] for r in by_column] == [i.facility for i in analysis.items]
    assert [r["区分度"] for r in by_column] == [i.discrimination for i in analysis.items]
    stem_cell = book["题目分析"]["B2"]
    assert stem_cell.value == "=1+1 是公式吗" and stem_cell.data_type == "s"
    options = list(book["选项分析"].iter_rows(values_only=True))[1:]
    assert len(options) == sum(len(i.options) for i in analysis.items)
    assert options[0][:3] == (1, "A", "甲")
    summary = dict(book["试卷概况"].iter_rows(values_only=True))
    assert summary["人数"] == 4 and summary["α（Cronbach）"] == analysis.paper.alpha


def test_csv_is_utf8_with_bom_one_row_per_item_and_quoted(tmp_path: Path) -> None:
    analysis = _analysis()
    path = tmp_path / "items.csv"
    write_analysis(analysis, path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["题目"] for r in rows] == [i.stem for i in analysis.items]
    assert [r["区分度"] for r in rows] == ["" if i.discrimination is None else str(i.discrimination)
                                         for i in analysis.items]


def test_an_unknown_export_format_is_refused_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(ItemAnalysisError, match=r"items\.pdf"):
        write_analysis(_analysis(), tmp_path / "items.pdf")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_items_command_prints_the_table_and_summary_and_exports(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    assignment = released[0]
    grade_simulated(settings, engine, assignment, [f"S{n:03d}" for n in range(12)])
    with Session(engine) as session:
        analysis = item_analysis(session, assignment)
    target = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["items", assignment, "--root", str(settings.root), "--db", settings.db_url,
                                       "--to", str(target)], terminal_width=200)
    assert result.exit_code == 0, result.output
    for heading in ("题号", "难度(通过率)", "区分度", "标记", "人数 12", "α"):
        assert heading in result.output
    for item in analysis.items:
        assert ratio(item.facility) in result.output
    facilities = [row[8] for row in load_workbook(target)["题目分析"].iter_rows(min_row=2, values_only=True)]
    assert facilities == [i.facility for i in analysis.items]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_items_command_for_an_unknown_paper_fails_with_its_name(settings: Settings, engine: Engine) -> None:
    result = CliRunner().invoke(main, ["items", "nope", "--root", str(settings.root), "--db", settings.db_url])
    assert result.exit_code == 1
    assert "没有名为 nope 的试卷" in result.output
