"""A workspace with really graded papers (simulated candidates, `autograde`, essays marked in
nbgrader's gradebook as formgrader would), shared by the item-analysis tests."""

from __future__ import annotations

from collections.abc import Sequence

from nbgrader.api import Gradebook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.autograde import autograde
from grader.paper.store import PaperKeys, load_keys
from grader.settings import Settings
from grader.simulate import simulate_submissions
from grader.staff.roles import system


def grade_simulated(settings: Settings, engine: Engine, assignment: str, students: Sequence[str],
                    seed: int = 11) -> PaperKeys:
    with Session(engine) as session:
        keys = load_keys(session, assignment)
    simulate_submissions(settings.root, keys, students, seed)
    with Session(engine) as session, session.begin():
        autograde(session, settings.root, assignment, actor=system("tester"), workers=1)
    return keys


def mark_essays(settings: Settings, keys: PaperKeys, marks: dict[str, float]) -> None:
    """A grader's manual scores for every essay of these students, written through nbgrader's API."""
    essays = [k.name for k in keys.items if k.type == "essay"]
    with Gradebook(settings.db_url) as gradebook:
        for student, mark in marks.items():
            for name in essays:
                gradebook.find_grade(name, "paper", keys.assignment, student).manual_score = mark
        gradebook.db.commit()
