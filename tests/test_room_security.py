"""The exam room over plain HTTP, as an attacker would use it: wrong codes, someone else's attempt,
forged, tampered and expired cookies, saves after the deadline, cross-site requests, the proctor's
page without the token. The room is served for real (Tornado, in a thread, on a free port)."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import tornado.web
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.gradebook.models import AnswerRow, AttemptRow
from grader.room.cookie import CANDIDATE_COOKIE, CandidateSession
from grader.room.keys import cookie_secret
from grader.settings import Settings
from grader.sitting.attempt import resume
from grader.sitting.seats import Seat
from grader.staff.accounts import add_staff
from tests.room_data import Candidate, key_texts, room_in_thread, seat_sitting
from tests.staff_data import PASSWORD

LOCKED = "已锁定"


def _answers(engine: Engine, admission_no: str) -> dict[int, str]:
    with Session(engine) as session:
        attempt = session.scalars(select(AttemptRow).where(AttemptRow.admission_no == admission_no)).first()
        if attempt is None:
            return {}
        return {r.position: r.value for r in session.scalars(select(AnswerRow).where(
            AnswerRow.attempt_id == attempt.id))}


def _signed_in(url: str, seat: Seat) -> Candidate:
    candidate = Candidate(url)
    reply = candidate.sign_in(seat.admission_no, seat.code)
    assert reply.status == 200 and "考试须知" in reply.body, reply.body[:500]
    return candidate


def _first_choice(engine: Engine, seat: Seat) -> tuple[int, str]:
    """A single-choice item of the seat's paper and a letter the candidate sees for it."""
    with Session(engine) as session:
        view = resume(session, _attempt_id(engine, seat), seat.admission_no, datetime.now())
    item = next(p for p in view.items if p.item.type == "single")
    return item.item.position, item.options[0][0]


def _attempt_id(engine: Engine, seat: Seat) -> int:
    with Session(engine) as session:
        attempt_id = session.scalar(select(AttemptRow.id).where(AttemptRow.admission_no == seat.admission_no))
    assert attempt_id is not None
    return int(attempt_id)


def _forged(settings: Settings, who: CandidateSession) -> str:
    """A cookie signed with the workspace's own secret: what a bug in the room could hand out."""
    return tornado.web.create_signed_value(cookie_secret(settings.root), CANDIDATE_COOKIE, who.dumps()).decode()


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_the_sixth_wrong_code_is_refused_with_the_lock_message_even_with_the_right_code(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = seat_sitting(settings, engine, released[:1])
    wrong = f"{(int(seat.code) + 1) % 10**6:06d}"
    with room_in_thread(settings) as room:
        candidate = Candidate(room.url)
        replies = [candidate.sign_in(seat.admission_no, wrong) for _ in range(5)]
        assert all("准考证号或考试码不正确" in r.body for r in replies[:4])
        assert LOCKED in replies[4].body
        right = candidate.sign_in(seat.admission_no, seat.code)
        assert LOCKED in right.body and "考试须知" not in right.body
        assert candidate.cookie(CANDIDATE_COOKIE) is None
        assert "考试须知" not in candidate.get("exam").body


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_wrong_codes_from_one_address_are_throttled_across_seats(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seats = seat_sitting(settings, engine, released[:1], candidates=4)
    with room_in_thread(settings) as room:
        candidate = Candidate(room.url)
        for n in range(20):
            candidate.sign_in(seats[n % 3].admission_no, "000000" if seats[n % 3].code != "000000" else "111111")
        refused = candidate.sign_in(seats[3].admission_no, seats[3].code)
        assert "尝试次数过多" in refused.body and candidate.cookie(CANDIDATE_COOKIE) is None


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_a_candidate_cookie_reaches_only_that_candidates_attempt(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    first, second = seat_sitting(settings, engine, released[:1], candidates=2)
    with room_in_thread(settings) as room:
        one, two = _signed_in(room.url, first), _signed_in(room.url, second)
        position, letter = _first_choice(engine, second)
        assert two.post("api/answer", {"position": position, "value": letter}).json()["saved"]
        theirs = _answers(engine, second.admission_no)
        page = one.get("exam").body
        assert first.admission_no in page and second.admission_no not in page
        sent = one.post("api/answer", {"position": position, "value": letter, "attempt_id": _attempt_id(engine, second),
                                       "admission_no": second.admission_no})
        assert sent.json()["saved"]  # saved, but into the first candidate's own attempt
        assert _answers(engine, second.admission_no) == theirs
        forged = CandidateSession("t1", first.admission_no, _attempt_id(engine, second), datetime.now() + timedelta(1))
        one.set_cookie(CANDIDATE_COOKIE, _forged(settings, forged))
        refused = one.post("api/answer", {"position": position, "value": "B"}).json()
        assert refused["saved"] is False and refused["reason"]
        assert one.post("api/submit", {}).json()["submitted"] is False
        assert second.admission_no not in one.get("exam").body  # refused, and the cookie is cleared
        assert _answers(engine, second.admission_no) == theirs


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_tampered_or_expired_cookie_is_refused(settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = seat_sitting(settings, engine, released[:1])
    with room_in_thread(settings) as room:
        candidate = _signed_in(room.url, seat)
        position, letter = _first_choice(engine, seat)
        good = candidate.cookie(CANDIDATE_COOKIE)
        assert good is not None
        raw = tornado.web.decode_signed_value(cookie_secret(settings.root), CANDIDATE_COOKIE, good)
        assert raw is not None
        value = json.loads(raw)
        parts = good.split("|")  # Tornado's v2 format: version|key|timestamp|name|value|signature
        changed = base64.b64encode(json.dumps({**value, "t": value["t"] + 1}).encode()).decode()
        tampered = "|".join([*parts[:4], f"{len(changed)}:{changed}", parts[5]])
        other_key = tornado.web.create_signed_value("not the workspace secret", CANDIDATE_COOKIE, raw).decode()
        expired = _forged(settings, CandidateSession("t1", seat.admission_no, value["t"],
                                                     datetime.now() - timedelta(seconds=1)))
        for bad in (tampered, other_key, expired, "garbage"):
            candidate.set_cookie(CANDIDATE_COOKIE, bad)
            assert candidate.post("api/answer", {"position": position, "value": letter}).status == 401
            assert "考试须知" not in candidate.get("exam").body
        assert _answers(engine, seat.admission_no) == {}
        candidate.set_cookie(CANDIDATE_COOKIE, good)
        assert candidate.post("api/answer", {"position": position, "value": letter}).json()["saved"]


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_a_save_after_the_deadline_is_refused_and_says_so(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = seat_sitting(settings, engine, released[:1], minutes=30)
    with room_in_thread(settings) as room:
        candidate = _signed_in(room.url, seat)
        position, letter = _first_choice(engine, seat)
        room.clock.offset = timedelta(minutes=31)
        reply = candidate.post("api/answer", {"position": position, "value": letter}).json()
        assert reply == {**reply, "saved": False, "reason": "已超过考试时间", "closed": True, "remaining_ms": 0}
        assert _answers(engine, seat.admission_no) == {}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_cross_site_post_is_refused(settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = seat_sitting(settings, engine, released[:1])
    with room_in_thread(settings) as room:
        candidate = _signed_in(room.url, seat)
        position, letter = _first_choice(engine, seat)
        answer = {"position": position, "value": letter}
        assert candidate.post("api/answer", answer, xsrf=False).status == 403
        assert candidate.post("api/answer", answer, headers={"Origin": "http://evil.example"}).status == 403
        assert candidate.post("api/submit", {}, xsrf=False).status == 403
        assert Candidate(room.url).sign_in(seat.admission_no, seat.code, xsrf=False).status == 403
        assert _answers(engine, seat.admission_no) == {}
        assert candidate.post("api/answer", answer, headers={"Origin": room.url.rstrip("/")}).json()["saved"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_cookie_secret_is_the_owners_alone_and_not_in_the_database(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = seat_sitting(settings, engine, released[:1])
    with room_in_thread(settings) as room:
        candidate = Candidate(room.url)
        candidate.get()
        reply = candidate.sign_in(seat.admission_no, seat.code)
        assert reply.status == 200
    secret = settings.root / ".qinglian" / "room-cookie-secret"
    assert secret.stat().st_mode & 0o777 == 0o600
    assert cookie_secret(settings.root) not in Path(settings.db_url.removeprefix("sqlite:///")).read_bytes().decode(
        "latin-1")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_session_cookie_is_http_only_and_same_site_strict(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    import http.client
    import urllib.parse

    (seat,) = seat_sitting(settings, engine, released[:1])
    with room_in_thread(settings) as room:
        candidate = Candidate(room.url)
        candidate.get()
        xsrf = candidate.cookie("_xsrf") or ""
        host = urllib.parse.urlsplit(room.url)
        connection = http.client.HTTPConnection(host.hostname or "", host.port)
        body = urllib.parse.urlencode({"admission_no": seat.admission_no, "code": seat.code, "_xsrf": xsrf})
        connection.request("POST", "/signin", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                     "Cookie": f"_xsrf={xsrf}"})
        response = connection.getresponse()
        cookies = [v for k, v in response.getheaders() if k.lower() == "set-cookie"]
        connection.close()
    session_cookie = next(c for c in cookies if c.startswith(f"{CANDIDATE_COOKIE}="))
    assert response.status == 303
    assert re.search(r";\s*HttpOnly", session_cookie, re.I) and re.search(r";\s*SameSite=Strict", session_cookie, re.I)


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_the_proctor_page_needs_a_staff_account_and_records_who_and_why(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = seat_sitting(settings, engine, released[:1])
    with Session(engine) as session, session.begin():
        add_staff(session, None, "王监考", "organiser", password=PASSWORD)
    with room_in_thread(settings) as room:
        _signed_in(room.url, seat)
        staff = Candidate(room.url)
        assert "工作人员登录" in staff.get("proctor").body
        assert staff.get("api/proctor/seats?sitting=t1").status == 401
        staff.get("proctor")
        xsrf = staff.cookie("_xsrf") or ""
        refused = staff._open(_form(room.url + "proctor/login", password="wrong", name="王监考", _xsrf=xsrf))
        assert "姓名或密码不正确" in refused.body
        staff._open(_form(room.url + "proctor/login", password=PASSWORD, name="王监考", _xsrf=xsrf))
        table = staff.get("api/proctor/seats?sitting=t1").json()
        (row,) = table["seats"]
        assert row["admission_no"] == seat.admission_no and row["status_text"] == "作答中"
        assert "extend" in row["actions"]
        before = _deadline(engine, seat)
        done = staff.post("api/proctor/action", {"sitting": "t1", "admission_no": seat.admission_no,
                                                 "action": "extend", "minutes": 10, "reason": "停电十分钟"})
        assert done.json() == {"done": True}
        assert _deadline(engine, seat) == before + timedelta(minutes=10)
        candidate = Candidate(room.url)
        candidate.get()
        assert candidate.post("api/proctor/action", {"sitting": "t1", "admission_no": seat.admission_no,
                                                     "action": "force_submit", "reason": "x"}).status == 401


def _deadline(engine: Engine, seat: Seat) -> datetime:
    with Session(engine) as session:
        deadline = session.scalar(select(AttemptRow.deadline).where(AttemptRow.admission_no == seat.admission_no))
    assert deadline is not None
    return deadline


def _form(url: str, **fields: str):  # type: ignore[no-untyped-def]
    import urllib.parse
    import urllib.request

    return urllib.request.Request(url, urllib.parse.urlencode(fields).encode())


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_no_response_to_a_candidate_holds_a_key(settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = seat_sitting(settings, engine, released[:1])
    with room_in_thread(settings) as room:
        candidate = _signed_in(room.url, seat)
        with Session(engine) as session:
            view = resume(session, _attempt_id(engine, seat), seat.admission_no, datetime.now())
        for p in view.items:
            candidate.post("api/answer", {"position": p.item.position, "value": p.options[0][0] if p.options else "x"})
        candidate.post("api/event", {"kind": "hidden"})
        candidate.post("api/submit", {})
        candidate.get("exam")
    everything = "\n".join(candidate.received)
    assert all(p.item.stem in everything for p in view.items)
    assert [s for s in key_texts(engine, seat.assignment) if s in everything] == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_reaching_the_sittings_switch_limit_hands_the_attempt_in(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = seat_sitting(settings, engine, released[:1], switch_limit=2)
    with room_in_thread(settings) as room:
        candidate = _signed_in(room.url, seat)
        first = candidate.post("api/event", {"kind": "blur"}).json()
        assert first == {**first, "count": 1, "limit": 2, "closed": False}
        second = candidate.post("api/event", {"kind": "hidden"}).json()
        assert second["closed"] is True and "上限" in second["reason"]
        assert "已交卷" in candidate.get("exam").body
        position, letter = _first_choice(engine, seat)
        assert candidate.post("api/answer", {"position": position, "value": letter}).json()["saved"] is False


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_second_submit_shows_the_same_result_and_signing_out_ends_the_session(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = seat_sitting(settings, engine, released[:1])
    with room_in_thread(settings) as room:
        candidate = _signed_in(room.url, seat)
        position, letter = _first_choice(engine, seat)
        candidate.post("api/answer", {"position": position, "value": letter})
        first, again = candidate.post("api/submit", {}).json(), candidate.post("api/submit", {}).json()
        assert first["submitted"] and first == again
        assert first["result"]["total_text"] and first["result"]["pass_mark_text"]
        xsrf = candidate.cookie("_xsrf") or ""
        candidate._open(_form(room.url + "signout", _xsrf=xsrf))
        assert candidate.cookie(CANDIDATE_COOKIE) is None
        assert "进入考场" in candidate.get("exam").body
        assert candidate.post("api/submit", {}).status == 401


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_room_serves_under_a_path_prefix(settings: Settings, engine: Engine, released: list[str]) -> None:
    """As a JupyterHub service does (/services/<name>/): pages, files, API and cookies under it."""
    (seat,) = seat_sitting(settings, engine, released[:1])
    with room_in_thread(settings, base_url="/services/exam-room/") as room:
        candidate = Candidate(room.url + "services/exam-room/")
        page = candidate.sign_in(seat.admission_no, seat.code).body
        assert 'data-base="/services/exam-room/"' in page and "/services/exam-room/static/room.js" in page
        assert Candidate(room.url).get("static/room.js").status == 404
        assert all(c.path == "/services/exam-room/" for c in candidate.jar)
        position, letter = _first_choice(engine, seat)
        assert candidate.post("api/answer", {"position": position, "value": letter}).json()["saved"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_room_hands_in_and_grades_an_attempt_whose_page_is_gone(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    from grader.sitting.results import result_view

    (seat,) = seat_sitting(settings, engine, released[:1], minutes=30)
    with room_in_thread(settings, sweep_seconds=0.5) as room:
        candidate = _signed_in(room.url, seat)
        position, letter = _first_choice(engine, seat)
        assert candidate.post("api/answer", {"position": position, "value": letter}).json()["saved"]
        room.clock.offset = timedelta(minutes=31)  # the tab was closed; the time runs out
        attempt_id = _attempt_id(engine, seat)
        for _ in range(240):
            with Session(engine) as session:
                if result_view(session, attempt_id).graded:
                    break
            time.sleep(0.5)
        with Session(engine) as session:
            attempt = session.get(AttemptRow, attempt_id)
            assert attempt is not None and attempt.submitted_how == "timeout"
            assert attempt.submitted_at == attempt.deadline
            assert result_view(session, attempt_id).graded
