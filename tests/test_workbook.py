"""Workbooks open in Excel as people expect, and the download link carries the bytes unchanged."""

from __future__ import annotations

import base64
import io
import re
from datetime import date, datetime

from openpyxl import load_workbook

from grader.workbook import download_link, workbook


def test_a_sheet_has_a_bold_frozen_header_and_typed_cells() -> None:
    data = workbook([("名单", ("姓名", "通过率", "日期", "时间"),
                      [["张,伟", 0.655, date(2026, 11, 2), datetime(2026, 11, 2, 9, 30)]])])
    sheet = load_workbook(io.BytesIO(data))["名单"]
    assert [c.value for c in sheet[1]] == ["姓名", "通过率", "日期", "时间"] and sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet["A2"].value == "张,伟" and sheet["B2"].number_format == "0.0%"
    assert sheet["C2"].number_format == "yyyy-mm-dd" and sheet["D2"].number_format == "yyyy-mm-dd hh:mm"


def test_text_that_looks_like_a_formula_stays_text() -> None:
    sheet = load_workbook(io.BytesIO(workbook([("x", ("答案",), [["=1+1"]])])))["x"]
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"


def test_a_sheet_without_a_header_is_just_its_rows() -> None:
    sheet = load_workbook(io.BytesIO(workbook([("概况", (), [("人数", 40), ("α", 0.81)])])))["概况"]
    assert list(sheet.iter_rows(values_only=True)) == [("人数", 40), ("α", 0.81)]


def test_the_download_link_carries_the_bytes_and_an_escaped_name() -> None:
    link = download_link("张'三.pdf", b"%PDF-1.7 \x00\xff", "下载 PDF", mime="application/pdf")
    assert "download='张&#x27;三.pdf'" in link
    encoded = re.search(r"base64,([^']+)'", link).group(1)  # type: ignore[union-attr]
    assert base64.b64decode(encoded) == b"%PDF-1.7 \x00\xff"
