"""The exam room's Tornado application: `make_app` builds it for a workspace (the CLI, the tests,
the benchmarks and a JupyterHub service all start it the same way); `serve` serves it."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import tornado.httpserver
import tornado.ioloop
import tornado.web

from grader.gradebook.engine import connect
from grader.room import handlers, proctor
from grader.room.keys import cookie_secret
from grader.room.service import Room, RoomOptions
from grader.room.worker import Gradebook, threads_for
from grader.settings import Settings
from grader.sitting.codes import load_secret
from grader.sitting.submission import expire, grade_submitted

HERE = Path(__file__).resolve().parent
log = logging.getLogger("grader.room")
Route = tuple[str, type[tornado.web.RequestHandler]]


def routes(base_url: str) -> list[Route]:
    paths: list[tuple[str, type[tornado.web.RequestHandler]]] = [
        ("", handlers.SignInPage), ("signin", handlers.SignIn), ("signout", handlers.SignOut),
        ("exam", handlers.ExamPage),
        ("api/answer", handlers.AnswerApi), ("api/mark", handlers.MarkApi), ("api/event", handlers.EventApi),
        ("api/submit", handlers.SubmitApi),
        ("proctor", proctor.ProctorPage), ("proctor/login", proctor.ProctorLogin),
        ("api/proctor/seats", proctor.SeatsApi), ("api/proctor/action", proctor.ActionApi),
    ]
    return [(f"{base_url}{path}", handler) for path, handler in paths]


def make_room(settings: Settings, options: RoomOptions | None = None,
              clock: Callable[[], datetime] = datetime.now) -> Room:
    """The shared state of one room process: pools on the gradebook and the workspace's secrets."""
    options = options or RoomOptions()
    threads = threads_for(settings.db_url, options.db_threads)
    # one connection per database thread, and a spare for the start-up and the sweep's edges
    engine = connect(settings.db_url, pool_size=threads, max_overflow=1)
    gradebook = Gradebook(engine, threads, options.grading_processes, warm=options.warm_grading,
                          queue=options.db_queue)
    return Room(settings, options, gradebook, load_secret(settings.root), clock)


def make_app(settings: Settings, options: RoomOptions | None = None, *,
             clock: Callable[[], datetime] = datetime.now, extra_routes: Sequence[Route] = (),
             room: Room | None = None) -> tornado.web.Application:
    """The room for a workspace. `options.base_url` serves it under a prefix (a JupyterHub
    service's); `extra_routes` add handlers (a hub sign-in) that share the room's state."""
    options = options or RoomOptions()
    base = options.base_url if options.base_url.endswith("/") else f"{options.base_url}/"
    options = RoomOptions(**{**options.__dict__, "base_url": base})
    room = room or make_room(settings, options, clock)
    return tornado.web.Application(
        [*extra_routes, *routes(base)],
        room=room, cookie_secret=cookie_secret(settings.root), xsrf_cookies=True,
        xsrf_cookie_kwargs={"samesite": "Strict", "path": base, "secure": options.secure_cookies},
        template_path=str(HERE / "templates"), static_path=str(HERE / "static"),
        static_url_prefix=f"{base}static/", compress_response=True, log_function=_log_request)


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Failures only: 2,000 candidates saving every few seconds would drown the log."""
    status = handler.get_status()
    if status >= 400:
        request = handler.request
        log.warning("%d %s %s %.1f ms", status, request.method, request.path, 1000 * request.request_time())


def room_of(app: tornado.web.Application) -> Room:
    room = app.settings["room"]
    assert isinstance(room, Room)
    return room


async def sweep(room: Room) -> list[str]:
    """Submit attempts whose time ran out with no page left to do it (a short transaction beside
    the saves), then grade them in the grading process."""
    closed = await room.gradebook.run(partial(expire, root=room.settings.root, now=room.now()))
    if closed:
        await room.gradebook.grade(partial(grade_submitted, root=room.settings.root, submitted=closed,
                                           actor="timeout"))
    return [done.admission_no for done in closed]


def start_sweeping(room: Room) -> tornado.ioloop.PeriodicCallback | None:
    if room.options.sweep_seconds <= 0:
        return None

    async def once() -> None:
        try:
            for admission_no in await sweep(room):
                log.info("到时自动交卷：%s", admission_no)
        except Exception:
            log.exception("自动交卷出错")

    callback = tornado.ioloop.PeriodicCallback(once, room.options.sweep_seconds * 1000)
    callback.start()
    return callback


async def serve(app: tornado.web.Application, port: int, address: str = "127.0.0.1", *,
                behind_proxy: bool = False, ready: Callable[[], Any] | None = None,
                stop_on_signals: bool = False) -> None:
    """Serve until cancelled (or, `stop_on_signals`, until SIGTERM or SIGINT: in a main thread).
    `behind_proxy`: trust X-Forwarded-For for the client's address (sign-in throttling counts per
    address). Stopping closes the pools and the grading process."""
    room = room_of(app)
    server = tornado.httpserver.HTTPServer(app, xheaders=behind_proxy, max_body_size=room.options.max_body_bytes)
    server.listen(port, address)
    sweeper = start_sweeping(room)
    stop = asyncio.Event()
    if stop_on_signals:
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    if ready is not None:
        ready()
    try:
        await stop.wait()
    finally:
        if sweeper is not None:
            sweeper.stop()
        server.stop()
        room.gradebook.close()
