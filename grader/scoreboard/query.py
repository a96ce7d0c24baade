"""The scoreboard's questions, answered from the summary tables (grader.summary): a few hundred
rows per question whatever the number of attempts. What the summaries do not hold — score bands
other than BIN_EDGES, a period that is not a calendar year, quarter or month — is counted from
the raw rows (grader.scoreboard.recount), as are the summaries themselves. See grader.scoreboard
for who counts with which result."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy.orm import Session

from grader.roster import mask_name
from grader.scoreboard import recount
from grader.scoreboard.model import (
    ALL_TIME,
    BIN_EDGES,
    CITY,
    EVERYTHING,
    GRANULARITIES,
    Board,
    DrillDown,
    Filters,
    Period,
    PublicScore,
    Rate,
    programme_title,
    tally_of,
    withheld_note,
)
from grader.scoreboard.units import Unit, headcount, rolled_up, roster_sizes, subtree
from grader.settings import public_min_people
from grader.summary.read import Scope, examinees, person_lines, unit_figures
from grader.summary.tables import CITY_ROW

__all__ = ["Unit", "board", "by_period", "by_programme", "drill_down", "headcount", "people_scores", "rolled_up",
           "subtree", "unit_view"]


def summarised(period: Period) -> bool:
    """Whether the summaries hold the period: all time, or a calendar year, quarter or month by its key."""
    return period == Period.parse(period.key)


def board(session: Session, filters: Filters = EVERYTHING, edges: Sequence[float] = BIN_EDGES) -> Board:
    """Every unit's figures for the filters: its own people's (the summaries' rows for the period
    and programme, per score band) plus all its sub-units'."""
    if tuple(edges) != BIN_EDGES or not summarised(filters.period):
        return recount.board(session, filters, edges)
    width = 4 + len(edges)
    direct: dict[str, list[int]] = {}  # unit -> [people, candidates, passed, examinees, *bands]
    for unit, people in roster_sizes(session).items():
        direct.setdefault(unit, [0] * width)[0] += people
    scope = Scope(period_key=filters.period.key, programme=filters.programme)
    for (unit, _, _, band), figures in unit_figures(session, scope).items():
        row = direct.setdefault(unit, [0] * width)
        row[1] += figures["candidates"]
        row[2] += figures["passed"]
        row[4 + band] += figures["candidates"]
        if filters.programme is not None:  # one line per person: the candidates are the people
            row[3] += figures["candidates"]
    if filters.programme is None:
        for (unit, _), people in examinees(session, Scope(period_key=filters.period.key)).items():
            direct.setdefault(unit, [0] * width)[3] += people
    units, city = rolled_up(session, direct, width)
    return Board(filters, tuple(edges), tally_of(CITY, "", None, -1, city),
                 tuple(tally_of(name, kind, parent, depth, figures) for name, parent, kind, depth, figures in units))


def _units(session: Session, unit: str | None) -> list[str]:
    return [CITY_ROW] if unit is None or unit == CITY else subtree(session, unit)


def _rates(figures: dict[tuple[str, str, str, int], Counter[str]], by: int) -> dict[str, Counter[str]]:
    """Figures added up by their key's `by`-th part (1: the period, 2: the programme)."""
    found: dict[str, Counter[str]] = {}
    for key, counts in figures.items():
        found.setdefault(str(key[by]), Counter()).update(counts)
    return found


def _rate(key: str, label: str, counts: Counter[str]) -> Rate:
    return Rate(key, label, counts["candidates"], counts["passed"], counts["best_micros"] / counts["candidates"] / 1e6)


def by_programme(session: Session, period: Period = ALL_TIME, unit: str | None = None) -> tuple[Rate, ...]:
    """Pass rate per programme in the period, for the city or a unit with its sub-units."""
    if not summarised(period):
        return recount.by_programme(session, period, unit)
    figures = unit_figures(session, Scope(period_key=period.key, units=_units(session, unit)))
    return tuple(_rate(key, programme_title(key), counts) for key, counts in sorted(_rates(figures, 2).items()))


def by_period(session: Session, granularity: str = "month", programme: str | None = None,
              unit: str | None = None) -> tuple[Rate, ...]:
    """Pass rate per year, quarter or month (of submission), oldest first; only periods with results."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"统计周期应为 {'、'.join(GRANULARITIES)} 之一，而不是 {granularity!r}")
    figures = unit_figures(session, Scope(span=granularity, programme=programme, units=_units(session, unit)))
    return tuple(_rate(key, Period.parse(key).label, counts) for key, counts in sorted(_rates(figures, 1).items()))


def people_scores(session: Session, filters: Filters, unit: str,
                  minimum: int | None = None) -> tuple[PublicScore, ...]:
    """The unit's own people with their counted result, names masked; best scores first, then
    those with no result in the period. Nothing for a unit with fewer than `minimum` people
    (default: grader.settings' k): masked names beside scores in a small township name people."""
    minimum = public_min_people() if minimum is None else minimum
    if not summarised(filters.period):
        return recount.people_scores(session, filters, unit, minimum)
    if headcount(session, unit) < minimum:
        return ()
    people, lines = person_lines(session, unit, filters.period.key, filters.programme)
    scores = []
    for person, name, rank in people:
        scores += [PublicScore(mask_name(name), rank, line.programme, line.best, line.passed, line.attempts, line.last)
                   for line in lines.get(person, [])] or [
            PublicScore(mask_name(name), rank, filters.programme or "", None, None, 0, None)]
    return tuple(sorted(scores, key=lambda s: (s.best is None, -(s.best or 0.0), s.name, s.programme)))


def drill_down(session: Session, board: Board, unit: str | None, minimum: int | None = None) -> DrillDown:
    """A unit (or the city): its figures, its sub-units' figures and its own people: one line per
    person and programme, counted as distinct people; for a unit with fewer than `minimum` people
    (default: grader.settings' k) no list at all, only the figures and why."""
    tally = board.tally(unit)
    if unit is None or unit == CITY:
        return DrillDown(tally, board.children(unit), (), tally.people, tally.examinees)
    minimum = public_min_people() if minimum is None else minimum
    own = headcount(session, unit)
    people = people_scores(session, board.filters, unit, minimum)
    return DrillDown(tally, board.children(unit), people, own, _examinees(session, board.filters, unit),
                     withheld_note(own, minimum))


def _examinees(session: Session, filters: Filters, unit: str) -> int:
    """Distinct people of the unit's own roster with a counted result."""
    if not summarised(filters.period):
        return recount.examinees(session, filters, unit)
    if filters.programme is None:
        return sum(examinees(session, Scope(period_key=filters.period.key, units=[unit])).values())
    figures = unit_figures(session, Scope(period_key=filters.period.key, programme=filters.programme, units=[unit]))
    return sum(counts["candidates"] for counts in figures.values())


def unit_view(session: Session, filters: Filters, unit: str | None, minimum: int | None = None) -> DrillDown:
    """The board for the filters, drilled down to a unit (None: the city); KeyError names an unknown unit."""
    scores = board(session, filters)
    scores.tally(unit)
    return drill_down(session, scores, unit, minimum)
