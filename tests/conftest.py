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
    # the schema names the test's connections, so a connection the test left open is found, not waited on
    yield f"{PG_SERVER}?options=-csearch_path%3D{schema}&application_name={schema}"
    with server.begin() as connection:
        held = connection.execute(text(
            "SELECT pid, state, left(query, 160) FROM pg_stat_activity WHERE application_name = :name "
            "AND pid <> pg_backend_pid() AND state <> 'idle'"), {"name": schema}).all()
        for pid, _, _ in held:  # DROP SCHEMA would wait on its locks for ever
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
