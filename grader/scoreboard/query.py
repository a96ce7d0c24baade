"""The scoreboard's queries: GROUP BY in the database (SQLite and PostgreSQL alike), then only a
few hundred aggregate rows in Python. See grader.scoreboard for who counts with which result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Subquery,
    case,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.orm import Session

from grader.gradebook.models import PaperRow, PersonRow, ResultRow, UnitRow
from grader.roster import mask_name
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
from grader.settings import public_min_people

_KIND_ORDER = {"市直单位": 0, "县（市、区）": 1, "乡（镇、街道）": 2}


# nbgrader's tables, read without importing nbgrader (a page kernel starts faster without it)
_ASSIGNMENT = table("assignment", column("id"), column("name"))
_NOTEBOOK = table("notebook", column("id"), column("assignment_id"))
_CELL = table("base_cell", column("id"), column("notebook_id"))
_SUBMITTED = table("submitted_assignment", column("id"), column("assignment_id"), column("student_id"))
_SUBMITTED_NOTEBOOK = table("submitted_notebook", column("id"), column("assignment_id"), column("notebook_id"))
_GRADE = table("grade", column("notebook_id"), column("cell_id"), column("auto_score"), column("manual_score"),
               column("extra_credit"))


def _manual_marks(students: Select[Any] | None = None) -> Subquery:
    """(assignment, student, added): what graders' marks in formgrader add to the automatic score,
    counted as grader.records.exam_scores counts them: per grade cell the manual score if there is
    one, else the automatic one, plus extra credit. nbgrader keeps only the latest submission, the
    one ql_result marks current.

    nbgrader indexes grades only by (cell, notebook): for a few `students` a grade is reached through
    its cell as well (index lookups, 0.16 s instead of 0.74 s for a township at 200,000 attempts);
    for everyone the shorter join is faster (0.53 s instead of 0.73 s)."""
    auto = func.coalesce(_GRADE.c.auto_score, 0.0)
    added = func.coalesce(_GRADE.c.manual_score, auto) - auto + func.coalesce(_GRADE.c.extra_credit, 0.0)
    query = select(_ASSIGNMENT.c.name.label("assignment"), _SUBMITTED.c.student_id.label("student"),
                   func.sum(added).label("added"))
    if students is None:
        query = (query.select_from(_GRADE)
                 .join(_SUBMITTED_NOTEBOOK, _SUBMITTED_NOTEBOOK.c.id == _GRADE.c.notebook_id)
                 .join(_SUBMITTED, _SUBMITTED.c.id == _SUBMITTED_NOTEBOOK.c.assignment_id)
                 .join(_ASSIGNMENT, _ASSIGNMENT.c.id == _SUBMITTED.c.assignment_id))
    else:
        query = (query.select_from(_ASSIGNMENT).join(_NOTEBOOK, _NOTEBOOK.c.assignment_id == _ASSIGNMENT.c.id)
                 .join(_CELL, _CELL.c.notebook_id == _NOTEBOOK.c.id)
                 .join(_SUBMITTED, (_SUBMITTED.c.assignment_id == _ASSIGNMENT.c.id)
                       & _SUBMITTED.c.student_id.in_(students))
                 .join(_SUBMITTED_NOTEBOOK, (_SUBMITTED_NOTEBOOK.c.notebook_id == _NOTEBOOK.c.id)
                       & (_SUBMITTED_NOTEBOOK.c.assignment_id == _SUBMITTED.c.id))
                 .join(_GRADE, (_GRADE.c.cell_id == _CELL.c.id) & (_GRADE.c.notebook_id == _SUBMITTED_NOTEBOOK.c.id)))
    return (query.where(or_(_GRADE.c.manual_score.is_not(None), _GRADE.c.extra_credit.is_not(None)))
            .group_by(_ASSIGNMENT.c.name, _SUBMITTED.c.student_id).subquery("manual"))


def _band(best: ColumnElement[Any], edges: Sequence[float]) -> ColumnElement[Any]:
    return case(*[(best < edge, index) for index, edge in enumerate(edges[1:])], else_=len(edges) - 1)


def _best(filters: Filters, *group: ColumnElement[Any], edges: Sequence[float] = BIN_EDGES,
          students: Select[Any] | None = None) -> Select[Any]:
    """Per person (and programme, and whatever `group` adds): best percentage, passed, attempts.
    `students` (a select of ids) narrows it to a few people, graders' marks included."""
    manual = _manual_marks(students)
    score = ResultRow.auto_score + func.coalesce(manual.c.added, 0.0)
    best = func.max(score * 100.0 / ResultRow.max_score)
    query = (select(ResultRow.student_id.label("student"), PaperRow.programme.label("programme"), *group,
                    best.label("best"), _band(best, edges).label("band"),
                    func.max(case((score >= PaperRow.pass_mark, 1), else_=0)).label("passed"),
                    func.count().label("attempts"), func.max(ResultRow.submitted_at).label("last"))
             .join(PaperRow, PaperRow.assignment == ResultRow.assignment)
             .outerjoin(manual, (manual.c.assignment == ResultRow.assignment)
                        & (manual.c.student == ResultRow.student_id))
             .where(ResultRow.current, ResultRow.max_score > 0)
             .group_by(ResultRow.student_id, PaperRow.programme, *group))
    if students is not None:
        query = query.where(ResultRow.student_id.in_(students))
    if filters.programme is not None:
        query = query.where(PaperRow.programme == filters.programme)
    if filters.period.start is not None:
        query = query.where(ResultRow.submitted_at >= filters.period.start)
    if filters.period.end is not None:
        query = query.where(ResultRow.submitted_at < filters.period.end)
    return query


def _hierarchy(session: Session) -> list[tuple[str, str | None, str, int]]:
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


Unit = tuple[str, str | None, str, int, list[int]]  # name, parent, kind, depth, figures


def rolled_up(session: Session, direct: dict[str, list[int]], width: int) -> tuple[list[Unit], list[int]]:
    """Every unit, parents first, with its own figures plus all its sub-units'; and the city's
    (its top-level units' together). Figures are lists of `width` counts that add up."""
    hierarchy = _hierarchy(session)
    totals = {name: list(direct.get(name, [0] * width)) for name, _, _, _ in hierarchy}
    for name, parent, _, _ in reversed(hierarchy):  # sub-units before their parents
        if parent is not None:
            totals[parent] = [a + b for a, b in zip(totals[parent], totals[name], strict=True)]
    city = [sum(totals[name][i] for name, parent, _, _ in hierarchy if parent is None) for i in range(width)]
    return [(name, parent, kind, depth, totals[name]) for name, parent, kind, depth in hierarchy], city


def board(session: Session, filters: Filters = EVERYTHING, edges: Sequence[float] = BIN_EDGES) -> Board:
    """Every unit's figures for the filters: one aggregate query (per unit and score band), the
    roster's size per unit, then sub-units added into their parents."""
    best = _best(filters, edges=edges).subquery()
    counted = session.execute(select(PersonRow.unit, best.c.band, func.count(), func.sum(best.c.passed))
                              .join(best, best.c.student == PersonRow.id).group_by(PersonRow.unit, best.c.band))
    roster = session.execute(select(PersonRow.unit, func.count()).group_by(PersonRow.unit))
    examinees = session.execute(select(PersonRow.unit, func.count(func.distinct(best.c.student)))
                                .join(best, best.c.student == PersonRow.id).group_by(PersonRow.unit))
    width = 4 + len(edges)
    direct: dict[str, list[int]] = {}  # unit -> [people, candidates, passed, examinees, *bands]
    for unit, people in roster:
        direct.setdefault(unit, [0] * width)[0] += int(people)
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
    best = _best(Filters(None, period)).subquery()
    query = (select(best.c.programme, func.count(), func.sum(best.c.passed), func.avg(best.c.best))
             .join(PersonRow, PersonRow.id == best.c.student).group_by(best.c.programme)
             .order_by(best.c.programme))
    return tuple(Rate(key, programme_title(key), int(count), int(passed or 0), None if mean is None else float(mean))
                 for key, count, passed, mean in session.execute(_in_units(query, session, unit)))


def _bucket(dialect: str, granularity: str) -> ColumnElement[str]:
    """The period key ("2025", "2025-Q1", "2025-03") of a result's submission time, in SQL."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"统计周期应为 {'、'.join(GRANULARITIES)} 之一，而不是 {granularity!r}")
    at = ResultRow.submitted_at
    if dialect == "postgresql":  # literal formats: PostgreSQL groups by identical expressions only
        formats = {"year": "'YYYY'", "quarter": "'YYYY-\"Q\"Q'", "month": "'YYYY-MM'"}
        return func.to_char(at, literal_column(formats[granularity]), type_=String)
    # SQLite keeps a datetime as ISO text ("2025-03-01 09:00:00.000000"): its prefix is the period
    # (measured 30 % cheaper than strftime, which parses every row)
    text_at = cast(at, String)
    if granularity == "quarter":
        month = cast(func.substr(text_at, literal_column("6"), literal_column("2")), Integer)
        return (func.substr(text_at, literal_column("1"), literal_column("4"), type_=String) + literal_column("'-Q'")
                + cast((month + literal_column("2")).self_group().op("/")(literal_column("3")), String))
    length = "4" if granularity == "year" else "7"
    return func.substr(text_at, literal_column("1"), literal_column(length), type_=String)


def by_period(session: Session, granularity: str = "month", programme: str | None = None,
              unit: str | None = None) -> tuple[Rate, ...]:
    """Pass rate per year, quarter or month (of submission), oldest first; only periods with results."""
    period = _bucket(session.get_bind().dialect.name, granularity).label("period")
    best = (_best(Filters(programme), period).where(ResultRow.submitted_at.is_not(None))).subquery()
    query = (select(best.c.period, func.count(), func.sum(best.c.passed), func.avg(best.c.best))
             .join(PersonRow, PersonRow.id == best.c.student).group_by(best.c.period).order_by(best.c.period))
    return tuple(Rate(key, Period.parse(key).label, int(count), int(passed or 0), None if mean is None else float(mean))
                 for key, count, passed, mean in session.execute(_in_units(query, session, unit)))


def headcount(session: Session, unit: str) -> int:
    """Distinct people on the unit's own roster (not its sub-units')."""
    return int(session.scalar(select(func.count(func.distinct(PersonRow.id))).where(PersonRow.unit == unit)) or 0)


def people_scores(session: Session, filters: Filters, unit: str,
                  minimum: int | None = None) -> tuple[PublicScore, ...]:
    """The unit's own people with their counted result, names masked; best scores first, then
    those with no result in the period. Nothing for a unit with fewer than `minimum` people
    (default: grader.settings' k): masked names beside scores in a small township name people."""
    minimum = public_min_people() if minimum is None else minimum
    if headcount(session, unit) < minimum:
        return ()
    papers = select(PaperRow.assignment)
    if filters.programme is not None:
        papers = papers.where(PaperRow.programme == filters.programme)
    members = select(PersonRow.id).where(PersonRow.unit == unit)
    # both conditions let the database walk ix_ql_result_lookup (assignment, student_id, current)
    best = _best(filters, students=members).where(ResultRow.assignment.in_(list(session.scalars(papers)))).subquery()
    rows = session.execute(select(PersonRow.name, PersonRow.rank, best.c.programme, best.c.best, best.c.passed,
                                  best.c.attempts, best.c.last)
                           .select_from(PersonRow).outerjoin(best, best.c.student == PersonRow.id)
                           .where(PersonRow.unit == unit))
    scores = [PublicScore(mask_name(name), rank, programme or filters.programme or "",
                          None if best_ is None else float(best_), None if best_ is None else bool(passed),
                          int(attempts or 0), last)
              for name, rank, programme, best_, passed, attempts, last in rows]
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
    best = _best(filters, students=select(PersonRow.id).where(PersonRow.unit == unit)).subquery()
    return int(session.scalar(select(func.count(func.distinct(best.c.student)))) or 0)


def unit_view(session: Session, filters: Filters, unit: str | None, minimum: int | None = None) -> DrillDown:
    """The board for the filters, drilled down to a unit (None: the city); KeyError names an unknown unit."""
    scores = board(session, filters)
    scores.tally(unit)
    return drill_down(session, scores, unit, minimum)
