"""Gradebook work off the IOLoop thread: one Session (and one transaction) per call, in a thread
pool as large as the engine's connection pool (a thread never waits for a connection). Grading runs
in a separate process: it loads nbgrader (seconds of CPU holding the GIL) and scores notebooks, and
none of that may slow the saves of the candidates still answering.

Backpressure: when more calls wait for a thread than the pool can start soon (`queue`), or more
submissions wait for grading than `grading_queue` per process, the call is refused with Busy (the
room answers 503 with Retry-After) instead of every candidate waiting longer."""

from __future__ import annotations

import asyncio
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
SQLITE_THREADS = 2  # SQLite has one writer at a time: more threads only wait on its lock
SERVER_THREADS = 8  # PostgreSQL: enough to cover the round trips' latency; more only fight for the GIL
QUEUE = 256  # calls waiting for a thread before Busy (about a quarter of a second of saves)
GRADING_QUEUE = 32  # submissions waiting per grading process before Busy (each takes tens of ms)
_grading_engine: Engine | None = None  # in a grading process: its own connection pool


class Busy(Exception):
    """More work is waiting than the room can start soon: come back later (503, Retry-After)."""


def threads_for(db_url: str, threads: int | None = None) -> int:
    """The room's database threads, which is also its connection pool's size."""
    if threads is not None:
        return max(1, threads)
    return SQLITE_THREADS if db_url.startswith("sqlite") else SERVER_THREADS


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
    from grader.autograde import warm_grading

    warm_grading()  # loaded now, not during the first 交卷


def _exit_with(parent: int, every: float = 1.0) -> None:
    """A room killed outright (SIGKILL, a crash) cannot stop its grading process: it stops itself."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)


def _grade_here(work: Callable[[Session], T]) -> T:
    assert _grading_engine is not None
    return transaction(_grading_engine, work)


class Gradebook:
    """The room's pools. `engine` should have a connection pool of `threads` (see threads_for)."""

    def __init__(self, engine: Engine, threads: int, grading_processes: int = 1, *, warm: bool = True,
                 queue: int = QUEUE, grading_queue: int = GRADING_QUEUE) -> None:
        self.engine, self.threads, self.queue = engine, threads, queue
        self.grading_limit = grading_processes * grading_queue
        self.waiting = 0  # calls submitted to the thread pool and not finished (event loop thread only)
        self.grading_waiting = 0
        self.db = ThreadPoolExecutor(threads, thread_name_prefix="ql-room-db")
        # spawned, not forked: the room process already runs threads
        self.grading = ProcessPoolExecutor(grading_processes, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_start_grading_process,
                                           initargs=(engine.url.render_as_string(hide_password=False), os.getpid()))
        if warm:
            self.grading.submit(int)  # start the process (and its imports) now, not at the first 交卷

    async def run(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in a transaction (see `transaction`), off the event loop; Busy when the
        queue is full."""
        if self.waiting >= self.threads + self.queue:
            raise Busy
        self.waiting += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.db, partial(transaction, self.engine, work))
        finally:
            self.waiting -= 1

    def grading_busy(self) -> bool:
        return self.grading_waiting >= self.grading_limit

    async def grade(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in a transaction in the grading process: `work` must pickle (a module
        function, or a functools.partial of one, not a lambda)."""
        self.grading_waiting += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.grading, partial(_grade_here, work))
        finally:
            self.grading_waiting -= 1

    def close(self) -> None:
        self.db.shutdown(wait=True)
        self.grading.shutdown(wait=True, cancel_futures=True)
        self.engine.dispose()
