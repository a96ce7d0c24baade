"""Shared fixtures: a real gradebook on SQLite (in tmp_path) and on the local PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from grader.gradebook.engine import connect
from grader.paper.store import build_from_files
from grader.release import release
from grader.settings import Settings
from grader.workspace import init_workspace

REPO = Path(__file__).resolve().parent.parent
EXAMS = REPO / "exams"
PG_SERVER = os.environ.get("QINGLIAN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_or_skip() -> Engine:
    engine = create_engine(PG_SERVER)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        engine.dispose()
        pytest.skip(f"no PostgreSQL server reachable at {PG_SERVER}: {type(error).__name__}")
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new schema on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ws' / 'gradebook.db'}"
        return
    server = _postgres_or_skip()
    schema = f"qltest_{uuid.uuid4().hex[:12]}"
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    with server.begin() as connection:
        # a connection the test left inside a transaction holds locks in its schema: DROP SCHEMA would
        # wait on them for ever, so end it and fail the test, naming what it was doing
        held = connection.execute(text(
            "SELECT DISTINCT a.pid, a.state, left(a.query, 160) FROM pg_locks l "
            "JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE n.nspname = :schema AND l.pid <> pg_backend_pid()"),
            {"schema": schema}).all()
        for pid, _, _ in held:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    server.dispose()
    if held:
        pytest.fail("the test left PostgreSQL connections open inside a transaction: "
                    + "; ".join(f"{state}: {query}" for _, state, query in held), pytrace=False)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings.resolve(tmp_path / "ws", db_url, environ={})


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = connect(settings.db_url)
    init_workspace(settings, engine)
    yield engine
    engine.dispose()


SMALL_BLUEPRINT = REPO / "tests" / "data" / "integration" / "small.yaml"


def build_and_release(settings: Settings, engine: Engine, blueprint: Path) -> list[str]:
    with Session(engine) as session, session.begin():
        paths = build_from_files(session, settings.root, blueprint, [EXAMS / "banks"])
    assignments = [p.parent.name for p in paths]
    with Session(engine) as session, session.begin():
        for assignment in assignments:
            release(session, settings.root, assignment)
    return assignments


@pytest.fixture
def released(settings: Settings, engine: Engine) -> list[str]:
    """Both versions of a small paper drawn from the real banks, built and released."""
    return build_and_release(settings, engine, SMALL_BLUEPRINT)
