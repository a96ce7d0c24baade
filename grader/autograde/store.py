"""Writing graded submissions: into nbgrader's tables (so `nbgrader export` and formgrader see
them) and into qinglian's (per-item results, history, issues). Bulk statements; no commits.

A first grading inserts nbgrader's rows; a regrade updates them in place, as nbgrader's own
autograde does (deleting would make every foreign-key check scan nbgrader's unindexed columns)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from grader.autograde.grade import GradedItem, GradedSubmission
from grader.gradebook import nbgrader_tables as nb
from grader.gradebook.models import GradingIssueRow, ItemResultRow, ResultRow
from grader.paper.notebook import NOTEBOOK_NAME
from grader.scoring import Verdict
from grader.staff.roles import Actor

_CHUNK = 400
Row = dict[str, Any]


class _Ids:
    """Unique 32-hex-digit ids for nbgrader's rows (it uses uuid4().hex). A random prefix per
    run plus a counter: as unique, far cheaper, and inserted in order into the primary key."""

    def __init__(self) -> None:
        self._prefix = uuid4().hex[:20]
        self._next = 0

    def __call__(self) -> str:
        self._next += 1
        return f"{self._prefix}{self._next:012x}"


@dataclass(frozen=True)
class NbgraderCells:
    """nbgrader's ids for one released assignment."""

    assignment_id: str
    notebook_id: str
    grade_cells: dict[str, str]  # grade_id -> cell id
    solution_cells: dict[str, str]

    def grade_cell(self, item: GradedItem) -> str:
        # an essay is graded on its own answer cell; an autograded item on its test cell
        return self.grade_cells.get(item.name) or self.grade_cells[f"{item.name}-test"]


class NotReleasedError(Exception):
    pass


def nbgrader_cells(session: Session, assignment: str) -> NbgraderCells:
    row = session.execute(
        select(nb.assignment.c.id, nb.notebook.c.id)
        .join(nb.notebook, nb.notebook.c.assignment_id == nb.assignment.c.id)
        .where(nb.assignment.c.name == assignment, nb.notebook.c.name == NOTEBOOK_NAME)).first()
    if row is None:
        raise NotReleasedError(f"nbgrader 的成绩库中没有 {assignment}（先运行 qinglian release {assignment}）")
    assignment_id, notebook_id = row
    grade, solution = ({name: cell_id for name, cell_id in session.execute(
        select(nb.base_cell.c.name, nb.base_cell.c.id).join(kind, kind.c.id == nb.base_cell.c.id)
        .where(nb.base_cell.c.notebook_id == notebook_id))} for kind in (nb.grade_cells, nb.solution_cells))
    return NbgraderCells(assignment_id, notebook_id, grade, solution)


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[i:i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def bulk_insert(session: Session, table: Table, rows: Sequence[Row]) -> None:
    """INSERT many rows. On SQLite straight through the driver's executemany, with SQLAlchemy's
    own bind processors for the column types: the ORM's per-row parameter work would cost as
    much as the grading itself. Elsewhere SQLAlchemy's batched insertmanyvalues is already fast."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        connection.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
    sql = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
    plain = [i for i, p in enumerate(processors) if p is None]
    if len(plain) == len(columns):
        values = [tuple(row[name] for name in columns) for row in rows]
    else:
        values = [tuple(row[name] if p is None else p(row[name]) for name, p in zip(columns, processors, strict=True))
                  for row in rows]
    connection.exec_driver_sql(sql, values)


def _ensure_students(session: Session, students: Sequence[str]) -> None:
    existing: set[str] = set()
    for chunk in _chunks(students):
        existing.update(session.scalars(select(nb.student.c.id).where(nb.student.c.id.in_(chunk))))
    missing = [{"id": s} for s in students if s not in existing]
    if missing:
        session.execute(insert(nb.student), missing)


def _existing(session: Session, cells: NbgraderCells, students: Sequence[str]) -> dict[str, tuple[str, str]]:
    """student -> (submitted_assignment id, submitted_notebook id), through nbgrader's unique indexes."""
    found: dict[str, tuple[str, str]] = {}
    sub, snb = nb.submitted_assignment, nb.submitted_notebook
    for chunk in _chunks(students):
        found.update((student, (sub_id, nb_id)) for student, sub_id, nb_id in session.execute(
            select(sub.c.student_id, sub.c.id, snb.c.id)
            .join(snb, (snb.c.notebook_id == cells.notebook_id) & (snb.c.assignment_id == sub.c.id))
            .where(sub.c.assignment_id == cells.assignment_id, sub.c.student_id.in_(chunk))))
    return found


def _previous_manual(session: Session, cells: NbgraderCells,
                     notebooks: Sequence[str]) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    """(submitted notebook id, essay cell id) -> (manual_score, extra_credit) now stored."""
    essay_cells = [cell_id for name, cell_id in cells.grade_cells.items() if name in cells.solution_cells]
    found = {}
    for chunk in _chunks(notebooks):
        found.update({(nb_id, cell): (manual, extra) for nb_id, cell, manual, extra in session.execute(
            select(nb.grade.c.notebook_id, nb.grade.c.cell_id, nb.grade.c.manual_score, nb.grade.c.extra_credit)
            .where(nb.grade.c.cell_id.in_(essay_cells), nb.grade.c.notebook_id.in_(chunk)))})
    return found


def _previous_responses(session: Session, assignment: str,
                        students: Sequence[str]) -> dict[tuple[str, int], str | None]:
    found = {}
    for chunk in _chunks(students):
        found.update({(s, p): r for s, p, r in session.execute(
            select(ResultRow.student_id, ItemResultRow.position, ItemResultRow.response)
            .join(ItemResultRow, ItemResultRow.result_id == ResultRow.id)
            .where(ResultRow.assignment == assignment, ResultRow.current, ResultRow.student_id.in_(chunk)))})
    return found


# nbgrader's new grade and comment rows as plain tuples in these columns: 46 rows per submission,
# built and bound without a dict each (on SQLite the values go to the driver as they are)
_GRADE_COLUMNS = ("id", "notebook_id", "cell_id", "auto_score", "manual_score", "extra_credit", "needs_manual_grade")
_COMMENT_COLUMNS = ("id", "notebook_id", "cell_id", "auto_comment")
_ITEM_COLUMNS = ("result_id", "position", "item_id", "response", "verdict", "score", "max_score")


@dataclass
class _Rows:
    new: dict[str, list[Row]]
    updated: dict[str, list[Row]]
    new_grades: list[tuple[Any, ...]]
    new_comments: list[tuple[Any, ...]]


def _comment(item: GradedItem) -> str | None:
    return "No response." if item.response is None else item.problem or None


def _nbgrader_rows(session: Session, cells: NbgraderCells, assignment: str,
                   graded: Sequence[GradedSubmission], new_id: _Ids) -> _Rows:
    existing = _existing(session, cells, [g.student for g in graded])
    manual = _previous_manual(session, cells, [nb_id for _, nb_id in existing.values()]) if existing else {}
    previous = _previous_responses(session, assignment, list(existing)) if existing else {}
    rows = _Rows({k: [] for k in ("sub", "nb")}, {k: [] for k in ("sub", "nb", "grade", "comment")}, [], [])
    cell_of: dict[str, tuple[str, str]] = {}  # item name -> (grade cell, solution cell), once per paper
    for g in graded:
        old = existing.get(g.student)
        sub_id, nb_id = old or (new_id(), new_id())
        target = rows.updated if old else rows.new
        target["sub"].append({"id": sub_id, "assignment_id": cells.assignment_id, "student_id": g.student,
                              "timestamp": g.submitted_at})
        target["nb"].append({"id": nb_id, "assignment_id": sub_id, "notebook_id": cells.notebook_id,
                             "flagged": g.flagged})
        for item in g.items:
            if item.name not in cell_of:
                cell_of[item.name] = (cells.grade_cell(item), cells.solution_cells[item.name])
            grade_cell, solution_cell = cell_of[item.name]
            manual_grade = item.verdict is Verdict.MANUAL
            if not old:  # a first grading keeps nothing: no manual score exists yet
                rows.new_grades.append((new_id(), nb_id, grade_cell, item.score, None, None, manual_grade))
                rows.new_comments.append((new_id(), nb_id, solution_cell, _comment(item)))
                continue
            kept = manual.get((nb_id, grade_cell), (None, None))
            if previous.get((g.student, item.position), item.response) != item.response:
                kept = (None, None)  # the answer changed: an old manual score would be stale
            rows.updated["grade"].append({"notebook_id": nb_id, "cell_id": grade_cell, "auto_score": item.score,
                                          "manual_score": kept[0], "extra_credit": kept[1],
                                          "needs_manual_grade": manual_grade and kept[0] is None})
            rows.updated["comment"].append({"notebook_id": nb_id, "cell_id": solution_cell,
                                            "auto_comment": _comment(item)})
    return rows


def insert_values(session: Session, table: Table, columns: Sequence[str], values: list[tuple[Any, ...]]) -> None:
    """INSERT rows given as tuples of driver-ready values (str, float, bool, None) in `columns`: on
    SQLite one executemany on the driver, elsewhere SQLAlchemy's batched insertmanyvalues."""
    if not values:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        connection.execute(insert(table), [dict(zip(columns, v, strict=True)) for v in values])
        return
    sql = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
    connection.exec_driver_sql(sql, values)


def _update_in_place(session: Session, rows: dict[str, list[Row]]) -> None:
    if not rows["sub"]:
        return
    sub, snb = nb.submitted_assignment, nb.submitted_notebook
    session.execute(update(sub).where(sub.c.id == bindparam("b_id")).values(timestamp=bindparam("timestamp")),
                    [{"b_id": r["id"], "timestamp": r["timestamp"]} for r in rows["sub"]])
    session.execute(update(snb).where(snb.c.id == bindparam("b_id")).values(flagged=bindparam("flagged")),
                    [{"b_id": r["id"], "flagged": r["flagged"]} for r in rows["nb"]])
    for table, columns in ((nb.grade, ("auto_score", "manual_score", "extra_credit", "needs_manual_grade")),
                           (nb.comment, ("auto_comment",))):
        statement = (update(table).where(table.c.cell_id == bindparam("b_cell"),
                                         table.c.notebook_id == bindparam("b_nb"))
                     .values({column: bindparam(column) for column in columns}))
        key = "grade" if table is nb.grade else "comment"
        session.execute(statement, [{"b_cell": r["cell_id"], "b_nb": r["notebook_id"],
                                     **{c: r[c] for c in columns}} for r in rows[key]])


def store_nbgrader(session: Session, cells: NbgraderCells, assignment: str,
                   graded: Sequence[GradedSubmission]) -> None:
    """Make nbgrader's gradebook hold these grades. Must run before store_results, which moves
    the previous responses (used to keep or drop manual scores) out of `current`."""
    _ensure_students(session, [g.student for g in graded])
    rows = _nbgrader_rows(session, cells, assignment, graded, _Ids())
    for table, key in ((nb.submitted_assignment, "sub"), (nb.submitted_notebook, "nb")):
        bulk_insert(session, table, rows.new[key])
    insert_values(session, nb.grade, _GRADE_COLUMNS, rows.new_grades)
    insert_values(session, nb.comment, _COMMENT_COLUMNS, rows.new_comments)
    _update_in_place(session, rows.updated)


def store_results(session: Session, run_id: int, assignment: str,
                  graded: Sequence[GradedSubmission], actor: Actor) -> None:
    """qinglian's history: the new results become current, earlier ones are kept, not current.
    Both changes are logged (grader.audit): the new results and the ones no longer current."""
    demoted: list[int] = []
    for chunk in _chunks([g.student for g in graded]):
        where = (ResultRow.assignment == assignment, ResultRow.current, ResultRow.student_id.in_(chunk))
        demoted.extend(session.scalars(select(ResultRow.id).where(*where)))
        session.execute(update(ResultRow).where(*where).values(current=False))
    ids = session.scalars(insert(ResultRow).returning(ResultRow.id, sort_by_parameter_order=True), [
        {"run_id": run_id, "assignment": assignment, "student_id": g.student, "submitted_at": g.submitted_at,
         "auto_score": g.auto_score, "max_score": g.max_score, "needs_manual": g.needs_manual,
         "flagged": g.flagged, "current": True} for g in graded]).all()
    insert_values(session, _table(ItemResultRow), _ITEM_COLUMNS, [
        (result_id, i.position, i.item_id, i.response, i.verdict.value, i.score, i.max_score)
        for result_id, g in zip(ids, graded, strict=True) for i in g.items])
    _log_results(session, actor, demoted, list(ids))
    issues = [{"run_id": run_id, "student_id": g.student, "kind": "review", "message": problem}
              for g in graded for problem in g.problems]
    if issues:
        session.execute(insert(_table(GradingIssueRow)), issues)


def _log_results(session: Session, actor: Actor, demoted: list[int], new: list[int]) -> None:
    from grader.audit.log import Change, append_many
    from grader.audit.tables import states_by_key

    states = states_by_key(session, ResultRow.__tablename__, [str(i) for i in (*demoted, *new)])
    changes = [Change("grade.superseded", ResultRow.__tablename__, str(i), states[str(i)]) for i in demoted]
    changes += [Change("grade.run", ResultRow.__tablename__, str(i), states[str(i)]) for i in new]
    append_many(session, actor, changes)
