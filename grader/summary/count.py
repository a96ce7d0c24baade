"""Who counts on a scoreboard, and with which result, as SQL (SQLite and PostgreSQL alike): the
rule stated in grader.scoreboard, written once. The summary tables are made with it, and the
recount that checks them (grader.scoreboard.recount) reads the raw rows with it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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

from grader.gradebook.models import PaperRow, ResultRow

BIN_EDGES = (0.0, 60.0, 70.0, 80.0, 90.0)  # score bands' lower bounds, in percent; the last ends at 100
Students = Select[Any] | Sequence[str]  # a select of ids, or the ids

# nbgrader's tables, read without importing nbgrader (a page kernel starts faster without it)
_ASSIGNMENT = table("assignment", column("id"), column("name"))
_NOTEBOOK = table("notebook", column("id"), column("assignment_id"))
_CELL = table("base_cell", column("id"), column("notebook_id"))
_SUBMITTED = table("submitted_assignment", column("id"), column("assignment_id"), column("student_id"))
_SUBMITTED_NOTEBOOK = table("submitted_notebook", column("id"), column("assignment_id"), column("notebook_id"))
_GRADE = table("grade", column("notebook_id"), column("cell_id"), column("auto_score"), column("manual_score"),
               column("extra_credit"))


def manual_marks(students: Students | None = None) -> Subquery:
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


def band(best: ColumnElement[Any], edges: Sequence[float]) -> ColumnElement[Any]:
    return case(*[(best < edge, index) for index, edge in enumerate(edges[1:])], else_=len(edges) - 1)


def best_results(programme: str | None, start: datetime | None, end: datetime | None, *group: ColumnElement[Any],
                 edges: Sequence[float] = BIN_EDGES, students: Students | None = None) -> Select[Any]:
    """Per person (and programme, and whatever `group` adds): best percentage, its band, passed,
    attempts, last submission — of their current results submitted in [start, end). `students`
    narrows it to a few people, graders' marks included."""
    manual = manual_marks(students)
    score = ResultRow.auto_score + func.coalesce(manual.c.added, 0.0)
    best = func.max(score * 100.0 / ResultRow.max_score)
    query = (select(ResultRow.student_id.label("student"), PaperRow.programme.label("programme"), *group,
                    best.label("best"), band(best, edges).label("band"),
                    func.max(case((score >= PaperRow.pass_mark, 1), else_=0)).label("passed"),
                    func.count().label("attempts"), func.max(ResultRow.submitted_at).label("last"))
             .join(PaperRow, PaperRow.assignment == ResultRow.assignment)
             .outerjoin(manual, (manual.c.assignment == ResultRow.assignment)
                        & (manual.c.student == ResultRow.student_id))
             .where(ResultRow.current, ResultRow.max_score > 0)
             .group_by(ResultRow.student_id, PaperRow.programme, *group))
    if students is not None:
        query = query.where(ResultRow.student_id.in_(students))
    if programme is not None:
        query = query.where(PaperRow.programme == programme)
    if start is not None:
        query = query.where(ResultRow.submitted_at >= start)
    if end is not None:
        query = query.where(ResultRow.submitted_at < end)
    return query


def counted_results(students: Students | None = None) -> Select[Any]:
    """Every current result that counts, one row each: (student, programme, percentage, passed,
    submitted_at), with graders' marks; the percentage and the pass are the SQL expressions
    best_results aggregates, so a maximum taken of them in Python is the same number."""
    manual = manual_marks(students)
    score = ResultRow.auto_score + func.coalesce(manual.c.added, 0.0)
    query = (select(ResultRow.student_id.label("student"), PaperRow.programme.label("programme"),
                    (score * 100.0 / ResultRow.max_score).label("percent"),
                    case((score >= PaperRow.pass_mark, 1), else_=0).label("passed"),
                    ResultRow.submitted_at.label("at"))
             .join(PaperRow, PaperRow.assignment == ResultRow.assignment)
             .outerjoin(manual, (manual.c.assignment == ResultRow.assignment)
                        & (manual.c.student == ResultRow.student_id))
             .where(ResultRow.current, ResultRow.max_score > 0))
    return query if students is None else query.where(ResultRow.student_id.in_(students))


def band_of(best: float, edges: Sequence[float] = BIN_EDGES) -> int:
    """band() in Python: the same comparisons of the same number."""
    return next((index for index, edge in enumerate(edges[1:]) if best < edge), len(edges) - 1)


def period_keys(at: datetime) -> tuple[tuple[str, str], ...]:
    """(span, key) of a submission time: what bucket() gives in SQL (its ISO text's prefix on SQLite)."""
    return (("year", f"{at:%Y}"), ("quarter", f"{at:%Y}-Q{(at.month + 2) // 3}"), ("month", f"{at:%Y-%m}"))


def bucket(dialect: str, span: str) -> ColumnElement[str]:
    """The period key ("2025", "2025-Q1", "2025-03") of a result's submission time, in SQL."""
    at = ResultRow.submitted_at
    if dialect == "postgresql":  # literal formats: PostgreSQL groups by identical expressions only
        formats = {"year": "'YYYY'", "quarter": "'YYYY-\"Q\"Q'", "month": "'YYYY-MM'"}
        return func.to_char(at, literal_column(formats[span]), type_=String)
    # SQLite keeps a datetime as ISO text ("2025-03-01 09:00:00.000000"): its prefix is the period
    # (measured 30 % cheaper than strftime, which parses every row)
    text_at = cast(at, String)
    if span == "quarter":
        month = cast(func.substr(text_at, literal_column("6"), literal_column("2")), Integer)
        return (func.substr(text_at, literal_column("1"), literal_column("4"), type_=String) + literal_column("'-Q'")
                + cast((month + literal_column("2")).self_group().op("/")(literal_column("3")), String))
    length = "4" if span == "year" else "7"
    return func.substr(text_at, literal_column("1"), literal_column(length), type_=String)
