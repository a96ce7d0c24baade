"""Writing a synthetic city into the gradebook: units, people (and their nbgrader student rows),
the monthly papers with their keys, grading runs, results with per-item rows, essays' manual marks
(nbgrader's tables), gate records and study credits.

Rows go in as plain tuples: on SQLite through the driver's executemany (565,000 rows/s measured
here), on PostgreSQL through COPY (600,000 rows/s, against 50,000 for an executemany INSERT), so
a million attempts with their 44 million item rows take minutes, not hours. Every row the audit
log vouches for (units, people, results with their item scores, gate records, essay marks) then
gets its entry under the generator's name, in the same transaction, so `qinglian audit verify`
passes on a fresh city. No commit: the caller owns the transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, DateTime, Table, func, insert, select, text
from sqlalchemy.orm import Session

from grader.audit.sync import adopt
from grader.bank import bank_files, load_banks
from grader.blueprint import load_blueprint
from grader.city.attempts import ITEM_COLUMNS, RESULT_COLUMNS, Chunk, CityPaper, Row, city_papers, result_chunks
from grader.city.nbgrader import GRADE_COLUMNS as NB_GRADE_COLUMNS
from grader.city.nbgrader import NOTEBOOK_COLUMNS, SUBMISSION_COLUMNS, Ids, PaperCells, add_papers, essay_rows
from grader.city.plan import CityError, CityPlan, CitySpec, plan_city
from grader.city.records import CREDIT_COLUMNS, GATE_COLUMNS, study_credits
from grader.gradebook import nbgrader_tables as nb
from grader.gradebook.models import (
    GateRecordRow,
    GradingRunRow,
    ItemResultRow,
    PersonRow,
    ResultRow,
    StudyCreditRow,
    UnitRow,
)
from grader.paper.store import record_paper
from grader.staff.roles import system

BLUEPRINTS = ("induction", "promotion")
ACTOR = "city-generator"


@dataclass(frozen=True)
class CityReport:
    units: int
    people: int
    papers: int
    results: int
    current_results: int
    item_results: int
    study_credits: int
    gate_records: int
    essay_marks: int  # essays a grader has marked (nbgrader's manual scores)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def insert_rows(session: Session, table: Table, columns: Sequence[str], rows: Sequence[Row]) -> None:
    """INSERT tuples in `columns` order, as fast as the database allows."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = ", ".join(f'"{c}"' for c in columns)
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    if dialect.name != "sqlite":
        connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    # SQLite stores datetimes and booleans as SQLAlchemy writes them; other values pass as they are
    convert = {i: table.c[c].type._cached_bind_processor(dialect) for i, c in enumerate(columns)
               if isinstance(table.c[c].type, DateTime | Boolean)}
    if convert:
        rows = [tuple(convert[i](v) if i in convert else v for i, v in enumerate(row)) for row in rows]  # type: ignore[misc]
    connection.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})',
                               list(rows))


def _roster(session: Session, plan: CityPlan) -> None:
    if session.scalar(select(func.count()).select_from(PersonRow)):
        raise CityError("数据库中已有人员名单：模拟城市只能生成在空的成绩库中")
    insert_rows(session, _table(UnitRow), ("name", "parent", "kind"),
                [(u.name, u.parent, u.kind) for u in plan.units])
    insert_rows(session, _table(PersonRow), ("id", "name", "id_number", "unit", "rank", "category"),
                [(p.id, p.name, p.id_number, p.unit, p.rank, p.category) for p in plan.people])
    known = set(session.scalars(select(nb.student.c.id)))
    insert_rows(session, nb.student, ("id", "last_name", "first_name"),
                [(p.id, p.name[:1], p.name[1:]) for p in plan.people if p.id not in known])


def _runs(session: Session, assignments: Sequence[str]) -> dict[str, int]:
    now = datetime.now()
    rows = [GradingRunRow(assignment=a, actor=ACTOR, started_at=now, finished_at=now, graded=0, failed=0)
            for a in assignments]
    session.add_all(rows)
    session.flush()
    return {row.assignment: row.id for row in rows}


def _settle(session: Session) -> None:
    """Results were inserted with their ids: PostgreSQL's serial must move past them. And the
    planner needs statistics after a bulk load: without them SQLite scans nbgrader's whole grade
    table for one township's essay marks (0.74 s instead of 0.16 s at 200,000 attempts)."""
    if session.connection().dialect.name == "postgresql":
        session.execute(text("SELECT setval(pg_get_serial_sequence('ql_result', 'id'), "
                             "(SELECT max(id) FROM ql_result))"))
    _analyze(session)
    from grader.summary import rebuild

    rebuild(session)  # the scoreboard's summaries, counted once for the whole city (grader.summary)
    _analyze(session, ("ql_summary_person", "ql_summary_unit", "ql_summary_examinees"))


def _analyze(session: Session, tables: Sequence[str] = ()) -> None:
    """ANALYZE the gradebook's tables. On PostgreSQL a bare ANALYZE takes every schema of the
    database, and waits behind any other session's lock there: name this schema's tables."""
    if not tables and session.connection().dialect.name == "postgresql":
        from sqlalchemy import inspect

        tables = inspect(session.connection()).get_table_names()
    if not tables:
        session.execute(text("ANALYZE"))
    for table in tables:
        session.execute(text(f'ANALYZE "{table}"'))


def _papers(session: Session, spec: CitySpec, exams: Path) -> list[CityPaper]:
    """The monthly papers, drawn from the real blueprints and banks, with their keys recorded."""
    blueprints = [load_blueprint(exams / "blueprints" / f"{name}.yaml") for name in BLUEPRINTS]
    papers = city_papers(spec.seed, spec.first_month, spec.months, blueprints,
                         load_banks(bank_files([exams / "banks"])))
    for paper in papers:
        record_paper(session, paper.paper)
    return papers


def _write(session: Session, chunk: Chunk, cells: dict[str, PaperCells], new_id: Ids) -> Counter[str]:
    insert_rows(session, _table(ResultRow), RESULT_COLUMNS, chunk.results)
    insert_rows(session, _table(ItemResultRow), ITEM_COLUMNS, chunk.items)
    insert_rows(session, _table(GateRecordRow), GATE_COLUMNS, chunk.gates)
    submissions, notebooks, grades = essay_rows(chunk.essays, cells, new_id)
    for table, columns, rows in ((nb.submitted_assignment, SUBMISSION_COLUMNS, submissions),
                                 (nb.submitted_notebook, NOTEBOOK_COLUMNS, notebooks),
                                 (nb.grade, NB_GRADE_COLUMNS, grades)):
        insert_rows(session, table, columns, rows)
    return Counter(results=len(chunk.results), current=sum(1 for row in chunk.results if row[-1]),
                   items=len(chunk.items), gates=len(chunk.gates),
                   marks=sum(1 for row in grades if row[4] is not None))


def build_city(session: Session, plan: CityPlan, exams: Path, modules: Sequence[tuple[str, float]] = (),
               on_progress: Callable[[int], None] | None = None) -> CityReport:
    """Write the planned city. `exams` is the folder with banks/ and blueprints/; `modules` the
    course modules (id, hours) whose study credits new recruits earn (none: no credits).
    `on_progress` is told how many attempts each chunk wrote (spec.attempts in all)."""
    _roster(session, plan)
    papers = _papers(session, plan.spec, exams)
    runs = _runs(session, [p.assignment for p in papers])
    cells, new_id = add_papers(session, papers), Ids()
    first_id = (session.scalar(select(func.max(ResultRow.id))) or 0) + 1
    counts: Counter[str] = Counter()
    for chunk in result_chunks(plan, papers, runs, first_id):
        counts += _write(session, chunk, cells, new_id)
        if on_progress is not None:
            on_progress(chunk.attempts)
    credits = study_credits(plan, modules)
    insert_rows(session, _table(StudyCreditRow), CREDIT_COLUMNS, credits)
    adopt(session, system(ACTOR), action="city.generate")
    _settle(session)
    return CityReport(len(plan.units), len(plan.people), len(papers), counts["results"], counts["current"],
                      counts["items"], len(credits), counts["gates"], counts["marks"])


def generate_city(session: Session, spec: CitySpec, exams: Path, courses: Path | None = None,
                  on_progress: Callable[[int], None] | None = None) -> CityReport:
    """Plan and build a city; new recruits earn credits for the modules in `courses` (if it exists)."""
    from grader.course.catalog import load_catalog

    modules = [(m.id, m.hours) for m in load_catalog(courses)] if courses is not None and courses.is_dir() else []
    return build_city(session, plan_city(spec), exams, modules, on_progress)
