"""Making the summary rows: a person's lines from the raw rows (grader.summary.count), what they
add to their unit's and the city's figures, and keeping the tables equal to that as people go
stale. No commit here: the caller's transaction holds the write and its summary together."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from grader.gradebook.models import PersonRow
from grader.summary.count import Students, band_of, counted_results, period_keys
from grader.summary.tables import (
    CITY_ROW,
    ExamineesSummaryRow,
    PersonSummaryRow,
    StaleSummaryRow,
    UnitSummaryRow,
)

CHUNK = 500  # people per refresh


@dataclass(frozen=True)
class Line:
    """One ql_summary_person row."""

    person_id: str
    period_key: str
    programme: str
    span: str
    unit: str
    best: float
    band: int
    passed: bool
    attempts: int
    last: datetime | None

    @property
    def micros(self) -> int:
        return round(self.best * 1_000_000)


UnitKey = tuple[str, str, str, int]  # unit, period key, programme, band


def fresh_lines(session: Session, students: Students | None = None) -> list[Line]:
    """Every summary line of these people (None: everyone) counted from the raw rows: one read of
    their counted results, then per programme and period the best, the pass, the count, the last
    (as best_results groups them). People not on the roster have none."""
    counted = counted_results(students).subquery()
    rows = session.execute(select(counted.c.student, counted.c.programme, PersonRow.unit, counted.c.percent,
                                  counted.c.passed, counted.c.at).join(PersonRow, PersonRow.id == counted.c.student))
    groups: dict[tuple[str, str, str, str, str], list[tuple[float, bool, datetime | None]]] = {}
    for person, programme, unit, percent, passed, at in rows:
        entry = (float(percent), bool(passed), at)
        groups.setdefault((person, "", programme, "all", unit), []).append(entry)
        for span, key in period_keys(at) if at is not None else ():
            groups.setdefault((person, key, programme, span, unit), []).append(entry)
    lines = []
    for (person, key, programme, span, unit), entries in groups.items():
        best = max(percent for percent, _, _ in entries)
        times = [at for _, _, at in entries if at is not None]
        lines.append(Line(person, key, programme, span, unit, best, band_of(best), any(p for _, p, _ in entries),
                          len(entries), max(times) if times else None))
    return lines


def line_of(row: Any) -> Line:
    return Line(row.person_id, row.period_key, row.programme, row.span, row.unit, row.best, row.band,
                bool(row.passed), row.attempts, row.last)


def unit_counts(lines: Iterable[Line], sign: int = 1) -> dict[UnitKey, Counter[str]]:
    """What lines add to their units' and the city's figures (sign -1: what they take away)."""
    found: dict[UnitKey, Counter[str]] = {}
    for line in lines:
        for unit in (line.unit, CITY_ROW):
            figures = found.setdefault((unit, line.period_key, line.programme, line.band), Counter())
            figures["candidates"] += sign
            figures["passed"] += sign * line.passed
            figures["best_micros"] += sign * line.micros
    return found


def examinee_counts(lines: Iterable[Line], sign: int = 1) -> Counter[tuple[str, str]]:
    """(unit, period key) -> distinct people with a line there (any programme), and the city's."""
    people = {(line.person_id, line.unit, line.period_key) for line in lines}
    found: Counter[tuple[str, str]] = Counter()
    for _, unit, key in people:
        found[unit, key] += sign
        found[CITY_ROW, key] += sign
    return found


def _insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT the rows; on PostgreSQL through COPY (a rebuild writes about 40 rows per person)."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg" and len(rows) > 1000:
        columns = list(rows[0])
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    session.execute(table.insert(), list(rows))


def _person_rows(lines: Iterable[Line]) -> list[dict[str, Any]]:
    return [{"person_id": line.person_id, "period_key": line.period_key, "programme": line.programme,
             "span": line.span, "unit": line.unit, "best": line.best, "band": line.band, "passed": line.passed,
             "attempts": line.attempts, "last": line.last} for line in lines]


def _span(key: str) -> str:
    return "all" if not key else "quarter" if "-Q" in key else "month" if "-" in key else "year"


def _unit_row(key: UnitKey, figures: Counter[str]) -> dict[str, Any]:
    unit, period, programme, band = key
    return {"unit": unit, "period_key": period, "programme": programme, "band": band, "span": _span(period),
            "candidates": figures["candidates"], "passed": figures["passed"], "best_micros": figures["best_micros"]}


def _upsert(session: Session, table: Table, keys: Sequence[str], rows: list[dict[str, Any]],
            added: Sequence[str]) -> None:
    """Add the rows' figures to the table's (a row missing is inserted), then drop rows left at zero."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={c: table.c[c] + statement.excluded[c] for c in added})
    session.execute(statement, rows)
    session.execute(delete(table).where(table.c[added[0]] == 0))


def apply(session: Session, old: Sequence[Line], new: Sequence[Line]) -> None:
    """Units' and the city's figures move from the `old` lines to the `new` ones."""
    units: dict[UnitKey, Counter[str]] = unit_counts(new)
    for key, figures in unit_counts(old, -1).items():
        units.setdefault(key, Counter()).update(figures)
    changed = [_unit_row(key, figures) for key, figures in units.items() if any(figures.values())]
    _upsert(session, UnitSummaryRow.__table__, ("unit", "period_key", "programme", "band"), changed,  # type: ignore[arg-type]
            ("candidates", "passed", "best_micros"))
    examinees = examinee_counts(new)
    examinees.update(examinee_counts(old, -1))
    _upsert(session, ExamineesSummaryRow.__table__, ("unit", "period_key"),  # type: ignore[arg-type]
            [{"unit": u, "period_key": k, "people": n} for (u, k), n in examinees.items() if n], ("people",))


def refresh(session: Session, people: Sequence[str]) -> None:
    """Count these people again from the raw rows and move their figures; they are no longer stale."""
    for start in range(0, len(people), CHUNK):
        chunk = list(people[start:start + CHUNK])
        session.execute(delete(StaleSummaryRow).where(StaleSummaryRow.person_id.in_(chunk)))
        taken = session.execute(delete(PersonSummaryRow).where(PersonSummaryRow.person_id.in_(chunk))
                                .returning(*PersonSummaryRow.__table__.c)
                                .execution_options(synchronize_session=False))
        old = [line_of(row) for row in taken]
        new = fresh_lines(session, chunk)
        _insert(session, PersonSummaryRow.__table__, _person_rows(new))  # type: ignore[arg-type]
        apply(session, old, new)


def rebuild(session: Session) -> int:
    """Every summary row made again from the raw rows (the migration's back-fill; after a bulk
    load). The number of person lines."""
    for model in (StaleSummaryRow, PersonSummaryRow, UnitSummaryRow, ExamineesSummaryRow):
        session.execute(delete(model))
    lines = fresh_lines(session)
    _insert(session, PersonSummaryRow.__table__, _person_rows(lines))  # type: ignore[arg-type]
    _insert(session, UnitSummaryRow.__table__,  # type: ignore[arg-type]
            [_unit_row(key, figures) for key, figures in unit_counts(lines).items()])
    _insert(session, ExamineesSummaryRow.__table__, [  # type: ignore[arg-type]
        {"unit": u, "period_key": k, "people": n} for (u, k), n in examinee_counts(lines).items()])
    return len(lines)


def stale(session: Session) -> list[str]:
    return list(session.scalars(select(StaleSummaryRow.person_id).order_by(StaleSummaryRow.person_id)))


def settle(session: Session) -> int:
    """Bring the stale people's summary rows up to date, in the caller's transaction (writers call
    it after their writes). The number of people counted again."""
    people = stale(session)
    refresh(session, people)  # in chunks: a grading run's cost grows with its people, not the gradebook
    return len(people)


def stale_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(StaleSummaryRow)) or 0)
