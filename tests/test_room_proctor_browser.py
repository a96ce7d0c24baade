"""The proctor's page in headless Chromium, signed in with staff accounts: a wrong password is refused
in Chinese, an organiser extends a candidate's time and the record and the audit log name that
account; an auditor sees the same table with no action and the room refuses the action if sent
anyway. Nothing may come from outside 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.audit.log import entries
from grader.settings import Settings
from grader.sitting.seats import Seat
from grader.staff.accounts import add_staff
from grader.staff.roles import Actor
from tests.browser import chromium_page, offline
from tests.room_data import Candidate, room_in_thread, seat_sitting
from tests.staff_data import PASSWORD

ORGANISER, AUDITOR = "组织部 王监考", "审计员 丙"


def _accounts(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        boss = add_staff(session, None, ORGANISER, "organiser", password=PASSWORD)
        add_staff(session, Actor(boss.name, boss.role, boss.id), AUDITOR, "auditor", password=PASSWORD)


def _sign_in(page: Any, url: str, name: str, password: str) -> None:
    page.goto(f"{url}proctor")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("#enter")


def _answering(url: str, seat: Seat) -> None:
    reply = Candidate(url).sign_in(seat.admission_no, seat.code)
    assert reply.status == 200 and "考试须知" in reply.body


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_an_organiser_acts_under_their_account_and_an_auditor_only_watches(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = seat_sitting(settings, engine, released[:1])
    _accounts(engine)
    with room_in_thread(settings) as room, chromium_page() as page:
        watch = offline(page)
        _answering(room.url, seat)
        _sign_in(page, room.url, ORGANISER, "wrong-password")
        assert "姓名或密码不正确" in page.locator(".message.error").inner_text()
        _sign_in(page, room.url, ORGANISER, PASSWORD)
        assert ORGANISER in page.locator(".who").inner_text()
        row = page.locator(f"#seats tr[data-admission='{seat.admission_no}']")
        row.filter(has_text="作答中").wait_for()
        row.get_by_role("button", name="延长时间").click()
        page.fill("#action-form input[name=minutes]", "10")
        page.fill("#action-form input[name=reason]", "考场停电十分钟")
        page.click("#action-form button[type=submit]")
        page.locator("#log tr").filter(has_text="考场停电十分钟").filter(has_text=ORGANISER).wait_for()

        page.context.clear_cookies()
        _sign_in(page, room.url, AUDITOR, PASSWORD)
        assert "（只读）" in page.locator(".who").inner_text()
        row.filter(has_text="作答中").wait_for()
        page.locator("#log tr").filter(has_text="考场停电十分钟").wait_for()
        assert row.locator("button").count() == 0
        refused = page.evaluate("""async (seat) => {
            const xsrf = document.cookie.split('; ').find(c => c.startsWith('_xsrf=')).slice(6);
            const reply = await fetch('api/proctor/action', {method: 'POST', headers: {'X-XSRFToken': xsrf,
                'Content-Type': 'application/json'}, body: JSON.stringify({admission_no: seat, action: 'extend',
                minutes: 60, reason: '审计员试图延长'})});
            return await reply.json();
        }""", seat.admission_no)
    assert refused["done"] is False and "权限不足" in refused["reason"]
    assert watch.problems() == []
    with Session(engine) as session:
        logged = [(e.actor, e.action) for e in entries(session) if e.action.startswith("proctor.")]
    assert logged == [(ORGANISER, "proctor.extend")]
