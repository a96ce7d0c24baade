"""nbgrader's side of a synthetic city: what formgrader's manual marks need and no more. Per paper
its nbgrader assignment, notebook and essay grade cells; per current result with an answered
essay its submission and the essay's grade (a manual score, or still waiting for a grader).
Objective items' grades are not written: qinglian's per-item rows hold them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import uuid4

from sqlalchemy.orm import Session

from grader.city.attempts import CityPaper, Row
from grader.paper.notebook import NOTEBOOK_NAME

COURSE = "qinglian"  # the course id the workspace's nbgrader_config.py sets
SUBMISSION_COLUMNS = ("id", "assignment_id", "student_id", "timestamp")
NOTEBOOK_COLUMNS = ("id", "assignment_id", "notebook_id", "flagged")
GRADE_COLUMNS = ("id", "notebook_id", "cell_id", "auto_score", "manual_score", "extra_credit", "needs_manual_grade")


@dataclass(frozen=True)
class PaperCells:
    assignment_id: str
    notebook_id: str
    essays: dict[str, str]  # item name -> grade cell id


class Ids:
    """32-hex-digit ids as nbgrader makes them: a random prefix per city and a counter."""

    def __init__(self) -> None:
        self._prefix, self._next = uuid4().hex[:20], 0

    def __call__(self) -> str:
        self._next += 1
        return f"{self._prefix}{self._next:012x}"


def add_papers(session: Session, papers: Sequence[CityPaper]) -> dict[str, PaperCells]:
    """nbgrader's assignment, notebook and essay grade cells of every paper (as a release makes them)."""
    from nbgrader.api import Assignment, Course, GradeCell, Notebook

    if session.get(Course, COURSE) is None:
        session.add(Course(id=COURSE))
    made = []
    for paper in papers:
        assignment = Assignment(name=paper.assignment, course_id=COURSE)
        notebook = Notebook(name=NOTEBOOK_NAME, assignment=assignment)
        cells = [GradeCell(name=item.name, max_score=item.points, cell_type="code", notebook=notebook)
                 for item in paper.items if item.type == "essay"]
        session.add(assignment)
        made.append((paper.assignment, assignment, notebook, cells))
    session.flush()
    return {name: PaperCells(a.id, nb.id, {c.name: c.id for c in cells}) for name, a, nb, cells in made}


def essay_rows(essays: Sequence[Row], papers: dict[str, PaperCells],
               new_id: Ids) -> tuple[list[Row], list[Row], list[Row]]:
    """(submissions, submitted notebooks, grades) for (assignment, student, at, item, mark) rows."""
    submissions: list[Row] = []
    notebooks: list[Row] = []
    grades: list[Row] = []
    opened: dict[tuple[str, str], str] = {}
    for assignment, student, at, item, mark in essays:
        cells = papers[assignment]
        notebook = opened.get((assignment, student))
        if notebook is None:
            submission, notebook = new_id(), new_id()
            opened[assignment, student] = notebook
            submissions.append((submission, cells.assignment_id, student, at))
            notebooks.append((notebook, submission, cells.notebook_id, False))
        grades.append((new_id(), notebook, cells.essays[item], None, mark, None, mark is None))
    return submissions, notebooks, grades
