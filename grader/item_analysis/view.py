"""The item-analysis page for trainers (voila_apps/item_analysis.ipynb): choose a paper, read its
summary and item table with the flagged items marked, click an item for its distractor table by
upper and lower group. No answer key is loaded: the page shows counts, never which option is right."""

from __future__ import annotations

import html
import os
from collections.abc import Mapping

import ipywidgets as widgets
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from grader.bank import ITEM_TYPES
from grader.gradebook.engine import connect
from grader.item_analysis.load import ItemAnalysisError, graded_papers, item_analysis
from grader.item_analysis.stats import ItemAnalysis, ItemStats
from grader.item_analysis.text import groups_text, percent, ratio, score, short, summary_text
from grader.pages.snapshot import show
from grader.settings import Settings
from grader.staff.page import StaffGate

_STYLE = """<style>
.ql-item-analysis .ql-grid { grid-gap: 2px 12px; align-items: center; }
.ql-item-analysis .ql-head { font-weight: bold; border-bottom: 1px solid #999; }
.ql-item-analysis .ql-flagged { background: #fdecea; }
.ql-item-analysis .ql-flag { color: #b00; font-weight: bold; }
.ql-item-analysis table.ql-options td, .ql-item-analysis table.ql-options th { padding: 2px 10px; text-align: right; }
.ql-item-analysis a, .ql-item-analysis a:visited { color: #0645ad; text-decoration: underline; }
</style>"""
_COLUMNS = ("题号", "题目", "难度(通过率)", "区分度", "区分效率", "标记")


def _cell(text: str, *classes: str, title: str = "") -> widgets.HTML:
    attribute = f" title='{html.escape(title, quote=True)}'" if title else ""
    cell = widgets.HTML(f"<span{attribute}>{html.escape(text)}</span>")
    for name in classes:
        if name:
            cell.add_class(name)
    return cell


def _share(count: int, of: int) -> str:
    return f"{count}（{count / of:.0%}）" if of else str(count)


def option_table(item: ItemStats, group_size: int, candidates: int) -> str:
    """The distractor table as HTML: each option's choosers in the upper group, lower group and all."""
    rows = "".join(
        f"<tr class='ql-option-{html.escape(o.option)}'><th style='text-align:left'>{html.escape(o.option)}</th>"
        f"<td style='text-align:left'>{html.escape(o.text)}</td><td>{_share(o.upper, group_size)}</td>"
        f"<td>{_share(o.lower, group_size)}</td><td>{_share(o.everyone, candidates)}</td></tr>" for o in item.options)
    return ("<table class='ql-options'><tr><th style='text-align:left'>选项</th><th style='text-align:left'>内容</th>"
            f"<th>高分组</th><th>低分组</th><th>全体</th></tr>{rows}</table>")


class ItemAnalysisPage:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.analysis: ItemAnalysis | None = None
        self.widget = widgets.VBox()
        self.widget.add_class("ql-item-analysis")
        self.summary, self.message = widgets.HTML(), widgets.HTML()
        self.summary.add_class("ql-summary")
        self.message.add_class("ql-message")
        self.table, self.detail = widgets.GridBox(), widgets.VBox()
        self.table.add_class("ql-grid")
        self.detail.add_class("ql-detail")
        try:
            with Session(engine) as session:
                papers = graded_papers(session)
        except SQLAlchemyError as error:
            self._fail(f"无法读取成绩库：{type(error).__name__}")
            return
        self.chooser = widgets.Dropdown(description="试卷", value=None, layout=widgets.Layout(width="36em"),
                                        options=[(f"{p.title}（{p.assignment}，{p.candidates} 人）", p.assignment)
                                                 for p in papers])
        self.chooser.add_class("ql-paper")
        self.chooser.observe(lambda change: self.show(change["new"]), names="value")
        intro = "选择一份试卷。" if papers else "还没有评分结果的试卷（先用 qinglian autograde 评分）。"
        self.widget.children = [widgets.HTML(f"{_STYLE}<h2>题目分析</h2><p>{intro}</p>"), self.chooser,
                                self.message, self.summary, self.table, self.detail]

    def _fail(self, text: str) -> None:
        self.message.value = f"<p style='color:#b00'>{html.escape(text)}</p>"
        self.widget.children = [widgets.HTML(f"{_STYLE}<h2>题目分析</h2>"), self.message]

    def show(self, assignment: str | None) -> None:
        self.table.children, self.detail.children, self.summary.value, self.message.value = (), (), "", ""
        if assignment is None:
            return
        try:
            with Session(self.engine) as session:
                self.analysis = item_analysis(session, assignment)
        except (ItemAnalysisError, SQLAlchemyError) as error:
            self.message.value = f"<p style='color:#b00'>{html.escape(str(error))}</p>"
            return
        self.summary.value = f"<p>{html.escape(summary_text(self.analysis.paper))}。</p>"
        self._table(self.analysis)

    def _table(self, analysis: ItemAnalysis) -> None:
        cells: list[widgets.Widget] = [_cell(heading, "ql-head") for heading in _COLUMNS]
        for item in analysis.items:
            flagged = "ql-flagged" if item.flags else ""
            button = widgets.Button(description=str(item.position), tooltip="查看选项分析",
                                    layout=widgets.Layout(width="4em"))
            button.add_class(f"ql-open-{item.name}")
            button.on_click(lambda _, item=item: self.open(item.name))
            cells += [button, _cell(short(item.stem), flagged, title=item.stem),
                      _cell(ratio(item.facility), flagged, f"ql-facility-{item.name}"),
                      _cell(ratio(item.discrimination), flagged, f"ql-discrimination-{item.name}"),
                      _cell(percent(item.efficiency), flagged),
                      _cell("、".join(item.flags), flagged, "ql-flag", f"ql-flags-{item.name}")]
        self.table.layout = widgets.Layout(grid_template_columns="5em minmax(12em, 28em) 7em 5em 6em auto")
        self.table.children = cells

    def open(self, name: str) -> None:
        """The detail of one item: its figures, then its distractor table (choice items)."""
        assert self.analysis is not None
        item, paper = self.analysis.item(name), self.analysis.paper
        figures = "，".join([f"满分 {item.max_score:g}", f"已评分 {item.scored} 人", f"待评分 {item.pending} 人",
                             f"平均分 {score(item.mean)}", f"标准差 {score(item.sd)}",
                             f"难度(通过率) {ratio(item.facility)}", f"区分度 {ratio(item.discrimination)}",
                             f"区分效率 {percent(item.efficiency)}"])
        head = (f"<h3>第 {item.position} 题（{html.escape(ITEM_TYPES.get(item.type, item.type))}）</h3>"
                f"<p>{html.escape(item.stem)}</p><p>{html.escape(figures)}</p>")
        body = (f"<p>{html.escape(groups_text(paper))}。多选题的答案按所含的每个字母分别计数。</p>"
                f"{option_table(item, paper.group_size, paper.candidates)}" if item.options
                else "<p>此题不是选择题，没有选项分析；难度为平均得分占满分的比例。</p>")
        panel = widgets.HTML(head + body)
        panel.add_class(f"ql-detail-{item.name}")
        self.detail.children = [panel]


def open_item_analysis(environ: Mapping[str, str] | None = None) -> StaffGate:
    """voila_apps/item_analysis.ipynb: the workspace and database come from `qinglian serve`; the
    page is built once a trainer or an auditor has signed in (their account, or the hub's user)."""
    env = os.environ if environ is None else environ
    engine = connect(Settings.for_kernel(env).db_url)
    page = StaffGate(engine, "items.read", "题目分析", lambda _: ItemAnalysisPage(engine).widget, environ=env)
    show(page.widget)  # its first view is drawn before the widget scripts load
    return page
