"""Dates as people in a Chinese office type them: 2026年11月30日, 2026-11-30, 2026/11/30 or
2026.11.30 (month and day with or without a leading zero, fullwidth digits and spaces allowed).
One parser, so every form and page accepts the same thing and refuses it with the same words."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

FORMS = "2026年11月30日、2026-11-30、2026/11/30 或 2026.11.30"
_SEPARATED = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_CHINESE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?")


class DateError(ValueError):
    """A text that is not a date in one of the accepted forms, or not a day of the calendar."""


def parse_date(text: str) -> date:
    """The day `text` names. DateError says, in Chinese, what was typed and what is accepted."""
    # NFKC turns fullwidth digits and separators (２０２６／１１／３０) into ASCII ones
    flat = "".join(unicodedata.normalize("NFKC", text).split())
    match = _SEPARATED.fullmatch(flat) or _CHINESE.fullmatch(flat)
    if match is None:
        raise DateError(f"日期应写成 {FORMS}，而不是 {text.strip()!r}")
    year, month, day = (int(part) for part in match.groups() if part.isdigit())
    if not 1 <= month <= 12:
        raise DateError(f"没有这一天：{text.strip()!r}（月份应为 1–12）")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"没有这一天：{text.strip()!r}（{year} 年 {month} 月没有 {day} 日）") from None
