"""The synthetic city: the same seed gives the same city, in memory and in the database (SQLite and
PostgreSQL); ID numbers are valid; the unit hierarchy is sound; its roster imports cleanly; its
results agree with their item rows; and the other modules read it (status, scoreboard)."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from grader.bank import Item, bank_files, load_banks
from grader.blueprint import Blueprint, load_blueprint
from grader.city import CityError, CitySpec, build_city, plan_city
from grader.city.attempts import city_papers, result_chunks
from grader.city.names import check_digit
from grader.city.plan import COUNTY, DEPARTMENT, PRINCIPAL, TOWNSHIP
from grader.gradebook.models import (
    GateRecordRow,
    GradingRunRow,
    ItemResultRow,
    PaperRow,
    PersonRow,
    ResultRow,
    StudyCreditRow,
    UnitRow,
)
from grader.programmes import load_programmes, unit_status
from grader.roster import id_number_valid, parse_roster
from grader.scoreboard import board

REPO = Path(__file__).resolve().parent.parent
SMALL = CitySpec(seed=7, units=20, people=200, attempts=1000, months=6)
MODULES = (("party_school", 2.0), ("prison", 1.5))


def test_the_same_seed_gives_the_same_city_and_another_seed_another() -> None:
    assert plan_city(SMALL) == plan_city(SMALL)
    other = plan_city(CitySpec(seed=8, units=20, people=200, attempts=1000, months=6))
    assert [p.name for p in other.people] != [p.name for p in plan_city(SMALL).people]


def test_every_id_number_is_valid_unique_and_agrees_with_the_person() -> None:
    plan = plan_city(CitySpec(seed=3, units=40, people=2000, attempts=0))
    numbers = [p.id_number for p in plan.people]
    assert all(id_number_valid(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    region = {u.name: u.region for u in plan.units}
    assert all(p.id_number.startswith(region[p.unit]) for p in plan.people)
    ages = [plan.spec.first_month.year - int(p.id_number[6:10]) for p in plan.people]
    assert min(ages) >= 21 and max(ages) <= 59


@given(st.text("0123456789", min_size=17, max_size=17))
def test_the_check_digit_is_the_one_the_roster_accepts(body: str) -> None:
    assert id_number_valid(body + check_digit(body))


def test_the_hierarchy_has_departments_counties_and_townships_under_counties() -> None:
    plan = plan_city(CitySpec(units=500, people=600, attempts=0))
    kinds = Counter(u.kind for u in plan.units)
    assert len(plan.units) == 500 == len({u.name for u in plan.units})
    assert kinds[DEPARTMENT] == 60 and kinds[COUNTY] == 17 and kinds[TOWNSHIP] == 423
    by_name = {u.name: u for u in plan.units}
    assert all(u.parent is None for u in plan.units if u.kind != TOWNSHIP)
    assert all(by_name[u.parent].kind == COUNTY for u in plan.units if u.parent is not None)
    assert all(any(t.parent == c.name for t in plan.units) for c in plan.units if c.kind == COUNTY)
    district_townships = [u.name for u in plan.units if u.parent and u.parent.endswith("区")]
    assert district_townships and all(n.endswith(("街道", "镇")) for n in district_townships)
    leaders = Counter(p.unit for p in plan.people if p.category == PRINCIPAL)
    assert set(leaders) == set(by_name) and set(leaders.values()) == {1}


def test_a_city_too_small_for_its_counties_is_refused_with_the_minimum() -> None:
    with pytest.raises(CityError, match="单位数 6 太少：至少需要 7 个单位"):
        CitySpec(units=6)


def test_the_roster_of_a_city_imports_without_a_problem(tmp_path: Path) -> None:
    plan = plan_city(SMALL)
    units = {u.name: u for u in plan.units}
    path = tmp_path / "roster.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["编号", "姓名", "身份证号", "单位", "上级单位", "单位类别", "职级", "人员类别"])
        writer.writerows([p.id, p.name, p.id_number, p.unit, units[p.unit].parent or "", units[p.unit].kind, p.rank,
                          p.category] for p in plan.people)
    people, problems = parse_roster(path)
    assert problems == []
    assert [(p.id, p.name, p.id_number) for p in people] == [(p.id, p.name, p.id_number) for p in plan.people]


def _build(engine: Engine, spec: CitySpec = SMALL) -> None:
    with Session(engine) as session, session.begin():
        report = build_city(session, plan_city(spec), REPO / "exams", MODULES)
    assert (report.units, report.people, report.results) == (spec.units, spec.people, spec.attempts)


def test_the_database_holds_exactly_the_generated_city(engine: Engine) -> None:
    _build(engine)
    plan = plan_city(SMALL)
    with Session(engine) as session:
        runs = {a: i for a, i in session.execute(select(GradingRunRow.assignment, GradingRunRow.id))}
        stored = sorted(session.execute(select(ResultRow.id, ResultRow.student_id, ResultRow.assignment,
                                               ResultRow.auto_score, ResultRow.current)).all())
        units = sorted(session.execute(select(UnitRow.name, UnitRow.parent, UnitRow.kind)).all(), key=str)
        blueprints = set(session.scalars(select(PaperRow.blueprint)))
    papers = city_papers(SMALL.seed, SMALL.first_month, SMALL.months, _blueprints(), _items())
    expected = sorted((r[0], r[3], r[2], r[5], r[9]) for chunk in result_chunks(plan, papers, runs, stored[0][0])
                      for r in chunk.results)
    assert [tuple(r) for r in stored] == expected
    assert [tuple(u) for u in units] == sorted(((u.name, u.parent, u.kind) for u in plan.units), key=str)
    assert blueprints == {"induction", "promotion"}  # monthly papers still name their blueprint


def _blueprints() -> list[Blueprint]:
    return [load_blueprint(REPO / "exams" / "blueprints" / f"{name}.yaml") for name in ("induction", "promotion")]


def _items() -> tuple[Item, ...]:
    return load_banks(bank_files([REPO / "exams" / "banks"]))


def test_results_agree_with_their_items_and_one_is_current_per_paper(engine: Engine) -> None:
    _build(engine)
    with Session(engine) as session:
        sums = dict(session.execute(select(ItemResultRow.result_id, func.coalesce(func.sum(ItemResultRow.score), 0.0))
                                    .group_by(ItemResultRow.result_id)).all())
        scores = dict(session.execute(select(ResultRow.id, ResultRow.auto_score)).all())
        current = session.execute(select(ResultRow.assignment, ResultRow.student_id, func.count())
                                  .where(ResultRow.current).group_by(ResultRow.assignment, ResultRow.student_id)).all()
        items = dict(session.execute(select(PaperRow.assignment, PaperRow.total_points)).all())
        maxima = session.execute(select(ResultRow.assignment, ResultRow.max_score)).all()
        # the serial moved past the inserted ids: the next grading run can add results
        run = session.scalars(select(GradingRunRow.id)).first()
        session.add(ResultRow(run_id=run, assignment="x", student_id="P000001", auto_score=0.0, max_score=1.0,
                              needs_manual=False, flagged=False, current=True))
        session.flush()
    assert sums == pytest.approx(scores)
    assert {count for _, _, count in current} == {1}
    assert all(items[a] == m == 100.0 for a, m in maxima)


def test_status_and_scoreboard_read_the_city(engine: Engine) -> None:
    _build(engine)
    programmes = load_programmes(REPO / "exams" / "programmes")
    with Session(engine) as session:
        county = session.scalar(select(UnitRow.name).where(UnitRow.kind == COUNTY).order_by(UnitRow.name))
        assert county is not None
        # judged when the city's six months (from 2024-01) have just ended: a test is valid 24 months
        statuses = unit_status(session, programmes["promotion"], county, everyone=True, now=datetime(2024, 7, 1))
        scores = board(session)
        credits = session.scalar(select(func.count()).select_from(StudyCreditRow))
        gates = Counter(session.scalars(select(GateRecordRow.kind)))
        people = session.scalar(select(func.count()).select_from(PersonRow))
    assert any(s.cleared for s in statuses) and any(not s.cleared for s in statuses)
    assert scores.city.people == people == SMALL.people
    assert 0.5 < (scores.city.rate or 0) < 0.99  # realistic: most pass, not all
    assert credits and {"talk", "oath", "commitment", "theory_study", "party_lecture"} <= set(gates)


def test_a_city_is_only_built_into_an_empty_roster(engine: Engine) -> None:
    _build(engine, CitySpec(seed=1, units=8, people=10, attempts=5, months=1))
    with Session(engine) as session, pytest.raises(CityError, match="数据库中已有人员名单"):
        build_city(session, plan_city(SMALL), REPO / "exams")


def test_a_generated_city_verifies_clean_at_once_and_each_row_is_the_generators_entry(engine: Engine) -> None:
    from grader.audit.log import entries
    from grader.audit.verify import verify

    _build(engine)
    with Session(engine) as session:
        report = verify(session)
        logged = entries(session)
        results = session.scalar(select(func.count()).select_from(ResultRow))
    assert report.findings == () and report.entries == len(logged) > 0
    assert {(e.actor, e.action) for e in logged} == {("city-generator", "city.generate")}
    assert sum(1 for e in logged if e.object_type == "ql_result") == results
    assert {e.object_type for e in logged} >= {"ql_unit", "ql_person", "ql_result", "ql_gate_record", "grade"}
