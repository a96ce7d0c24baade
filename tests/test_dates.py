"""Every common way of writing a day in a Chinese office reads as that day; anything else is refused in Chinese."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.dates import DateError, parse_date

FORMS = ("{y}年{m}月{d}日", "{y}-{m}-{d}", "{y}/{m}/{d}", "{y}.{m}.{d}")


@given(st.dates(min_value=date(1000, 1, 1)), st.sampled_from(FORMS), st.booleans(), st.booleans())
def test_every_valid_day_in_every_form_reads_as_that_day(day: date, form: str, padded: bool, spaced: bool) -> None:
    part = "{:02d}" if padded else "{}"
    text = form.format(y=day.year, m=part.format(day.month), d=part.format(day.day))
    if spaced:
        text = f" {text.replace('年', ' 年 ')} "
    assert parse_date(text) == day


@given(st.dates(min_value=date(1000, 1, 1)))
def test_fullwidth_digits_and_separators_read_too(day: date) -> None:
    fullwidth = str.maketrans("0123456789/", "０１２３４５６７８９／")
    assert parse_date(f"{day:%Y/%m/%d}".translate(fullwidth)) == day


@pytest.mark.parametrize("text", ["2026年2月30日", "2026-13-01", "2026/02/29", "2026.00.10"])
def test_a_day_not_on_the_calendar_is_refused_by_name(text: str) -> None:
    with pytest.raises(DateError, match="没有这一天"):
        parse_date(text)


@pytest.mark.parametrize("text", ["", "明天", "30/11/2026", "2026-11/30", "2026年11月", "20261130", "2026-11-30 10:00"])
def test_anything_else_is_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(DateError, match="日期应写成 2026年11月30日"):
        parse_date(text)
