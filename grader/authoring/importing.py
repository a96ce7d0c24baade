"""Importing a spreadsheet (xlsx, csv) or a Word file (docx) into a YAML bank.

Each row is checked on its own (`rows.check_row`, which is grader.bank's check), then 题号 across the file and
across the banks already in the target folder. The caller decides what to do with a file that has problems:
the CLI imports nothing unless told to skip the bad rows."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from grader import bank as bank_lib
from grader.authoring.record import AuthoredBank, Record, clean, dump_bank
from grader.authoring.rows import RowProblem, check_row
from grader.authoring.xlsx import SheetRows

SUFFIXES = (".xlsx", ".xlsm", ".csv", ".docx")
_BANK_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class ImportResult:
    file: str
    bank: AuthoredBank  # the good rows' items
    problems: tuple[RowProblem, ...]
    rows: int  # question rows read
    fatal: bool  # the file as a whole is unreadable (its header, its bank): no row can be trusted

    @property
    def bad_rows(self) -> int:
        return self.rows - len(self.bank.records)


class UnsupportedFile(Exception):
    pass


def read_rows(path: Path, *, area: str = "") -> SheetRows:
    """The question rows of a file, by its suffix; `area` is the default 内容领域 of a Word file's questions."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from grader.authoring.xlsx import read_workbook

        return read_workbook(path)
    if suffix == ".csv":
        from grader.authoring.csvfile import read_csv

        return read_csv(path)
    if suffix == ".docx":
        from grader.authoring.wordfile import read_docx

        return read_docx(path, area=area)
    raise UnsupportedFile(f"{path}: 不支持的文件类型 {suffix or '（无扩展名）'}（可导入 {'、'.join(SUFFIXES)}）")


def existing_ids(folder: Path, replacing: Path | None = None) -> dict[str, str]:
    """Every item id of the banks in a folder (but the one being replaced) → where it is written."""
    files = [p for p in bank_lib.bank_files([folder]) if replacing is None or p.resolve() != replacing.resolve()]
    result = bank_lib.check_banks(files)
    return {item_id: f"{bank.file}:{line}" for bank in result.banks for item_id, line in bank.declared_ids}


def _bank_id(file: str, given: str, found: str, fallback: str) -> tuple[str, list[RowProblem]]:
    bank_id = given or found or fallback
    if _BANK_ID.fullmatch(bank_id):
        return bank_id, []
    message = f"{bank_id!r} 只能含小写字母、数字和连字符（在“题库”表中填写，或导入时用 --bank 指定）"
    return bank_id, [RowProblem(file, "题库", "题库编号", message)]


def _numbered(sheet: SheetRows, bank_id: str) -> list[tuple[int, dict[str, object]]]:
    """The rows, those of a format that numbers its questions given <bank>-<number> where they have no 题号."""
    if not sheet.numbered:
        return list(sheet.rows)
    return [(number, cells if clean(cells.get("题号")) else {**cells, "题号": f"{bank_id}-{number:03d}"})
            for number, cells in sheet.rows]


def _duplicates(file: str, sheet: SheetRows, rows: list[tuple[int, dict[str, object]]],
                existing: Mapping[str, str]) -> dict[int, RowProblem]:
    first: dict[str, int] = {}
    found: dict[int, RowProblem] = {}
    for number, cells in rows:
        item_id = clean(cells.get("题号"))
        if not item_id:
            continue
        place = dict(sheet.places).get(number, f"第 {number} {sheet.unit}")
        if item_id in first:
            found[number] = RowProblem(file, place, "题号", f"题号 {item_id!r} 重复（首次出现在第 {first[item_id]} "
                                                           f"{sheet.unit}）")
        elif item_id in existing:
            found[number] = RowProblem(file, place, "题号", f"题号 {item_id!r} 已在 {existing[item_id]} 使用"
                                                           "（题号在全部题库中唯一）")
        first.setdefault(item_id, number)
    return found


def check_rows(path: Path, sheet: SheetRows, *, bank_id: str = "", title: str = "",
               existing: Mapping[str, str] | None = None, fallback_id: str = "") -> ImportResult:
    """Every row checked; the records of those with no problem."""
    file = str(path)
    chosen, problems = _bank_id(file, bank_id, sheet.bank_id, fallback_id or path.stem)
    problems = [*sheet.problems, *problems]
    rows = _numbered(sheet, chosen)
    duplicates = _duplicates(file, sheet, rows, existing or {})
    records: list[Record] = []
    places, names = dict(sheet.places), dict(sheet.names)
    for number, cells in rows:
        place = places.get(number, f"第 {number} {sheet.unit}")
        record, said = check_row(number, cells, chosen, file, place)
        said = [dataclasses.replace(p, column=names.get(p.column, p.column)) for p in said]
        if number in duplicates:
            said.insert(0, duplicates[number])
        problems.extend(said)
        if record is not None and not said:
            records.append(record)
    bank = AuthoredBank(chosen, title or sheet.title or chosen, tuple(records))
    if not sheet.rows and not sheet.problems:
        hint = "每道题应以“1. ”这样手写的题号开头" if sheet.unit == "题" else "题目从表头下一行起，每行一道"
        problems.append(RowProblem(file, "全文", "", f"没有读到任何题目（{hint}）"))
    fatal = bool(sheet.problems) or any(p.place in ("题库", "全文") for p in problems)
    return ImportResult(file, bank, tuple(problems), len(sheet.rows), fatal)


def write_yaml(result: ImportResult, target: Path) -> None:
    """Write the good items as a YAML bank, checked by grader.bank before it replaces `target`."""
    text = dump_bank(result.bank, note=f"由 qinglian bank import 从 {Path(result.file).name} 生成")
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    try:
        written = bank_lib.check_banks([temporary])
        if written.problems:  # a bug here: every row was checked by the same rules
            raise RuntimeError("\n".join(str(p) for p in written.problems))
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
