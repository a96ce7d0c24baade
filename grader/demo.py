"""`make demo`: a workspace with a demo roster, both programmes' papers built and released,
simulated submissions graded and exported."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from nbgrader.api import Student
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.autograde import AutogradeReport, autograde
from grader.export import export_grades, write_csv
from grader.gradebook.database import migrate
from grader.paper.store import build_from_files, load_keys
from grader.release import release
from grader.settings import Settings
from grader.simulate import Candidate, demo_candidates, simulate_submissions
from grader.sitting.attempt import Seat, create_sitting, seat_list
from grader.workspace import init_workspace

BLUEPRINTS = ("promotion", "induction")


@dataclass(frozen=True)
class DemoResult:
    root: Path
    assignments: tuple[str, ...]
    reports: tuple[AutogradeReport, ...]
    grades_csv: Path
    candidates: tuple[Candidate, ...]
    seats: tuple[Seat, ...]  # an open sitting of the B papers, for the exam room
    seats_csv: Path


def add_candidates(session: Session, candidates: list[Candidate]) -> None:
    existing = set(session.scalars(select(Student.id)))
    session.add_all(Student(id=c.student_id, last_name=c.last_name, first_name=c.first_name)
                    for c in candidates if c.student_id not in existing)


def run_demo(settings: Settings, engine: Engine, exams: Path, *, candidates: int = 40,
             say: Callable[[str], None] = print) -> DemoResult:
    init_workspace(settings, engine)
    migrate(engine)
    people = demo_candidates(candidates, seed=2026)
    assignments: list[str] = []
    with Session(engine) as session, session.begin():
        add_candidates(session, people)
        for name in BLUEPRINTS:
            paths = build_from_files(session, settings.root, exams / "blueprints" / f"{name}.yaml",
                                     [exams / "banks"])
            assignments.extend(path.parent.name for path in paths)
    reports = []
    for assignment in assignments:
        release(settings.root, assignment)
        say(f"已发布 {assignment}")
    for assignment in assignments[::2]:  # every blueprint's A paper is sat by the demo roster
        with Session(engine) as session, session.begin():
            simulate_submissions(settings.root, load_keys(session, assignment),
                                 [p.student_id for p in people], seed=2026)
            reports.append(autograde(session, settings.root, assignment, actor="demo"))
        say(f"已评分 {assignment}：{len(reports[-1].graded)} 份")
    grades = settings.root / "grades.csv"
    with Session(engine) as session, session.begin():
        export_grades(session, grades, per_item=True)
    seats, seats_csv = _open_sitting(settings, engine, assignments[1::2], people)
    return DemoResult(settings.root, tuple(assignments), tuple(reports), grades, tuple(people), seats, seats_csv)


def _open_sitting(settings: Settings, engine: Engine, assignments: list[str],
                  people: list[Candidate]) -> tuple[tuple[Seat, ...], Path]:
    """A sitting open from now for eight hours (replaced on every demo run)."""
    now = datetime.now()
    sitting_id = f"demo-{now:%Y%m%d%H%M%S}"
    with Session(engine) as session, session.begin():
        seats = create_sitting(session, sitting_id, "演示场次", assignments[:1], [p.student_id for p in people],
                               now - timedelta(minutes=5), now + timedelta(hours=8), 90, created_by="demo", now=now)
        rows = seat_list(session, seats)
    path = settings.root / "seats.csv"
    write_csv(path, rows, list(rows[0]))
    return tuple(seats), path
