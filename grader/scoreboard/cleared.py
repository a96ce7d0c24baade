"""How many people have cleared a programme (grader.programmes: every step done), by unit with
sub-units rolled up.

Who counts: a programme that says whom it applies to (`applies_to`, e.g. induction: 新录用公务员)
counts all of them; one that does not (the promotion gate: the roster does not mark who is up for
promotion) counts the people who have begun it — at least one step done."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.gradebook.models import PersonRow
from grader.programmes import ModuleLike, Programme, people_status
from grader.scoreboard.model import CITY
from grader.scoreboard.query import rolled_up


@dataclass(frozen=True)
class Cleared:
    unit: str
    kind: str
    parent: str | None
    depth: int
    people: int  # counted for the programme (see the module docstring)
    cleared: int

    @property
    def rate(self) -> float | None:
        return self.cleared / self.people if self.people else None


@dataclass(frozen=True)
class ClearedBoard:
    programme: str
    title: str
    year: int | None  # the year yearly steps were checked for
    city: Cleared
    units: tuple[Cleared, ...]  # parents before their sub-units

    def children(self, unit: str | None) -> tuple[Cleared, ...]:
        parent = None if unit == CITY else unit
        return tuple(c for c in self.units if c.parent == parent)


def cleared_board(session: Session, programme: Programme, modules: Sequence[ModuleLike] = (),
                  year: int | None = None, now: datetime | None = None) -> ClearedBoard:
    """Cleared counts per unit: every person's status (grader.programmes.people_status, a few
    queries per 500 people), then counted per unit and rolled up."""
    roster = session.execute(select(PersonRow.id, PersonRow.unit, PersonRow.category, PersonRow.rank)).all()
    units = {person: unit for person, unit, category, rank in roster
             if not programme.applies_to or programme.applies(category, rank)}
    year = year or (now or datetime.now()).year
    direct: dict[str, list[int]] = {}
    for status in people_status(session, programme, list(units), modules=modules, year=year, now=now):
        if programme.applies_to or any(step.done for step in status.steps):
            row = direct.setdefault(units[status.person_id], [0, 0])
            row[0] += 1
            row[1] += status.cleared
    rows, city = rolled_up(session, direct, 2)
    return ClearedBoard(programme.id, programme.title, year if programme.yearly else None,
                        Cleared(CITY, "", None, -1, city[0], city[1]),
                        tuple(Cleared(name, kind, parent, depth, figures[0], figures[1])
                              for name, parent, kind, depth, figures in rows))
