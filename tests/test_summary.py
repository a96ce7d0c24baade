"""The scoreboard's summaries equal a recount from the raw rows after random writes (SQLite and
PostgreSQL): results and re-sits through the grader's writer, regrades, graders' essay marks written
as formgrader writes them (not settled: the reads must still be right), people moving unit or
joining the roster with results already graded, a paper's pass mark changed by hand, gate records
recorded, corrected and withdrawn. After each write the library's answers from the summaries
(grader.scoreboard.query) are compared with the recount (grader.scoreboard.recount); after a
settle the tables themselves are compared with summaries made afresh."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from nbgrader.api import Assignment, Course, Grade, GradeCell, Notebook, Student, SubmittedAssignment, SubmittedNotebook
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from grader.autograde.grade import GradedItem, GradedSubmission
from grader.autograde.store import store_results
from grader.gradebook.models import GradingRunRow, PaperRow, PersonRow, ResultRow, UnitRow
from grader.records.gate import correct_step, record_step, withdraw_step
from grader.roster import Person, import_people
from grader.scoreboard import query, recount
from grader.scoreboard.model import ALL_TIME, Filters, Period, Rate
from grader.scoring import Verdict
from grader.summary import settle, stale_count
from grader.summary.maintain import examinee_counts, fresh_lines, unit_counts
from grader.summary.tables import ExamineesSummaryRow, PersonSummaryRow, UnitSummaryRow
from tests.staff_data import organiser, recorder, trainer

UNITS = [("市纪委监委", None, "市直单位"), ("市财政局", None, "市直单位"), ("林州市", None, "县（市、区）"),
         ("城郊乡", "林州市", "乡（镇、街道）"), ("姚村镇", "林州市", "乡（镇、街道）"), ("滑县", None, "县（市、区）"),
         ("道口镇", "滑县", "乡（镇、街道）")]
PAPERS = [("promotion-202406-a", "promotion"), ("promotion-202406-b", "promotion"),
          ("promotion-202503-a", "promotion"), ("induction-202409-a", "induction"),
          ("induction-202505-a", "induction")]
PERIODS = [ALL_TIME, *(Period.parse(k) for k in ("2024", "2025", "2025-Q2", "2024-11", "2025-03", "2026"))]
ESSAY = "q9"


def _person(index: int, unit: str) -> Person:
    parent = next(p for n, p, _ in UNITS if n == unit) or ""
    kind = next(k for n, _, k in UNITS if n == unit)
    return Person(f"P{index:02d}", f"王{'一二三四五六七八九十'[index % 10]}{index}", f"41050219800101{index:03d}X",
                  unit, parent, kind, "一级科员", "公务员")


@pytest.fixture
def city(engine: Engine) -> Engine:
    """Seven units, 24 people (P25 and P26 have results but are not on the roster yet), five papers
    with an essay cell each in nbgrader's tables."""
    with Session(engine) as session, session.begin():
        for name, parent, kind in UNITS:
            session.add(UnitRow(name=name, parent=parent, kind=kind))
            session.flush()
        session.add_all(PersonRow(id=p.id, name=p.name, id_number=p.id_number, unit=p.unit, rank=p.rank,
                                  category=p.category) for p in (_person(i, UNITS[i % len(UNITS)][0])
                                                                 for i in range(1, 25)))
        session.add(Course(id="qinglian"))
        for assignment, programme in PAPERS:
            session.add(PaperRow(assignment=assignment, blueprint=programme, programme=programme, title=assignment,
                                 version="A", seed=1, total_points=100.0, pass_mark=60.0, duration_minutes=60,
                                 show_score=True, built_at=datetime(2024, 1, 1)))
            notebook = Notebook(name="paper", assignment=Assignment(name=assignment, course_id="qinglian"))
            session.add(GradeCell(name=ESSAY, max_score=10.0, cell_type="code", notebook=notebook))
        session.add_all(Student(id=f"P{i:02d}") for i in range(1, 27))
        session.flush()
        assert stale_count(session) == 24  # the roster's rows, written by hand here: the triggers saw them
        settle(session)
    return engine


class Writer:
    """Random writes through the library's writers (and, for graders' marks, as formgrader writes)."""

    def __init__(self, engine: Engine, rng: random.Random) -> None:
        self.engine, self.rng = engine, rng

    def result(self, session: Session) -> str:
        person = f"P{self.rng.randint(1, 26):02d}"
        assignment = self.rng.choice(PAPERS)[0]
        run = GradingRunRow(assignment=assignment, actor="t", started_at=datetime(2026, 1, 1), graded=1, failed=0)
        session.add(run)
        session.flush()
        at = None if self.rng.random() < 0.05 else (
            datetime(2024, 6, 1, 9) + timedelta(days=self.rng.randrange(600), minutes=self.rng.randrange(600)))
        score = float(self.rng.choice([30, 55, 59.5, 60, 64, 70, 79.5, 85, 90, 100]))
        item = GradedItem(1, "q1", "item-1", "A", Verdict.CORRECT, score, 90.0 if self.rng.random() < 0.3 else 100.0)
        store_results(session, run.id, assignment, [GradedSubmission(person, at, (item,), ())], trainer())
        if self.rng.random() < 0.8:
            settle(session)  # as grader.autograde.run does at the end of a run; else left for the reads
        return f"result {person} {assignment} {score} {at}"

    def mark(self, session: Session) -> str:
        """A grader's essay mark on a current result's submission, as formgrader writes it (no settle)."""
        current = session.execute(select(ResultRow.student_id, ResultRow.assignment).where(ResultRow.current)
                                  .order_by(ResultRow.id)).all()
        if not current:
            return "mark: nothing graded yet"
        student, name = self.rng.choice(current)
        manual = self.rng.choice([None, 0.0, 4.0, 10.0])
        extra = self.rng.choice([None, None, 1.0])
        paper = session.scalars(select(Assignment).where(Assignment.name == name)).one()
        notebook = paper.notebooks[0]
        essay = notebook.grade_cells[0]
        submitted = session.scalars(select(SubmittedAssignment).where(
            SubmittedAssignment.assignment_id == paper.id, SubmittedAssignment.student_id == student)).first()
        if submitted is None:
            submitted = SubmittedAssignment(assignment=paper, student_id=student)
            submitted_nb = SubmittedNotebook(assignment=submitted, notebook=notebook)
            session.add_all([submitted, submitted_nb])
            session.add(Grade(notebook=submitted_nb, cell=essay, auto_score=None,
                              manual_score=manual, extra_credit=extra, needs_manual_grade=manual is None))
        else:
            grade = submitted.notebooks[0].grades[0]
            grade.manual_score, grade.extra_credit = manual, extra
        return f"mark {student} {name} {manual} {extra}"

    def move(self, session: Session) -> str:
        """A roster import: someone moves unit, or someone already graded joins."""
        index = self.rng.randint(1, 26)
        unit = self.rng.choice(UNITS)[0]
        import_people(session, [_person(index, unit)], organiser())
        return f"roster P{index:02d} -> {unit}"

    def pass_mark(self, session: Session) -> str:
        assignment = self.rng.choice(PAPERS)[0]
        mark = self.rng.choice([55.0, 60.0, 64.0, 70.0])
        session.execute(update(PaperRow).where(PaperRow.assignment == assignment).values(pass_mark=mark))
        return f"pass mark {assignment} {mark}"

    def gate(self, session: Session) -> str:
        person = f"P{self.rng.randint(1, 24):02d}"
        on = date(2025, 1, 1) + timedelta(days=self.rng.randrange(300))
        record = record_step(session, person, self.rng.choice(["talk", "oath"]), on, recorder(),
                             now=datetime(2026, 1, 1))
        if self.rng.random() < 0.5:
            record = correct_step(session, record.id, recorder(), "日期有误", on=on - timedelta(days=1),
                                  now=datetime(2026, 1, 1))
        if self.rng.random() < 0.3:
            withdraw_step(session, record.id, recorder(), "误录", now=datetime(2026, 1, 1))
        return f"gate {person}"

    def step(self) -> str:
        action = self.rng.choices([self.result, self.mark, self.move, self.pass_mark, self.gate],
                                  [6, 3, 1, 1, 1])[0]
        with Session(self.engine) as session, session.begin():
            done = action(session)
            if self.rng.random() < 0.2:
                settle(session)
        return done


def _rates(rates: tuple[Rate, ...]) -> list[tuple[Any, ...]]:
    return [(r.key, r.label, r.candidates, r.passed) for r in rates]


def _same_means(left: tuple[Rate, ...], right: tuple[Rate, ...]) -> bool:
    return all(a.mean is not None and b.mean is not None and math.isclose(a.mean, b.mean, abs_tol=1e-6)
               for a, b in zip(left, right, strict=True))


def _check_answers(session: Session, rng: random.Random, everything: bool, step: str) -> None:
    """Every (or a random few) of the scoreboard's questions: the summaries' answer is the recount's."""
    filters = [Filters(p, period) for p in (None, "promotion", "induction") for period in PERIODS]
    units = [name for name, _, _ in UNITS]
    for f in filters if everything else rng.sample(filters, 2):
        assert query.board(session, f) == recount.board(session, f), (step, f)
        for unit in units if everything else rng.sample(units, 1):
            assert query.people_scores(session, f, unit, 1) == recount.people_scores(session, f, unit, 1), (step, f)
            assert query._examinees(session, f, unit) == recount.examinees(session, f, unit), (step, f, unit)
    for unit in (None, "林州市", "滑县", "道口镇") if everything else rng.sample([None, "林州市", "道口镇"], 1):
        for period in PERIODS if everything else rng.sample(PERIODS, 1):
            ours, theirs = query.by_programme(session, period, unit), recount.by_programme(session, period, unit)
            assert _rates(ours) == _rates(theirs) and _same_means(ours, theirs), (step, period, unit)
        for granularity in ("year", "quarter", "month") if everything else rng.sample(["year", "quarter", "month"], 1):
            for programme in (None, "promotion"):
                ours = query.by_period(session, granularity, programme, unit)
                theirs = recount.by_period(session, granularity, programme, unit)
                assert _rates(ours) == _rates(theirs) and _same_means(ours, theirs), (step, granularity, unit)


def _check_tables(session: Session) -> None:
    """Settled, the tables hold exactly what summaries made afresh from the raw rows would."""
    lines = fresh_lines(session)
    people = {(x.person_id, x.period_key, x.programme): (x.span, x.unit, x.best, x.band, x.passed, x.attempts, x.last)
              for x in lines}
    assert {(r.person_id, r.period_key, r.programme): (r.span, r.unit, r.best, r.band, r.passed, r.attempts, r.last)
            for r in session.scalars(select(PersonSummaryRow))} == people
    units = {key: (f["candidates"], f["passed"], f["best_micros"]) for key, f in unit_counts(lines).items()}
    assert {(r.unit, r.period_key, r.programme, r.band): (r.candidates, r.passed, r.best_micros)
            for r in session.scalars(select(UnitSummaryRow))} == units
    assert {(r.unit, r.period_key): r.people for r in session.scalars(select(ExamineesSummaryRow))} == dict(
        examinee_counts(lines))


@pytest.mark.parametrize("seed", [1, 2])
def test_every_summary_equals_a_recount_after_random_writes(city: Engine, seed: int) -> None:
    rng = random.Random(seed)
    writer = Writer(city, rng)
    for number in range(30):
        step = writer.step()
        with Session(city) as session:
            _check_answers(session, rng, everything=number == 14, step=f"{number}: {step}")
    with Session(city) as session, session.begin():
        settle(session)
        assert stale_count(session) == 0
        _check_tables(session)
        _check_answers(session, rng, everything=True, step="settled")


def test_a_formgrader_mark_marks_its_person_stale_and_a_settle_counts_it(city: Engine) -> None:
    """Triggers on nbgrader's grade table: the person is stale until a writer settles, and the
    scoreboard shows the mark before and after."""
    with Session(city) as session, session.begin():
        store_results(session, _run(session), "promotion-202406-a",
                      [GradedSubmission("P03", datetime(2025, 4, 1, 9), (
                          GradedItem(1, "q1", "i", "A", Verdict.CORRECT, 55.0, 100.0),), ())], trainer())
        assert stale_count(session) == 1
        settle(session)  # as grader.autograde.run does at the end of a run
        assert stale_count(session) == 0
    with Session(city) as session, session.begin():
        paper = session.scalars(select(Assignment).where(Assignment.name == "promotion-202406-a")).one()
        notebook = paper.notebooks[0]
        essay = notebook.grade_cells[0]
        handed_in = SubmittedAssignment(assignment=paper, student_id="P03")
        submitted = SubmittedNotebook(assignment=handed_in, notebook=notebook)
        session.add_all([handed_in, submitted])
        session.add(Grade(notebook=submitted, cell=essay, auto_score=None,
                          manual_score=8.0, needs_manual_grade=False))
    with Session(city) as session:
        assert stale_count(session) == 1
        scores = query.people_scores(session, Filters("promotion"), "城郊乡", 1)
        assert [(s.best, s.passed) for s in scores if s.best is not None] == [(63.0, True)]
        assert query.board(session, Filters("promotion")).tally("林州市").passed == 1
    with Session(city) as session, session.begin():
        settle(session)
    with Session(city) as session:
        assert stale_count(session) == 0
        assert query.board(session, Filters("promotion")).tally("林州市").passed == 1
        _check_tables(session)


def _run(session: Session) -> int:
    run = GradingRunRow(assignment="x", actor="t", started_at=datetime(2026, 1, 1), graded=1, failed=0)
    session.add(run)
    session.flush()
    return run.id


def test_the_migration_back_fills_what_was_graded_before_it(city: Engine) -> None:
    """Downgrading to 0014 and upgrading again: the summaries are made from the rows already there."""
    from alembic import command

    from grader.gradebook.database import alembic_config

    writer = Writer(city, random.Random(3))
    for _ in range(8):
        writer.step()
    config = alembic_config(city)
    with city.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0014")
        assert "ql_summary_person" not in {n for (n,) in connection.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table'" if city.dialect.name == "sqlite" else
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))}
        command.upgrade(config, "heads")
    with Session(city) as session:
        assert stale_count(session) == 0
        _check_tables(session)
        assert session.scalar(select(PersonSummaryRow.person_id).limit(1)) is not None
        _check_answers(session, random.Random(3), everything=False, step="migrated")
