"""A candidate in headless Chromium against `qinglian room` (a real process): signs in, reads the
考试须知, answers every item type, reloads in the middle of typing, carries on while the room is
killed and restarted and while the network is down for 10 s, submits, and sees the score that
`qinglian autograde` gives the stored submission. Nothing may come from outside 127.0.0.1, no
console error, and no body the browser received holds a key."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from grader.autograde import autograde
from grader.gradebook.models import AnswerRow, AttemptEventRow, AttemptRow
from grader.paper.store import PaperKey, load_keys
from grader.serve import room_server
from grader.settings import Settings
from grader.sitting.attempt import AttemptView, resume
from grader.sitting.presentation import PresentedItem
from grader.sitting.seats import Seat
from grader.staff.roles import system
from tests.browser import PageWatch, chromium_page, free_port, offline, running
from tests.room_data import key_texts, room_in_thread, seat_sitting

SCREEN, PHONE = {"width": 1366, "height": 768}, {"width": 390, "height": 844}
SHOTS = Path()  # screenshots, in the test's tmp_path (look at them: the layout is not asserted)
# the network was cut or the room killed on purpose: Chromium reports those fetches as console errors
EXPECTED_NET = ("net::ERR_INTERNET_DISCONNECTED", "net::ERR_CONNECTION_REFUSED", "net::ERR_CONNECTION_RESET",
                "net::ERR_EMPTY_RESPONSE")


def _view(engine: Engine, seat: Seat) -> AttemptView:
    with Session(engine) as session:
        attempt_id = session.scalar(select(AttemptRow.id).where(AttemptRow.admission_no == seat.admission_no))
        assert attempt_id is not None
        return resume(session, attempt_id, seat.admission_no, datetime.now())


def _stored(engine: Engine, view: AttemptView) -> dict[int, str]:
    with Session(engine) as session:
        return {r.position: r.value for r in session.scalars(select(AnswerRow).where(
            AnswerRow.attempt_id == view.attempt_id))}


def _right(p: PresentedItem, key: PaperKey) -> str:
    if key.type == "fill":
        return str(key.key[0]) if isinstance(key.key, tuple) else ""
    if key.type == "essay":
        return "领导干部应当廉洁自律，自觉接受监督。"
    return p.to_shown(str(key.key))


def _go(page: Any, number: int) -> Any:
    page.locator(f"#nav button[data-number='{number}']").click()
    article = page.locator(f"#item-{number}")
    article.wait_for(state="visible")
    return article


def _answer(page: Any, p: PresentedItem, value: str, *, wait: str = "已保存") -> None:
    article = _go(page, p.number)
    if p.item.type in ("single", "truefalse", "multiple"):
        for box in article.locator("input").all():
            if box.is_checked() != (box.get_attribute("value") in value):
                box.click()
    else:
        field = article.locator("input[type=text], textarea")
        field.fill("")
        field.press_sequentially(value, delay=5)
    article.locator(".save-status").filter(has_text=wait).wait_for()


def _seconds_left(page: Any) -> float:
    return int(page.locator("#clock").get_attribute("data-left-ms")) / 1000


def _server_seconds_left(engine: Engine, view: AttemptView) -> float:
    with Session(engine) as session:
        deadline = session.get(AttemptRow, view.attempt_id).deadline  # type: ignore[union-attr]
    return (deadline - datetime.now()).total_seconds()


def _text_of(response: Any) -> str:
    try:
        return str(response.body().decode("utf-8", errors="replace"))
    except Exception:  # a redirect or an aborted request has no body
        return ""


def _unexpected(watch: PageWatch) -> list[str]:
    return [p for p in watch.problems() if not any(net in p for net in EXPECTED_NET)]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_candidate_sits_the_exam_through_a_reload_a_restart_and_a_lost_network(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    (seat,) = seat_sitting(settings, engine, released[:1], minutes=30)
    with Session(engine) as session:
        keys = {k.position: k for k in load_keys(session, seat.assignment).items}
    port = free_port()
    server = room_server(settings, port, sweep=0)
    url = server.urls[0]
    received: list[str] = []
    global SHOTS
    SHOTS = tmp_path / "screens"
    SHOTS.mkdir()
    with chromium_page() as page:
        watch = offline(page)
        page.on("response", lambda response: received.append(_text_of(response)))
        page.set_viewport_size(SCREEN)
        with running(server, tmp_path / "room1.log", server.ready_url) as first:
            page.goto(url)
            page.fill("#admission_no", seat.admission_no)
            page.fill("#code", seat.code)
            page.click("#enter")
            briefing = page.locator("#briefing")
            briefing.wait_for()
            view = _view(engine, seat)
            assert page.locator("#briefing-name").inner_text() == "赵一"
            assert page.locator("#briefing-unit").inner_text() == "安阳市纪委监委"
            assert f"共 {len(view.items)} 题" in page.locator("#briefing-count").inner_text()
            assert "全部正确选项才得分" in page.locator("#briefing-rules").inner_text()
            page.screenshot(path=str(SHOTS / "briefing-1366x768.png"))
            page.click("#start")
            page.locator("#paper").wait_for()
            items = {p.item.type: p for p in reversed(view.items)}  # the first of each type
            assert set(items) == {"single", "multiple", "truefalse", "fill", "essay"}
            for kind in ("single", "multiple", "truefalse", "essay"):
                p = items[kind]
                _answer(page, p, _right(p, keys[p.item.position]))
                assert _go(page, p.number).locator(".type").inner_text() == {
                    "single": "单选", "multiple": "多选", "truefalse": "判断", "essay": "简答"}[kind]
            _go(page, items["multiple"].number).locator(".mark").click()
            page.locator(f"#nav button[data-number='{items['multiple'].number}'].marked").wait_for()
            page.screenshot(path=str(SHOTS / "question-1366x768.png"))

            fill = items["fill"]
            field = _go(page, fill.number).locator("input[type=text]")
            field.press_sequentially("党风廉政", delay=20)
            page.reload()  # before the 800 ms pause that sends it: it waits in localStorage
            page.locator("#paper").wait_for()
            field = _go(page, fill.number).locator("input[type=text]")
            assert field.input_value() == "党风廉政"
            page.locator(f"#item-{fill.number} .save-status").filter(has_text="已保存").wait_for()
            assert _stored(engine, view)[fill.item.position] == "党风廉政"
            _answer(page, fill, _right(fill, keys[fill.item.position]))

            first.kill()  # the room dies mid-exam
            first.wait()
            second_single = next(p for p in view.items if p.item.type == "truefalse" and p is not items["truefalse"])
            _answer(page, second_single, _right(second_single, keys[second_single.item.position]),
                    wait="未保存，正在重试")
            page.locator("#offline").filter(has_text="暂存在本机").wait_for()
        with running(server, tmp_path / "room2.log", server.ready_url):
            page.locator(f"#item-{second_single.number} .save-status").filter(has_text="已保存").wait_for(
                state="attached")
            assert abs(_seconds_left(page) - _server_seconds_left(engine, view)) < 3
            page.reload()
            page.locator("#paper").wait_for()
            assert abs(_seconds_left(page) - _server_seconds_left(engine, view)) < 3
            answered = {p.item.position for p in (*items.values(), second_single)}
            assert page.locator("#nav button.answered").count() == len(answered)
            assert set(_stored(engine, view)) == answered

            page.context.set_offline(True)
            rest = [p for p in view.items if p.item.position not in answered]
            lost = rest[:2]
            for p in lost:
                _answer(page, p, _right(p, keys[p.item.position]), wait="未保存，正在重试")
            page.locator("#offline").filter(has_text="网络中断").wait_for()
            page.wait_for_timeout(10_000)
            assert not {p.item.position for p in lost} & set(_stored(engine, view))
            page.context.set_offline(False)
            page.locator("#offline").filter(has_text="网络已恢复，答案已全部保存").wait_for()
            for p in lost:
                page.locator(f"#item-{p.number} .save-status").filter(has_text="已保存").wait_for(state="attached")
            assert {p.item.position for p in lost} <= set(_stored(engine, view))
            for p in rest[2:]:
                _answer(page, p, _right(p, keys[p.item.position]))

            page.evaluate("window.dispatchEvent(new Event('blur'))")
            assert page.evaluate("!document.dispatchEvent(new Event('paste', {cancelable: true}))")
            assert page.evaluate("!document.dispatchEvent(new Event('contextmenu', {cancelable: true}))")
            _phone_keeps_the_clock_in_view(page)

            page.click("#submit")
            page.locator("#confirm-unanswered").filter(has_text="全部题目已作答").wait_for()
            assert f"第 {items['multiple'].number} 题" in page.locator("#confirm-marked").inner_text()
            started = time.monotonic()
            page.click("#confirm-submit")
            assert page.locator("#confirm-submit").is_disabled()
            page.locator("#score").wait_for()
            print(f"submit to result: {time.monotonic() - started:.2f} s")
            shown = float(page.locator("#score").inner_text())
            page.screenshot(path=str(SHOTS / "result-390x844.png"))
            page.set_viewport_size(SCREEN)
            page.reload()
            assert float(page.locator("#score").inner_text()) == shown
            assert page.locator("#verdict").inner_text() in ("通过", "未通过")
            page.context.clear_cookies()  # another browser, or the cookie gone: the code shows the result again
            page.goto(url)
            page.fill("#admission_no", seat.admission_no)
            page.fill("#code", seat.code)
            page.click("#enter")
            assert float(page.locator("#score").inner_text()) == shown
            page.click("#signout")  # the next candidate at this computer gets the sign-in form
            page.locator("#admission_no").wait_for()
            page.goto(f"{url}exam")
            assert page.locator("#admission_no").count() == 1 and page.locator("#score").count() == 0
        assert _unexpected(watch) == []
    with Session(engine) as session, session.begin():
        report = autograde(session, settings.root, seat.assignment, actor=system("t"), students=["C1"])
        switches = session.scalar(select(func.count()).select_from(AttemptEventRow)
                                  .where(AttemptEventRow.attempt_id == view.attempt_id))
    assert report.graded[0].auto_score == shown > 0
    assert switches and switches >= 1
    everything = "\n".join(received)
    assert all(p.item.stem in everything for p in view.items)
    typed = {_right(p, keys[p.item.position]) for p in view.items if p.item.type == "fill"}  # sent back as typed
    assert [s for s in key_texts(engine, seat.assignment) if s in everything and s not in typed] == []


def _phone_keeps_the_clock_in_view(page: Any) -> None:
    page.set_viewport_size(PHONE)
    essay = page.locator("article.item[data-type=essay]")
    _go(page, int(essay.get_attribute("data-number")))
    page.screenshot(path=str(SHOTS / "question-390x844.png"))
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    box = page.locator("#clock").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    page.screenshot(path=str(SHOTS / "scrolled-390x844.png"))
    page.evaluate("window.scrollTo(0, 0)")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_save_after_the_deadline_is_refused_and_the_page_says_so(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = seat_sitting(settings, engine, released[:1], minutes=30)
    with room_in_thread(settings) as room, chromium_page() as page:
        watch = offline(page)
        page.goto(room.url)
        page.fill("#admission_no", seat.admission_no)
        page.fill("#code", seat.code)
        page.click("#enter")
        page.click("#start")
        view = _view(engine, seat)
        room.clock.offset = timedelta(minutes=31)  # the server's clock passes the deadline
        p = next(p for p in view.items if p.item.type == "single")
        article = _go(page, p.number)
        article.locator("input").first.click()
        page.locator("#offline").filter(has_text="未保存：已超过考试时间").wait_for()
        page.locator("#result").filter(has_text="已交卷").wait_for()
        assert re.search(r"已超过考试时间", page.locator("#offline").inner_text())
        assert _stored(engine, view) == {}
        assert _unexpected(watch) == []
