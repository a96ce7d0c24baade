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

from grader.cli.edge import Failure, console, db_option, root_option, transaction
from grader.records.gate import ACTIONS, RECORD_KINDS, GateRecord
from grader.settings import Settings

COMMANDS = {"talk": "talk", "oath": "oath", "commitment": "commitment", "theory": "theory_study",
            "lecture": "party_lecture"}
date_option = click.option("--date", "on", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
                           help="事项发生的日期（YYYY-MM-DD）")
by_option = click.option("--by", "recorded_by", required=True, help="记录人")
text_file_option = click.option("--text-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                                help="承诺书全文（UTF-8 文本文件）")


@contextmanager
def _refusals() -> Iterator[None]:
    """Library refusals (unknown person, future date, no text…) become a one-line error."""
    from grader.course.catalog import CourseError
    from grader.programmes import ProgrammeError
    from grader.records.gate import RecordError

    try:
        yield
    except (RecordError, ProgrammeError, CourseError) as error:
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
    def command(person: str, on: datetime, recorded_by: str, notes: str, root: Path, db_url: str | None,
                text_file: Path | None = None) -> None:
        from grader.records.gate import record_step

        with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
            _said(record_step(session, person, kind, on.date(), recorded_by, notes, _text(text_file)))

    decorators: list[Callable[[Any], Any]] = [click.argument("person"), date_option, by_option,
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
@by_option
@click.option("--reason", required=True, help="更正原因")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="更正后的日期")
@click.option("--notes", default=None, help="更正后的备注")
@text_file_option
@root_option
@db_option
def record_correct(record_id: int, recorded_by: str, reason: str, on: datetime | None, notes: str | None,
                   text_file: Path | None, root: Path, db_url: str | None) -> None:
    """更正一条有效记录：新增一条更正记录，原记录保留。"""
    from grader.records.gate import correct_step

    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        _said(correct_step(session, record_id, recorded_by, reason, on=on.date() if on else None, notes=notes,
                           text=_text(text_file)))


@record.command("withdraw")
@click.argument("record_id", type=int)
@by_option
@click.option("--reason", required=True, help="撤销原因")
@root_option
@db_option
def record_withdraw(record_id: int, recorded_by: str, reason: str, root: Path, db_url: str | None) -> None:
    """撤销一条误记的记录：新增一条撤销记录，原记录保留。"""
    from grader.records.gate import withdraw_step

    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        _said(withdraw_step(session, record_id, recorded_by, reason))


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
            table = Table("编号", "姓名", "单位", "状态", "未完成的环节", title=programme)
            for s in group:
                table.add_row(s.person_id, s.name, s.unit, "[green]已完成[/]" if s.cleared else "[red]未完成[/]",
                              s.missing_summary)
            out.print(table, f"{sum(s.cleared for s in group)}/{len(group)} 人已完成")
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
    from grader.records.dossier import load_requirements, status_of
    from grader.records.xlsx import STATUS_COLUMNS, status_rows, write_xlsx

    with _refusals(), transaction(Settings.resolve(root, db_url)) as session:
        report = status_of(session, target, *load_requirements(programmes, courses), programme=programme, year=year,
                           everyone=everyone)
    _print_report(report.statuses, report.is_unit)
    if xlsx:
        console.print(f"已导出 {write_xlsx(xlsx, target, STATUS_COLUMNS, status_rows(report.statuses))}")
