"""The scoreboard counted from the raw rows (ql_result, ql_paper, ql_person, nbgrader's grades):
one GROUP BY per question, seconds at a million attempts. What the summary tables must equal
(tests/test_summary_*.py compares them after random writes), and the answer for what the
summaries do not hold: score bands other than BIN_EDGES, a period that is not a calendar year,
quarter or month."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from grader.gradebook.models import PaperRow, PersonRow, ResultRow
from grader.roster import mask_name
from grader.scoreboard.model import (
    ALL_TIME,
    BIN_EDGES,
    CITY,
    EVERYTHING,
    GRANULARITIES,
    Board,
    Filters,
    Period,
    PublicScore,
    Rate,
    programme_title,
    tally_of,
)
from grader.scoreboard.units import headcount, rolled_up, roster_sizes, subtree
from grader.summary.count import Students, best_results, bucket


def best(filters: Filters, *group: ColumnElement[Any], edges: Sequence[float] = BIN_EDGES,
         students: Students | None = None) -> Select[Any]:
    return best_results(filters.programme, filters.period.start, filters.period.end, *group,
                        edges=edges, students=students)


def board(session: Session, filters: Filters = EVERYTHING, edges: Sequence[float] = BIN_EDGES) -> Board:
    """Every unit's figures for the filters: one aggregate query (per unit and score band), the
    roster's size per unit, then sub-units added into their parents."""
    counted_best = best(filters, edges=edges).subquery()
    counted = session.execute(select(PersonRow.unit, counted_best.c.band, func.count(), func.sum(counted_best.c.passed))
                              .join(counted_best, counted_best.c.student == PersonRow.id)
                              .group_by(PersonRow.unit, counted_best.c.band))
    examinees = session.execute(select(PersonRow.unit, func.count(func.distinct(counted_best.c.student)))
                                .join(counted_best, counted_best.c.student == PersonRow.id).group_by(PersonRow.unit))
    width = 4 + len(edges)
    direct: dict[str, list[int]] = {}  # unit -> [people, candidates, passed, examinees, *bands]
    for unit, people in roster_sizes(session).items():
        direct.setdefault(unit, [0] * width)[0] += people
    for unit, band, count, passed in counted:
        row = direct.setdefault(unit, [0] * width)
        row[1] += int(count)
        row[2] += int(passed or 0)
        row[4 + int(band)] += int(count)
    for unit, count in examinees:  # a person is in one unit: distinct counts add up the hierarchy
        direct.setdefault(unit, [0] * width)[3] += int(count)
    units, city = rolled_up(session, direct, width)
    return Board(filters, tuple(edges), tally_of(CITY, "", None, -1, city),
                 tuple(tally_of(name, kind, parent, depth, figures) for name, parent, kind, depth, figures in units))


def _in_units(query: Select[Any], session: Session, unit: str | None) -> Select[Any]:
    return query if unit is None or unit == CITY else query.where(PersonRow.unit.in_(subtree(session, unit)))


def by_programme(session: Session, period: Period = ALL_TIME, unit: str | None = None) -> tuple[Rate, ...]:
    """Pass rate per programme in the period, for the city or a unit with its sub-units."""
    counted = best(Filters(None, period)).subquery()
    query = (select(counted.c.programme, func.count(), func.sum(counted.c.passed), func.avg(counted.c.best))
             .join(PersonRow, PersonRow.id == counted.c.student).group_by(counted.c.programme)
             .order_by(counted.c.programme))
    return tuple(Rate(key, programme_title(key), int(count), int(passed or 0), None if mean is None else float(mean))
                 for key, count, passed, mean in session.execute(_in_units(query, session, unit)))


def by_period(session: Session, granularity: str = "month", programme: str | None = None,
              unit: str | None = None) -> tuple[Rate, ...]:
    """Pass rate per year, quarter or month (of submission), oldest first; only periods with results."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"统计周期应为 {'、'.join(GRANULARITIES)} 之一，而不是 {granularity!r}")
    period = bucket(session.get_bind().dialect.name, granularity).label("period")
    counted = (best(Filters(programme), period).where(ResultRow.submitted_at.is_not(None))).subquery()
    query = (select(counted.c.period, func.count(), func.sum(counted.c.passed), func.avg(counted.c.best))
             .join(PersonRow, PersonRow.id == counted.c.student).group_by(counted.c.period)
             .order_by(counted.c.period))
    return tuple(Rate(key, Period.parse(key).label, int(count), int(passed or 0), None if mean is None else float(mean))
                 for key, count, passed, mean in session.execute(_in_units(query, session, unit)))


def people_scores(session: Session, filters: Filters, unit: str, minimum: int) -> tuple[PublicScore, ...]:
    """The unit's own people with their counted result, names masked (grader.scoreboard.query)."""
    if headcount(session, unit) < minimum:
        return ()
    papers = select(PaperRow.assignment)
    if filters.programme is not None:
        papers = papers.where(PaperRow.programme == filters.programme)
    members = select(PersonRow.id).where(PersonRow.unit == unit)
    # both conditions let the database walk ix_ql_result_lookup (assignment, student_id, current)
    counted = best(filters, students=members).where(ResultRow.assignment.in_(list(session.scalars(papers)))).subquery()
    rows = session.execute(select(PersonRow.name, PersonRow.rank, counted.c.programme, counted.c.best,
                                  counted.c.passed, counted.c.attempts, counted.c.last)
                           .select_from(PersonRow).outerjoin(counted, counted.c.student == PersonRow.id)
                           .where(PersonRow.unit == unit))
    scores = [PublicScore(mask_name(name), rank, programme or filters.programme or "",
                          None if best_ is None else float(best_), None if best_ is None else bool(passed),
                          int(attempts or 0), last)
              for name, rank, programme, best_, passed, attempts, last in rows]
    return tuple(sorted(scores, key=lambda s: (s.best is None, -(s.best or 0.0), s.name, s.programme)))


def examinees(session: Session, filters: Filters, unit: str) -> int:
    counted = best(filters, students=select(PersonRow.id).where(PersonRow.unit == unit)).subquery()
    return int(session.scalar(select(func.count(func.distinct(counted.c.student)))) or 0)
