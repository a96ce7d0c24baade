"""Opening the gradebook database: light enough for every kernel that serves a page."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event

BUSY_TIMEOUT_MS = 30_000  # a writer waits this long for another's lock before "database is locked"


def connect(db_url: str, *, pool_size: int | None = None, max_overflow: int | None = None) -> Engine:
    """An engine for the URL. `pool_size`/`max_overflow`: the connection pool, sized by a caller
    that runs that many threads (the exam room); SQLAlchemy's defaults otherwise.

    SQLite gets foreign keys, a busy timeout (several processes write: the room, the grader, the
    CLI) and the write-ahead log. Durability with WAL: a commit appends the transaction to the
    -wal file and, with synchronous=FULL, fsyncs it before COMMIT returns, so anything the room
    acknowledged (已保存) survives a crash of any process and also a power cut; a process killed
    mid-transaction leaves an uncommitted tail that the next opener ignores. The main file is
    brought up to date by checkpoints, and readers never block the writer. What WAL costs: the
    database is the .db file together with its -wal and -shm files (copy all three, or use
    `sqlite3 .backup`), and every process must be on the same machine (no network file system)."""
    pool: dict[str, Any] = {}
    if pool_size is not None:
        pool["pool_size"] = pool_size
    if max_overflow is not None:
        pool["max_overflow"] = max_overflow
    engine = create_engine(db_url, **pool)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # kept by the file once set; switching waits for other connections' locks, and past the
            # timeout this connection works in the file's current mode
            with contextlib.suppress(sqlite3.OperationalError):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            # a grading run inserts ~100 index entries per submission: keep the B-trees in memory
            cursor.execute("PRAGMA cache_size=-131072")
            cursor.close()
    return engine
