"""Excel workbooks people open without surprises, and the link a Voila page offers them through.

Every `.xlsx` qinglian writes comes from `workbook`: a bold, frozen header row, columns wide
enough for Chinese text, dates and times as Excel dates, rates as percentages, and text that
begins with "=" kept as text (a name or an answer must never become a formula)."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from datetime import date, datetime

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERCENT_COLUMNS = frozenset({"通过率"})  # fractions shown as 65.0%
Sheet = tuple[str, Sequence[str], Sequence[Sequence[object]]]  # title, header (may be empty), rows


def _width(value: object) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)  # CJK characters take two columns


def _cell(value: object) -> object:
    if value is None or isinstance(value, str | int | float | date):
        return value
    return str(value)


def _format(cell: object, column: str) -> None:
    value = getattr(cell, "value", None)
    if column in PERCENT_COLUMNS and isinstance(value, float):
        cell.number_format = "0.0%"  # type: ignore[attr-defined]
    elif isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"  # type: ignore[attr-defined]
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"  # type: ignore[attr-defined]
    elif isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # type: ignore[attr-defined]


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """One sheet per (title, header, rows); a sheet with no header is a plain list of rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.worksheets[0])  # the default empty sheet
    for title, columns, rows in sheets:
        sheet = book.create_sheet(title[:31])  # Excel's limit for sheet names
        if columns:
            sheet.append(list(columns))
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            sheet.freeze_panes = "A2"
        for row in rows:
            sheet.append([_cell(value) for value in row])
        width = max([len(columns)] + [len(row) for row in rows])
        for index in range(1, width + 1):
            column = columns[index - 1] if index <= len(columns) else ""
            values = [row[index - 1] for row in rows if len(row) >= index]
            letter = sheet.cell(1, index).column_letter
            sheet.column_dimensions[letter].width = min(60, max([_width(column)] + [_width(v) for v in values]) + 2)
            for (cell,) in sheet.iter_rows(min_row=2 if columns else 1, min_col=index, max_col=index):
                _format(cell, column)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download_link(filename: str, data: bytes, label: str, css: str = "ql-download", *, mime: str = XLSX_MIME,
                  style: str = "") -> str:
    """An anchor that saves `data` as `filename`: Voila serves no files, so the bytes travel in the link."""
    encoded = base64.b64encode(data).decode("ascii")
    styled = f" style='{html.escape(style, quote=True)}'" if style else ""
    return (f"<a class='{html.escape(css, quote=True)}' download='{html.escape(filename, quote=True)}'{styled} "
            f"href='data:{mime};base64,{encoded}'>{html.escape(label)}</a>")
