"""Promotion cases (任职事项), re-sits (补考) and score reviews (成绩复核) on SQLite and PostgreSQL:
the four steps of a case clear it for appointment; a talk before 公示 is refused with the reason;
an expired test counts as missing; a re-sit beyond the rule is refused and the case shows
已取消任用资格; a review keeps both marks, the outcome and who decided."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader.gradebook.models import PromotionCaseRow
from grader.programmes import Programme, load_programme, person_status, unit_status
from grader.programmes.case_status import tries_of
from grader.programmes.evidence import Case
from grader.programmes.scores import ExamScore, exam_scores
from grader.programmes.spec import ResitRule
from grader.programmes.status import months_after, months_before
from grader.records.cases import cancel_exhausted, end_case, open_case, person_cases, record_case_step
from grader.records.gate import RecordError
from grader.records.resits import resit_decisions
from grader.records.review import decide_review, mark_review, request_review, review_sheet, reviews_of
from grader.settings import Settings
from grader.staff.roles import StaffError, system
from tests.records_data import DATA, grade_essays, seed_roster, sit
from tests.staff_data import organiser, recorder, trainer

OPENER, CLERK, MARKER = organiser("组织部 刘洋"), recorder("组织部 刘洋"), trainer("阅卷人 乙")

NOW = datetime(2026, 11, 27, 10, 0)
COMMITMENT = "本人郑重承诺：严守纪律，廉洁从政，自觉接受监督。"


def _programme() -> Programme:
    return load_programme(DATA / "cases" / "promotion.yaml")


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)


def _case(session: Session, person: str = "P001", decision: date | None = date(2026, 11, 30)) -> Case:
    return open_case(session, _programme(), person, "市纪委监委副主任", date(2026, 11, 10), date(2026, 11, 17),
                     OPENER, decision_on=decision, now=NOW)


def _verdict(session: Session, case: Case, now: datetime = NOW) -> tuple[str, str]:
    (status,) = [s for s in person_cases(session, _programme(), case.person_id, now) if s.case.id == case.id]
    return status.status.verdict, status.status.missing_summary


def test_a_case_with_its_four_steps_recorded_is_cleared_for_appointment(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": True}, at=_utc(date(2026, 11, 12)))
    programme = _programme()
    with Session(engine) as session, session.begin():
        case = _case(session)
        assert _verdict(session, case) == ("缺 廉政谈话、廉政宣誓、廉政公开承诺", "廉政谈话；廉政宣誓；廉政公开承诺")
        record_case_step(session, programme, case.id, "talk", date(2026, 11, 18), CLERK, now=NOW)
        record_case_step(session, programme, case.id, "oath", date(2026, 11, 19), CLERK, now=NOW)
        assert _verdict(session, case)[0] == "缺 廉政公开承诺"
        with pytest.raises(RecordError, match="须保留全文"):
            record_case_step(session, programme, case.id, "commitment", date(2026, 11, 19), CLERK, now=NOW)
        record_case_step(session, programme, case.id, "commitment", date(2026, 11, 19), CLERK,
                         text=COMMITMENT, now=NOW)
        assert _verdict(session, case) == ("可以任职", "")
        # a step recorded outside the case does not count for it
        other = _case(session, "P002")
        assert "廉政谈话" in _verdict(session, other)[0]


def test_a_talk_dated_before_the_notice_or_after_the_decision_is_refused_with_the_reason(engine: Engine) -> None:
    seed_roster(engine)
    programme = _programme()
    with Session(engine) as session, session.begin():
        case = _case(session)
        with pytest.raises(RecordError) as early:
            record_case_step(session, programme, case.id, "talk", date(2026, 11, 5), CLERK, now=NOW)
        assert "廉政谈话日期 2026-11-05 早于公示开始日期 2026-11-10" in str(early.value)
        assert "测试用顺序" in str(early.value)  # the rule and its basis are named
        with pytest.raises(RecordError, match="晚于任职决定日期 2026-11-30"):
            record_case_step(session, programme, case.id, "oath", date(2026, 12, 1), CLERK,
                             now=datetime(2026, 12, 2))
        with pytest.raises(RecordError, match="已有办理中的任职事项"):
            _case(session)


def test_two_open_cases_for_one_person_are_refused_by_the_database(engine: Engine) -> None:
    seed_roster(engine)
    with Session(engine) as session, session.begin():
        _case(session)
    row = {"person_id": "P001", "programme": "promotion", "position": "x", "notice_start": date(2026, 1, 1),
           "notice_end": date(2026, 1, 2), "opened_by": "x", "opened_at": NOW, "end_reason": ""}
    with Session(engine) as session, pytest.raises(IntegrityError), session.begin():
        session.add(PromotionCaseRow(**row, state="open"))
    with Session(engine) as session, session.begin():  # a closed one beside the open one is fine
        session.add(PromotionCaseRow(**row, state="closed"))


def test_an_expired_test_counts_as_missing(settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": True}, at=_utc(date(2025, 10, 1)))
    programme = _programme()
    with Session(engine) as session, session.begin():
        case = _case(session)
        for kind, text in (("talk", None), ("oath", None), ("commitment", COMMITMENT)):
            record_case_step(session, programme, case.id, kind, date(2026, 11, 18), CLERK, text=text, now=NOW)
        assert _verdict(session, case)[0] == "缺 廉政知识测试"
        (exam,) = [s for s in person_cases(session, programme, "P001", NOW)[0].status.steps if s.step == "exam"]
        assert exam.detail.startswith("已过期：2025-10-01 通过") and "有效期 12 个月，至 2026-10-01" in exam.detail
        # judged before it expired it counts; and a person's status (no case) treats it the same way
        assert person_status(session, programme, "P001", now=datetime(2026, 9, 30)).steps[0].done
        assert not person_status(session, programme, "P001", now=NOW).steps[0].done


def test_a_resit_beyond_the_rule_is_refused_and_the_case_shows_cancelled(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": False, "P002": True}, at=_utc(date(2026, 11, 1)))
    programme = _programme()
    with Session(engine) as session, session.begin():
        case = _case(session, decision=None)
        _case(session, "P002", decision=None)
        first = {d.person_id: d for d in resit_decisions(session, programme, ["P001", "P002", "P003"],
                                                         date(2026, 11, 20))}
        assert first["P001"].allowed and first["P001"].number == 1 and "第 1 次补考" in first["P001"].reason
        assert not first["P002"].allowed and "已通过" in first["P002"].reason
        assert not first["P003"].allowed and "没有办理中的" in first["P003"].reason
        late = resit_decisions(session, programme, ["P001"], date(2027, 5, 2))[0]
        assert not late.allowed and "补考期限已过（首次未通过后 6 个月内，至 2027-05-01）" in late.reason
        exam = person_cases(session, programme, "P001", datetime(2026, 11, 20))[0].status.steps[0]
        assert not exam.done and "还可补考 1 次，至 2027-05-01" in exam.detail
    sit(settings, engine, released[1], {"P001": False}, at=_utc(date(2026, 11, 22)))  # the re-sit, failed
    with Session(engine) as session, session.begin():
        again = resit_decisions(session, programme, ["P001"], date(2026, 11, 27), NOW)[0]
        assert not again.allowed and again.reason.startswith("已取消任用资格：补考 1 次后仍未通过")
        verdict, reason = _verdict(session, case)
        assert verdict == "已取消任用资格"
        assert "补考 1 次后仍未通过（规则：补考至多 1 次，以最后一次成绩为准）" in reason
        (ended,) = cancel_exhausted(session, programme, OPENER, NOW)
        assert ended.id == case.id and ended.state == "cancelled"
        with pytest.raises(RecordError, match="已取消任用资格，不能再记录"):
            record_case_step(session, programme, case.id, "talk", date(2026, 11, 18), CLERK, now=NOW)
        assert _verdict(session, case)[0] == "已取消任用资格"


def _try(score: float, day: int) -> ExamScore:
    return ExamScore("p", score, 0.0, 100.0, 60.0, datetime(2026, 1, day), False, result_id=day)


@pytest.mark.parametrize(("counts", "scores", "passed", "cancelled"), [
    ("latest", [70, 50], False, True),  # the re-sit's fail is what counts, and it was the last allowed
    ("best", [70, 50], True, False),
    ("latest", [40, 65], True, False),
    ("best", [40, 50], False, True),
])
def test_which_try_counts_is_the_rules(counts: str, scores: list[float], passed: bool, cancelled: bool) -> None:
    case = Case(1, "P1", "promotion", "x", date(2026, 1, 1), date(2026, 1, 2), None, "x", datetime(2026, 1, 1),
                "open", None, None, "")
    rule = ResitRule(1, 6, counts, _programme().resit.basis)  # type: ignore[union-attr]
    tries = tries_of(case, rule, [_try(s, i + 1) for i, s in enumerate(scores)], None, date(2026, 2, 1))
    assert tries.counted is not None and tries.counted.passed is passed
    assert bool(tries.exhausted) is cancelled


def test_unit_lists_of_a_case_programme_show_open_cases_not_everyone(engine: Engine) -> None:
    seed_roster(engine)
    programme = _programme()
    with Session(engine) as session, session.begin():
        assert unit_status(session, programme, "安阳市纪委监委", now=NOW) == []
        case = _case(session, "P002")
        (line,) = unit_status(session, programme, "安阳市纪委监委", now=NOW)
        assert (line.person_id, line.case_id, line.position) == ("P002", case.id, "市纪委监委副主任")
        assert line.verdict.startswith("缺 廉政知识测试")
        assert {s.person_id for s in unit_status(session, programme, "安阳市纪委监委", now=NOW, everyone=True)} == {
            "P001", "P002"}
        end_case(session, case.id, "closed", OPENER, "已任职", NOW)
        assert unit_status(session, programme, "安阳市纪委监委", now=NOW) == []


def test_a_review_keeps_both_marks_the_outcome_and_who_decided(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P003": True}, essay="廉洁从政，首先要守住底线。")
    grade_essays(engine, released[0], "P003", 4)
    programme, now = _programme(), datetime.now()
    with Session(engine) as session, session.begin():
        with pytest.raises(RecordError, match="5 日内"):
            request_review(session, programme, "P003", released[0], OPENER, "给分偏低", now=now + timedelta(days=6))
        review = request_review(session, programme, "P003", released[0], OPENER, "本人认为简答题给分偏低",
                                on_behalf=True, now=now)
        with pytest.raises(RecordError, match="已申请过复核"):
            request_review(session, programme, "P003", released[0], OPENER, "再次申请", now=now)
        sheet = review_sheet(session, review.id)
        assert [e.response for e in sheet.essays] == ["廉洁从政，首先要守住底线。"]
        assert "4" not in repr(sheet).replace(released[0], "")  # the second marker never sees the first mark
        (essay,) = sheet.essays
        with pytest.raises(StaffError):  # an organiser takes requests in; only a trainer marks
            mark_review(session, review.id, OPENER, {essay.name: 7.0}, now)
        with pytest.raises(StaffError):
            request_review(session, programme, "P003", released[0], CLERK, "记录员不受理复核", now=now)
        with pytest.raises(RecordError, match="超出范围"):
            mark_review(session, review.id, MARKER, {essay.name: 11.0}, now)
        mark_review(session, review.id, MARKER, {essay.name: 7.0}, now)
        decided = decide_review(session, review.id, organiser("组织部 王主任"), "second", "复核评分有据", now)
    with Session(engine) as session:
        (kept,) = reviews_of(session, "P003")
        (current,) = exam_scores(session, "small", ["P003"])[1]["P003"]
    assert kept == decided
    assert (kept.first_marks, kept.second_marks) == ({essay.name: 4.0}, {essay.name: 7.0})
    assert (kept.first_score, kept.final_score) == (20.0, 23.0)  # 16 automatic points, the essay's 4 then 7
    assert (kept.outcome, kept.state, kept.decided_by, kept.on_behalf) == ("changed", "采用复核评分", "组织部 王主任",
                                                                           True)
    assert current.score == 23.0  # every score read from now on counts the adopted marks


def _open_in_a_process(db_url: str, start: Any, results: Any) -> None:
    from grader.gradebook.engine import connect

    engine = connect(db_url)
    start.wait()
    try:
        with Session(engine) as session, session.begin():
            case = _case(session)
        results.put(("opened", case.id))
    except RecordError as error:
        results.put(("refused", str(error)))
    finally:
        engine.dispose()


def test_four_processes_opening_a_case_for_one_person_at_once_open_exactly_one(
        settings: Settings, engine: Engine) -> None:
    seed_roster(engine)
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(4), context.Queue()
    workers = [context.Process(target=_open_in_a_process, args=(settings.db_url, start, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(kind for kind, _ in outcomes) == ["opened", "refused", "refused", "refused"]
    assert all("已有办理中的任职事项" in said for kind, said in outcomes if kind == "refused")


def test_a_resit_sitting_seats_only_those_the_rule_allows(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    from grader.records.resits import resit_seats
    from grader.sitting.seats import create_sitting

    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": False, "P002": True}, at=_utc(date(2026, 11, 1)))
    programme = _programme()
    with Session(engine) as session, session.begin():
        opens = datetime(2026, 11, 1, 9)
        create_sitting(session, "s1", "十一月场次", released[:1], ["P001", "P002", "P003"], opens,
                       opens + timedelta(hours=3), 60, secret=bytes(32), created_by=system("t"), now=opens)
        with pytest.raises(RecordError, match="场次 s1 没有可以补考的人"):
            resit_seats(session, programme, "s1", date(2026, 11, 20))
        _case(session, decision=None)
        _case(session, "P002", decision=None)
        seated, decisions = resit_seats(session, programme, "s1", date(2026, 11, 20))
        with pytest.raises(RecordError, match="没有场次 'nope'"):
            resit_seats(session, programme, "nope", date(2026, 11, 20))
    assert seated == ["P001"]
    assert [(d.person_id, d.allowed) for d in decisions] == [("P001", True), ("P002", False), ("P003", False)]
    assert "已通过" in decisions[1].reason and "没有办理中的" in decisions[2].reason


@given(scores=st.lists(st.integers(0, 100), min_size=1, max_size=5), max_resits=st.integers(0, 3),
       counts=st.sampled_from(["latest", "best"]))
def test_the_resit_rule_on_any_sequence_of_tries(scores: list[int], max_resits: int, counts: str) -> None:
    """Every try within the window; the counted try is the rule's; the case is lost exactly when
    the counted try fails and no re-sit is left."""
    case = Case(1, "P1", "promotion", "x", date(2026, 1, 1), date(2026, 1, 2), None, "x", datetime(2026, 1, 1),
                "open", None, None, "")
    rule = ResitRule(max_resits, 6, counts, _programme().resit.basis)  # type: ignore[union-attr]
    history = [_try(float(s), i + 1) for i, s in enumerate(scores)]
    tries = tries_of(case, rule, history, None, date(2026, 2, 1))
    counted = history[-1] if counts == "latest" else max(history, key=lambda t: t.score)
    assert tries.counted is not None and tries.counted.score == counted.score
    assert tries.resits_used == len(scores) - 1
    assert bool(tries.exhausted) == (not counted.passed and len(scores) - 1 >= max_resits)


@given(day=st.dates(date(2000, 1, 1), date(2099, 12, 31)), months=st.integers(0, 60))
def test_months_later_and_back_land_in_the_right_month_never_past_its_end(day: date, months: int) -> None:
    later = months_after(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == day.day or (later.day < day.day and (later + timedelta(days=1)).day == 1)
    assert months_before(later, months) <= day
