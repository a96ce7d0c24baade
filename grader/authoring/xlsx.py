"""The Excel workbook of a bank: the template trainers fill in, the export, and reading either back.

Sheets: 题目 (a note row, the header, one row per question, drop-down lists on 题型, 内容领域 and 用途),
题库 (its 编号 and 名称), 说明 (what each column holds), 示例 (one filled row per type, never imported) and
a hidden 列表 sheet the drop-downs read. Any sheet whose header row holds 题号 and 题型 can be imported."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.authoring.record import AuthoredBank, Record, UnwritableError, clean, not_xml
from grader.authoring.rows import (
    AREA_LABELS,
    COLUMNS,
    OPTION_COLUMNS,
    REQUIRED_COLUMNS,
    TYPE_LABELS,
    USE_LABELS,
    RowProblem,
    to_cells,
    unrepresentable,
)
from grader.authoring.samples import EXAMPLES

QUESTIONS, BANK, NOTES, EXAMPLE, LISTS = "题目", "题库", "说明", "示例", "列表"
MAX_ROWS = 3000  # rows the drop-down lists cover at least (and 500 more than an exported bank has)
MAX_CELL = 32_767  # Excel's limit for one cell
NOTE = ("每行一道题。题号、题型、题干、分值、内容领域、出处文件、出处条款必填；考试题还要填知识点。"
        "单选、多选填选项A起的选项，答案写字母（B、ACD）；判断题答案写 正确 或 错误；填空题题干用 ____ 标出空位，"
        "可接受的答案用 ｜ 分隔；简答题不填答案，填评分要点（每条一行）。鼠标停在列名上可看说明，“示例”表有样例。")
COLUMN_NOTES: dict[str, str] = {
    "题号": "全部题库中唯一，只用小写字母、数字和连字符，如 law-151；发布后不再改动",
    "题型": "单选、多选、判断、填空、简答（下拉选择）",
    "题干": "题目正文；填空题用 ____（四个下划线）标出空位",
    "选项A": "选择题的选项，从选项A起依次填写，至少两项，最多到选项H；判断、填空、简答题不填",
    "答案": "单选：一个字母，如 B；多选：字母串，如 ACD；判断：正确 或 错误；"
            "填空：可接受的答案，用 ｜ 分隔；简答：不填",
    "分值": "正数，如 2",
    "内容领域": "下拉选择",
    "知识点": "本题考查的那一个知识点；同一知识点的两道题不会出在同一张试卷上。考试题必填",
    "出处文件": "核对答案所依据的文件（写明版本），如 《中华人民共和国监察法》（2024年修正）",
    "出处条款": "所依据的条款，如 第十五条",
    "解析": "答案的依据，最好逐字引用出处原文",
    "评分要点": "简答题的评分要点，每条一行",
    "用途": "考试（默认）或 练习（课程自测题，不进入试卷）",
}
_WIDE = {"题干": 50, "解析": 40, "评分要点": 40, "出处文件": 30}


@dataclass(frozen=True)
class SheetRows:
    """What a workbook or CSV file holds: its bank (if it says), its question rows and its header problems."""

    bank_id: str
    title: str
    rows: tuple[tuple[int, dict[str, object]], ...]  # (row number as the trainer sees it, column → cell)
    problems: tuple[RowProblem, ...]
    unit: str = "行"  # rows are "第 7 行"; a Word file's questions "第 3 题"
    places: tuple[tuple[int, str], ...] = ()  # a row's place said otherwise ("第 3 题（“根据…”）")
    names: tuple[tuple[str, str], ...] = ()  # a column as this format calls it (Word: 出处文件 → 出处)
    numbered: bool = False  # a row without 题号 gets <bank>-<number> (Word files number their questions)


def _cell_reasons(record: Record) -> list[str]:
    reasons = ([why] if (why := unrepresentable(record)) else []) + not_xml(record)
    for column, value in to_cells(record).items():
        if isinstance(value, str) and len(value) > MAX_CELL:
            reasons.append(f"{record.id}：{column} 超过 Excel 单元格的 {MAX_CELL} 个字符")
    return reasons


def _put(sheet: Any, row: int, column: int, value: object) -> Any:
    cell = sheet.cell(row, column, value if value != "" else None)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula
    return cell


def _header(sheet: Any, with_notes: bool) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet.cell(1, 1, NOTE).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    sheet.row_dimensions[1].height = 60
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(2, index, column)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        note = COLUMN_NOTES.get("选项A" if column in OPTION_COLUMNS else column)
        if with_notes and note:
            cell.comment = Comment(note, "qinglian", width=300, height=120)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = _WIDE.get(column, 10 if column in OPTION_COLUMNS else 14)
    sheet.freeze_panes = "C3"


def _rows(sheet: Any, records: Sequence[Record]) -> None:
    from openpyxl.styles import Alignment

    wrap = Alignment(wrap_text=True, vertical="top")
    for number, record in enumerate(records, start=3):
        cells = to_cells(record)
        for index, column in enumerate(COLUMNS, start=1):
            _put(sheet, number, index, cells[column]).alignment = wrap


def _validation(sheet: Any, rows: int) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    def column(name: str) -> str:
        letter = get_column_letter(COLUMNS.index(name) + 1)
        return f"{letter}3:{letter}{max(MAX_ROWS, rows + 500)}"

    rules = (
        ("题型", DataValidation(type="list", formula1=f'"{",".join(TYPE_LABELS.values())}"')),
        ("用途", DataValidation(type="list", formula1=f'"{",".join(USE_LABELS.values())}"')),
        ("内容领域", DataValidation(type="list", formula1=f"'{LISTS}'!$A$1:$A${len(AREA_LABELS)}")),
        ("分值", DataValidation(type="decimal", operator="greaterThan", formula1="0")),
    )
    for name, rule in rules:
        rule.allow_blank = True
        rule.error, rule.errorTitle, rule.showErrorMessage = f"{name}：{COLUMN_NOTES[name]}", name, True
        rule.prompt, rule.promptTitle, rule.showInputMessage = COLUMN_NOTES[name], name, True
        sheet.add_data_validation(rule)
        rule.add(column(name))


def _questions(book: Any, title: str, records: Sequence[Record]) -> None:
    sheet = book.create_sheet(title)
    _header(sheet, with_notes=True)
    _rows(sheet, records)
    _validation(sheet, len(records))


def _side_sheets(book: Any, bank: AuthoredBank) -> None:
    from openpyxl.styles import Alignment, Font

    info = book.create_sheet(BANK)
    for row, (label, value) in enumerate((("题库编号", bank.id), ("题库名称", bank.title)), start=1):
        info.cell(row, 1, label).font = Font(bold=True)
        _put(info, row, 2, value)
    info.cell(3, 1, "题库编号只用小写字母、数字和连字符；导入后保存为 题库编号.yaml")
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 12, 60
    notes = book.create_sheet(NOTES)
    notes.append(["列名", "填写说明"])
    notes.append(["（全表）", NOTE])
    for name, text in COLUMN_NOTES.items():
        notes.append([name if name != "选项A" else "选项A … 选项H", text])
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 16, 100
    for (cell,) in notes.iter_rows(min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _lists(book: Any) -> None:
    """The hidden sheet the 内容领域 drop-down reads (its labels are too long for an inline list)."""
    lists = book.create_sheet(LISTS)
    for row, label in enumerate(AREA_LABELS.values(), start=1):
        lists.cell(row, 1, label)
    lists.sheet_state = "hidden"


def write_bank(bank: AuthoredBank, *, examples: bool = False) -> bytes:
    """The workbook of a bank (the template is an empty bank with the example sheet); raises UnwritableError."""
    from openpyxl import Workbook

    reasons = [reason for record in bank.records for reason in _cell_reasons(record)]
    if reasons:
        raise UnwritableError(reasons)
    book = Workbook()
    book.remove(book.worksheets[0])
    _questions(book, QUESTIONS, bank.records)
    _side_sheets(book, bank)
    if examples:
        _questions(book, EXAMPLE, EXAMPLES)
    _lists(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template() -> bytes:
    return write_bank(AuthoredBank("", "", ()), examples=True)


def header_columns(file: str, number: int, header: Sequence[object]) -> tuple[dict[int, str], list[RowProblem]]:
    """Which column each header cell names (compared without spaces, full-width folded), and what is wrong."""
    from grader.authoring.rows import fold

    known = {fold(name): name for name in COLUMNS}
    found: dict[int, str] = {}
    problems: list[RowProblem] = []
    for index, value in enumerate(header):
        text = clean(value)
        if not text:
            continue
        name = known.get(fold(text))
        if name is None:
            problems.append(RowProblem(file, f"第 {number} 行", text, f"未知列名（可用 {'、'.join(COLUMNS)}）"))
        elif name in found.values():
            problems.append(RowProblem(file, f"第 {number} 行", text, "列名重复"))
        else:
            found[index] = name
    missing = [name for name in REQUIRED_COLUMNS if name not in found.values()]
    if missing:
        problems.append(RowProblem(file, f"第 {number} 行", "", f"缺少列 {'、'.join(missing)}"))
    return found, problems


def question_rows(file: str, table: Sequence[Sequence[object]]) -> SheetRows:
    """The question rows of a table whose header row (within its first ten) holds 题号 and 题型."""
    from grader.authoring.rows import fold

    start = next((n for n, row in enumerate(table[:10])
                  if {"题号", "题型"} <= {fold(clean(v)) for v in row}), None)
    if start is None:
        return SheetRows("", "", (), (RowProblem(file, "第 1 行", "", "找不到表头（含 题号、题型 等列名的一行）"),))
    columns, problems = header_columns(file, start + 1, table[start])
    rows = []
    for number, values in enumerate(table[start + 1:], start=start + 2):
        cells = {columns[i]: v for i, v in enumerate(values) if i in columns and clean(v)}
        if cells:
            rows.append((number, cells))
    return SheetRows("", "", tuple(rows), tuple(problems))


def read_workbook(path: Path) -> SheetRows:
    """The questions of a workbook: its 题目 sheet (else its first sheet), and its bank from 题库."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        return SheetRows("", "", (), (RowProblem(str(path), "第 1 行", "", f"无法读取 Excel 文件（{error}）"),))
    try:
        names = book.sheetnames
        sheet = book[QUESTIONS] if QUESTIONS in names else book.worksheets[0]
        found = question_rows(str(path), [tuple(row) for row in sheet.iter_rows(values_only=True)])
        info = {clean(row[0]): clean(row[1]) for row in book[BANK].iter_rows(max_col=2, values_only=True)
                if len(row) > 1} if BANK in names else {}
    finally:
        book.close()
    return SheetRows(info.get("题库编号", ""), info.get("题库名称", ""), found.rows, found.problems)
