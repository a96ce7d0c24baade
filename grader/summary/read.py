"""Reading the summary tables, right even before they are settled: the figures of people still
marked stale (a grader's mark written by formgrader, a writer that has not settled yet) are taken
out as they were summed and put back as counted now from the raw rows. Reads write nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from grader.summary.maintain import Line, UnitKey, examinee_counts, fresh_lines, line_of, stale, unit_counts
from grader.summary.tables import CITY_ROW, ExamineesSummaryRow, PersonSummaryRow, UnitSummaryRow


@dataclass(frozen=True)
class Scope:
    """Which summary rows a question needs: one period key or every key of a span; one programme
    or all; some units (CITY_ROW: the whole roster) or every unit (None: not the city's row)."""

    period_key: str | None = None
    span: str | None = None
    programme: str | None = None
    units: Sequence[str] | None = None

    def where(self, model: type[UnitSummaryRow] | type[ExamineesSummaryRow]) -> list[ColumnElement[bool]]:
        found = [model.unit.in_(list(self.units)) if self.units is not None else model.unit != CITY_ROW]
        if self.period_key is not None:
            found.append(model.period_key == self.period_key)
        if self.span is not None and model is UnitSummaryRow:
            found.append(UnitSummaryRow.span == self.span)
        if self.programme is not None and model is UnitSummaryRow:
            found.append(UnitSummaryRow.programme == self.programme)
        return found

    def takes(self, unit: str, period_key: str, programme: str | None = None) -> bool:
        return ((unit in self.units) if self.units is not None else unit != CITY_ROW) and (
            self.period_key is None or period_key == self.period_key) and (
            self.span is None or _span_of(period_key) == self.span) and (
            self.programme is None or programme is None or programme == self.programme)


def _span_of(key: str) -> str:
    return "all" if not key else "quarter" if "-Q" in key else "month" if "-" in key else "year"


def _changes(session: Session) -> tuple[list[Line], list[Line]]:
    """(the stale people's lines as summed, their lines as counted now)."""
    people = stale(session)
    if not people:
        return [], []
    old = [line_of(row) for row in session.scalars(select(PersonSummaryRow)
                                                   .where(PersonSummaryRow.person_id.in_(people)))]
    return old, fresh_lines(session, people)


def unit_figures(session: Session, scope: Scope) -> dict[UnitKey, Counter[str]]:
    """(unit, period key, programme, band) -> candidates, passed, best_micros, for the scope."""
    found: dict[UnitKey, Counter[str]] = {}
    for row in session.execute(select(UnitSummaryRow.unit, UnitSummaryRow.period_key, UnitSummaryRow.programme,
                                      UnitSummaryRow.band, UnitSummaryRow.candidates, UnitSummaryRow.passed,
                                      UnitSummaryRow.best_micros).where(*scope.where(UnitSummaryRow))):
        found[row[0], row[1], row[2], row[3]] = Counter(candidates=row[4], passed=row[5], best_micros=row[6])
    old, new = _changes(session)
    for sign, lines in ((-1, old), (1, new)):
        for key, figures in unit_counts(lines, sign).items():
            if scope.takes(key[0], key[1], key[2]):
                found.setdefault(key, Counter()).update(figures)
    return {key: figures for key, figures in found.items() if figures["candidates"]}


def examinees(session: Session, scope: Scope) -> Counter[tuple[str, str]]:
    """(unit, period key) -> distinct people with a counted result of any programme."""
    found: Counter[tuple[str, str]] = Counter(dict(((u, k), n) for u, k, n in session.execute(
        select(ExamineesSummaryRow.unit, ExamineesSummaryRow.period_key, ExamineesSummaryRow.people)
        .where(*scope.where(ExamineesSummaryRow)))))
    old, new = _changes(session)
    for sign, lines in ((-1, old), (1, new)):
        for (unit, key), count in examinee_counts(lines, sign).items():
            if scope.takes(unit, key):
                found[unit, key] += count
    return +found


def person_lines(session: Session, unit: str, period_key: str,
                 programme: str | None) -> tuple[list[tuple[str, str, str]], dict[str, list[Line]]]:
    """(the unit's own people: id, name, rank; person -> their lines for the period and programme)."""
    from grader.gradebook.models import PersonRow

    people = [(i, n, r) for i, n, r in session.execute(select(PersonRow.id, PersonRow.name, PersonRow.rank)
                                                       .where(PersonRow.unit == unit))]
    query = (select(PersonSummaryRow).join(PersonRow, PersonRow.id == PersonSummaryRow.person_id)
             .where(PersonRow.unit == unit, PersonSummaryRow.period_key == period_key))
    if programme is not None:
        query = query.where(PersonSummaryRow.programme == programme)
    lines: dict[str, list[Line]] = {}
    for row in session.scalars(query):
        lines.setdefault(row.person_id, []).append(line_of(row))
    members = {person for person, _, _ in people}
    late = [p for p in stale(session) if p in members]
    for person in late:
        lines.pop(person, None)
    for line in fresh_lines(session, late) if late else []:
        if line.period_key == period_key and (programme is None or line.programme == programme):
            lines.setdefault(line.person_id, []).append(line)
    return people, lines
