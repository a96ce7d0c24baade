"""Shared by the exam-room tests: a seated sitting, the room served in this process on a clock the
test can move, a plain-HTTP candidate (cookies, XSRF token), and the texts no response may hold."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from nbgrader.api import Student
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.bank import bank_files, load_banks
from grader.gradebook.models import PersonRow, UnitRow
from grader.paper.store import load_keys
from grader.room.app import make_app, serve
from grader.room.service import RoomOptions
from grader.settings import Settings
from grader.sitting.codes import load_secret
from grader.sitting.seats import Seat, create_sitting
from grader.staff.roles import system
from tests.browser import free_port

REPO = Path(__file__).resolve().parent.parent
UNIT = "安阳市纪委监委"
NAMES = ("赵一", "钱二", "孙三", "李四")


def seat_sitting(settings: Settings, engine: Engine, assignments: list[str], candidates: int = 1, *,
                 minutes: int = 30, switch_limit: int | None = None, sitting_id: str = "t1") -> list[Seat]:
    """An open sitting with `candidates` people on the roster (name and unit), each seated."""
    now = datetime.now()
    with Session(engine) as session, session.begin():
        if session.get(UnitRow, UNIT) is None:
            session.add(UnitRow(name=UNIT, parent=None, kind="市直单位", position=0))
            session.flush()  # the people refer to it
        ids = [f"C{n + 1}" for n in range(candidates)]
        for n, student in enumerate(ids):
            name = NAMES[n % len(NAMES)]
            session.add(Student(id=student, last_name=name[0], first_name=name[1:]))
            session.add(PersonRow(id=student, name=name, id_number="", unit=UNIT, rank="", category=""))
        session.flush()
        return create_sitting(session, sitting_id, "2026年12月廉政知识测试", assignments, ids,
                              now - timedelta(minutes=5), now + timedelta(hours=2), minutes,
                              secret=load_secret(settings.root), switch_limit=switch_limit, created_by=system("t"),
                              now=now)


@dataclass
class MovableClock:
    """The server's clock, which a test may move forward (a deadline passing without waiting)."""

    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now() + self.offset


@dataclass
class ThreadedRoom:
    url: str
    clock: MovableClock
    loop: asyncio.AbstractEventLoop
    task: asyncio.Task[None] | None = None


@contextmanager
def room_in_thread(settings: Settings, **options: Any) -> Iterator[ThreadedRoom]:
    """The room served by this process on a free port (its own event loop, in a thread)."""
    port, clock = free_port(), MovableClock()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    room = ThreadedRoom(f"http://127.0.0.1:{port}/", clock, loop)

    def run() -> None:
        asyncio.set_event_loop(loop)
        app = make_app(settings, RoomOptions(**{"sweep_seconds": 0, "warm_grading": False, **options}), clock=clock)
        room.task = loop.create_task(serve(app, port, ready=ready.set))
        try:
            loop.run_until_complete(room.task)
        except asyncio.CancelledError:
            pass
        finally:
            loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(30), "the room did not start"
    try:
        yield room
    finally:
        loop.call_soon_threadsafe(lambda: room.task.cancel() if room.task else None)
        thread.join(30)


@dataclass
class Reply:
    status: int
    body: str
    headers: list[tuple[str, str]]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Candidate:
    """A candidate without a browser: cookies kept, the XSRF token sent back as the page's script does."""

    base: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)
    received: list[str] = field(default_factory=list)

    def _open(self, request: urllib.request.Request) -> Reply:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        try:
            with opener.open(request, timeout=60) as response:
                reply = Reply(response.status, response.read().decode(), list(response.headers.items()))
        except urllib.error.HTTPError as error:
            reply = Reply(error.code, error.read().decode(), list(error.headers.items()))
        self.received.append(reply.body)
        return reply

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def set_cookie(self, name: str, value: str) -> None:
        host = urllib.parse.urlsplit(self.base).hostname or ""
        self.jar.set_cookie(http.cookiejar.Cookie(
            0, name, value, None, False, host, False, False, "/", True, False, None, False, None, None, {}))

    def get(self, path: str = "") -> Reply:
        return self._open(urllib.request.Request(self.base + path))

    def sign_in(self, admission_no: str, code: str, *, xsrf: bool = True) -> Reply:
        if xsrf and self.cookie("_xsrf") is None:
            self.get()
        fields = {"admission_no": admission_no, "code": code}
        if xsrf:
            fields["_xsrf"] = self.cookie("_xsrf") or ""
        return self._open(urllib.request.Request(self.base + "signin", urllib.parse.urlencode(fields).encode()))

    def post(self, path: str, data: dict[str, Any], *, xsrf: bool = True,
             headers: dict[str, str] | None = None) -> Reply:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if xsrf:
            sent["X-XSRFToken"] = self.cookie("_xsrf") or ""
        return self._open(urllib.request.Request(self.base + path, json.dumps(data).encode(), sent, method="POST"))


def key_texts(engine: Engine, assignment: str) -> list[str]:
    """Texts only a key holds: fill answers and essay rubrics, and the hidden tests' markers."""
    with Session(engine) as session:
        keys = load_keys(session, assignment).items
    items = {i.id: i for i in load_banks(bank_files([REPO / "exams" / "banks"]))}
    shown = " ".join(items[k.item_id].stem + "".join(t for _, t in items[k.item_id].options) for k in keys)
    fills = [a for k in keys if k.type == "fill" for a in (k.key or ()) if a not in shown and len(a) > 1]
    rubrics = [items[k.item_id].rubric.splitlines()[0][2:12] for k in keys if k.type == "essay"]
    return ["BEGIN SOLUTION", "HIDDEN TESTS", "normalize_choice", *fills, *rubrics]
