"""Proctoring: the seat table staff watch, and unlock, extend, force-submit and reopen, each with
who and why recorded."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from nbgrader.api import Student
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from grader.audit.log import entries
from grader.audit.verify import verify
from grader.gradebook.models import PersonRow, ProctorActionRow, ResultRow, SubmissionRow, UnitRow
from grader.settings import Settings
from grader.sitting.answers import save
from grader.sitting.attempt import resume
from grader.sitting.errors import SittingError
from grader.sitting.events import record_event
from grader.sitting.proctor import actions, extend, force_submit, reopen, seat_table, unlock
from grader.sitting.seats import Seat, create_sitting, sittings
from grader.sitting.signin import sign_in
from grader.sitting.submission import grade_attempt, submit_attempt
from grader.staff.roles import Actor, StaffError, system

OPENS = datetime(2026, 12, 1, 9, 0)
PROCTOR = Actor("监考甲", "organiser", 1)  # a signed-in organiser
SECRET = b"test-secret-of-the-workspace-32b"


def _seats(engine: Engine, released: list[str]) -> list[Seat]:
    with Session(engine) as session, session.begin():
        session.add(UnitRow(name="市纪委", parent=None, kind="市直单位"))
        session.flush()
        for n in range(4):
            session.add(Student(id=f"S{n}", last_name="王", first_name=f"{n}"))
        session.add(PersonRow(id="S0", name="王小明", id_number="410502199001011234", unit="市纪委", rank="科员",
                              category="新录用公务员"))
        return create_sitting(session, "s1", "场次", released[:1], [f"S{n}" for n in range(4)], OPENS,
                              OPENS + timedelta(hours=3), 60, secret=SECRET, created_by=system("t"), now=OPENS)


def _enter(engine: Engine, seat: Seat, code: str | None = None, at: datetime = OPENS) -> int | str:
    with Session(engine) as session:
        try:
            return sign_in(session, SECRET, seat.admission_no, code or seat.code, client="t", now=at).attempt_id
        except SittingError as error:
            return str(error)
        finally:
            session.commit()


def test_the_seat_table_shows_every_state_with_progress_and_switches(settings: Settings, engine: Engine,
                                                                     released: list[str]) -> None:
    answering, submitted, locked, absent = _seats(engine, released)
    first = _enter(engine, answering)
    assert isinstance(first, int)
    with Session(engine) as session, session.begin():
        view = resume(session, first, answering.admission_no, OPENS)
        for p in view.items[:3]:
            save(session, first, answering.admission_no, p.item.position, p.options[0][0] if p.options else "答",
                 OPENS + timedelta(minutes=4))
        record_event(session, settings.root, first, answering.admission_no, "blur", OPENS + timedelta(minutes=5))
    second = _enter(engine, submitted)
    assert isinstance(second, int)
    with Session(engine) as session, session.begin():
        submit_attempt(session, settings.root, second, OPENS + timedelta(minutes=9), how="candidate")
    for _ in range(5):
        _enter(engine, locked, code="abcdef", at=OPENS + timedelta(minutes=5))
    with Session(engine) as session:
        table = {s.admission_no: s for s in seat_table(session, "s1", OPENS + timedelta(minutes=10))}
        (listed,) = sittings(session)
    row = table[answering.admission_no]
    assert (row.name, row.unit, row.label, row.last_save, row.switches) == (
        "王小明", "市纪委", "作答中 3/9", OPENS + timedelta(minutes=4), 1)
    assert [table[s.admission_no].label for s in (submitted, locked, absent)] == ["已交卷", "已锁定", "未登录"]
    assert table[absent.admission_no].name == "王3" and (listed.id, listed.seats) == ("s1", 4)


def test_extend_gives_one_candidate_more_time_and_records_who_and_why(engine: Engine, released: list[str]) -> None:
    seat = _seats(engine, released)[0]
    attempt = _enter(engine, seat)
    with Session(engine) as session, session.begin():
        with pytest.raises(SittingError, match="理由"):
            extend(session, seat.admission_no, 10, actor=PROCTOR, reason="", now=OPENS)
        assert extend(session, seat.admission_no, 10, actor=PROCTOR, reason="电脑死机重启",
                      now=OPENS + timedelta(minutes=20)) == OPENS + timedelta(minutes=70)
    with Session(engine) as session:
        assert save(session, int(attempt), seat.admission_no, 1, "A", OPENS + timedelta(minutes=65)).accepted
        (action,) = actions(session, "s1")
    assert (action.action, action.actor, action.reason) == ("extend", "监考甲", "电脑死机重启")
    assert "09:60" not in action.detail and "10:00:00 → 10:10:00" in action.detail


def test_force_submit_hands_in_now_and_a_submitted_attempt_cannot_be_forced(settings: Settings, engine: Engine,
                                                                           released: list[str]) -> None:
    seat = _seats(engine, released)[0]
    _enter(engine, seat)
    with Session(engine) as session, session.begin():
        done = force_submit(session, settings.root, seat.admission_no, actor=PROCTOR, reason="违纪，当场收卷",
                            now=OPENS + timedelta(minutes=30))
    assert (done.how, done.submitted_at) == ("proctor", OPENS + timedelta(minutes=30)) and done.path is not None
    with Session(engine) as session, session.begin(), pytest.raises(SittingError, match="没有正在进行的作答"):
        force_submit(session, settings.root, seat.admission_no, actor=PROCTOR, reason="再收一次", now=OPENS)


def test_reopen_keeps_the_answers_sets_a_new_deadline_and_keeps_the_graded_result_in_history(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seat = _seats(engine, released)[0]
    attempt = _enter(engine, seat)
    assert isinstance(attempt, int)
    with Session(engine) as session, session.begin():
        view = resume(session, attempt, seat.admission_no, OPENS)
        first = view.items[0]
        save(session, attempt, seat.admission_no, first.item.position, first.options[0][0], OPENS)
        submit_attempt(session, settings.root, attempt, OPENS + timedelta(minutes=10), how="candidate")
    with Session(engine) as session, session.begin():
        grade_attempt(session, settings.root, attempt, actor="t")
    with Session(engine) as session, session.begin():
        with pytest.raises(SittingError, match="正数"):
            reopen(session, seat.admission_no, 0, actor=PROCTOR, reason="断网", now=OPENS)
        deadline = reopen(session, seat.admission_no, 15, actor=PROCTOR, reason="考生端断网，交卷未成功",
                          now=OPENS + timedelta(minutes=20))
    assert deadline == OPENS + timedelta(minutes=35)
    assert _enter(engine, seat, at=OPENS + timedelta(minutes=21)) == attempt  # the same attempt, open again
    with Session(engine) as session, session.begin():
        again = resume(session, attempt, seat.admission_no, OPENS)
        assert (again.submitted_at, again.deadline) == (None, deadline)
        assert again.answers[first.item.position] == first.options[0][0]
        submit_attempt(session, settings.root, attempt, OPENS + timedelta(minutes=30), how="candidate")
    with Session(engine) as session, session.begin():
        grade_attempt(session, settings.root, attempt, actor="t")
    with Session(engine) as session:
        assert session.scalars(select(SubmissionRow.seq).order_by(SubmissionRow.seq)).all() == [1, 2]
        history = session.execute(select(ResultRow.submitted_at, ResultRow.current).order_by(ResultRow.id)).all()
        assert [tuple(h) for h in history] == [(OPENS + timedelta(minutes=10), False),
                                               (OPENS + timedelta(minutes=30), True)]
        assert [a.action for a in actions(session, "s1")] == ["reopen"]


@pytest.mark.parametrize("who", ["监考甲", Actor("审计员 丙", "auditor", 2), Actor("记录员 乙", "recorder", 3),
                                 Actor("培训教师 甲", "trainer", 4)])
def test_only_a_signed_in_organiser_may_proctor(engine: Engine, released: list[str], who: object) -> None:
    seat = _seats(engine, released)[0]
    _enter(engine, seat)
    with Session(engine) as session, session.begin():
        for act in (lambda: unlock(session, seat.admission_no, actor=who, reason="核实身份", now=OPENS),  # type: ignore[arg-type]
                    lambda: extend(session, seat.admission_no, 5, actor=who, reason="停电", now=OPENS),  # type: ignore[arg-type]
                    lambda: reopen(session, seat.admission_no, 5, actor=who, reason="断网", now=OPENS)):  # type: ignore[arg-type]
            with pytest.raises(StaffError):
                act()
        assert actions(session, "s1") == []


def test_creating_a_sitting_needs_an_organiser_and_is_logged(engine: Engine, released: list[str]) -> None:
    with Session(engine) as session, session.begin():
        for who in ("组织部", Actor("培训教师 甲", "trainer", 4)):
            with pytest.raises(StaffError):
                create_sitting(session, "s2", "场次", released[:1], [], OPENS, OPENS + timedelta(hours=1), 30,
                               secret=SECRET, created_by=who, now=OPENS)  # type: ignore[arg-type]
        create_sitting(session, "s2", "场次", released[:1], [], OPENS, OPENS + timedelta(hours=1), 30,
                       secret=SECRET, created_by=PROCTOR, now=OPENS)
    with Session(engine) as session:
        logged = [(e.actor, e.action, e.object_type, e.object_id) for e in entries(session)]
    assert logged == [("监考甲", "sitting.create", "ql_sitting", "s2")]


def test_every_proctor_action_is_in_the_audit_log_and_a_deleted_one_is_named(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seat, _, locked, _ = _seats(engine, released)
    _enter(engine, seat)
    for _ in range(5):
        _enter(engine, locked, code="abcdef")
    with Session(engine) as session, session.begin():
        unlock(session, locked.admission_no, actor=PROCTOR, reason="本人核实身份", now=OPENS + timedelta(minutes=1))
        extend(session, seat.admission_no, 10, actor=PROCTOR, reason="停电", now=OPENS + timedelta(minutes=2))
        force_submit(session, settings.root, seat.admission_no, actor=PROCTOR, reason="违纪",
                     now=OPENS + timedelta(minutes=3))
        reopen(session, seat.admission_no, 5, actor=PROCTOR, reason="误收", now=OPENS + timedelta(minutes=4))
    with Session(engine) as session:
        logged = [(e.actor, e.action) for e in entries(session) if e.object_type == "ql_proctor_action"]
        assert logged == [("监考甲", f"proctor.{a}") for a in ("unlock", "extend", "force_submit", "reopen")]
        assert _sitting_findings(session) == []  # (the roster row the test wrote directly is another matter)
    with Session(engine) as session, session.begin():
        session.execute(delete(ProctorActionRow).where(ProctorActionRow.action == "force_submit"))
    with Session(engine) as session:
        (finding,) = _sitting_findings(session)
    assert "ql_proctor_action" in finding and "删除" in finding


def _sitting_findings(session: Session) -> list[str]:
    return [f for f in verify(session).findings if "ql_proctor_action" in f or "ql_sitting" in f]
