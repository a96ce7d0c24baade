"""The roster: people and units imported from Excel or CSV, checked row by row."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.gradebook.models import PersonRow, UnitRow
from grader.staff.roles import Actor, authorize

COLUMNS = {"编号": "id", "姓名": "name", "身份证号": "id_number", "单位": "unit", "上级单位": "parent",
           "单位类别": "kind", "职级": "rank", "人员类别": "category"}
REQUIRED = ("编号", "姓名", "身份证号", "单位", "职级", "人员类别")
UNIT_KINDS = ("市直单位", "县（市、区）", "乡（镇、街道）")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


@dataclass(frozen=True)
class RosterProblem:
    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: 第 {self.row} 行 {self.column}: {self.message}"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    id_number: str
    unit: str
    parent: str
    kind: str
    rank: str
    category: str


def check_digit(first17: str) -> str:
    """GB 11643 (ISO 7064 MOD 11-2) check character of an ID number's first 17 digits."""
    return _CHECK[sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number_valid(number: str) -> bool:
    """An 18-digit resident ID number with the right check digit (GB 11643)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return check_digit(number[:17]) == number[17].upper()


def mask_id_number(number: str) -> str:
    """For anything outside the records view: the region and the check digit only."""
    return number[:3] + "*" * max(0, len(number) - 4) + number[-1:]


def mask_name(name: str) -> str:
    """For public lists: 张*明, 李*."""
    if len(name) <= 1:
        return name
    return name[0] + "*" if len(name) == 2 else name[0] + "*" * (len(name) - 2) + name[-1]


def read_table(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {header: text}) for a .csv (UTF-8, BOM or not) or .xlsx."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        rows = [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = [[cell.strip() for cell in row] for row in csv.reader(handle)]
    if not rows:
        return []
    header = rows[0]
    return [(number, dict(zip(header, row, strict=False))) for number, row in enumerate(rows[1:], start=2)
            if any(row)]


def _check_row(file: str, number: int, row: dict[str, str]) -> list[RosterProblem]:
    problems = [RosterProblem(file, number, column, "不能为空") for column in REQUIRED if not row.get(column)]
    id_number = row.get("身份证号", "")
    if id_number and not id_number_valid(id_number):
        problems.append(RosterProblem(file, number, "身份证号", "不是有效的 18 位身份证号（校验位不符）"))
    kind = row.get("单位类别", "")
    if kind and kind not in UNIT_KINDS:
        problems.append(RosterProblem(file, number, "单位类别", f"应为 {'、'.join(UNIT_KINDS)} 之一"))
    return problems


def parse_roster(path: Path) -> tuple[list[Person], list[RosterProblem]]:
    """Every row checked; a row with a problem is not imported, the others are."""
    file = str(path)
    table = read_table(path)
    if table and (missing := [c for c in REQUIRED if c not in table[0][1]]):
        return [], [RosterProblem(file, 1, "表头", f"缺少列：{'、'.join(missing)}")]
    people: list[Person] = []
    problems: list[RosterProblem] = []
    seen: dict[str, int] = {}
    for number, row in table:
        found = _check_row(file, number, row)
        if row.get("编号") in seen:
            found.append(RosterProblem(file, number, "编号", f"与第 {seen[row['编号']]} 行重复"))
        seen.setdefault(row.get("编号", ""), number)
        problems += found
        if not found:
            people.append(Person(row["编号"], "".join(row["姓名"].split()), row["身份证号"].upper(), row["单位"],
                                 row.get("上级单位", ""), row.get("单位类别") or "市直单位", row["职级"],
                                 row["人员类别"]))
    return people, problems


def import_people(session: Session, people: Sequence[Person], actor: Actor) -> tuple[int, int]:
    """Add or update units and people (and their nbgrader student rows), each change logged.
    Returns (added, updated)."""
    from nbgrader.api import Student

    from grader.audit.log import record

    authorize(actor, "roster.import")
    changed: list[object] = []
    position = session.scalar(select(func.max(UnitRow.position))) or 0
    for person in people:
        # a unit named only as someone's 上级单位 is a county: townships are the units that have one
        levels = ((person.parent, None, "县（市、区）"), (person.unit, person.parent or None, person.kind))
        for name, parent, kind in levels:
            if name and session.get(UnitRow, name) is None:
                position += 1
                unit = UnitRow(name=name, parent=parent, kind=kind, position=position)
                session.add(unit)
                session.flush()
                changed.append(unit)
    added = updated = 0
    for person in people:
        row = session.get(PersonRow, person.id)
        values = {"name": person.name, "id_number": person.id_number, "unit": person.unit, "rank": person.rank,
                  "category": person.category}
        if row is None:
            row = PersonRow(id=person.id, **values)
            session.add(row)
            added += 1
            changed.append(row)
        else:
            if any(getattr(row, key) != value for key, value in values.items()):
                changed.append(row)
            for key, value in values.items():
                setattr(row, key, value)
            updated += 1
        student = session.get(Student, person.id) or Student(id=person.id)
        student.last_name, student.first_name = person.name[:1], person.name[1:]
        session.add(student)
    record(session, actor, "roster.import", changed)
    from grader.summary import settle

    settle(session)  # people who moved unit, or joined with results: the scoreboard's summaries
    return added, updated


def unit_members(session: Session, unit: str) -> list[str]:
    """Ids of the people in a unit and every unit under it."""
    children: dict[str | None, list[str]] = {}
    for row in session.scalars(select(UnitRow)):
        children.setdefault(row.parent, []).append(row.name)
    units, stack = set(), [unit]
    while stack:
        name = stack.pop()
        units.add(name)
        stack.extend(children.get(name, []))
    return list(session.scalars(select(PersonRow.id).where(PersonRow.unit.in_(units)).order_by(PersonRow.id)))


@dataclass(frozen=True)
class UnitLine:
    name: str
    kind: str
    depth: int  # 0: a city office or a county; 1: a township under its county


def unit_tree(session: Session) -> list[UnitLine]:
    """Every unit in hierarchy order: the 市直单位, then each 县（市、区） followed by its
    乡（镇、街道）; siblings in the order the roster first named them."""
    rows = session.execute(select(UnitRow.name, UnitRow.parent, UnitRow.kind, UnitRow.position)).all()
    children: dict[str | None, list[tuple[int, int, str, str]]] = {}
    for name, parent, kind, position in rows:
        level = UNIT_KINDS.index(kind) if kind in UNIT_KINDS else len(UNIT_KINDS)
        children.setdefault(parent, []).append((level, position, name, kind))
    lines: list[UnitLine] = []
    stack = [(entry, 0) for entry in sorted(children.get(None, []), reverse=True)]
    while stack:
        (_, _, name, kind), depth = stack.pop()
        lines.append(UnitLine(name, kind, depth))
        stack += [(entry, depth + 1) for entry in sorted(children.get(name, []), reverse=True)]
    listed = {line.name for line in lines}  # a unit in a parent cycle is still listed, last
    return lines + [UnitLine(name, kind, 0) for _, _, name, kind in sorted(e for group in children.values()
                                                                         for e in group if e[2] not in listed)]


def units(session: Session) -> Iterable[str]:
    """Unit names in hierarchy order (unit_tree)."""
    return [line.name for line in unit_tree(session)]
