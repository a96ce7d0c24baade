"""Backpressure: a room whose database threads are all busy and whose queue is full answers 503
with Retry-After at once (the page and the benchmark wait that long), instead of queueing every
candidate behind the work; once the work drains the same request succeeds."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.room.app import make_app, make_room, serve
from grader.room.handlers import RETRY_AFTER_SECONDS
from grader.room.service import RoomOptions
from grader.room.worker import Busy, Gradebook
from grader.settings import Settings
from tests.browser import free_port
from tests.room_data import Candidate, seat_sitting


def test_a_full_queue_refuses_at_once_and_takes_work_again_when_it_drains(engine: Engine) -> None:
    gradebook = Gradebook(engine, threads=1, warm=False, queue=1)
    release = threading.Event()

    async def scenario() -> list[object]:
        held = asyncio.ensure_future(gradebook.run(lambda _session: release.wait(30)))  # the one thread
        queued = asyncio.ensure_future(gradebook.run(lambda _session: "queued"))  # the one queue place
        await asyncio.sleep(0)  # both submitted: the counter is taken when run() starts
        with pytest.raises(Busy):
            await gradebook.run(lambda _session: "refused")
        release.set()
        return [await held, await queued, await gradebook.run(lambda _session: "later")]

    try:
        assert asyncio.run(scenario()) == [True, "queued", "later"]
    finally:
        gradebook.close()


def test_a_busy_room_answers_503_with_retry_after_and_the_retry_signs_in(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    (seat,) = seat_sitting(settings, engine, released)
    options = RoomOptions(db_threads=1, db_queue=0, sweep_seconds=0, warm_grading=False)
    port, ready, release = free_port(), threading.Event(), threading.Event()
    loop = asyncio.new_event_loop()

    def run() -> None:
        async def main() -> None:
            room = make_room(settings, options)
            server = asyncio.ensure_future(serve(make_app(settings, options, room=room), port, ready=ready.set))
            blocker = asyncio.ensure_future(room.gradebook.run(lambda _session: release.wait(60)))
            await blocker
            await server

        asyncio.set_event_loop(loop)
        task = loop.create_task(main())
        with_cancel.append(task)
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(task)

    with_cancel: list[asyncio.Task[None]] = []
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(30)
    try:
        candidate = Candidate(f"http://127.0.0.1:{port}/")
        busy = candidate.sign_in(seat.admission_no, seat.code)
        assert busy.status == 503, busy.body
        assert dict(busy.headers)["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert "考场正忙" in busy.body
        release.set()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(candidate.jar), NoRedirect)
        request = urllib.request.Request(candidate.base + "signin", urllib.parse.urlencode(
            {"admission_no": seat.admission_no, "code": seat.code, "_xsrf": candidate.cookie("_xsrf") or ""}).encode())
        with pytest.raises(urllib.error.HTTPError) as redirected:
            opener.open(request, timeout=60)
        assert redirected.value.code == 303  # signed in: on to the exam page
        with Session(engine) as session:
            assert session.connection().exec_driver_sql("SELECT count(*) FROM ql_attempt").scalar() == 1
    finally:
        release.set()
        loop.call_soon_threadsafe(lambda: [task.cancel() for task in with_cancel])
        thread.join(30)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
