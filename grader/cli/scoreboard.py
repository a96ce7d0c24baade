"""The public scoreboard from the command line, and a synthetic city to try it on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from grader.cli.edge import Failure, console, db_option, root_option, transaction
from grader.settings import Settings


@contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=total < 50) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.advance(task, done)


@click.command()
@click.option("--programme", default=None, help="考试类别：induction 或 promotion（默认全部）")
@click.option("--period", default="", help="统计期间：2025、2025-Q1 或 2025-03（默认全部时间）")
@click.option("--unit", default=None, help="单位（默认全市）：显示它和它的下级单位")
@click.option("--to", "path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="导出为 .xlsx（含下级单位、本单位人员（姓名隐去部分字）和说明）")
@root_option
@db_option
def scoreboard(programme: str | None, period: str, unit: str | None, path: Path | None, root: Path,
               db_url: str | None) -> None:
    """成绩榜：一个单位（默认全市）及其下级单位的通过率；导出时含本单位人员（姓名隐去部分字，不含身份证号）。"""
    from grader.scoreboard import Filters, Period
    from grader.scoreboard.chart import percent
    from grader.scoreboard.export import drill_down_xlsx
    from grader.scoreboard.query import unit_view

    try:
        filters = Filters(programme, Period.parse(period))
        with transaction(Settings.resolve(root, db_url)) as session:
            drill = unit_view(session, filters, unit)
    except (ValueError, KeyError) as error:
        raise Failure(str(error).strip("'\"")) from error
    if path is not None:
        path.write_bytes(drill_down_xlsx(drill, filters, datetime.now()))
        console.print(f"已导出 {path}")
        return
    table = Table("单位", "单位类别", "在册", "参考", "通过", "通过率", title=filters.label)
    for t in (drill.tally, *drill.sub_units):
        table.add_row(t.unit, t.kind, str(t.people), str(t.candidates), str(t.passed), percent(t.rate))
    console.print(table)


@click.command()
@click.option("--people", default=20_000, show_default=True, help="人数")
@click.option("--units", default=500, show_default=True, help="单位数")
@click.option("--attempts", default=100_000, show_default=True, help="考试次数（已评分的答卷）")
@click.option("--seed", default=2026, show_default=True, help="随机种子：同一种子生成同一个城市")
@click.option("--exams", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("exams"),
              show_default=True, help="题库与组卷蓝图所在目录")
@click.option("--courses", type=click.Path(file_okay=False, path_type=Path), default=Path("courses"),
              show_default=True, help="课程目录（新录用人员的学时按其中的模块生成）")
@root_option
@db_option
def city(people: int, units: int, attempts: int, seed: int, exams: Path, courses: Path, root: Path,
         db_url: str | None) -> None:
    """生成一个模拟城市（单位、人员、逐题评分的考试记录、学时与关口记录），用于演示与测试；只能生成在空的名单中。"""
    from grader.city import CityError, CitySpec, generate_city

    try:
        spec = CitySpec(seed=seed, units=units, people=people, attempts=attempts)
        with transaction(Settings.resolve(root, db_url)) as session, _progress("生成考试记录", attempts) as advance:
            report = generate_city(session, spec, exams, courses, advance)
    except CityError as error:
        raise Failure(str(error)) from error
    console.print(f"已生成 {report.units} 个单位、{report.people} 人、{report.papers} 套试卷、"
                  f"{report.results} 份答卷（{report.item_results} 条逐题记录）、{report.study_credits} 条学时、"
                  f"{report.gate_records} 条关口记录")
