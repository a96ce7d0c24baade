"""The unit hierarchy as the scoreboard walks it: parents first, a unit's subtree, figures of
sub-units added into their parents, a unit's own headcount."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.gradebook.models import PersonRow, UnitRow

_KIND_ORDER = {"市直单位": 0, "县（市、区）": 1, "乡（镇、街道）": 2}
Unit = tuple[str, str | None, str, int, list[int]]  # name, parent, kind, depth, figures


def hierarchy(session: Session) -> list[tuple[str, str | None, str, int]]:
    """(name, parent, kind, depth) of every unit, parents first, siblings by kind then name."""
    info = {name: (parent, kind) for name, parent, kind in session.execute(
        select(UnitRow.name, UnitRow.parent, UnitRow.kind))}
    children: dict[str | None, list[str]] = {}
    for name, (parent, _) in info.items():
        children.setdefault(parent, []).append(name)

    def kids(parent: str | None, depth: int) -> list[tuple[str, int]]:
        names = sorted(children.get(parent, []), key=lambda n: (_KIND_ORDER.get(info[n][1], 9), n), reverse=True)
        return [(name, depth) for name in names]

    ordered: list[tuple[str, str | None, str, int]] = []
    stack = kids(None, 0)
    while stack:
        name, depth = stack.pop()
        ordered.append((name, info[name][0], info[name][1], depth))
        stack.extend(kids(name, depth + 1))
    return ordered


def subtree(session: Session, unit: str) -> list[str]:
    """The unit and every unit under it."""
    children: dict[str | None, list[str]] = {}
    for name, parent in session.execute(select(UnitRow.name, UnitRow.parent)):
        children.setdefault(parent, []).append(name)
    found, stack = [], [unit]
    while stack:
        name = stack.pop()
        if name not in found:
            found.append(name)
            stack.extend(children.get(name, []))
    return found


def rolled_up(session: Session, direct: dict[str, list[int]], width: int) -> tuple[list[Unit], list[int]]:
    """Every unit, parents first, with its own figures plus all its sub-units'; and the city's
    (its top-level units' together). Figures are lists of `width` counts that add up."""
    ordered = hierarchy(session)
    totals = {name: list(direct.get(name, [0] * width)) for name, _, _, _ in ordered}
    for name, parent, _, _ in reversed(ordered):  # sub-units before their parents
        if parent is not None:
            totals[parent] = [a + b for a, b in zip(totals[parent], totals[name], strict=True)]
    city = [sum(totals[name][i] for name, parent, _, _ in ordered if parent is None) for i in range(width)]
    return [(name, parent, kind, depth, totals[name]) for name, parent, kind, depth in ordered], city


def headcount(session: Session, unit: str) -> int:
    """Distinct people on the unit's own roster (not its sub-units')."""
    return int(session.scalar(select(func.count(func.distinct(PersonRow.id))).where(PersonRow.unit == unit)) or 0)


def roster_sizes(session: Session) -> dict[str, int]:
    return {unit: int(people) for unit, people in session.execute(
        select(PersonRow.unit, func.count()).group_by(PersonRow.unit))}
