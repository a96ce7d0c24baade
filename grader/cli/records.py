"""Gate steps recorded by the organisation department, and the status of a person or a unit."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from grader.cli.edge import Failure, acting, console, db_option, root_option, transaction
from grader.records.gate import ACTIONS, RECORD_KINDS, GateRecord
from grader.settings import Settings


class Day(click.ParamType[datetime]):
    """A day as the records page accepts it (grader.dates: 2026-11-30, 2026年11月30日, 2026/11/30,
    fullwidth digits); a datetime at midnight, so commands take `.date()` as from click.DateTime."""

    name = "日期"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        from grader.dates import DateError, parse_date

        try:
            return datetime.combine(parse_date(str(value)), datetime.min.time())
        except DateError as error:
            self.fail(str(error), param, ctx)


day = Day()
COMMANDS = {"talk": "talk", "oath": "oath", "commitment": "commitment", "theory": "theory_study",
            "lecture": "party_lecture"}
date_option = click.option("--date", "on", required=True, type=day,
                           help="事项发生的日期（2026-11-30 或 2026年11月30日）")
by_option = click.option("--by", "recorded_by", required=True, help="记录人")
text_file_option = click.option("--text-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                                help="承诺书全文（UTF-8 文本文件）")


@contextmanager
def _refusals() -> Iterator[None]:
    """Library refusals (unknown person, future date, no text…) become a one-line error."""
    from grader.course.catalog import CourseError
    from grader.programmes import ProgrammeError
    from grader.records.gate import RecordError
    from grader.staff.roles import StaffError

    try:
        yield
    except (RecordError, ProgrammeError, CourseError, StaffError) as error:
        raise Failure(str(error)) from error


def _text(path: Path | None) -> str | None:
    return path.read_text(encoding="utf-8-sig") if path else None


def _said(record: GateRecord) -> None:
    when = f"{record.happened_on:%Y-%m-%d}" if record.happened_on else ""
    console.print(f"已{ACTIONS[record.action]} #{record.id}：{record.person_id} {record.label} {when}"
                  f"（记录人 {record.recorded_by}）", highlight=False)


@click.group()
def record() -> None:
    """记录廉政谈话、廉政宣誓、廉政公开承诺、理论学习和廉政党课；记录只增不改，更正与撤销都留痕。"""


def _step_command(name: str, kind: str) -> None:
    def command(person: str, on: datetime, notes: str, root: Path, db_url: str | None,
                text_file: Path | None = None) -> None:
        from grader.records.gate import record_step

        with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
            _said(record_step(session, person, kind, on.date(), acting(session), notes, _text(text_file)))

    decorators: list[Callable[[Any], Any]] = [click.argument("person"), date_option,
                                              click.option("--notes", default="", help="备注"), root_option, db_option]
    if kind == "commitment":
        decorators.append(click.option("--text-file", required=True,
                                       type=click.Path(exists=True, dir_okay=False, path_type=Path),
                                       help="承诺书全文（UTF-8 文本文件），原文保存"))
    for decorate in reversed(decorators):
        command = decorate(command)
    record.command(name, help=f"记录{RECORD_KINDS[kind]}（PERSON 为名单中的编号）。")(command)


for _name, _kind in COMMANDS.items():
    _step_command(_name, _kind)


@record.command("correct")
@click.argument("record_id", type=int)
@click.option("--reason", required=True, help="更正原因")
@click.option("--date", "on", type=day, default=None, help="更正后的日期")
@click.option("--notes", default=None, help="更正后的备注")
@text_file_option
@root_option
@db_option
def record_correct(record_id: int, reason: str, on: datetime | None, notes: str | None,
                   text_file: Path | None, root: Path, db_url: str | None) -> None:
    """更正一条有效记录：新增一条更正记录，原记录保留。"""
    from grader.records.gate import correct_step

    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        _said(correct_step(session, record_id, acting(session), reason, on=on.date() if on else None, notes=notes,
                           text=_text(text_file)))


@record.command("withdraw")
@click.argument("record_id", type=int)
@click.option("--reason", required=True, help="撤销原因")
@root_option
@db_option
def record_withdraw(record_id: int, reason: str, root: Path, db_url: str | None) -> None:
    """撤销一条误记的记录：新增一条撤销记录，原记录保留。"""
    from grader.records.gate import withdraw_step

    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        _said(withdraw_step(session, record_id, acting(session), reason))


@record.command("history")
@click.argument("person")
@root_option
@db_option
def record_history(person: str, root: Path, db_url: str | None) -> None:
    """一个人的全部记录（含更正与撤销），按记录先后排列。"""
    from grader.records.gate import records_of

    with transaction(Settings.resolve(root, db_url)) as session:
        trail = records_of(session, person)
    table = Table("记录号", "事项", "操作", "日期", "记录人", "记录时间", "备注/原因", "有效", title=f"{person} 的记录")
    for g in trail:
        table.add_row(str(g.id), g.label, ACTIONS[g.action] + (f" #{g.replaces}" if g.replaces else ""),
                      f"{g.happened_on or ''}", g.recorded_by, f"{g.recorded_at:%Y-%m-%d %H:%M}",
                      g.reason or g.notes, "是" if g.in_force else "否")
    Console().print(table)


def _print_report(statuses: Sequence[Any], is_unit: bool) -> None:
    out = Console()
    for programme in dict.fromkeys(s.title for s in statuses):
        group = [s for s in statuses if s.title == programme]
        if is_unit:
            cases = any(s.case_id is not None for s in group)
            table = Table("编号", "姓名", "单位", *(("事项", "拟任职务") if cases else ()), "状态", "未完成的环节",
                          title=programme + ("（办理中的任职事项）" if cases else ""))
            for s in group:
                colour = "green" if s.cleared else "red"
                table.add_row(s.person_id, s.name, s.unit, *((f"#{s.case_id}", s.position) if cases else ()),
                              f"[{colour}]{s.state}[/]", s.missing_summary)
            done = "可以任职" if cases else "已完成"
            out.print(table, f"{sum(s.cleared for s in group)}/{len(group)} {'项' if cases else '人'}{done}")
            continue
        for s in group:
            table = Table("环节", "状态", "时间", "说明", title=f"{s.title}（{s.person_id} {s.name}）："
                          + ("已完成" if s.cleared else f"缺 {len(s.missing)} 项"))
            for step in s.steps:
                table.add_row(step.label, "[green]✓[/]" if step.done else "[red]✗[/]",
                              f"{step.at:%Y-%m-%d}" if step.at else "", step.detail)
            out.print(table)


@click.command()
@click.argument("target")
@click.option("--programme", default=None, help="只看这个培训项目（induction、promotion、leader_theory）")
@click.option("--year", type=int, default=None, help="按年度的项目查哪一年（默认今年）")
@click.option("--all", "everyone", is_flag=True, help="单位中所有人（不按培训项目的适用人员筛选）")
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path), default=None, help="同时导出为 .xlsx")
@click.option("--programmes", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("exams/programmes"), show_default=True)
@click.option("--courses", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("courses"),
              show_default=True)
@root_option
@db_option
def status(target: str, programme: str | None, year: int | None, everyone: bool, xlsx: Path | None,
           programmes: Path, courses: Path, root: Path, db_url: str | None) -> None:
    """一个人（编号）或一个单位（含下级单位）的培训与晋升关口状态：已完成，或还缺哪几项。"""
    from grader.audit.sync import capture_for_command
    from grader.records.dossier import load_requirements, status_of
    from grader.records.xlsx import STATUS_COLUMNS, status_rows, write_xlsx

    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        capture_for_command(session, "status")  # formgrader's manual scores, before they are read
        report = status_of(session, target, *load_requirements(programmes, courses), programme=programme, year=year,
                           everyone=everyone)
    _print_report(report.statuses, report.is_unit)
    if xlsx:
        console.print(f"已导出 {write_xlsx(xlsx, target, STATUS_COLUMNS, status_rows(report.statuses))}")


programmes_option = click.option("--programmes", type=click.Path(exists=True, file_okay=False, path_type=Path),
                                 default=Path("exams/programmes"), show_default=True, help="培训项目文件夹")
programme_option = click.option("--programme", "programme_id", default="promotion", show_default=True,
                                help="按任职事项办理的培训项目")


def _programme(folder: Path, programme_id: str) -> Any:
    from grader.programmes import ProgrammeError, load_programmes

    loaded = load_programmes(folder)
    if programme_id not in loaded:
        raise ProgrammeError([f"没有培训项目 {programme_id!r}（可用：{'、'.join(loaded)}）"])
    return loaded[programme_id]


@click.group()
def case() -> None:
    """任职事项：为拟提任人员立项，记录四个环节，查看是否可以任职，补考资格。"""


@case.command("open")
@click.argument("person")
@click.option("--position", required=True, help="拟任职务")
@click.option("--notice-start", required=True, type=day, help="公示开始日期")
@click.option("--notice-end", required=True, type=day, help="公示结束日期")
@click.option("--decision", type=day, default=None, help="任职决定日期（可稍后确定）")
@programme_option
@programmes_option
@root_option
@db_option
def case_open(person: str, position: str, notice_start: datetime, notice_end: datetime, decision: datetime | None,
              programme_id: str, programmes: Path, root: Path, db_url: str | None) -> None:
    """为 PERSON 建立任职事项。"""
    from grader.records.cases import open_case

    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        opened = open_case(session, _programme(programmes, programme_id), person, position, notice_start.date(),
                           notice_end.date(), acting(session), decision.date() if decision else None)
    console.print(f"已建立任职事项 #{opened.id}：{person} 拟任{opened.position}", highlight=False)


@case.command("step")
@click.argument("case_id", type=int)
@click.argument("kind", type=click.Choice(["talk", "oath", "commitment"]))
@date_option
@click.option("--notes", default="", help="备注")
@text_file_option
@programme_option
@programmes_option
@root_option
@db_option
def case_step(case_id: int, kind: str, on: datetime, notes: str, text_file: Path | None,
              programme_id: str, programmes: Path, root: Path, db_url: str | None) -> None:
    """记录任职事项 CASE_ID 的廉政谈话（talk）、廉政宣誓（oath）或廉政公开承诺（commitment）。"""
    from grader.records.cases import record_case_step

    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        _said(record_case_step(session, _programme(programmes, programme_id), case_id, kind, on.date(),
                               acting(session), notes, _text(text_file)))


@case.command("end")
@click.argument("case_id", type=int)
@click.option("--cancel", is_flag=True, help="取消任用资格（默认：办结）")
@click.option("--reason", required=True, help="原因（如：已任职、不再提任）")
@root_option
@db_option
def case_end(case_id: int, cancel: bool, reason: str, root: Path, db_url: str | None) -> None:
    """办结任职事项，或取消任用资格。"""
    from grader.records.cases import end_case

    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        ended = end_case(session, case_id, "cancelled" if cancel else "closed", acting(session), reason)
    console.print(f"任职事项 #{ended.id}：{ended.state_text}（{ended.end_reason}）", highlight=False)


@case.command("show")
@click.argument("person")
@programme_option
@programmes_option
@root_option
@db_option
def case_show(person: str, programme_id: str, programmes: Path, root: Path, db_url: str | None) -> None:
    """PERSON 的任职事项：可以任职、缺哪几项，或已取消任用资格及原因。"""
    from grader.records.cases import person_cases

    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        found = person_cases(session, _programme(programmes, programme_id), person)
    if not found:
        console.print(f"{person} 没有任职事项", highlight=False)
    for c in found:
        s = c.status
        table = Table("环节", "状态", "时间", "说明", title=f"任职事项 #{c.case.id} {s.name} 拟任{c.case.position}："
                      f"{s.verdict}{'（' + s.cancelled + '）' if s.cancelled else ''}")
        for step in s.steps:
            table.add_row(step.label, "[green]✓[/]" if step.done else "[red]✗[/]",
                          f"{step.at:%Y-%m-%d}" if step.at else "", step.detail)
        Console().print(table)


@case.command("resits")
@click.argument("people", nargs=-1)
@click.option("--sitting", default=None, help="补考哪一场：该场次的全部考生")
@click.option("--on", "on", required=True, type=day, help="补考日期")
@programme_option
@programmes_option
@root_option
@db_option
def case_resits(people: tuple[str, ...], sitting: str | None, on: datetime, programme_id: str, programmes: Path,
                root: Path, db_url: str | None) -> None:
    """谁可以在 --on 这天补考（按培训项目的补考规则），不可以的说明原因。"""
    from grader.records.resits import resit_decisions, resit_of_sitting

    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        programme = _programme(programmes, programme_id)
        decisions = (resit_of_sitting(session, programme, sitting, on.date()) if sitting
                     else resit_decisions(session, programme, list(people), on.date()))
    table = Table("编号", "可以补考", "说明", title=f"{on:%Y-%m-%d} 补考资格")
    for d in decisions:
        table.add_row(d.person_id, "[green]是[/]" if d.allowed else "[red]否[/]", d.reason)
    Console().print(table)


@click.group()
def review() -> None:
    """成绩复核：申请、由另一位阅卷人在不知原评分的情况下重新评阅简答题、决定。"""


@review.command("request")
@click.argument("person")
@click.argument("assignment")
@click.option("--reason", required=True, help="申请理由")
@click.option("--on-behalf", is_flag=True, help="组织部门代本人申请")
@programme_option
@programmes_option
@root_option
@db_option
def review_request(person: str, assignment: str, reason: str, on_behalf: bool, programme_id: str,
                   programmes: Path, root: Path, db_url: str | None) -> None:
    """申请复核 PERSON 在试卷 ASSIGNMENT 上的当前成绩。"""
    from grader.records.review import request_review

    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        asked = request_review(session, _programme(programmes, programme_id), person, assignment, acting(session),
                               reason, on_behalf)
    console.print(f"已登记复核申请 #{asked.id}（{person}，{assignment}）", highlight=False)


@review.command("sheet")
@click.argument("review_id", type=int)
@root_option
@db_option
def review_sheet_command(review_id: int, root: Path, db_url: str | None) -> None:
    """复核阅卷人看到的内容：简答题及考生的答案（不显示原评分）。"""
    from grader.records.review import review_sheet

    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        sheet = review_sheet(session, review_id)
    for essay in sheet.essays:
        console.print(f"[bold]{essay.name}[/]（满分 {essay.max_points:g}）{essay.stem}\n答：{essay.response}\n",
                      highlight=False, soft_wrap=True)  # the terminal wraps; the answer is copied whole


@review.command("mark")
@click.argument("review_id", type=int)
@click.option("--mark", "marks", multiple=True, required=True, help="题号=得分，如 q09=7（每道简答题一项）")
@root_option
@db_option
def review_mark(review_id: int, marks: tuple[str, ...], root: Path, db_url: str | None) -> None:
    """复核阅卷人的评分。"""
    from grader.records.review import mark_review

    parsed: dict[str, float] = {}
    for mark in marks:
        name, _, points = mark.partition("=")
        try:
            parsed[name.strip()] = float(points)
        except ValueError as error:
            raise Failure(f"--mark {mark!r} 应为 题号=得分（如 q09=7）") from error
    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        mark_review(session, review_id, acting(session), parsed)
    console.print(f"复核 #{review_id} 已评分，待决定", highlight=False)


@review.command("decide")
@click.argument("review_id", type=int)
@click.option("--adopt", type=click.Choice(["first", "second"]), required=True,
              help="first：维持原评分；second：采用复核评分")
@click.option("--note", default="", help="说明")
@root_option
@db_option
def review_decide(review_id: int, adopt: str, note: str, root: Path, db_url: str | None) -> None:
    """决定复核结果；两次评分、结果和决定人都保留在档案中。"""
    from grader.records.review import decide_review

    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        decided = decide_review(session, review_id, acting(session), adopt, note)
    console.print(f"复核 #{decided.id}：{decided.state}，最终得分 {decided.final_score:g}", highlight=False)


@click.command()
@click.argument("person")
@click.option("--pdf", "pdf", required=True, type=click.Path(dir_okay=False, path_type=Path), help="写出的 PDF 文件")
@programmes_option
@click.option("--courses", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("courses"),
              show_default=True)
@root_option
@db_option
def dossier(person: str, pdf: Path, programmes: Path, courses: Path, root: Path, db_url: str | None) -> None:
    """个人廉政档案（可打印的 PDF）：培训项目、任职事项、考试成绩及历次记录、谈话、宣誓、承诺全文和证书。"""
    from grader.certificates.fonts import FontError
    from grader.records.dossier import load_requirements
    from grader.records.dossier_pdf import dossier_pdf

    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        try:
            data = dossier_pdf(session, person, *load_requirements(programmes, courses))
        except (FontError, ValueError) as error:
            raise Failure(str(error)) from error
    pdf.write_bytes(data)
    console.print(f"已写出 {pdf}（{len(data) // 1024} KB）", highlight=False)
