"""Workspace, banks, papers, release, grading, export and the demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape
from sqlalchemy.orm import Session

from grader import bank as bank_lib
from grader import workspace
from grader.blueprint import BlueprintError
from grader.cli import staff as staff_cli
from grader.cli.authoring import authoring_commands
from grader.cli.edge import Failure, acting, console, db_option, progress_bar, refused, root_option, transaction
from grader.gradebook.engine import connect
from grader.paper.draw import DrawError
from grader.settings import Settings

# Each command imports what only it uses: grading, the demo and exports load seconds of modules that
# `paper build` and `release` (< 0.5 s, issue 15) never need.


@click.command()
@click.argument("root", type=click.Path(path_type=Path))
@db_option
def init(root: Path, db_url: str | None) -> None:
    """创建工作区（nbgrader 课程目录与成绩库）。"""
    settings = Settings.resolve(root, db_url)
    engine = connect(settings.db_url)
    created = workspace.init_workspace(settings, engine)
    with Session(engine) as session, session.begin():
        first = staff_cli.bootstrap(session)
    engine.dispose()
    console.print(f"工作区 {settings.root} 已就绪（新建 {len(created)} 项），数据库：{settings.db_url}")
    if first:
        console.print(f"已为当前系统用户建立第一个管理员账号 {first}（qinglian staff add 添加其他工作人员）")



@click.group()
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


for _command in authoring_commands.commands.values():  # import, export, template (grader/cli/authoring.py)
    bank.add_command(_command)


@click.group()
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
    from grader.paper import store as paper_store

    settings = Settings.resolve(root, db_url)
    try:
        with transaction(settings) as session:
            paths = paper_store.build_from_files(session, settings.root, blueprint,
                                                 banks or (blueprint.parent.parent / "banks",))
    except (BlueprintError, bank_lib.BankError, DrawError) as error:
        for problem in error.problems:  # one unwrapped line each, as an editor's "go to file:line" wants
            click.echo(str(problem), err=True)
        raise Failure(f"未生成试卷：{len(error.problems)} 个问题") from error
    except paper_store.PaperError as error:
        raise Failure(str(error)) from error
    for path in paths:
        console.print(f"已生成 {path}")


@paper.command("check")
@click.argument("papers", nargs=-1, required=True)
@click.option("--banks", "banks", type=click.Path(exists=True, path_type=Path), multiple=True,
              help="题库文件或目录（默认：蓝图旁的 ../banks；已生成的试卷用 exams/banks 读取知识点）")
@root_option
@db_option
def paper_check(papers: tuple[str, ...], banks: tuple[Path, ...], root: Path, db_url: str | None) -> None:
    """检查试卷是否自己泄露答案：同一知识点出两题、题干相同或几乎相同、一题的题干或选项写出另一题的答案。

    PAPERS 是组卷蓝图文件（检查它将组出的试卷），或已生成的试卷名（如 promotion-a）。"""
    from grader.paper import store as paper_store

    checked: list[paper_store.CheckedPaper] = []
    try:
        for target in papers:
            path = Path(target)
            if path.suffix in (".yaml", ".yml") and path.is_file():
                checked += paper_store.check_blueprint(path, banks or (path.parent.parent / "banks",))
                continue
            with transaction(Settings.resolve(root, db_url)) as session:
                checked.append(paper_store.check_built(session, target, banks or (Path("exams/banks"),)))
    except (BlueprintError, bank_lib.BankError, DrawError) as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise Failure(f"无法检查：{len(error.problems)} 个问题") from error
    except paper_store.PaperError as error:
        raise Failure(str(error)) from error
    for result in checked:
        for leak in result.problems:  # one unwrapped line each
            click.echo(str(leak))
        console.print(f"{result.assignment}：{result.items} 道题，"
                      + (f"[red]{len(result.problems)} 个问题[/red]" if result.problems else "没有发现问题"),
                      highlight=False)
    sys.exit(1 if any(result.problems for result in checked) else 0)



@click.command()
@click.argument("assignment")
@root_option
@db_option
def release(assignment: str, root: Path, db_url: str | None) -> None:
    """发布试卷：去掉答案与隐藏测试，登记到 nbgrader 成绩库（与 nbgrader generate_assignment 结果相同）。"""
    from grader import release as release_lib

    settings = Settings.resolve(root, db_url)
    try:
        with transaction(settings) as session:
            path = release_lib.release(session, settings.root, assignment)
    except release_lib.ReleaseError as error:
        raise Failure(str(error)) from error
    console.print(f"已发布 {path}")


@click.command()
@click.argument("assignment")
@root_option
@db_option
def autograde(assignment: str, root: Path, db_url: str | None) -> None:
    """评分 submitted/*/ASSIGNMENT/ 下的全部答卷（只读取答案，从不执行）。"""
    from grader import autograde as autograde_lib
    from grader.paper import store as paper_store

    settings = Settings.resolve(root, db_url)
    try:
        with refused(), transaction(settings) as session:
            report = autograde_lib.autograde(session, settings.root, assignment, actor=acting(session),
                                             progress=progress_bar)
    except (paper_store.PaperError, autograde_lib.NotReleasedError) as error:
        raise Failure(str(error)) from error
    # one line per submission, never wrapped (graders grep logs); its text may hold markup
    for failed in report.failed:
        console.print(f"[red]未评分[/red] {escape(failed.student)}：{escape(failed.message)}（{escape(failed.path)}）",
                      highlight=False, soft_wrap=True)
    for graded in report.flagged:
        console.print(f"[yellow]待复核[/yellow] {escape(graded.student)}：{escape('；'.join(graded.problems))}",
                      highlight=False, soft_wrap=True)
    if not report.roster_checked:
        console.print("[yellow]注意[/yellow] 名单为空，未核对考号是否在名单中（先导入名单）", highlight=False)
    console.print(f"{assignment}：已评分 {len(report.graded)} 份，失败 {len(report.failed)} 份，"
                  f"待复核 {len(report.flagged)} 份")
    sys.exit(1 if report.failed else 0)


@click.command()
@root_option
@db_option
@click.option("--to", "target", type=click.Path(dir_okay=False, path_type=Path), default=Path("grades.csv"),
              show_default=True)
@click.option("--assignment", "assignments", multiple=True, help="只导出这些作业")
@click.option("--items", is_flag=True, help="附上每道题的得分")
def export(root: Path, db_url: str | None, target: Path, assignments: tuple[str, ...], items: bool) -> None:
    """导出成绩（CSV，UTF-8 BOM，Excel 可直接打开）。"""
    from grader import export as export_lib
    from grader.audit.sync import capture_for_command

    settings = Settings.resolve(root, db_url)
    with transaction(settings) as session:
        synced = capture_for_command(session, "export")  # formgrader's manual scores, before they are read
        count = export_lib.export_grades(session, target, assignments, per_item=items)
    console.print(f"已导出 {count} 行到 {target}" + (f"；{synced} 个人工评分已记入审计日志" if synced else ""),
                  soft_wrap=True)



@click.command()
@root_option
@db_option
@click.option("--exams", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("exams"),
              show_default=True, help="题库与组卷蓝图所在目录")
@click.option("--candidates", default=40, show_default=True, help="演示考生人数")
def demo(root: Path, db_url: str | None, exams: Path, candidates: int) -> None:
    """建立演示工作区：名单与单位、两套试卷（A/B 卷）、模拟答卷、评分与成绩导出、关口记录、证书。"""
    from grader import demo as demo_lib

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
    if result.study_codes:
        learner = result.study_codes[0]
        console.print(f"演示学员（课程登录用）：编号 {learner.person_id}（{learner.name}），学习码 {learner.code}"
                      f"（全部学习码见 {result.study_codes_csv}）", soft_wrap=True)
    seat = result.seats[0]
    console.print(f"演示考生（考场用）：准考证号 {seat.admission_no}，考试码 {seat.code}"
                  f"（全部座位见 {result.seats_csv}）")
    console.print(f"证书与公钥、吊销列表：{result.certificates}")

