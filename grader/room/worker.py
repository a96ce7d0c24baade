"""Gradebook work off the IOLoop thread: one Session (and one transaction) per call, in a thread
pool; grading in its own pool so a submission never holds up a save."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.sitting.errors import SittingError

T = TypeVar("T")


class Gradebook:
    def __init__(self, engine: Engine, threads: int | None = None, grading_threads: int = 1) -> None:
        self.engine = engine
        if threads is None:  # SQLite has one writer at a time: more threads only wait on its lock
            threads = 2 if engine.dialect.name == "sqlite" else 16
        self.db = ThreadPoolExecutor(threads, thread_name_prefix="ql-room-db")
        self.grading = ThreadPoolExecutor(grading_threads, thread_name_prefix="ql-room-grade")

    async def run(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in a transaction, off the event loop. Committed when it returns, and
        also when a rule refused (SittingError): the library logs refusals that must be kept (a
        wrong code counts towards the lockout)."""
        return await asyncio.get_running_loop().run_in_executor(self.db, partial(self._transaction, work))

    async def grade(self, work: Callable[[Session], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.grading, partial(self._transaction, work))

    def warm(self, work: Callable[[], object]) -> None:
        """Load what grading needs (imports) in the grading thread before anyone submits."""
        self.grading.submit(work)

    def _transaction(self, work: Callable[[Session], T]) -> T:
        with Session(self.engine) as session:
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

    def close(self) -> None:
        self.db.shutdown(wait=True)
        self.grading.shutdown(wait=True)
        self.engine.dispose()
