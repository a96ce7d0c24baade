"""A candidate in a real browser: signs in, answers, reloads and finds answers and clock intact,
survives a server restart, submits, and sees the score `qinglian autograde` gives the stored
submission. Everything the browser receives is recorded and holds no key."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from nbgrader.api import Student
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.autograde import autograde
from grader.bank import bank_files, load_banks
from grader.paper.store import PaperKey, load_keys
from grader.serve import voila_server
from grader.settings import Settings
from grader.sitting.attempt import AttemptView, Seat, create_sitting, start_or_resume
from grader.sitting.codes import load_secret
from tests.browser import chromium_page, free_port, running

REPO = Path(__file__).resolve().parent.parent


def _go_to(page, number: int):  # type: ignore[no-untyped-def]
    page.locator(".ql-nav button").nth(number - 1).click()
    box = page.locator(f".ql-item-{number}")
    box.wait_for()
    return box


def _seconds_left(page) -> int:  # type: ignore[no-untyped-def]
    """What the countdown shows now, in seconds (it runs in the browser, as a CSS animation)."""
    return int(page.evaluate("getComputedStyle(document.querySelector('.ql-clock')).getPropertyValue('--ql-left')"))


def _answer(page, number: int, kind: str, shown: str) -> None:  # type: ignore[no-untyped-def]
    box = _go_to(page, number)
    if kind in ("single", "truefalse"):
        box.locator("label").filter(has_text=re.compile(rf"^\s*{shown}\. ")).click()
    elif kind == "multiple":
        for letter in shown:
            box.locator(".widget-checkbox .widget-label-basic").filter(
                has_text=re.compile(rf"^\s*{letter}\. ")).locator("input").check()
    else:
        field = box.locator("textarea, input[type=text]").first
        field.fill(shown)
        field.press("Tab")
    box.locator(".ql-status").get_by_text("已保存").wait_for()


def _enter(page, url: str, seat: Seat) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.locator(".ql-admission input").fill(seat.admission_no)
    page.locator(".ql-code input").fill(seat.code)
    page.locator(".ql-enter").click()
    page.locator(".ql-countdown").get_by_text("剩余时间").wait_for()


def _shown_right(p, key: PaperKey) -> str:  # type: ignore[no-untyped-def]
    if key.type == "fill":
        return key.key[0] if isinstance(key.key, tuple) else ""
    return p.to_shown(str(key.key))


def _text(frame: str | bytes) -> str:
    """A websocket frame as text, JSON's \\uXXXX escapes undone (kernel messages escape Chinese)."""
    text = frame.decode("utf-8", errors="replace") if isinstance(frame, bytes) else frame
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def _body(response) -> str:  # type: ignore[no-untyped-def]
    try:
        return _text(response.body())
    except Exception:
        return ""


def _secrets(engine: Engine, assignment: str) -> list[str]:
    """Texts only a key holds: fill answers and essay rubrics, plus the hidden tests' markers."""
    with Session(engine) as session:
        keys = load_keys(session, assignment).items
    items = {i.id: i for i in load_banks(bank_files([REPO / "exams" / "banks"]))}
    shown = " ".join(items[k.item_id].stem + "".join(t for _, t in items[k.item_id].options) for k in keys)
    fills = [a for k in keys if k.type == "fill" for a in (k.key or ()) if a not in shown and len(a) > 1]
    rubrics = [items[k.item_id].rubric.splitlines()[0][2:12] for k in keys if k.type == "essay"]
    return ["BEGIN SOLUTION", "HIDDEN TESTS", "normalize_choice", *fills, *rubrics]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_candidate_answers_reloads_survives_a_restart_and_submits(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    now = datetime.now()
    with Session(engine) as session, session.begin():
        session.add(Student(id="C1", last_name="赵", first_name="一"))
        (seat,) = create_sitting(session, "t1", "测试场次", released[:1], ["C1"], now - timedelta(minutes=5),
                                 now + timedelta(hours=2), 30, secret=load_secret(settings.root),
                                 created_by="t", now=now)
        keys = {k.position: k for k in load_keys(session, seat.assignment).items}
    port = free_port()
    server = voila_server(settings, REPO / "voila_apps", port, "exam_room.ipynb", "考场", only_page=True)
    url, ready = server.urls[0], server.ready_url
    received: list[str] = []
    with chromium_page() as page:
        page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: received.append(_text(frame))))
        page.on("response", lambda response: received.append(_body(response)))
        with running(server, tmp_path / "voila1.log", ready):
            _enter(page, url, seat)
            with Session(engine) as session:
                view: AttemptView = start_or_resume(session, seat.admission_no, seat.code, datetime.now(),
                                                     secret=load_secret(settings.root))
            half = view.items[: len(view.items) // 2]
            for p in half:
                key = keys[p.item.position]
                _answer(page, p.number, key.type, "我的作答" if key.type == "essay" else _shown_right(p, key))
            page.reload()
            _enter(page, url, seat)
            first = half[0]
            if first.item.type in ("single", "truefalse"):
                checked = _go_to(page, first.number).locator("input[type=radio]:checked")
                assert checked.count() == 1
            left = _seconds_left(page)
            assert 25 * 60 <= left < 30 * 60
            page.wait_for_timeout(2500)
            assert left - 4 <= _seconds_left(page) <= left - 1  # it runs without the server
        with running(server, tmp_path / "voila2.log", ready):  # the server was restarted
            _enter(page, url, seat)
            nav = page.locator(".ql-nav button.mod-success")
            assert nav.count() == len(half)
            page.locator(".ql-submit").click()
            page.get_by_text(f"还有 {len(view.items) - len(half)} 题未作答").wait_for()
            page.locator(".ql-confirm").click()
            result = page.locator(".ql-result").get_by_text("已交卷")
            result.wait_for()
            page.screenshot(path=str(tmp_path / "room.png"), full_page=True)
            shown_score = float(re.search(r"客观题得分：(\d+(?:\.\d+)?)", page.locator(".ql-result").inner_text())
                                .group(1))  # type: ignore[union-attr]
    with Session(engine) as session, session.begin():
        report = autograde(session, settings.root, seat.assignment, actor="t", students=["C1"])
    assert report.graded[0].auto_score == shown_score > 0
    everything = "\n".join(received)
    assert all(p.item.stem in everything for p in half)  # the recording holds what was shown
    leaked = [s for s in _secrets(engine, seat.assignment) if s in everything]
    assert leaked == []
