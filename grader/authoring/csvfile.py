"""A bank saved as CSV from Excel or WPS: the template's columns, one row per question.

Excel's "CSV UTF-8" is UTF-8 with a byte-order mark; an older Excel or WPS on Chinese Windows saves GB18030
(GBK): both are read. Rows are counted as Excel shows them (header row 1), whatever line breaks cells hold."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grader.authoring.rows import RowProblem
from grader.authoring.xlsx import SheetRows, question_rows

ENCODINGS = ("utf-8-sig", "gb18030")


def _text(path: Path) -> str | RowProblem:
    try:
        data = path.read_bytes()
    except OSError as error:
        return RowProblem(str(path), "第 1 行", "", f"无法读取文件（{error.strerror or error}）")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return RowProblem(str(path), "第 1 行", "", "文件既不是 UTF-8 也不是 GBK 编码（请在 Excel 中另存为“CSV UTF-8”）")


def read_csv(path: Path) -> SheetRows:
    text = _text(path)
    if isinstance(text, RowProblem):
        return SheetRows("", "", (), (text,))
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        return SheetRows("", "", (), (RowProblem(str(path), "第 1 行", "", f"CSV 格式错误（{error}）"),))
    return question_rows(str(path), table)
