"""Item analysis for trainers."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from grader.cli.edge import Failure, console, db_option, root_option, transaction
from grader.item_analysis.stats import ItemAnalysis
from grader.item_analysis.text import ratio, short, summary_text
from grader.settings import Settings


def _table(analysis: ItemAnalysis) -> Table:
    table = Table(title=f"{analysis.paper.title}（{analysis.paper.assignment}）")
    for heading in ("题号", "题目", "难度(通过率)", "区分度", "标记"):
        table.add_column(heading, justify="right" if heading in ("题号", "难度(通过率)", "区分度") else "left")
    for item in analysis.items:
        table.add_row(str(item.position), short(item.stem), ratio(item.facility), ratio(item.discrimination),
                      f"[red]{'、'.join(item.flags)}[/red]" if item.flags else "")
    return table


@click.command()
@click.argument("assignment")
@click.option("--to", "target", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="同时导出到 .xlsx（题目、选项、概况三张表）或 .csv（题目表）")
@root_option
@db_option
def items(assignment: str, target: Path | None, root: Path, db_url: str | None) -> None:
    """题目分析：每题难度（通过率）、区分度与标记，整卷人数、平均分、标准差、及格率与 α（参照 Moodle 测验统计）。"""
    from grader.item_analysis import ItemAnalysisError, item_analysis
    from grader.item_analysis.export import write_analysis

    try:
        with transaction(Settings.resolve(root, db_url)) as session:
            analysis = item_analysis(session, assignment)
        if target is not None:
            write_analysis(analysis, target)
    except ItemAnalysisError as error:
        raise Failure(str(error)) from error
    console.print(_table(analysis), highlight=False)
    console.print(summary_text(analysis.paper), highlight=False)
    if target is not None:
        console.print(f"已导出 {target}")
