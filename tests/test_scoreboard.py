"""The public scoreboard on a hand-checkable city (SQLite and PostgreSQL): pass rates with sub-units
rolled up, one count per person and programme with their best current result, periods, the score
distribution, the ranking, a drill-down with masked names, the Excel export and cleared rates.

The city (scores out of 100, pass mark 60):
    市纪委监委   P1 张三明  promotion 55 (2025-01-10), 72 (2025-04-02)
                 P2 李四    promotion 90 (2025-02-01; an earlier 40 on the same paper was regraded away)
    林州市       P3 王五    promotion 59.5 (2025-03-01)
      城郊乡     P4 赵六六  induction 60 (2025-05-01), promotion 30 (2025-05-02)
                 P5 孙七    induction 85 (2024-12-31 23:00)
      姚村镇     P6 周八    nothing
    P7 sat a paper but is not on the roster: never counted."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbgrader.api import Assignment, Course, Grade, GradeCell, Notebook, Student, SubmittedAssignment, SubmittedNotebook
from openpyxl import load_workbook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.city import CitySpec, build_city, plan_city
from grader.gradebook.models import GradingRunRow, PaperRow, PersonRow, ResultRow, UnitRow
from grader.programmes import load_programmes, people_status
from grader.records.gate import record_step
from grader.scoreboard import (
    CITY,
    Board,
    Filters,
    Period,
    Tally,
    board,
    by_period,
    by_programme,
    distribution,
    drill_down,
    people_scores,
    ranking,
)
from grader.scoreboard.cleared import cleared_board
from grader.scoreboard.export import drill_down_xlsx
from tests.staff_data import recorder

REPO = Path(__file__).resolve().parent.parent
UNITS = [("市纪委监委", None, "市直单位"), ("林州市", None, "县（市、区）"), ("城郊乡", "林州市", "乡（镇、街道）"),
         ("姚村镇", "林州市", "乡（镇、街道）")]
PEOPLE = [("P1", "张三明", "410502197503120011", "市纪委监委"), ("P2", "李四", "410502198005210027", "市纪委监委"),
          ("P3", "王五", "410581199811090031", "林州市"), ("P4", "赵六六", "410581199902140049", "城郊乡"),
          ("P5", "孙七", "410581197208300058", "城郊乡"), ("P6", "周八", "410581197208300066", "姚村镇")]
PAPERS = [("promotion-a", "promotion"), ("promotion-b", "promotion"), ("induction-a", "induction")]
RESULTS = [("P1", "promotion-a", 55.0, datetime(2025, 1, 10, 9), True),
           ("P1", "promotion-b", 72.0, datetime(2025, 4, 2, 9), True),
           ("P2", "promotion-a", 40.0, datetime(2025, 2, 1, 9), False),
           ("P2", "promotion-a", 90.0, datetime(2025, 2, 1, 9), True),
           ("P3", "promotion-a", 59.5, datetime(2025, 3, 1, 9), True),
           ("P4", "induction-a", 60.0, datetime(2025, 5, 1, 9), True),
           ("P4", "promotion-a", 30.0, datetime(2025, 5, 2, 9), True),
           ("P5", "induction-a", 85.0, datetime(2024, 12, 31, 23), True),
           ("P7", "promotion-a", 95.0, datetime(2025, 1, 10, 9), True)]


@pytest.fixture
def city(engine: Engine) -> Engine:
    with Session(engine) as session, session.begin():
        for name, parent, kind in UNITS:
            session.add(UnitRow(name=name, parent=parent, kind=kind))
            session.flush()
        session.add_all(PersonRow(id=i, name=n, id_number=number, unit=u, rank="科员", category="公务员")
                        for i, n, number, u in PEOPLE)
        for assignment, programme in PAPERS:
            session.add(PaperRow(assignment=assignment, blueprint=programme, programme=programme, title=assignment,
                                 version=assignment[-1].upper(), seed=1, total_points=100.0, pass_mark=60.0,
                                 duration_minutes=60, show_score=True, built_at=datetime(2024, 12, 1)))
        run = GradingRunRow(assignment="all", actor="t", started_at=datetime(2025, 6, 1), graded=0, failed=0)
        session.add(run)
        session.flush()
        session.add_all(ResultRow(run_id=run.id, assignment=a, student_id=s, submitted_at=at, auto_score=score,
                                  max_score=100.0, needs_manual=False, flagged=False, current=current)
                        for s, a, score, at, current in RESULTS)
    return engine


def _rates(scores: Board) -> dict[str, tuple[int, int, int]]:
    return {t.unit: (t.people, t.candidates, t.passed) for t in (scores.city, *scores.units)}


def test_each_person_counts_once_per_programme_with_sub_units_rolled_up(city: Engine) -> None:
    with Session(city) as session:
        scores = board(session)
    assert _rates(scores) == {CITY: (6, 6, 4), "市纪委监委": (2, 2, 2), "林州市": (4, 4, 2), "城郊乡": (2, 3, 2),
                              "姚村镇": (1, 0, 0)}
    assert scores.tally("林州市").rate == 0.5 and scores.tally("姚村镇").rate is None
    assert [t.unit for t in scores.children(None)] == ["市纪委监委", "林州市"]
    assert [t.unit for t in scores.children("林州市")] == ["城郊乡", "姚村镇"]  # by name
    assert scores.city.bins == (2, 1, 1, 1, 1)


def test_a_programme_and_a_period_narrow_what_counts(city: Engine) -> None:
    with Session(city) as session:
        promotion = board(session, Filters("promotion"))
        first_quarter = board(session, Filters("promotion", Period.parse("2025-Q1")))
        december = board(session, Filters(None, Period.parse("2024-12")))
    assert _rates(promotion)[CITY] == (6, 4, 2) and _rates(promotion)["林州市"] == (4, 2, 0)
    # P1's 55 in January is their best in the quarter; their 72 came in April
    assert _rates(first_quarter)[CITY] == (6, 3, 1) and _rates(first_quarter)["市纪委监委"] == (2, 2, 1)
    assert _rates(december)[CITY] == (6, 1, 1) and _rates(december)["城郊乡"] == (2, 1, 1)


def test_rates_by_programme_and_by_quarter(city: Engine) -> None:
    with Session(city) as session:
        programmes = by_programme(session)
        quarters = by_period(session, "quarter")
        county = by_period(session, "year", "promotion", unit="林州市")
    assert [(r.key, r.candidates, r.passed) for r in programmes] == [("induction", 2, 2), ("promotion", 4, 2)]
    assert programmes[0].mean == pytest.approx(72.5) and programmes[1].mean == pytest.approx(62.875)
    assert [(r.key, r.label, r.candidates, r.passed) for r in quarters] == [
        ("2024-Q4", "2024年第4季度", 1, 1), ("2025-Q1", "2025年第1季度", 3, 1), ("2025-Q2", "2025年第2季度", 3, 2)]
    assert [(r.key, r.candidates, r.passed) for r in county] == [("2025", 2, 0)]


def test_distribution_of_a_unit_in_bands(city: Engine) -> None:
    with Session(city) as session:
        scores = board(session)
    bands = distribution(scores, "城郊乡")
    assert [(b.label, b.count) for b in bands] == [("0–59", 1), ("60–69", 1), ("70–79", 0), ("80–89", 1),
                                                   ("90–100", 0)]
    assert sum(b.share for b in bands) == pytest.approx(1.0)


def test_ranking_puts_units_with_too_few_candidates_last_unranked(city: Engine) -> None:
    with Session(city) as session:
        scores = board(session)
    assert [(r.rank, r.tally.unit) for r in ranking(scores, minimum=2)] == [
        (1, "市纪委监委"), (2, "城郊乡"), (3, "林州市"), (None, "姚村镇")]
    few = ranking(scores, minimum=3)
    assert [(r.rank, r.tally.unit) for r in few] == [(1, "城郊乡"), (2, "林州市"), (None, "姚村镇"),
                                                     (None, "市纪委监委")]
    assert few[-1].note == "参考人数少于 3 人，不参与排名"
    assert [r.tally.unit for r in ranking(scores, "乡（镇、街道）", minimum=1)] == ["城郊乡", "姚村镇"]


def test_drill_down_shows_sub_units_and_masked_people_only(city: Engine) -> None:
    with Session(city) as session:
        scores = board(session)
        # k = 1: these units are far smaller than the public pages' k (see the privacy test below)
        township = drill_down(session, scores, "城郊乡", minimum=1)
        county = drill_down(session, scores, "林州市", minimum=1)
        promotion = people_scores(session, Filters("promotion"), "城郊乡", minimum=1)
    assert [(p.name, p.programme, p.best, p.passed) for p in township.people] == [
        ("孙*", "induction", 85.0, True), ("赵*六", "induction", 60.0, True), ("赵*六", "promotion", 30.0, False)]
    assert [t.unit for t in county.sub_units] == ["城郊乡", "姚村镇"] and [p.name for p in county.people] == ["王*"]
    assert [(p.name, p.best, p.passed, p.attempts) for p in promotion] == [("赵*六", 30.0, False, 1),
                                                                          ("孙*", None, None, 0)]
    shown = repr((township, county, promotion))
    assert not any(name in shown or number in shown for _, name, number, _ in PEOPLE)


def test_counts_are_of_distinct_people_and_a_unit_under_k_shows_no_per_person_rows(city: Engine) -> None:
    with Session(city) as session:
        scores = board(session)
        listed = drill_down(session, scores, "城郊乡", minimum=1)
        public = drill_down(session, scores, "城郊乡")  # the default k of grader.settings: 10
        direct = people_scores(session, Filters(), "城郊乡")
    # 赵*六 sat two programmes: three lines, two people
    assert (len(listed.people), listed.headcount, listed.examinees) == (3, 2, 2)
    assert (scores.tally("城郊乡").examinees, scores.tally("林州市").examinees, scores.city.examinees) == (2, 3, 5)
    assert public.people == () and direct == ()
    assert (public.headcount, public.examinees, public.tally.candidates) == (2, 2, 3)
    assert "少于 10 人" in public.withheld and "只公布统计数字" in public.withheld
    with Session(city) as session, session.begin():
        session.add_all(PersonRow(id=f"Q{i:02d}", name=f"钱{i:02d}", id_number="", unit="城郊乡", rank="科员",
                                  category="公务员") for i in range(8))
    with Session(city) as session:
        big = drill_down(session, board(session), "城郊乡")
    assert big.headcount == 10 and big.withheld == "" and len(big.people) == 11  # 10 people, one in two programmes


def test_the_export_reads_back_with_the_same_figures_and_masked_names(city: Engine) -> None:
    with Session(city) as session:
        scores = board(session)
        drill = drill_down(session, scores, "林州市", minimum=1)
    book = load_workbook(io.BytesIO(drill_down_xlsx(drill, Filters(), datetime(2026, 11, 27, 10))))
    assert book.sheetnames == ["单位", "人员", "说明"]
    units = [row for row in book["单位"].iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[3], r[4], r[5]) for r in units] == [("林州市（合计）", 4, 2, 0.5),
                                                         ("城郊乡", 3, 2, pytest.approx(2 / 3)), ("姚村镇", 0, 0, None)]
    assert [r[0] for r in book["人员"].iter_rows(min_row=2, values_only=True)] == ["王*"]


def _mark(engine: Engine, assignment: str, student: str, manual: float | None, extra: float | None = None) -> None:
    """What a grader does in formgrader: mark the essay of the student's (latest) submission."""
    with Session(engine) as session, session.begin():
        if session.get(Course, "qinglian") is None:
            session.add(Course(id="qinglian"))
        paper = Assignment(name=assignment, course_id="qinglian")
        notebook = Notebook(name="paper", assignment=paper)
        essay = GradeCell(name="q46", max_score=10.0, cell_type="code", notebook=notebook)
        submitted = SubmittedNotebook(assignment=SubmittedAssignment(assignment=paper, student_id=student),
                                      notebook=notebook)
        session.add_all([paper, submitted, Grade(notebook=submitted, cell=essay, auto_score=None,
                                                 manual_score=manual, extra_credit=extra,
                                                 needs_manual_grade=manual is None)])


def test_a_graders_essay_mark_counts_and_a_pending_essay_adds_nothing(city: Engine) -> None:
    with Session(city) as session, session.begin():
        session.add(Student(id="P3", last_name="王", first_name="五"))
        session.add(Student(id="P4", last_name="赵", first_name="六六"))
    _mark(city, "promotion-a", "P3", 4.0, extra=1.0)  # 59.5 + 4 + 1: passes
    _mark(city, "induction-a", "P4", None)  # waits for a grader
    with Session(city) as session:
        promotion = board(session, Filters("promotion"))
        county = people_scores(session, Filters("promotion"), "林州市", minimum=1)
        induction = board(session, Filters("induction"))
    assert _rates(promotion)["林州市"] == (4, 2, 1) and promotion.tally("林州市").bins == (1, 1, 0, 0, 0)
    assert [(p.name, p.best, p.passed) for p in county] == [("王*", 64.5, True)]
    assert _rates(induction)["城郊乡"] == (2, 2, 2)


def test_cleared_counts_those_who_began_a_programme_without_applies_to(city: Engine) -> None:
    promotion = load_programmes(REPO / "exams" / "programmes")["promotion"]
    now = datetime(2026, 11, 27, 10)
    with Session(city) as session, session.begin():
        for kind, text in (("talk", None), ("oath", None), ("commitment", "本人承诺廉洁从政。")):
            record_step(session, "P1", kind, date(2025, 5, 1), recorder("组织部"), text=text, now=now)
    with Session(city) as session:
        cleared = cleared_board(session, promotion, now=now)
    # P1 cleared all four steps; P2 only passed the test; P3 and P4 failed it and have nothing else
    assert (cleared.city.people, cleared.city.cleared) == (2, 1)
    assert [(c.unit, c.people, c.cleared) for c in cleared.children(None)] == [("市纪委监委", 2, 1), ("林州市", 0, 0)]


@pytest.mark.parametrize("key", ["2025", "2025-Q3", "2025-11", ""])
def test_period_keys_parse_to_their_calendar_range(key: str) -> None:
    period = Period.parse(key)
    assert period.key == key
    expected = {"2025": (datetime(2025, 1, 1), datetime(2026, 1, 1)),
                "2025-Q3": (datetime(2025, 7, 1), datetime(2025, 10, 1)),
                "2025-11": (datetime(2025, 11, 1), datetime(2025, 12, 1)), "": (None, None)}[key]
    assert (period.start, period.end) == expected


@pytest.mark.parametrize("key", ["2025-Q5", "2025-13", "25", "2025/11", "last year"])
def test_a_period_that_is_not_a_year_quarter_or_month_is_refused_by_name(key: str) -> None:
    with pytest.raises(ValueError, match="无法识别的统计期间"):
        Period.parse(key)


_tallies = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=12)


@given(_tallies, st.integers(1, 10))
def test_a_unit_ranks_one_below_the_number_of_units_strictly_better(figures: list[tuple[int, int]],
                                                                    minimum: int) -> None:
    units = tuple(Tally(f"U{i:02d}", "市直单位", None, 0, c, c, min(p, c), (c,))
                  for i, (c, p) in enumerate(figures))
    result = ranking(Board(Filters(), (0.0,), units[0], units), minimum=minimum)
    ranked = [r for r in result if r.rank is not None]
    assert {r.tally.unit for r in ranked} == {t.unit for t in units if t.candidates >= minimum}
    for r in ranked:
        better = [o for o in ranked if o.tally.passed * r.tally.candidates > r.tally.passed * o.tally.candidates]
        assert r.rank == 1 + len(better)
    assert all(r.rank is None for r in result[len(ranked):])


def test_the_scoreboard_passes_exactly_those_whose_programme_status_has_the_exam_done(engine: Engine) -> None:
    """Consistent with grader.programmes on a generated city, graders' essay marks included."""
    with Session(engine) as session, session.begin():
        build_city(session, plan_city(CitySpec(seed=5, units=10, people=150, attempts=600, months=4)),
                   REPO / "exams")
    promotion = load_programmes(REPO / "exams" / "programmes")["promotion"]
    with Session(engine) as session:
        people = list(session.scalars(select(PersonRow.id)))
        # judged when the city's four months (from 2024-01) have ended: its tests are still valid
        exam_done = {s.person_id for s in people_status(session, promotion, people, now=datetime(2024, 5, 1))
                     if s.steps[0].done}
        scores = board(session, Filters("promotion"))
        units = {p: u for p, u in session.execute(select(PersonRow.id, PersonRow.unit))}
        shown = Counter({unit: sum(1 for p in people_scores(session, Filters("promotion"), unit, 1) if p.passed)
                         for unit in set(units.values())})
    assert scores.city.passed == len(exam_done) > 0
    assert +shown == Counter(units[p] for p in exam_done)  # unit by unit, the same people


def test_the_public_page_shows_distinct_people_and_only_figures_for_a_unit_under_k(city: Engine) -> None:
    from grader.scoreboard import render

    with Session(city) as session:
        scores = board(session)
        small = render.people(drill_down(session, scores, "城郊乡"))
        listed = render.people(drill_down(session, scores, "城郊乡", minimum=1))
    assert "少于 10 人" in small and "<table" not in small and "赵" not in small and "孙" not in small
    assert "城郊乡本单位人员 2 人，参考 2 人" in listed and listed.count("<tr") == 4  # a header, three lines
