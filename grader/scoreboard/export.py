"""The scoreboard as an `.xlsx` workbook (openpyxl): the unit and its sub-units, its people
(names masked, no ID numbers: this is the public list) and a sheet saying what was counted."""

from __future__ import annotations

from datetime import datetime

from grader.scoreboard.model import CITY, DrillDown, Filters, Tally, programme_title, verdict_text
from grader.workbook import workbook

UNIT_COLUMNS = ("单位", "单位类别", "在册人数", "参考人次", "通过人次", "通过率")
PEOPLE_COLUMNS = ("姓名（已隐去部分）", "职级", "考试", "最好成绩（%）", "是否通过", "考试次数", "最近考试时间")
RULES = ("每人每类考试计一次：取统计期间内该类试卷当前成绩中最好的一次；任一次达到该试卷及格线即为通过。"
         "成绩含阅卷人给简答题的评分；尚待人工评分的简答题暂不计分。")


def _unit_row(tally: Tally, label: str | None = None) -> list[object]:
    return [label or tally.unit, tally.kind, tally.people, tally.candidates, tally.passed, tally.rate]


def unit_rows(drill: DrillDown) -> list[list[object]]:
    """The unit itself (合计, sub-units included), then each sub-unit."""
    return [_unit_row(drill.tally, f"{drill.tally.unit}（合计）")] + [_unit_row(t) for t in drill.sub_units]


def people_rows(drill: DrillDown) -> list[list[object]]:
    return [[p.name, p.rank, programme_title(p.programme) if p.programme else "",
             "" if p.best is None else round(p.best, 1),
             verdict_text(p.passed), p.attempts, p.last]
            for p in drill.people]


def about_rows(filters: Filters, unit: str | None, now: datetime) -> list[list[object]]:
    return [["考试", programme_title(filters.programme)], ["统计期间", filters.period.label],
            ["单位", unit or CITY], ["导出时间", now], ["计分规则", RULES],
            ["个人信息", "姓名已隐去部分字，不含身份证号"]]


def drill_down_xlsx(drill: DrillDown, filters: Filters, now: datetime) -> bytes:
    unit = None if drill.tally.unit == CITY else drill.tally.unit
    return workbook([("单位", UNIT_COLUMNS, unit_rows(drill)), ("人员", PEOPLE_COLUMNS, people_rows(drill)),
                     ("说明", ("项目", "内容"), about_rows(filters, unit, now))])


def file_name(filters: Filters, unit: str | None) -> str:
    return f"成绩榜-{unit or CITY}-{programme_title(filters.programme)}-{filters.period.label}.xlsx"
