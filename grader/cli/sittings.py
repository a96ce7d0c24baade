"""Exam sittings."""

from __future__ import annotations

import getpass
from datetime import datetime
from pathlib import Path

import click
from nbgrader.api import Student
from sqlalchemy import select

from grader import export as export_lib
from grader.cli.edge import Failure, console, db_option, root_option, transaction
from grader.settings import Settings


@click.group()
def sitting() -> None:
    """考试场次。"""


@sitting.command("create")
@click.argument("sitting_id")
@click.option("--title", required=True, help="场次名称")
@click.option("--assignment", "assignments", multiple=True, required=True, help="已发布的试卷（可多次：A/B 卷轮流）")
@click.option("--opens", type=click.DateTime(["%Y-%m-%d %H:%M"]), required=True, help="开始时间（服务器时间）")
@click.option("--closes", type=click.DateTime(["%Y-%m-%d %H:%M"]), required=True, help="结束时间")
@click.option("--duration", type=int, required=True, help="作答时长（分钟）")
@click.option("--attempts", type=int, default=1, show_default=True, help="允许作答次数")
@click.option("--list", "seat_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="写出准考证号和考试码名单（CSV，Excel 可直接打开）")
@root_option
@db_option
def sitting_create(sitting_id: str, title: str, assignments: tuple[str, ...], opens: datetime, closes: datetime,
                   duration: int, attempts: int, seat_file: Path, root: Path, db_url: str | None) -> None:
    """为名单上的全部人员建立考试场次，生成准考证号和考试码。"""
    from grader.sitting.attempt import SittingError, create_sitting, seat_list

    settings = Settings.resolve(root, db_url)
    try:
        with transaction(settings) as session:
            students = list(session.scalars(select(Student.id).order_by(Student.id)))
            seats = create_sitting(session, sitting_id, title, assignments, students, opens, closes, duration,
                                   attempts_allowed=attempts, created_by=getpass.getuser(), now=datetime.now())
            rows = seat_list(session, seats)
    except SittingError as error:
        raise Failure(str(error)) from error
    export_lib.write_csv(seat_file, rows, list(rows[0]) if rows else ["准考证号"])
    console.print(f"场次 {sitting_id}：{len(seats)} 个座位，名单已写入 {seat_file}（考试码只显示这一次）")
