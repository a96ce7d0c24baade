"""Signing in: HMAC codes under a workspace key the database never holds, lockout per admission
number, throttling per client address, every try recorded; old seats get new codes."""

from __future__ import annotations

import multiprocessing
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from nbgrader.api import Student
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from grader.gradebook.models import SignInRow, SittingCandidateRow
from grader.sitting.codes import SECRET_NAME, load_secret
from grader.sitting.errors import SittingError
from grader.sitting.proctor import unlock
from grader.sitting.seats import Seat, create_sitting, reissue_codes
from grader.sitting.signin import sign_in, sign_in_hub_user
from grader.staff.roles import Actor, system

OPENS = datetime(2026, 12, 1, 9, 0)
PROCTOR = Actor("监考甲", "organiser", 1)  # a signed-in organiser
SECRET = b"test-secret-of-the-workspace-32b"


def _seats(engine: Engine, released: list[str], students: int = 2) -> list[Seat]:
    with Session(engine) as session, session.begin():
        session.add_all(Student(id=f"S{n}", last_name="王", first_name=f"{n}") for n in range(students))
        return create_sitting(session, "s1", "场次", released[:1], [f"S{n}" for n in range(students)], OPENS,
                              OPENS + timedelta(hours=3), 60, secret=SECRET, created_by=system("t"), now=OPENS)


def _try(engine: Engine, admission_no: str, code: str, at: datetime, client: str = "10.0.0.1") -> int | str:
    """One sign-in as the room does it: committed whether it was refused or not."""
    with Session(engine) as session:
        try:
            return sign_in(session, SECRET, admission_no, code, client=client, now=at).attempt_id
        except SittingError as error:
            return str(error)
        finally:
            session.commit()


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_the_secret_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        keys = pool.map(load_secret, [tmp_path / "ws"] * 6)
    assert len(set(keys)) == 1 and len(keys[0]) == 32
    mode = (tmp_path / "ws" / SECRET_NAME).stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert load_secret(tmp_path / "ws") == keys[0]
    assert [p.name for p in (tmp_path / "ws").iterdir()] == [SECRET_NAME]  # no drafts left behind


def test_the_database_holds_no_code_and_nothing_that_checks_one_without_the_key(
        engine: Engine, released: list[str]) -> None:
    seats = _seats(engine, released)
    with Session(engine) as session:
        stored = session.scalars(select(SittingCandidateRow.code_hash)).all()
    assert all(h.startswith("hmac:") for h in stored)
    assert not any(seat.code in h for seat in seats for h in stored)
    with Session(engine) as session, pytest.raises(SittingError, match="不正确"):  # another key: refused
        sign_in(session, b"another-key", seats[0].admission_no, seats[0].code, client="x", now=OPENS)


def test_the_sixth_try_after_five_wrong_codes_is_refused_even_with_the_right_code(
        engine: Engine, released: list[str]) -> None:
    seat = _seats(engine, released)[0]
    answers = [_try(engine, seat.admission_no, _wrong(seat.code), OPENS + timedelta(seconds=n)) for n in range(5)]
    assert all(isinstance(a, str) and "考试码不正确" in a for a in answers[:4])
    assert "再错 1 次" in str(answers[3])
    locked = _try(engine, seat.admission_no, seat.code, OPENS + timedelta(seconds=10))
    assert isinstance(locked, str) and "已锁定至 09:10:04" in locked
    assert isinstance(_try(engine, seat.admission_no, seat.code, OPENS + timedelta(minutes=10, seconds=5)), int)
    with Session(engine) as session:
        outcomes = session.scalars(select(SignInRow.outcome).order_by(SignInRow.id)).all()
    assert outcomes == ["wrong_code"] * 5 + ["locked", "ok"]


def test_a_proctor_unlocks_a_locked_seat_with_a_recorded_reason(engine: Engine, released: list[str]) -> None:
    seat = _seats(engine, released)[0]
    for n in range(5):
        _try(engine, seat.admission_no, _wrong(seat.code), OPENS + timedelta(seconds=n))
    with Session(engine) as session, session.begin(), pytest.raises(SittingError, match="理由"):
        unlock(session, seat.admission_no, actor=PROCTOR, reason=" ", now=OPENS + timedelta(minutes=1))
    with Session(engine) as session, session.begin():
        unlock(session, seat.admission_no, actor=PROCTOR, reason="本人核实身份", now=OPENS + timedelta(minutes=1))
    assert isinstance(_try(engine, seat.admission_no, seat.code, OPENS + timedelta(minutes=1)), int)


def test_a_success_clears_earlier_wrong_codes(engine: Engine, released: list[str]) -> None:
    seat = _seats(engine, released)[0]
    for n in range(4):
        _try(engine, seat.admission_no, _wrong(seat.code), OPENS + timedelta(seconds=n))
    assert isinstance(_try(engine, seat.admission_no, seat.code, OPENS + timedelta(seconds=5)), int)
    for n in range(4):
        assert "再错" in str(_try(engine, seat.admission_no, _wrong(seat.code), OPENS + timedelta(seconds=6 + n)))


def test_one_client_address_guessing_across_seats_is_held_back(engine: Engine, released: list[str]) -> None:
    seats = _seats(engine, released, students=6)
    at = OPENS + timedelta(minutes=1)
    for n in range(20):  # four wrong codes on each of five seats: no seat locks, the address does
        seat = seats[n % 5]
        assert "考试码不正确" in str(_try(engine, seat.admission_no, _wrong(seat.code), at, client="10.9.9.9"))
    assert "本机尝试次数过多" in str(_try(engine, seats[5].admission_no, seats[5].code, at, client="10.9.9.9"))
    assert isinstance(_try(engine, seats[5].admission_no, seats[5].code, at, client="10.9.9.8"), int)
    later = at + timedelta(minutes=11)
    assert isinstance(_try(engine, seats[0].admission_no, seats[0].code, later, client="10.9.9.9"), int)
    with Session(engine) as session:  # a hall behind one NAT address: the room may lift the limit
        view = sign_in(session, SECRET, seats[5].admission_no, seats[5].code, client="10.9.9.9", now=at,
                       client_limit=None)
    assert view.admission_no == seats[5].admission_no


def test_unknown_numbers_and_odd_input_are_refused_alike_and_recorded(engine: Engine, released: list[str]) -> None:
    _seats(engine, released)
    odd = (("nosuch", "123456"), ("", ""), ("s1-0001\ud800", "1"), ("s1-0001\x00", "1\x00"), ("x" * 500, "y" * 500))
    for number, code in odd:
        assert "准考证号或考试码不正确" in str(_try(engine, number, code, OPENS))
    with Session(engine) as session:
        assert session.scalars(select(SignInRow.outcome)).all() == ["unknown"] * 5


def test_seats_made_before_hmac_codes_are_refused_until_codes_are_reissued(engine: Engine,
                                                                          released: list[str]) -> None:
    seats = _seats(engine, released)
    with engine.begin() as connection:  # what migration 0009 leaves on a seat made with PBKDF2
        connection.execute(text("UPDATE ql_sitting_candidate SET code_hash = 'pbkdf2:' || 'ab' "))
    assert "请向监考人员领取新的考试码" in str(_try(engine, seats[0].admission_no, seats[0].code, OPENS))
    with Session(engine) as session, session.begin():
        fresh = reissue_codes(session, SECRET, "s1")
        assert reissue_codes(session, SECRET, "s1") == []  # only stale seats, unless every=True
    assert [s.admission_no for s in fresh] == [s.admission_no for s in seats]
    assert isinstance(_try(engine, fresh[0].admission_no, fresh[0].code, OPENS), int)
    with Session(engine) as session, session.begin():
        again = reissue_codes(session, SECRET, "s1", every=True)
    assert "不正确" in str(_try(engine, fresh[1].admission_no, fresh[1].code, OPENS))
    assert isinstance(_try(engine, again[1].admission_no, again[1].code, OPENS), int)


def test_the_hub_user_is_recorded_and_gets_the_attempt_their_code_gets(engine: Engine, released: list[str]) -> None:
    seat = _seats(engine, released)[0]
    with Session(engine) as session, session.begin():
        hub = sign_in_hub_user(session, seat.student_id, client="hub", now=OPENS).attempt_id
    assert _try(engine, seat.admission_no, seat.code, OPENS) == hub
    with Session(engine) as session:
        assert session.scalars(select(SignInRow.outcome).order_by(SignInRow.id)).all() == ["hub", "ok"]


ANY = st.text(alphabet=st.characters(codec=None, categories=None) | st.characters(categories=["Cs"]), max_size=80)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=ANY | st.just("s1-0001"), code=ANY, client=ANY)
def test_any_text_in_any_field_is_refused_with_a_reason_never_raised(engine: Engine, released: list[str],
                                                                    number: str, code: str, client: str) -> None:
    with Session(engine) as session:
        if session.get(SittingCandidateRow, "s1-0001") is None:
            _seats(engine, released)
    outcome = _try(engine, number, code, OPENS, client=client)
    assert isinstance(outcome, str) and outcome  # a Chinese reason, logged and committed


def test_a_hall_behind_one_address_gets_one_more_wrong_try_for_every_ten_candidates_signed_in(
        engine: Engine, released: list[str]) -> None:
    seats = _seats(engine, released, students=32)
    at, hall = OPENS + timedelta(minutes=1), "10.7.7.7"
    for seat in seats[:30]:  # thirty candidates of the hall signed in: the address may fail 20 + 3 times
        assert isinstance(_try(engine, seat.admission_no, seat.code, at, client=hall), int)
    typist = seats[30]
    for n in range(23):  # typos across six seats (none locks): the 21st-23rd would stop a bare address
        seat = seats[n % 6]
        assert "考试码不正确" in str(_try(engine, seat.admission_no, _wrong(seat.code), at, client=hall))
    assert "本机尝试次数过多" in str(_try(engine, typist.admission_no, typist.code, at, client=hall))
    assert isinstance(_try(engine, typist.admission_no, typist.code, at, client="10.7.7.8"), int)


def test_a_hub_user_enters_the_seat_whose_roster_id_differs_only_in_case(engine: Engine, released: list[str]) -> None:
    with Session(engine) as session, session.begin():
        session.add_all([Student(id="ZhaoYi01", last_name="赵", first_name="一"),
                         Student(id="LiEr", last_name="李", first_name="二"),
                         Student(id="LIER", last_name="李", first_name="贰")])
        seats = create_sitting(session, "s1", "场次", released[:1], ["ZhaoYi01", "LiEr", "LIER"], OPENS,
                               OPENS + timedelta(hours=3), 60, secret=SECRET, created_by=system("t"), now=OPENS)
    with Session(engine) as session, session.begin():  # JupyterHub lower-cases the name it signs in
        view = sign_in_hub_user(session, "zhaoyi01", client="hub", now=OPENS)
    assert (view.student_id, view.admission_no) == ("ZhaoYi01", seats[0].admission_no)
    with Session(engine) as session, session.begin():  # an exact match wins over one differing in case
        assert sign_in_hub_user(session, "LIER", client="hub", now=OPENS).student_id == "LIER"
    with Session(engine) as session, pytest.raises(SittingError, match="只差大小写"):
        sign_in_hub_user(session, "lier", client="hub", now=OPENS)  # two people: which one is not guessed
