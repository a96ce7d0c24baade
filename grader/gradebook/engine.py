"""Opening the gradebook database: light enough for every kernel that serves a page."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event


def connect(db_url: str) -> Engine:
    """An engine for the URL; SQLite gets foreign keys and a busy timeout for concurrent graders."""
    engine = create_engine(db_url)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # a grading run inserts ~100 index entries per submission: keep the B-trees in memory
            cursor.execute("PRAGMA cache_size=-131072")
            cursor.close()
    return engine
