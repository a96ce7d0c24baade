"""The marking pages over HTTP (the service in-process, a stdlib client with cookies): double marking
through the forms, the flagged list, a role changed while signed in, and forged posts refused."""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar

import pytest
from nbgrader.api import Gradebook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.marking.app import make_app, serve
from grader.marking.codes import code_for, marking_secret
from grader.settings import Settings
from grader.staff.accounts import add_staff, set_role
from grader.staff.roles import Actor
from tests.browser import free_port
from tests.graded_papers import grade_simulated

STUDENTS = ["h001", "h002", "h003"]
PASSWORD = "阅卷测试-密码-2026"
TRAINERS = ("教师甲", "教师乙", "教师丙")


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    app, port = make_app(settings), free_port()
    loop = asyncio.new_event_loop()
    task: list[asyncio.Task[None]] = []
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        task.append(loop.create_task(serve(app, port, ready=ready.set)))
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(task[0])

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(30)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        loop.call_soon_threadsafe(task[0].cancel)
        thread.join(30)
        loop.close()


class Browser:
    """A client with its own cookies that sends the form's _xsrf as the page would."""

    def __init__(self, base: str) -> None:
        self.base, self.jar = base, CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return str(response.read().decode("utf-8"))

    def post(self, path: str, form: dict[str, str], xsrf: bool = True) -> str:
        if xsrf:  # the _xsrf cookie's token, as the page's forms carry it
            token = next((c.value for c in self.jar if c.name == "_xsrf"), None)
            if token is None:
                token = html.unescape(re.findall(r'name="_xsrf" value="([^"]+)"', self.get(""))[0])
            form = {**form, "_xsrf": token}
        body = urllib.parse.urlencode(form).encode()
        with self.opener.open(self.base + path, body, timeout=60) as response:
            return str(response.read().decode("utf-8"))

    def sign_in(self, name: str) -> str:
        return self.post("signin", {"name": name, "password": PASSWORD})

    def mark(self, assignment: str, item: str, code: str, score: str, comment: str = "") -> str:
        return self.post("mark", {"paper": assignment, "item": item, "code": code, "score": score, "comment": comment})


@pytest.fixture
def paper(settings: Settings, engine: Engine, released: list[str]) -> tuple[str, str, Actor]:
    assignment = released[0]
    keys = grade_simulated(settings, engine, assignment, STUDENTS)
    (item,) = [k.name for k in keys.items if k.type == "essay"]
    with Session(engine) as session, session.begin():
        boss = add_staff(session, None, "管理员", "organiser")
        admin = Actor(boss.name, boss.role, boss.id)
        for name in TRAINERS:
            add_staff(session, admin, name, "trainer", password=PASSWORD)
    return assignment, item, admin


def _manual(settings: Settings, assignment: str, item: str, student: str) -> float | None:
    with Gradebook(settings.db_url) as gradebook:
        score: float | None = gradebook.find_grade(item, "paper", assignment, student).manual_score
        return score


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_double_marking_through_the_pages(settings: Settings, engine: Engine,
                                          paper: tuple[str, str, Actor]) -> None:
    assignment, item, _ = paper
    code = code_for(marking_secret(settings.root), assignment, "h002")
    with serving(settings) as base:
        one, two, three = (Browser(base) for _ in TRAINERS)
        for browser, name in zip((one, two, three), TRAINERS, strict=True):
            assert f"培训教师 {name}" in browser.sign_in(name)
        listed = one.post("setting", {"paper": assignment, "mode": "double", "threshold": "1"})
        assert "双评（分差超过 1 分须三评）" in listed and not any(s in listed for s in STUDENTS)
        saved = one.mark(assignment, item, code, "9", "甲：要点齐全")
        assert f"已保存 {code}：9 分" in saved and "我已评 1 / 3 份" in saved
        shown = two.get(f"mark?paper={assignment}&item={item}&code={code}")
        assert 'value="9"' not in shown and "甲：要点齐全" not in shown and "待评" in shown
        assert "两位阅卷人分差超过阈值，已标记待三评" in two.mark(assignment, item, code, "3")
        assert _manual(settings, assignment, item, "h002") is None
        flagged = three.get("")
        assert f"code={code}" in flagged and ">无<" not in flagged.split(f"data-item=\"{item}\"")[1][:2000]
        assert "分差超过阈值，待三评" in three.get(f"mark?paper={assignment}&item={item}&code={code}")
        three.mark(assignment, item, code, "5.5", "三评")
        assert _manual(settings, assignment, item, "h002") == 5.5
        refused = one.mark(assignment, item, code, "8")
        assert "已由 教师丙 三评定分" in refused and 'role="alert"' in refused
        assert "已开始评分" in one.post("setting", {"paper": assignment, "mode": "single", "threshold": "1"})


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_role_taken_away_stops_the_next_request_and_a_forged_post_is_refused(
        settings: Settings, engine: Engine, paper: tuple[str, str, Actor]) -> None:
    assignment, item, admin = paper
    code = code_for(marking_secret(settings.root), assignment, "h001")
    with serving(settings) as base:
        trainer = Browser(base)
        trainer.sign_in("教师甲")
        assert "超出范围，本题满分 10 分" in trainer.mark(assignment, item, code, "12")
        assert "不是分数" in trainer.mark(assignment, item, code, "九")
        planted = urllib.parse.urlencode({"paper": assignment, "item": item, "saved": "请把密码发给管理员"})
        assert "请把密码发给管理员" not in trainer.get(f"mark?{planted}")  # messages come from the gradebook
        with pytest.raises(urllib.error.HTTPError) as forged:
            trainer.post("mark", {"paper": assignment, "item": item, "code": code, "score": "5"}, xsrf=False)
        assert forged.value.code == 403
        with Session(engine) as session, session.begin():
            set_role(session, admin, "教师甲", "recorder")
        page = trainer.mark(assignment, item, code, "5")
        assert "权限不足：记录员 教师甲 不能人工评分" in page and 'id="password"' in page
        assert "培训教师登录" in trainer.get("")  # the cookie is gone
    assert _manual(settings, assignment, item, "h001") is None
