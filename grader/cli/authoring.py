"""`qinglian bank import | export | template`: banks from and to spreadsheets, Word, Moodle XML and GIFT.

The commands hang on the `bank` group (grader/cli/exams.py adds them); openpyxl and python-docx load only when
one of them runs."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.edge import Failure, console

DEFAULT_BANKS = Path("exams") / "banks"
EXPORTS = {".xlsx": "Excel 表格", ".xml": "Moodle XML", ".gift": "GIFT"}

# holds the commands for the `bank` group; never registered itself
authoring_commands = click.Group(name="bank-authoring")


@authoring_commands.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "target", type=click.Path(dir_okay=False, path_type=Path),
              help="写入的 YAML 题库（默认：与 FILE 同名的 .yaml）")
@click.option("--skip-bad", is_flag=True, help="跳过有问题的题，导入其余的题（有问题的照样列出）")
@click.option("--bank", "bank_id", default="", help="题库编号（默认：表格“题库”表中的编号，否则为目标文件名）")
@click.option("--title", default="", help="题库名称（默认：表格“题库”表中的名称，否则为题库编号）")
@click.option("--area", default="", help="Word 文件中没写“内容领域：”的题目的内容领域")
def bank_import(file: Path, target: Path | None, skip_bad: bool, bank_id: str, title: str, area: str) -> None:
    """从 Excel（.xlsx）、CSV 或 Word（.docx）导入题目，写成 YAML 题库；问题按 文件: 第 N 行 列名: 说明 列出。"""
    from grader.authoring import importing

    target = target or file.with_suffix(".yaml")
    if not target.parent.is_dir():
        raise Failure(f"目录 {target.parent} 不存在")
    try:
        sheet = importing.read_rows(file, area=area)
    except importing.UnsupportedFile as error:
        raise Failure(str(error)) from error
    existing = importing.existing_ids(target.parent, replacing=target)
    result = importing.check_rows(file, sheet, bank_id=bank_id, title=title, existing=existing,
                                  fallback_id=target.stem)
    for problem in result.problems:
        click.echo(str(problem))
    console.print(f"{file}：读到 {result.rows} 道题，{result.bad_rows} 道有问题，{len(result.problems)} 个问题",
                  highlight=False, soft_wrap=True)
    if result.fatal or not result.bank.records or (result.problems and not skip_bad):
        hint = "（改正后重新导入，或加 --skip-bad 只导入没有问题的题）"
        hint = "" if result.fatal or not result.bank.records else hint
        raise Failure(f"未导入{hint}")
    importing.write_yaml(result, target)
    console.print(f"已导入 {len(result.bank.records)} 道题到 {target}（题库 {result.bank.id}）",
                  highlight=False, soft_wrap=True)


@authoring_commands.command("export")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--to", "target", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="导出的文件：.xlsx（Excel，一个题库）、.xml（Moodle XML）或 .gift（GIFT）")
def bank_export(paths: tuple[Path, ...], target: Path) -> None:
    """导出题库：Excel 表格（可改后再导入）、Moodle XML 或 GIFT。"""
    from grader import bank as bank_lib
    from grader.authoring import gift, moodle, record, xlsx

    if not paths:
        if not DEFAULT_BANKS.is_dir():
            raise Failure(f"请给出题库文件或目录（当前目录下没有 {DEFAULT_BANKS}）")
        paths = (DEFAULT_BANKS,)
    suffix = target.suffix.lower()
    if not target.parent.is_dir():
        raise Failure(f"目录 {target.parent} 不存在")
    if suffix not in EXPORTS:
        raise Failure(f"不支持导出为 {suffix or '（无扩展名）'}（可用 {'、'.join(EXPORTS)}）")
    try:
        banks = record.read_banks(paths)
        if suffix == ".xlsx" and len(banks) != 1:
            raise Failure(f"Excel 表格一次导出一个题库，而给出了 {len(banks)} 个")
        data = (xlsx.write_bank(banks[0]) if suffix == ".xlsx" else
                moodle.write_moodle(banks) if suffix == ".xml" else gift.write_gift(banks))
    except bank_lib.BankError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise Failure(f"题库有 {len(error.problems)} 个问题，未导出（先用 qinglian bank check 检查）") from error
    except record.UnwritableError as error:
        for reason in error.reasons:
            click.echo(reason, err=True)
        raise Failure(f"{len(error.reasons)} 处内容无法写入 {EXPORTS[suffix]}，未导出") from error
    target.write_bytes(data)
    count = sum(len(b.records) for b in banks)
    console.print(f"已导出 {len(banks)} 个题库、{count} 道题到 {target}（{EXPORTS[suffix]}）", highlight=False,
                  soft_wrap=True)


@authoring_commands.command("template")
@click.option("--to", "target", type=click.Path(dir_okay=False, path_type=Path), default=Path("题库模板.xlsx"),
              show_default=True, help="模板文件")
def bank_template(target: Path) -> None:
    """写出 Excel 题库模板：题型、内容领域、用途可下拉选择，附填写说明与示例。"""
    from grader.authoring import xlsx

    if target.suffix.lower() != ".xlsx":
        raise Failure("模板是 Excel 文件，请用 .xlsx 作扩展名")
    target.write_bytes(xlsx.template())
    console.print(f"已写出模板 {target}：在“题目”表中每行填一道题，“题库”表中填题库编号和名称", highlight=False,
                  soft_wrap=True)
