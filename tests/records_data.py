"""A small city for the records tests: the roster in tests/data/records, papers of the small test
blueprint sat with every answer right or every answer blank, and course modules completed by
answering their self-checks on the server (shared by the records tests)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.api import Assignment, Grade, SubmittedAssignment, SubmittedNotebook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.autograde import autograde
from grader.course.catalog import Module, load_catalog
from grader.course.study import record_answer
from grader.paper.notebook import NOTEBOOK_NAME, answered_notebook
from grader.paper.store import load_keys
from grader.programmes import Programme, load_programmes
from grader.roster import import_people, parse_roster
from grader.settings import Settings
from grader.staff.roles import system
from grader.workspace import write_submission
from tests.staff_data import ORGANISER

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "records"


def programmes() -> dict[str, Programme]:
    return load_programmes(DATA / "programmes")


def modules() -> list[Module]:
    return load_catalog(REPO / "courses")


def seed_roster(engine: Engine) -> None:
    people, problems = parse_roster(DATA / "roster.csv")
    assert problems == []
    with Session(engine) as session, session.begin():
        import_people(session, people, ORGANISER)


def sit(settings: Settings, engine: Engine, assignment: str, students: dict[str, bool], essay: str = "",
        at: datetime = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)) -> None:
    """Each student hands in the paper at `at` with every answer right (True) or blank (False),
    and the essay answered with `essay`; graded."""
    with Session(engine) as session:
        keys = load_keys(session, assignment)
    released = json.loads((settings.root / "release" / assignment / f"{NOTEBOOK_NAME}.ipynb").read_text("utf-8"))
    for student, right in students.items():
        answers = {k.name: essay if k.type == "essay" else "" if not right else
                   (k.key[0] if isinstance(k.key, tuple) else str(k.key)) for k in keys.items}
        write_submission(settings.root, assignment, student, answered_notebook(released, answers), at)
    with Session(engine) as session, session.begin():
        autograde(session, settings.root, assignment, actor=system("test"), students=set(students))


def grade_essays(engine: Engine, assignment: str, student: str, points: float) -> None:
    """What a grader does in formgrader: give the essays of a submission their marks."""
    with Session(engine) as session, session.begin():
        grades = session.scalars(
            select(Grade).join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .where(Assignment.name == assignment, SubmittedAssignment.student_id == student,
                   Grade.needs_manual_grade)).all()
        assert grades, "no essay waits for a grader"
        for grade in grades:
            grade.manual_score, grade.needs_manual_grade = points, False


def study(engine: Engine, learner: str, course: list[Module]) -> None:
    """Answer every self-check of each module correctly: the module is credited."""
    with Session(engine) as session, session.begin():
        for module in course:
            for item_id in module.checks:
                record_answer(session, learner, module, item_id, str(module.item(item_id).key))
