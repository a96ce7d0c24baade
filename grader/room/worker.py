"""Gradebook work off the IOLoop thread: one Session (and one transaction) per call, in a thread
pool. Grading runs in a separate process: it loads nbgrader (seconds of CPU holding the GIL) and
scores notebooks, and none of that may slow the saves of the candidates still answering."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.gradebook.engine import connect
from grader.sitting.errors import SittingError

T = TypeVar("T")
# what grading loads lazily (nbgrader's and the audit log's tables, nbformat): seconds of CPU
WARM_MODULES = ("grader.autograde", "grader.autograde.store", "grader.audit.log", "grader.audit.tables",
                "nbgrader.api", "nbformat")
_grading_engine: Engine | None = None  # in a grading process: its own connection pool


def transaction(engine: Engine, work: Callable[[Session], T]) -> T:
    """`work(session)` in a transaction, committed when it returns, and also when a rule refused
    (SittingError): the library logs refusals that must be kept (a wrong code counts towards the
    lockout)."""
    with Session(engine) as session:
        try:
            result = work(session)
        except SittingError:
            session.commit()
            raise
        except BaseException:
            session.rollback()
            raise
        session.commit()
        return result


def _start_grading_process(db_url: str, room_pid: int) -> None:
    global _grading_engine
    threading.Thread(target=_exit_with, args=(room_pid,), daemon=True).start()
    _grading_engine = connect(db_url)
    for module in WARM_MODULES:  # loaded now, not during the first 交卷
        with contextlib.suppress(ImportError):
            importlib.import_module(module)


def _exit_with(parent: int, every: float = 1.0) -> None:
    """A room killed outright (SIGKILL, a crash) cannot stop its grading process: it stops itself."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)


def _grade_here(work: Callable[[Session], T]) -> T:
    assert _grading_engine is not None
    return transaction(_grading_engine, work)


class Gradebook:
    def __init__(self, engine: Engine, threads: int | None = None, grading_processes: int = 1, *,
                 warm: bool = True) -> None:
        self.engine = engine
        if threads is None:  # SQLite has one writer at a time: more threads only wait on its lock
            threads = 2 if engine.dialect.name == "sqlite" else 16
        self.db = ThreadPoolExecutor(threads, thread_name_prefix="ql-room-db")
        # spawned, not forked: the room process already runs threads
        self.grading = ProcessPoolExecutor(grading_processes, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_start_grading_process,
                                           initargs=(engine.url.render_as_string(hide_password=False), os.getpid()))
        if warm:
            self.grading.submit(int)  # start the process (and its imports) now, not at the first 交卷

    async def run(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in a transaction (see `transaction`), off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.db, partial(transaction, self.engine, work))

    async def grade(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in a transaction in the grading process: `work` must pickle (a module
        function, or a functools.partial of one, not a lambda)."""
        return await asyncio.get_running_loop().run_in_executor(self.grading, partial(_grade_here, work))

    def close(self) -> None:
        self.db.shutdown(wait=True)
        self.grading.shutdown(wait=True, cancel_futures=True)
        self.engine.dispose()
