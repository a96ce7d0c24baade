"""The rows `nbgrader generate_assignment` writes into nbgrader's gradebook for a release, written
through nbgrader's own tables (grader.gradebook.nbgrader_tables) in the caller's transaction.

What nbgrader does, step by step (nbgrader.converters.generate_assignment and preprocessors.savecells):
the course rows (the configured course, and "default_course" that SaveCells' Gradebook() checks);
the assignment, created if missing; other notebooks of the assignment removed (refused once it has
submissions); then the notebook: with no submissions it is removed and added again under the same id,
with fresh cells; with submissions its cells must be the same and are updated in place."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Table, delete, insert, select, update

from grader.gradebook.nbgrader_tables import (
    assignment as assignment_table,
)
from grader.gradebook.nbgrader_tables import (
    base_cell,
    course,
    grade_cells,
    notebook,
    solution_cells,
    source_cell,
    submitted_notebook,
    task_cells,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from grader.release import ReleasedCells

SAVE_CELLS_COURSE = "default_course"  # SaveCells opens Gradebook(db_url), whose course it checks


def _new_id() -> str:
    return uuid.uuid4().hex  # nbgrader.api.new_uuid


def _ensure_course(session: Session, course_id: str) -> None:
    if session.scalar(select(course.c.id).where(course.c.id == course_id)) is None:
        session.execute(insert(course).values(id=course_id))


def _assignment_id(session: Session, name: str, course_id: str) -> str:
    found = session.scalar(select(assignment_table.c.id).where(assignment_table.c.name == name))
    if found is not None:
        return str(found)
    new = _new_id()
    session.execute(insert(assignment_table).values(id=new, name=name, duedate=None, course_id=course_id))
    return new


def _has_submissions(session: Session, notebook_ids: list[str]) -> bool:
    return session.scalar(select(submitted_notebook.c.id).where(submitted_notebook.c.notebook_id.in_(notebook_ids))
                          .limit(1)) is not None


def _remove_cells(session: Session, notebook_id: str) -> None:
    cells = select(base_cell.c.id).where(base_cell.c.notebook_id == notebook_id)
    for table in (grade_cells, solution_cells, task_cells):
        session.execute(delete(table).where(table.c.id.in_(cells)))
    session.execute(delete(base_cell).where(base_cell.c.notebook_id == notebook_id))
    session.execute(delete(source_cell).where(source_cell.c.notebook_id == notebook_id))


def _clean_old_notebooks(session: Session, assignment_id: str, keep: str) -> None:
    from grader.release import ReleaseError

    old = [str(i) for i in session.scalars(select(notebook.c.id).where(
        notebook.c.assignment_id == assignment_id, notebook.c.name != keep))]
    if not old:
        return
    if _has_submissions(session, old):
        raise ReleaseError("该作业已有答卷，不能删除其中的其他 notebook")
    for notebook_id in old:
        _remove_cells(session, notebook_id)
        session.execute(delete(notebook).where(notebook.c.id == notebook_id))


def _insert(session: Session, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    if rows:
        session.execute(insert(table), rows)


def _add_cells(session: Session, notebook_id: str, cells: ReleasedCells) -> None:
    grades = [(_new_id(), c) for c in cells.grade]
    solutions = [(_new_id(), name) for name in cells.solution]
    _insert(session, base_cell, [{"id": i, "name": c.name, "notebook_id": notebook_id, "type": "GradeCell"}
                                        for i, c in grades]
                    + [{"id": i, "name": name, "notebook_id": notebook_id, "type": "SolutionCell"}
                       for i, name in solutions])
    _insert(session, grade_cells, [{"id": i, "max_score": c.max_score, "cell_type": c.cell_type}
                                          for i, c in grades])
    _insert(session, solution_cells, [{"id": i} for i, _ in solutions])
    _insert(session, source_cell, [
        {"id": _new_id(), "name": c.name, "cell_type": c.cell_type, "locked": c.locked, "source": c.source,
         "checksum": c.checksum, "notebook_id": notebook_id} for c in cells.source])


def _update_cells(session: Session, notebook_id: str, cells: ReleasedCells) -> None:
    """A notebook with submissions: the same cells, their scores, types and sources brought up to date."""
    from grader.release import ReleaseError

    names = {(r.type, r.name) for r in session.execute(select(base_cell.c.type, base_cell.c.name).where(
        base_cell.c.notebook_id == notebook_id))}
    sources = set(session.scalars(select(source_cell.c.name).where(source_cell.c.notebook_id == notebook_id)))
    if ({n for t, n in names if t == "GradeCell"} != {c.name for c in cells.grade}
            or {n for t, n in names if t == "SolutionCell"} != set(cells.solution)
            or {n for t, n in names if t == "TaskCell"} or sources != {c.name for c in cells.source}):
        raise ReleaseError("该试卷已有答卷，不能增删单元格")
    for cell in cells.grade:
        cell_id = select(base_cell.c.id).where(base_cell.c.notebook_id == notebook_id, base_cell.c.name == cell.name,
                                               base_cell.c.type == "GradeCell").scalar_subquery()
        session.execute(update(grade_cells).where(grade_cells.c.id == cell_id)
                        .values(max_score=cell.max_score, cell_type=cell.cell_type))
    for source in cells.source:
        session.execute(update(source_cell).where(source_cell.c.notebook_id == notebook_id,
                                                  source_cell.c.name == source.name)
                        .values(cell_type=source.cell_type, locked=source.locked, source=source.source,
                                checksum=source.checksum))


def record_release(session: Session, assignment: str, notebook_name: str, cells: ReleasedCells,
                   course_id: str) -> None:
    """nbgrader's gradebook after `generate_assignment --force` of one single-notebook assignment."""
    for name in dict.fromkeys((course_id, SAVE_CELLS_COURSE)):
        _ensure_course(session, name)
    assignment_id = _assignment_id(session, assignment, course_id)
    _clean_old_notebooks(session, assignment_id, notebook_name)
    notebook_id = session.scalar(select(notebook.c.id).where(notebook.c.assignment_id == assignment_id,
                                                             notebook.c.name == notebook_name))
    if notebook_id is not None and _has_submissions(session, [notebook_id]):
        _update_cells(session, notebook_id, cells)
        return
    if notebook_id is not None:
        _remove_cells(session, notebook_id)
        session.execute(update(notebook).where(notebook.c.id == notebook_id).values(kernelspec=cells.kernelspec))
    else:
        notebook_id = _new_id()
        session.execute(insert(notebook).values(id=notebook_id, name=notebook_name, assignment_id=assignment_id,
                                                kernelspec=cells.kernelspec))
    _add_cells(session, notebook_id, cells)
