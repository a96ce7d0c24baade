"""The public scoreboard page (voila_apps/scoreboard.ipynb): choose an exam and a period, see the
city's pass rate, each unit's (table and bars), the score distribution, the ranking of units and
pass rates by period; open a unit to see its sub-units and its people (names masked); export what
is shown to Excel; and, on request, how many have cleared a programme, unit by unit."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

import ipywidgets as widgets
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from grader.gradebook.engine import connect
from grader.gradebook.models import PaperRow
from grader.pages.snapshot import show
from grader.roster import UNIT_KINDS
from grader.scoreboard import render
from grader.scoreboard.chart import percent
from grader.scoreboard.export import drill_down_xlsx, file_name
from grader.scoreboard.model import (
    CITY,
    EVERYTHING,
    GRANULARITIES,
    MIN_CANDIDATES,
    Board,
    DrillDown,
    Filters,
    Period,
    Rate,
    distribution,
    programme_title,
    ranking,
)
from grader.scoreboard.query import board, by_period, drill_down
from grader.settings import Settings, content_folders
from grader.workbook import download_link

KINDS = [("全部单位", "")] + [(kind, kind) for kind in UNIT_KINDS]
NOTICE = ("<p style='color:#555'>成绩榜只公布统计数字和隐去部分字的姓名，不显示身份证号。每人每类考试计一次："
          "取统计期间内最好的一次当前成绩，达到及格线即为通过；成绩含阅卷人给简答题的评分，尚待人工评分的简答题暂不计分。</p>")


def _html(css_class: str) -> widgets.HTML:
    box = widgets.HTML()
    box.add_class(css_class)
    return box


def _button(text: str, css_class: str, action: Callable[[], None]) -> widgets.Button:
    button = widgets.Button(description=text, layout=widgets.Layout(width="auto"))
    button.add_class(css_class)
    button.on_click(lambda _: action())
    return button


class ScoreboardPage:
    def __init__(self, engine: Engine, programmes: Path, courses: Path,
                 clock: Callable[[], datetime] = datetime.now) -> None:
        self.engine, self.programmes_folder, self.courses, self.clock = engine, programmes, courses, clock
        self.filters: Filters = EVERYTHING
        self.unit: str | None = None
        self.scores: Board | None = None
        self.drill: DrillDown | None = None
        self._quiet = False  # options being replaced: not a choice the user made
        self._rates: tuple[tuple[str, str | None], tuple[Rate, ...]] | None = None  # by period, just computed
        self._build()
        self.refresh()

    def _build(self) -> None:
        with Session(self.engine) as session:
            kinds = sorted(set(session.scalars(select(PaperRow.programme))))
        self.programme = widgets.Dropdown(description="考试", options=[("全部考试", "")] + [
            (programme_title(k), k) for k in kinds])
        self.granularity = widgets.Dropdown(description="统计周期", options=[("全部时间", "")] + [
            (label, key) for key, label in GRANULARITIES.items()])
        self.period = widgets.Dropdown(description="期间", options=[("全部时间", "")], disabled=True)
        for css, box in (("ql-programme", self.programme), ("ql-granularity", self.granularity),
                         ("ql-period", self.period)):
            box.add_class(css)
        self.programme.observe(lambda _: self._regroup(), names="value")
        self.granularity.observe(lambda _: self._regroup(), names="value")
        self.period.observe(lambda _: self._choose(), names="value")
        self.units = widgets.Select(description="下级单位", rows=8, layout=widgets.Layout(width="480px"))
        self.units.add_class("ql-units")
        self.kind = widgets.Dropdown(description="单位类别", options=KINDS)
        self.kind.add_class("ql-kind")
        self.kind.observe(lambda _: self._show_ranking(), names="value")
        self.cleared_programme = widgets.Dropdown(description="培训项目", options=self._programme_choices())
        self.cleared_programme.add_class("ql-cleared-programme")
        self.status, self.summary, self.crumbs = _html("ql-status"), _html("ql-summary-box"), _html("ql-crumbs-box")
        self.table, self.people, self.bands = _html("ql-units-box"), _html("ql-people-box"), _html("ql-bands-box")
        self.ranked, self.periods = _html("ql-ranking-box"), _html("ql-periods-box")
        self.download, self.cleared = _html("ql-download-box"), _html("ql-cleared-box")
        nav = widgets.HBox([_button("进入所选单位", "ql-open", self._open), _button("返回上级", "ql-back", self._up),
                            _button("导出 Excel", "ql-export", self._export)])
        heading = widgets.HTML("<h2>廉政教育考试成绩榜</h2>" + NOTICE)
        section = widgets.HTML
        self.widget = widgets.VBox([
            heading, widgets.HBox([self.programme, self.granularity, self.period]), self.status, self.summary,
            section("<h3>各单位通过率</h3>"), self.crumbs, self.units, nav, self.download, self.table, self.people,
            section("<h3>成绩分布</h3>"), self.bands, section("<h3>单位排名</h3>"), self.kind, self.ranked,
            section("<h3>各期间通过率</h3>"), self.periods, section("<h3>培训项目完成情况</h3>"),
            widgets.HBox([self.cleared_programme, _button("统计完成率", "ql-cleared-run", self._cleared)]),
            self.cleared])
        self.widget.add_class("ql-scoreboard")

    def _programme_choices(self) -> list[tuple[str, str]]:
        from grader.programmes import ProgrammeError, load_programmes

        try:
            return [(p.title, key) for key, p in load_programmes(self.programmes_folder).items()]
        except (ProgrammeError, OSError):
            return []  # said when the user asks for the rates

    def _guarded(self, action: Callable[[], None]) -> None:
        self.status.value = ""
        try:
            action()
        except SQLAlchemyError as error:
            self.status.value = render.error(f"读取成绩库失败，请稍后重试（{type(error).__name__}）")

    def refresh(self) -> None:
        """Recompute the board for the current filters and show everything."""
        def run() -> None:
            self.status.value = "<p>正在统计……</p>"
            with Session(self.engine) as session:
                self.scores = board(session, self.filters)
                self._show_unit(session)
                self._show_ranking()
                self._show_periods(session)
            self.status.value = ""
            self.summary.value = render.summary(self.scores, self.filters)  # last: the page is up to date
        self._guarded(run)

    def _choose(self) -> None:
        if self._quiet:
            return
        self.filters = Filters(str(self.programme.value) or None, Period.parse(str(self.period.value or "")))
        self.download.value = ""
        self.refresh()

    def _regroup(self) -> None:
        """A new exam or granularity: the periods with results become the choices (the chosen
        one stays if it still has results)."""
        granularity, chosen = str(self.granularity.value or ""), str(self.period.value or "")
        options: list[tuple[str, str]] = [("全部时间", "")]
        if granularity:
            programme = str(self.programme.value) or None
            with Session(self.engine) as session:
                rates = by_period(session, granularity, programme)
            options += [(rate.label, rate.key) for rate in reversed(rates)]
            self._rates = ((granularity, programme), rates)  # the city's: the table below shows them too
        self._quiet = True
        self.period.options = options
        self.period.value = chosen if chosen in [key for _, key in options] else ""
        self.period.disabled = not granularity
        self._quiet = False
        self._choose()

    def _show_unit(self, session: Session) -> None:
        assert self.scores is not None
        self.drill = drill_down(session, self.scores, self.unit)
        self._quiet = True
        self.units.options = [(f"{t.unit}（{percent(t.rate)}）", t.unit) for t in self.drill.sub_units]
        self.units.layout.display = "flex" if self.drill.sub_units else "none"
        self._quiet = False
        self.table.value = render.units(self.drill, self.scores.city.rate)
        self.people.value = render.people(self.drill)
        self.bands.value = render.bands(distribution(self.scores, self.unit), self.unit or CITY)
        path: list[str] = []
        name = self.unit
        while name is not None:
            path.insert(0, name)
            name = self.scores.tally(name).parent
        self.crumbs.value = render.crumbs(path)  # last: the unit's lists are already shown

    def _show_ranking(self) -> None:
        if self.scores is not None:
            ranked = ranking(self.scores, str(self.kind.value) or None, MIN_CANDIDATES)
            self.ranked.value = render.ranking(ranked, MIN_CANDIDATES)

    def _show_periods(self, session: Session) -> None:
        granularity = str(self.granularity.value or "year")
        known, self._rates = self._rates, None
        if known is not None and known[0] == (granularity, self.filters.programme) and self.unit is None:
            rates = known[1]  # a query of seconds on a large city: not run twice for one choice
        else:
            rates = by_period(session, granularity, self.filters.programme, self.unit)
        self.periods.value = render.periods(rates, self.unit or CITY)

    def _open(self) -> None:
        if self.units.value:
            self.unit = str(self.units.value)
            self.download.value = ""
            self._guarded(self._redraw)

    def _up(self) -> None:
        if self.scores is not None and self.unit is not None:
            self.unit = self.scores.tally(self.unit).parent
            self.download.value = ""
            self._guarded(self._redraw)

    def _redraw(self) -> None:
        with Session(self.engine) as session:
            self._show_unit(session)
            self._show_periods(session)

    def _export(self) -> None:
        if self.drill is None:
            return
        name = file_name(self.filters, self.unit)
        data = drill_down_xlsx(self.drill, self.filters, self.clock())
        self.download.value = download_link(name, data, f"下载 {name}")

    def _cleared(self) -> None:
        """Every person's programme status: seconds for a large city, so only when asked."""
        from grader.course.catalog import CourseError
        from grader.programmes import ProgrammeError
        from grader.records.dossier import load_requirements
        from grader.scoreboard.cleared import cleared_board

        try:
            programmes, modules = load_requirements(self.programmes_folder, self.courses)
        except (ProgrammeError, CourseError, OSError) as error:
            self.cleared.value = render.error(f"无法读取培训项目或课程目录：{error}")
            return
        programme = programmes.get(str(self.cleared_programme.value or ""))
        if programme is None:
            self.cleared.value = render.error("请先选择培训项目")
            return
        self.cleared.value = "<p>正在逐人核对……</p>"

        def run() -> None:
            with Session(self.engine) as session:
                result = cleared_board(session, programme, modules, now=self.clock())
            self.cleared.value = render.cleared(result, self.unit)
        self._guarded(run)


def open_scoreboard(environ: Mapping[str, str] | None = None) -> ScoreboardPage:
    """voila_apps/scoreboard.ipynb: the workspace and database come from `qinglian serve`; the
    programme files and courses from QINGLIAN_PROGRAMMES / QINGLIAN_COURSES, else the repository
    beside voila_apps/."""
    env = os.environ if environ is None else environ
    settings = Settings.for_kernel(env)
    page = ScoreboardPage(connect(settings.db_url), *content_folders(env))
    show(page.widget)  # its first view is drawn before the widget scripts load
    return page
