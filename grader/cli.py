"""The `qinglian` command: parse options, open resources, call one library function, show it."""

from __future__ import annotations

import getpass
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import click
from nbgrader.api import Student
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader import autograde as autograde_lib
from grader import bank as bank_lib
from grader import demo as demo_lib
from grader import export as export_lib
from grader import release as release_lib
from grader import serve as serve_lib
from grader import workspace
from grader.blueprint import BlueprintError
from grader.gradebook.database import migrate
from grader.gradebook.engine import connect
from grader.paper import store as paper_store
from grader.settings import Settings

T = TypeVar("T")
console = Console(stderr=True)
root_option = click.option("--root", type=click.Path(path_type=Path), default=Path("."), show_default=True,
                           help="工作区（nbgrader 课程目录）")
db_option = click.option("--db", "db_url", envvar="QINGLIAN_DB_URL", default=None,
                         help="数据库 URL（默认：工作区中的 gradebook.db）")


class Failure(click.ClickException):
    def show(self, file: object = None) -> None:
        console.print(f"[red]错误：[/red]{self.message}", highlight=False)


@contextmanager
def transaction(settings: Settings) -> Iterator[Session]:
    engine = connect(settings.db_url)
    try:
        migrate(engine)  # a workspace made by an older qinglian gets the newer tables first
        with Session(engine) as session, session.begin():
            yield session
    finally:
        engine.dispose()


def progress_bar(items: Iterable[T], total: int) -> Iterator[T]:
    columns = (TextColumn("评分"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False, disable=total < 50) as bar:
        yield from bar.track(items, total=total)


@click.group()
@click.version_option(package_name="qinglian")
def main() -> None:
    """清廉：廉政教育培训与考试平台。"""


@main.command()
@click.argument("root", type=click.Path(path_type=Path))
@db_option
def init(root: Path, db_url: str | None) -> None:
    """创建工作区（nbgrader 课程目录与成绩库）。"""
    settings = Settings.resolve(root, db_url)
    engine = connect(settings.db_url)
    created = workspace.init_workspace(settings, engine)
    engine.dispose()
    console.print(f"工作区 {settings.root} 已就绪（新建 {len(created)} 项），数据库：{settings.db_url}")


@main.group()
def bank() -> None:
    """题库。"""


@bank.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def bank_check(paths: tuple[Path, ...]) -> None:
    """检查题库，问题按 文件:行号: 说明 列出。"""
    result = bank_lib.check_banks(bank_lib.bank_files(paths))
    for problem in result.problems:
        click.echo(str(problem))
    console.print(f"{len(result.banks)} 个题库，{len(result.items)} 道有效题目，{len(result.problems)} 个问题")
    sys.exit(1 if result.problems else 0)


@main.group()
def paper() -> None:
    """试卷。"""


@paper.command("build")
@click.argument("blueprint", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--banks", "banks", type=click.Path(exists=True, path_type=Path), multiple=True,
              help="题库文件或目录（默认：蓝图旁的 ../banks）")
@root_option
@db_option
def paper_build(blueprint: Path, banks: tuple[Path, ...], root: Path, db_url: str | None) -> None:
    """按组卷蓝图生成 nbgrader 源试卷（每个 A/B 卷一个作业）。"""
    settings = Settings.resolve(root, db_url)
    try:
        with transaction(settings) as session:
            paths = paper_store.build_from_files(session, settings.root, blueprint,
                                                 banks or (blueprint.parent.parent / "banks",))
    except (BlueprintError, bank_lib.BankError, paper_store.PaperError) as error:
        raise Failure(str(error)) from error
    for path in paths:
        console.print(f"已生成 {path}")


@main.command()
@click.argument("assignment")
@root_option
def release(assignment: str, root: Path) -> None:
    """发布试卷：去掉答案与隐藏测试（nbgrader generate_assignment）。"""
    try:
        path = release_lib.release(Path(root).resolve(), assignment)
    except release_lib.ReleaseError as error:
        raise Failure(str(error)) from error
    console.print(f"已发布 {path}")


@main.command()
@click.argument("assignment")
@root_option
@db_option
def autograde(assignment: str, root: Path, db_url: str | None) -> None:
    """评分 submitted/*/ASSIGNMENT/ 下的全部答卷（只读取答案，从不执行）。"""
    settings = Settings.resolve(root, db_url)
    try:
        with transaction(settings) as session:
            report = autograde_lib.autograde(session, settings.root, assignment, actor=getpass.getuser(),
                                             progress=progress_bar)
    except (paper_store.PaperError, autograde_lib.NotReleasedError) as error:
        raise Failure(str(error)) from error
    for failed in report.failed:
        console.print(f"[red]未评分[/red] {failed.student}：{failed.message}（{failed.path}）", highlight=False)
    for graded in report.flagged:
        console.print(f"[yellow]待复核[/yellow] {graded.student}：{'；'.join(graded.problems)}", highlight=False)
    console.print(f"{assignment}：已评分 {len(report.graded)} 份，失败 {len(report.failed)} 份，"
                  f"待复核 {len(report.flagged)} 份")
    sys.exit(1 if report.failed else 0)


@main.command()
@root_option
@db_option
@click.option("--to", "target", type=click.Path(dir_okay=False, path_type=Path), default=Path("grades.csv"),
              show_default=True)
@click.option("--assignment", "assignments", multiple=True, help="只导出这些作业")
@click.option("--items", is_flag=True, help="附上每道题的得分")
def export(root: Path, db_url: str | None, target: Path, assignments: tuple[str, ...], items: bool) -> None:
    """导出成绩（CSV，UTF-8 BOM，Excel 可直接打开）。"""
    settings = Settings.resolve(root, db_url)
    with transaction(settings) as session:
        count = export_lib.export_grades(session, target, assignments, per_item=items)
    console.print(f"已导出 {count} 行到 {target}")


@main.command()
@root_option
@db_option
@click.option("--exams", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("exams"),
              show_default=True, help="题库与组卷蓝图所在目录")
@click.option("--candidates", default=40, show_default=True, help="演示考生人数")
def demo(root: Path, db_url: str | None, exams: Path, candidates: int) -> None:
    """建立演示工作区：名单、两套试卷（A/B 卷）、模拟答卷、评分与成绩导出。"""
    settings = Settings.resolve(root, db_url)
    engine = connect(settings.db_url)
    try:
        result = demo_lib.run_demo(settings, engine, exams, candidates=candidates, say=console.print)
    finally:
        engine.dispose()
    for report in result.reports:
        passed = sum(1 for g in report.graded if g.auto_score >= 60)
        console.print(f"{report.assignment}：{len(report.graded)} 份答卷，客观题得分 ≥60 的 {passed} 人")
    console.print(f"成绩表：{result.grades_csv}")
    first = result.candidates[0]
    console.print(f"演示学员（课程登录用）：编号 {first.student_id}，姓名 {first.last_name}{first.first_name}")
    seat = result.seats[0]
    console.print(f"演示考生（考场用）：准考证号 {seat.admission_no}，考试码 {seat.code}"
                  f"（全部座位见 {result.seats_csv}）")


@main.group()
def course() -> None:
    """课程。"""


@course.command("check")
@click.argument("courses", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("courses"))
@click.option("--exams", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("exams/banks"),
              show_default=True, help="考试题库（自测题不得与之重复）")
@click.option("--run/--no-run", default=True, show_default=True, help="在临时工作区中从头运行每个 notebook")
@click.option("--partial", is_flag=True, help="不要求覆盖全部四个基地和两个条例")
def course_check(courses: Path, exams: Path, run: bool, partial: bool) -> None:
    """检查课程 notebook：元数据、结构、自测题，并从头运行一遍。"""
    from grader.course.catalog import SIX_AREAS
    from grader.course.execute import check_courses

    with tempfile.TemporaryDirectory(prefix="qinglian-course-") as scratch:
        settings = None
        if run:
            settings = Settings.resolve(Path(scratch), environ={})
            engine = connect(settings.db_url)
            workspace.init_workspace(settings, engine)
            engine.dispose()
        problems = check_courses(courses, exams, settings, required=() if partial else SIX_AREAS)
    for problem in problems:
        click.echo(str(problem))
    console.print(f"{courses}：{len(problems)} 个问题")
    sys.exit(1 if problems else 0)


@main.command()
@root_option
@db_option
@click.option("--courses", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("courses"),
              show_default=True)
@click.option("--learner", default=None, help="只看这位学员（编号）")
@click.option("--unit", default=None, help="只看这个单位及其下级单位")
def progress(root: Path, db_url: str | None, courses: Path, learner: str | None, unit: str | None) -> None:
    """学习进度：每位学员每个模块的自测与学时。"""
    from grader.course import load_catalog
    from grader.course.study import learners_progress
    from grader.roster import unit_members

    settings = Settings.resolve(root, db_url)
    with transaction(settings) as session:
        among = unit_members(session, unit) if unit else None
        rows = learners_progress(session, load_catalog(courses), learner, among)
    table = Table("编号", "姓名", *(m.title for m in rows.modules), "学时", "全部完成")
    for row in rows.learners:
        table.add_row(row.id, row.name, *(f"{p.passed}/{p.total}" + (" ✓" if p.complete else "") for p in row.modules),
                      f"{row.hours:g}", "是" if row.complete else "否")
    Console().print(table)


@main.command()
@root_option
@db_option
@click.option("--courses", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("courses"),
              show_default=True)
@click.option("--apps", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("voila_apps"),
              show_default=True)
@click.option("--port", default=8866, show_default=True, help="课程（Voila）端口；考场用下一个端口")
@click.option("--lab-port", default=8888, show_default=True, help="评分（JupyterLab）端口；0 表示不启动")
@click.option("--token", default="qinglian-demo", show_default=True, help="JupyterLab 的访问令牌")
@click.option("--room-pool", default=4, show_default=True, help="考场预先启动的内核数（按同时进场人数设置）")
def serve(root: Path, db_url: str | None, courses: Path, apps: Path, port: int, lab_port: int, token: str,
          room_pool: int) -> None:
    """启动课程（Voila）与评分（JupyterLab/formgrader）服务，打印地址，Ctrl+C 停止。"""
    settings = Settings.resolve(root, db_url)
    engine = connect(settings.db_url)
    migrate(engine)
    engine.dispose()
    servers = [serve_lib.voila_server(settings, courses, port),
               serve_lib.voila_server(settings, apps, port + 1, "exam_room.ipynb", "考场（Voila）", room_pool)]
    if lab_port:
        servers.append(serve_lib.lab_server(settings, lab_port, token))
    processes = [subprocess.Popen(s.argv, cwd=s.cwd, env=s.env) for s in servers]
    threading.Thread(target=_sweep_forever, args=(settings,), daemon=True).start()
    for server in servers:
        for url in server.urls:
            click.echo(f"{server.name}：{url}", err=True)
    try:
        processes[0].wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            process.terminate()


def _sweep_forever(settings: Settings, every: float = 30.0) -> None:
    """While serving: submit and grade attempts whose time ran out with no page left to do it."""
    from grader.sitting.attempt import close_expired

    while True:
        try:
            with transaction(settings) as session:
                closed = close_expired(session, settings.root, datetime.now())
            for admission_no in closed:
                console.print(f"到时自动交卷：{admission_no}")
        except Exception as error:
            console.print(f"[red]自动交卷出错：{error}[/red]")
        time.sleep(every)


@main.group()
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
    with transaction(Settings.resolve(root, db_url)) as session:
        added, updated = import_people(session, people)
    for problem in problems:
        click.echo(str(problem))
    console.print(f"新增 {added} 人，更新 {updated} 人，{len(problems)} 行有问题未导入")
    sys.exit(1 if problems else 0)


@main.group()
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
