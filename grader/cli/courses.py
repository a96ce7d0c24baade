"""Course checks and learners' progress."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from grader import workspace
from grader.cli.edge import console, db_option, root_option, transaction
from grader.gradebook.engine import connect
from grader.settings import Settings


@click.group()
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


@click.command()
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




@course.command("codes")
@click.option("--unit", default=None, help="单位（含下级单位）；不给则为名单上的全部人员")
@click.option("--person", "people", multiple=True, help="人员编号（可多次给出）")
@click.option("--to", "to", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="打印用的学习码清单（CSV，Excel 可直接打开）")
@root_option
@db_option
def course_codes(unit: str | None, people: tuple[str, ...], to: Path, root: Path, db_url: str | None) -> None:
    """为学员发放个人学习码（没有 JupyterHub 账号时登录课程用；旧码作废；须为管理员）。"""
    from sqlalchemy import select

    from grader.cli.edge import acting, refused
    from grader.course.study_codes import issue_study_codes, write_code_list
    from grader.gradebook.models import PersonRow
    from grader.roster import unit_members
    from grader.sitting.codes import load_secret

    settings = Settings.resolve(root, db_url)
    with refused(), transaction(settings) as session:
        ids = list(people) or (unit_members(session, unit) if unit else list(session.scalars(select(PersonRow.id))))
        issued = issue_study_codes(session, load_secret(settings.root), ids, acting(session))
        write_code_list(issued, to)
    console.print(f"已为 {len(issued)} 人发放学习码，清单在 {to}（打印后分发，勿留在共享目录）", highlight=False)
