"""Essay marking (grader.marking): anonymous codes, the queue of one essay, single and double marking,
the score written to nbgrader's own gradebook and the audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbgrader.api import Gradebook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.audit.verify import verify
from grader.bank import bank_files, load_banks
from grader.export import totals
from grader.gradebook.models import AuditRow, EssayMarkRow, PaperItemRow
from grader.marking.codes import code_for, codes_for, marking_secret, normal_code
from grader.marking.marks import mark_answer, parse_score, set_marking
from grader.marking.queue import Mark, MarkingError, Setting, decide, papers, queue
from grader.paper.store import build_from_files
from grader.settings import Settings
from grader.staff.accounts import add_staff
from grader.staff.roles import Actor, StaffError
from tests.conftest import EXAMS, SMALL_BLUEPRINT
from tests.graded_papers import grade_simulated

STUDENTS = ["p001", "p002", "p003", "p004"]
NOW = datetime(2026, 12, 2, 9, 0)


@pytest.fixture
def marking(settings: Settings, engine: Engine, released: list[str]) -> tuple[str, str, dict[str, Actor]]:
    """A graded paper with one essay (10 points), three trainers, a recorder and an auditor."""
    assignment = released[0]
    keys = grade_simulated(settings, engine, assignment, STUDENTS)
    (item,) = [k.name for k in keys.items if k.type == "essay"]
    people: dict[str, Actor] = {}
    with Session(engine) as session, session.begin():
        boss = add_staff(session, None, "管理员", "organiser")
        admin = Actor(boss.name, boss.role, boss.id)
        for name, role in (("教师甲", "trainer"), ("教师乙", "trainer"), ("教师丙", "trainer"),
                           ("记录员", "recorder"), ("审计员", "auditor")):
            member = add_staff(session, admin, name, role)
            people[name] = Actor(member.name, member.role, member.id)
    return assignment, item, people


def _nbgrader(settings: Settings, assignment: str, item: str, student: str) -> tuple[float | None, str | None, bool]:
    """The essay's manual score and comment as formgrader reads them (nbgrader's own API)."""
    with Gradebook(settings.db_url) as gradebook:
        grade = gradebook.find_grade(item, "paper", assignment, student)
        comment = gradebook.find_comment(item, "paper", assignment, student)
        return grade.manual_score, comment.manual_comment, bool(grade.needs_manual_grade)


def _mark(engine: Engine, settings: Settings, actor: Actor, assignment: str, item: str, student: str,
          score: float, comment: str = "") -> object:
    secret = marking_secret(settings.root)
    with Session(engine) as session, session.begin():
        return mark_answer(session, actor, settings.root, secret, assignment, item,
                           code_for(secret, assignment, student), score, comment, NOW)


def test_codes_are_stable_distinct_per_paper_and_name_no_one() -> None:
    secret = b"k" * 32
    codes = codes_for(secret, "paper-A", [f"p{n:04d}" for n in range(3000)])
    assert len(set(codes.values())) == 3000
    assert codes["p0001"] == code_for(secret, "paper-A", "p0001") != code_for(secret, "paper-B", "p0001")
    assert code_for(b"x" * 32, "paper-A", "p0001") != codes["p0001"]
    assert all("p0" not in c and len(c) == 7 and c[3] == "-" for c in codes.values())
    assert normal_code(" k7q m2x ") == "K7Q-M2X" == normal_code("K7Q-M2X")


def test_the_workspace_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    first = marking_secret(tmp_path)
    assert first == marking_secret(tmp_path) and len(first) >= 32
    assert (tmp_path / ".qinglian" / "marking-code-secret").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(("typed", "expected"), [("7", 7.0), ("7.5", 7.5), ("０", 0.0), ("１０", 10.0), (" 3 ", 3.0)])
def test_a_typed_score_is_read(typed: str, expected: float) -> None:
    assert parse_score(typed, 10) == expected


@pytest.mark.parametrize(("typed", "says"), [("", "请填写分数"), ("11", "超出范围，本题满分 10 分"), ("-1", "不是分数"),
                                             ("七", "不是分数"), ("7.25", "最多一位小数"), ("1e1", "不是分数")])
def test_a_bad_score_is_refused_in_chinese(typed: str, says: str) -> None:
    with pytest.raises(MarkingError, match=says):
        parse_score(typed, 10, "q09 得分")


@given(st.text(max_size=12), st.sampled_from([1.0, 5.0, 10.0, 12.5]))
def test_any_typed_text_is_a_score_within_range_or_a_chinese_refusal(typed: str, max_points: float) -> None:
    try:
        score = parse_score(typed, max_points, "q09 得分")
    except MarkingError as error:
        assert str(error).startswith("q09 得分：")
    else:
        assert 0 <= score <= max_points and round(score, 1) == score


def _m(round_: int, score: float, marker: int | None = None) -> Mark:
    return Mark(round_, marker or round_, f"教师{round_}", score, f"评语{round_}", NOW)


@given(st.floats(0, 10), st.floats(0, 10), st.floats(0, 5))
def test_double_marks_within_the_threshold_average_and_beyond_it_wait_for_a_third(a: float, b: float,
                                                                                  limit: float) -> None:
    decision = decide([_m(1, a), _m(2, b)], Setting(True, limit))
    if abs(a - b) <= limit:
        assert not decision.flagged and decision.score == pytest.approx((a + b) / 2)
    elif abs(a - b) > limit + 1e-6:
        assert decision.flagged and decision.score is None
        third = decide([_m(1, a), _m(2, b), _m(3, 4.0)], Setting(True, limit))
        assert third == type(third)(4.0, False, "评语3")


def test_a_single_mark_is_the_score_and_one_of_two_is_not_yet() -> None:
    assert decide([_m(1, 6)], Setting()).score == 6
    assert decide([_m(1, 6)], Setting(True, 2)).score is None
    assert decide([], Setting()).score is None


def test_single_marking_writes_nbgrader_and_the_audit_log(settings: Settings, engine: Engine,
                                                          marking: tuple[str, str, dict[str, Actor]]) -> None:
    assignment, item, people = marking
    secret = marking_secret(settings.root)
    with Session(engine) as session:
        before = queue(session, settings.root, secret, assignment, item, people["教师甲"].staff_id or 0)
    assert [a.number for a in before.answers] == [1, 2, 3, 4] and before.mine == 0
    assert [a.code for a in before.answers] == sorted(a.code for a in before.answers)
    with Session(engine) as session:
        item_id = session.scalar(select(PaperItemRow.item_id).where(PaperItemRow.assignment == assignment,
                                                                    PaperItemRow.name == item))
    (bank_item,) = [i for i in load_banks(bank_files([EXAMS / "banks"])) if i.id == item_id]
    assert before.item.rubric == bank_item.rubric.strip() != "" and before.item.max_points == 10
    _mark(engine, settings, people["教师甲"], assignment, item, "p002", 7.5, "要点基本齐全")
    assert _nbgrader(settings, assignment, item, "p002") == (7.5, "要点基本齐全", False)
    with Session(engine) as session:
        after = queue(session, settings.root, secret, assignment, item, people["教师乙"].staff_id or 0)
        total = {str(r["student_id"]): float(str(r["raw_score"])) for r in totals(session, [assignment])}
        logged = session.scalars(select(AuditRow).where(AuditRow.action == "grade.manual")).all()
        assert verify(session).findings == ()
    mine = after.find(code_for(secret, assignment, "p002"))
    assert mine is not None and mine.recorded == 7.5 and mine.state == "已评分 7.5 分" and after.mine == 1
    assert {e.object_type for e in logged} == {"ql_essay_mark", "grade"} and {e.actor for e in logged} == {"教师甲"}
    _mark(engine, settings, people["教师乙"], assignment, item, "p002", 6)  # a re-mark replaces it
    with Session(engine) as session:
        assert {r["student_id"]: r["raw_score"] for r in totals(session, [assignment])}["p002"] == \
            total["p002"] - 1.5
    assert _nbgrader(settings, assignment, item, "p002") == (6.0, None, False)


def test_out_of_range_scores_and_unknown_codes_are_refused(settings: Settings, engine: Engine,
                                                           marking: tuple[str, str, dict[str, Actor]]) -> None:
    assignment, item, people = marking
    with pytest.raises(MarkingError, match="超出范围 0–10"):
        _mark(engine, settings, people["教师甲"], assignment, item, "p001", 10.5)
    with Session(engine) as session, pytest.raises(MarkingError, match="没有匿名编号为 ZZZ-ZZZ 的答卷"):
        mark_answer(session, people["教师甲"], settings.root, marking_secret(settings.root), assignment, item,
                    "ZZZ-ZZZ", 3)
    with Session(engine) as session, pytest.raises(MarkingError, match="没有简答题 q01"):
        mark_answer(session, people["教师甲"], settings.root, marking_secret(settings.root), assignment, "q01",
                    "ZZZ-ZZZ", 3)


@pytest.mark.parametrize("who", ["记录员", "审计员"])
def test_only_a_trainer_may_mark(settings: Settings, engine: Engine, marking: tuple[str, str, dict[str, Actor]],
                                 who: str) -> None:
    assignment, item, people = marking
    with pytest.raises(StaffError, match=r"权限不足.*不能人工评分"):
        _mark(engine, settings, people[who], assignment, item, "p001", 5)
    with Session(engine) as session, pytest.raises(StaffError, match="权限不足"):
        set_marking(session, people[who], assignment, True, 2)
    assert _nbgrader(settings, assignment, item, "p001")[0] is None


def test_double_marking_hides_the_other_mark_flags_a_gap_and_takes_a_third(
        settings: Settings, engine: Engine, marking: tuple[str, str, dict[str, Actor]]) -> None:
    assignment, item, people = marking
    one, two, three = people["教师甲"], people["教师乙"], people["教师丙"]
    secret = marking_secret(settings.root)
    with Session(engine) as session, session.begin():
        set_marking(session, one, assignment, True, 2, NOW)
    _mark(engine, settings, one, assignment, item, "p001", 8, "甲的评语")
    assert _nbgrader(settings, assignment, item, "p001")[0] is None  # one mark of two: nothing recorded yet
    with Session(engine) as session:
        seen = queue(session, settings.root, secret, assignment, item, two.staff_id or 0)
    answer = seen.find(code_for(secret, assignment, "p001"))
    assert answer is not None and answer.own is None and answer.recorded is None and answer.round == 2
    _mark(engine, settings, two, assignment, item, "p001", 7, "乙的评语")
    assert _nbgrader(settings, assignment, item, "p001") == (7.5, "一评：甲的评语\n二评：乙的评语", False)
    with pytest.raises(MarkingError, match="无需三评"):
        _mark(engine, settings, three, assignment, item, "p001", 5)

    _mark(engine, settings, one, assignment, item, "p002", 9)
    _mark(engine, settings, two, assignment, item, "p002", 3)
    assert _nbgrader(settings, assignment, item, "p002")[::2] == (None, True)
    with Session(engine) as session:
        listed = papers(session, settings.root, secret, three.staff_id or 0)
        seen = queue(session, settings.root, secret, assignment, item, one.staff_id or 0)
    (essay,) = [e for p in listed if p.assignment == assignment for e in p.essays]
    assert essay.flagged == (code_for(secret, assignment, "p002"),) and essay.decided == 1
    flagged = seen.find(code_for(secret, assignment, "p002"))
    assert flagged is not None and flagged.flagged and flagged.own is not None and flagged.own.score == 9
    assert seen.mine == 2 and seen.flagged == 1
    with pytest.raises(MarkingError, match="已开始评分"), Session(engine) as session:
        set_marking(session, one, assignment, False, 2)
    _mark(engine, settings, three, assignment, item, "p002", 5, "三评")
    assert _nbgrader(settings, assignment, item, "p002") == (5.0, "三评", False)
    with pytest.raises(MarkingError, match="三评定分"):
        _mark(engine, settings, one, assignment, item, "p002", 6)
    with Session(engine) as session:
        assert verify(session).findings == ()


def test_two_markers_agree_by_revising_their_own_marks(settings: Settings, engine: Engine,
                                                       marking: tuple[str, str, dict[str, Actor]]) -> None:
    assignment, item, people = marking
    with Session(engine) as session, session.begin():
        set_marking(session, people["教师甲"], assignment, True, 1, NOW)
    _mark(engine, settings, people["教师甲"], assignment, item, "p003", 9)
    _mark(engine, settings, people["教师乙"], assignment, item, "p003", 4)
    assert _nbgrader(settings, assignment, item, "p003")[0] is None
    _mark(engine, settings, people["教师甲"], assignment, item, "p003", 5)  # revised after talking it over
    assert _nbgrader(settings, assignment, item, "p003")[0] == 4.5


def test_two_markers_marking_the_same_answers_at_once_get_one_round_each(
        settings: Settings, engine: Engine, marking: tuple[str, str, dict[str, Actor]]) -> None:
    assignment, item, people = marking
    with Session(engine) as session, session.begin():
        set_marking(session, people["教师甲"], assignment, True, 10, NOW)
    start = threading.Barrier(2)

    def marker(actor: Actor, score: float) -> None:
        start.wait()
        for student in STUDENTS:
            _mark(engine, settings, actor, assignment, item, student, score)

    with ThreadPoolExecutor(2) as pool:
        done = [pool.submit(marker, people["教师甲"], 6), pool.submit(marker, people["教师乙"], 8)]
        [future.result(timeout=300) for future in done]
    with Session(engine) as session:
        rounds = {(m.student_id, m.round, m.marker) for m in session.scalars(select(EssayMarkRow))}
        assert verify(session).findings == ()
    assert {(s, r) for s, r, _ in rounds} == {(s, r) for s in STUDENTS for r in (1, 2)}
    assert all({m for s2, _, m in rounds if s2 == s} == {"教师甲", "教师乙"} for s in STUDENTS)
    assert [_nbgrader(settings, assignment, item, s)[0] for s in STUDENTS] == [7.0] * len(STUDENTS)


def test_a_paper_built_but_not_released_is_not_listed(settings: Settings, engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        build_from_files(session, settings.root, SMALL_BLUEPRINT, [EXAMS / "banks"])
    with Session(engine) as session:
        assert papers(session, settings.root, marking_secret(settings.root), 1) == ()
        with pytest.raises(MarkingError, match="先运行 qinglian release small-a"):
            queue(session, settings.root, marking_secret(settings.root), "small-a", "q09", 1)
