"""The roster of people and units."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.cli.edge import acting, console, db_option, refused, root_option, transaction
from grader.settings import Settings


@click.group()
def roster() -> None:
    """名单：人员与单位。"""


@roster.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@root_option
@db_option
def roster_import(path: Path, root: Path, db_url: str | None) -> None:
    """从 Excel（.xlsx）或 CSV 导入人员与单位；有问题的行逐行报告（第 N 行 列名: 说明），其余照常导入。"""
    from grader.roster import import_people, parse_roster

    people, problems = parse_roster(path)
    with refused(), transaction(Settings.resolve(root, db_url)) as session:
        added, updated = import_people(session, people, acting(session))
    for problem in problems:
        click.echo(str(problem))
    console.print(f"新增 {added} 人，更新 {updated} 人，{len(problems)} 行有问题未导入")
    sys.exit(1 if problems else 0)

