"""The marking service's Tornado application (`qinglian marking`): `make_app` builds it for a
workspace (the CLI and the tests start it the same way), `serve` serves it. Pages, one stylesheet
and one script, all from this server: nothing is fetched from outside."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import tornado.httpserver
import tornado.web
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.gradebook.engine import connect
from grader.marking import handlers
from grader.marking.codes import marking_secret
from grader.room.keys import workspace_secret
from grader.settings import Settings

HERE = Path(__file__).resolve().parent
COOKIE_SECRET = "marking-cookie-secret"
log = logging.getLogger("grader.marking")
T = TypeVar("T")


@dataclass(frozen=True)
class Marking:
    """The shared state of one marking process: the gradebook, the workspace's secrets, the clock."""

    settings: Settings
    engine: Engine
    secret: bytes
    clock: Callable[[], datetime]
    pool: ThreadPoolExecutor
    base_url: str = "/"
    secure_cookies: bool = False

    def now(self) -> datetime:
        return self.clock()

    async def run(self, work: Callable[[Session], T]) -> T:
        """`work` in one transaction, on a worker thread (the event loop keeps answering)."""
        def transact() -> T:
            with Session(self.engine) as session, session.begin():
                return work(session)

        return await asyncio.get_running_loop().run_in_executor(self.pool, transact)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.engine.dispose()


def routes(base: str) -> list[tuple[str, type[tornado.web.RequestHandler]]]:
    paths: list[tuple[str, type[tornado.web.RequestHandler]]] = [
        ("", handlers.PapersPage), ("signin", handlers.SignIn), ("signout", handlers.SignOut),
        ("setting", handlers.SettingForm), ("mark", handlers.MarkPage),
    ]
    return [(f"{base}{path}", handler) for path, handler in paths]


def make_app(settings: Settings, *, base_url: str = "/", clock: Callable[[], datetime] = datetime.now,
             secure_cookies: bool = False) -> tornado.web.Application:
    base = base_url if base_url.endswith("/") else f"{base_url}/"
    marking = Marking(settings, connect(settings.db_url), marking_secret(settings.root), clock,
                      ThreadPoolExecutor(max_workers=4, thread_name_prefix="marking-db"), base, secure_cookies)
    return tornado.web.Application(
        routes(base), marking=marking, cookie_secret=workspace_secret(settings.root, COOKIE_SECRET),
        xsrf_cookies=True, xsrf_cookie_kwargs={"samesite": "Strict", "path": base, "secure": secure_cookies},
        template_path=str(HERE / "templates"), static_path=str(HERE / "static"), static_url_prefix=f"{base}static/",
        compress_response=True, log_function=_log_request)


def _log_request(handler: tornado.web.RequestHandler) -> None:
    status = handler.get_status()
    if status >= 400:
        log.warning("%d %s %s", status, handler.request.method, handler.request.path)


def marking_of(app: tornado.web.Application) -> Marking:
    marking = app.settings["marking"]
    assert isinstance(marking, Marking)
    return marking


async def serve(app: tornado.web.Application, port: int, address: str = "127.0.0.1", *,
                ready: Callable[[], Any] | None = None, stop_on_signals: bool = False) -> None:
    """Serve until cancelled (or, `stop_on_signals`, until SIGTERM or SIGINT)."""
    server = tornado.httpserver.HTTPServer(app, max_body_size=256 * 1024)
    server.listen(port, address)
    stop = asyncio.Event()
    if stop_on_signals:
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    if ready is not None:
        ready()
    try:
        await stop.wait()
    finally:
        server.stop()
        marking_of(app).close()
