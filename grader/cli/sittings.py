"""Exam sittings."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader import export as export_lib
from grader.cli.edge import Failure, acting, console, db_option, refused, root_option, transaction
from grader.settings import Settings

list_option = click.option("--list", "seat_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
                           help="写出准考证号和考试码名单（CSV，Excel 可直接打开）")


@click.group()
def sitting() -> None:
    """考试场次。"""


def _write_list(seat_file: Path, rows: list[dict[str, object]]) -> None:
    export_lib.write_csv(seat_file, rows, list(rows[0]) if rows else ["准考证号", "考试码"])


@sitting.command("create")
@click.argument("sitting_id")
@click.option("--title", required=True, help="场次名称")
@click.option("--assignment", "assignments", multiple=True, required=True, help="已发布的试卷（可多次：A/B 卷轮流）")
@click.option("--opens", type=click.DateTime(["%Y-%m-%d %H:%M"]), required=True, help="开始时间（服务器时间）")
@click.option("--closes", type=click.DateTime(["%Y-%m-%d %H:%M"]), required=True, help="结束时间")
@click.option("--duration", type=int, required=True, help="作答时长（分钟）")
@click.option("--attempts", type=int, default=1, show_default=True, help="允许作答次数")
@click.option("--switch-limit", type=int, default=None, help="切屏（离开考试页面）次数达到此数即自动交卷；默认不限制")
@click.option("--resit-of", default=None, help="补考：只为该场次中按补考规则可以补考的人建立座位，其余人逐一说明原因")
@click.option("--programmes", "programmes_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("exams/programmes"), show_default=True, help="培训项目文件夹（补考规则，用于 --resit-of）")
@list_option
@root_option
@db_option
def sitting_create(sitting_id: str, title: str, assignments: tuple[str, ...], opens: datetime, closes: datetime,
                   duration: int, attempts: int, switch_limit: int | None, resit_of: str | None, programmes_dir: Path,
                   seat_file: Path, root: Path, db_url: str | None) -> None:
    """为名单上的全部人员建立考试场次，生成准考证号和考试码。"""
    from nbgrader.api import Student

    from grader.sitting.codes import load_secret
    from grader.sitting.errors import SittingError
    from grader.sitting.seats import create_sitting, seat_list

    settings = Settings.resolve(root, db_url)
    try:
        with transaction(settings) as session, refused():
            students = list(session.scalars(select(Student.id).order_by(Student.id)))
            if resit_of:
                students = _resit_students(session, programmes_dir, resit_of, opens)
            seats = create_sitting(session, sitting_id, title, assignments, students, opens, closes, duration,
                                   secret=load_secret(settings.root), attempts_allowed=attempts,
                                   switch_limit=switch_limit, created_by=acting(session), now=datetime.now())
            rows = seat_list(session, seats)
    except SittingError as error:
        raise Failure(str(error)) from error
    _write_list(seat_file, rows)
    console.print(f"场次 {sitting_id}：{len(seats)} 个座位，名单已写入 {seat_file}（考试码只显示这一次）")


def _resit_students(session: Session, programmes_dir: Path, resit_of: str, opens: datetime) -> list[str]:
    """Those the promotion programme's re-sit rule lets sit again (grader.records.resits); the
    others are named with the reason."""
    from grader.programmes import ProgrammeError, load_programmes
    from grader.records.gate import RecordError
    from grader.records.resits import resit_seats

    try:
        programme = load_programmes(programmes_dir)["promotion"]
        seated, decisions = resit_seats(session, programme, resit_of, opens.date())
    except (ProgrammeError, RecordError, KeyError) as error:
        raise Failure(f"补考场次：{error}") from error
    for decision in decisions:
        if not decision.allowed:
            console.print(f"{decision.person_id} 不能补考：{decision.reason}", highlight=False)
    return seated


@sitting.command("reissue-codes")
@click.argument("sitting_id")
@click.option("--all", "every", is_flag=True, help="为全部座位换发考试码（默认只换发已作废的旧考试码）")
@list_option
@root_option
@db_option
def sitting_reissue_codes(sitting_id: str, every: bool, seat_file: Path, root: Path, db_url: str | None) -> None:
    """换发考试码：旧版本建立的座位的考试码无法再核验，须换发；旧考试码随即失效。"""
    from grader.sitting.codes import load_secret
    from grader.sitting.errors import SittingError
    from grader.sitting.seats import reissue_codes, seat_list

    settings = Settings.resolve(root, db_url)
    try:
        with transaction(settings) as session:
            seats = reissue_codes(session, load_secret(settings.root), sitting_id, every=every)
            rows = seat_list(session, seats)
    except SittingError as error:
        raise Failure(str(error)) from error
    _write_list(seat_file, rows)
    console.print(f"场次 {sitting_id}：换发 {len(seats)} 个考试码，名单已写入 {seat_file}（考试码只显示这一次）")


@sitting.command("tickets")
@click.argument("sitting_id")
@click.option("--codes", "codes_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="建立场次或换发考试码时写出的名单（CSV）")
@click.option("--pdf", "pdf_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="写出的准考证 PDF（每人一页，A4）")
@click.option("--place", default="", help="考试地点")
@root_option
@db_option
def sitting_tickets(sitting_id: str, codes_file: Path, pdf_file: Path, place: str, root: Path,
                    db_url: str | None) -> None:
    """打印准考证：名单上每人一页（准考证号、考试码、姓名、单位、场次、时间、地点、考试须知）。"""
    from grader.sitting.errors import SittingError
    from grader.sitting.tickets import read_codes, ticket_pdf, tickets_for

    settings = Settings.resolve(root, db_url)
    try:
        codes = read_codes(codes_file)
        with transaction(settings) as session:
            tickets = tickets_for(session, sitting_id, codes, place)
        pdf_file.write_bytes(ticket_pdf(tickets))
    except SittingError as error:
        raise Failure(str(error)) from error
    console.print(f"场次 {sitting_id}：{len(tickets)} 张准考证已写入 {pdf_file}")
