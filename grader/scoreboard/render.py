"""The scoreboard's HTML: tables and charts built from the library's dataclasses. Every text is
escaped; people appear only with masked names (PublicScore holds nothing else)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from grader.scoreboard.chart import band_columns, percent, rate_bars
from grader.scoreboard.model import (
    CITY,
    Band,
    Board,
    DrillDown,
    Filters,
    Ranked,
    Rate,
    Tally,
    programme_title,
    verdict_text,
)

if TYPE_CHECKING:  # grader.programmes is loaded only when a page asks for cleared rates
    from grader.scoreboard.cleared import ClearedBoard

_TABLE = "border-collapse:collapse;font-size:13px"
_CELL = "border:1px solid #ccc;padding:3px 8px"
_SCROLL = "max-height:420px;overflow:auto;margin-bottom:8px"


def table(columns: Sequence[str], rows: Sequence[Sequence[object]], css_class: str) -> str:
    head = "".join(f"<th style='{_CELL};background:#f3f3f3'>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td style='{_CELL}'>{escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in rows)
    return (f"<div style='{_SCROLL}'><table class='{css_class}' style='{_TABLE}'>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def _unit_cells(tally: Tally, label: str | None = None) -> list[object]:
    return [label or tally.unit, tally.kind or "—", tally.people, tally.candidates, tally.passed, percent(tally.rate)]


def summary(board: Board, filters: Filters) -> str:
    city = board.city
    if not board.units:
        return "<p class='ql-summary'>名单中还没有单位和人员（先导入名单：qinglian roster import）。</p>"
    return (f"<p class='ql-summary'><b>{escape(filters.label)}</b>：全市在册 {city.people} 人，"
            f"参考 {city.candidates} 人次，通过 {city.passed} 人次（每人每类考试计一次），"
            f"通过率 <b>{percent(city.rate)}</b>。</p>")


def crumbs(path: Sequence[str]) -> str:
    return f"<p class='ql-crumbs'>当前位置：{' › '.join(escape(p) for p in [CITY, *path])}</p>"


def units(drill: DrillDown, city_rate: float | None) -> str:
    """The unit (合计) and its sub-units: a table and a bar chart of pass rates."""
    columns = ("单位", "单位类别", "在册人数", "参考人次", "通过人次", "通过率")
    rows = [_unit_cells(drill.tally, f"{drill.tally.unit}（合计）")] + [_unit_cells(t) for t in drill.sub_units]
    chart = rate_bars([(t.unit, t.rate, f"（{t.passed}/{t.candidates}）") for t in drill.sub_units], mark=city_rate)
    html = table(columns, rows, "ql-unit-table")
    return html + (f"<div style='{_SCROLL}'>{chart}</div>" if drill.sub_units else "<p>没有下级单位。</p>")


def people(drill: DrillDown) -> str:
    if drill.tally.unit == CITY:
        return "<p class='ql-people'>选择一个单位后显示本单位人员的成绩（姓名已隐去部分字）。</p>"
    if drill.withheld:  # fewer than k people: the library gave no list (grader.scoreboard.query)
        return f"<p class='ql-people ql-withheld'>{escape(drill.withheld)}（参考 {drill.examinees} 人）</p>"
    if not drill.people:
        return "<p class='ql-people'>本单位名单中没有人员（人员可能都在下级单位）。</p>"
    columns = ("姓名", "职级", "考试", "最好成绩", "是否通过", "考试次数", "最近考试时间")
    rows = [[p.name, p.rank, programme_title(p.programme) if p.programme else "—",
             "—" if p.best is None else f"{p.best:.1f}%", verdict_text(p.passed), p.attempts,
             "—" if p.last is None else f"{p.last:%Y-%m-%d}"] for p in drill.people]
    return (f"<p>{escape(drill.tally.unit)}本单位人员 {drill.headcount} 人，参考 {drill.examinees} 人"
            "（每人每类考试一行；下级单位的人员请进入下级单位查看）：</p>"
            + table(columns, rows, "ql-people"))


def bands(distribution: Sequence[Band], unit: str) -> str:
    rows = [[b.label, b.count, percent(b.share)] for b in distribution]
    chart = band_columns([(b.label, b.count) for b in distribution])
    return (f"<p>{escape(unit)}参考人员的成绩分布（按得分率，分）：</p>{chart}"
            + table(("成绩段", "人数", "占比"), rows, "ql-bands"))


def ranking(ranked: Sequence[Ranked], minimum: int) -> str:
    if not ranked:
        return "<p class='ql-ranking'>没有可排名的单位。</p>"
    rows = [["—" if r.rank is None else r.rank, r.tally.unit, r.tally.kind, r.tally.candidates, r.tally.passed,
             percent(r.tally.rate), r.note] for r in ranked]
    return (f"<p>按通过率排名（含下级单位；参考不足 {minimum} 人的单位不参与排名）：</p>"
            + table(("名次", "单位", "单位类别", "参考人次", "通过人次", "通过率", "说明"), rows, "ql-ranking"))


def periods(rates: Sequence[Rate], unit: str) -> str:
    if not rates:
        return "<p class='ql-periods'>所选范围内还没有成绩。</p>"
    rows = [[r.label, r.candidates, r.passed, percent(r.rate), "—" if r.mean is None else f"{r.mean:.1f}"]
            for r in rates]
    return (f"<p>{escape(unit)}各期间的通过率：</p>"
            + table(("期间", "参考人次", "通过人次", "通过率", "平均成绩（%）"), rows, "ql-periods"))


def error(message: str) -> str:
    return f"<p style='color:#b00'>{escape(message)}</p>"


def cleared(board: ClearedBoard, unit: str | None) -> str:
    """Cleared counts of a programme for the unit and its sub-units."""
    rows = [board.city] if unit is None else [c for c in board.units if c.unit == unit]
    rows += list(board.children(unit))
    year = f"（{board.year} 年）" if board.year else ""
    body = [[c.unit if i else f"{c.unit}（合计）", c.people, c.cleared, percent(c.rate)] for i, c in enumerate(rows)]
    return (f"<p>{escape(board.title)}{year}：已完成全部环节的人数（含下级单位）。</p>"
            + table(("单位", "计入人数", "已完成", "完成率"), body, "ql-cleared"))
