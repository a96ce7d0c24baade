"""The gradebook schema: qinglian's migrations match its models and leave nbgrader's alone."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from grader.gradebook.database import MIGRATIONS, VERSION_TABLE, migrate
from grader.gradebook.models import Base


def _ours(name: str | None, type_: str, parent: object) -> bool:
    return type_ != "table" or bool(name and name.startswith("ql_"))


def test_migrations_create_exactly_the_tables_the_models_describe(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": _ours})
        assert compare_metadata(context, Base.metadata) == []


def test_our_version_table_is_separate_and_nbgrader_keeps_its_own(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {VERSION_TABLE, "alembic_version", "grade", "submitted_assignment"} <= tables
    with engine.connect() as connection:
        ours = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar_one()
        theirs = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert ours == ScriptDirectory(str(MIGRATIONS)).get_current_head() and theirs != ours


def test_migrating_twice_changes_nothing(engine: Engine) -> None:
    before = sorted(inspect(engine).get_table_names())
    migrate(engine)
    assert sorted(inspect(engine).get_table_names()) == before


def test_nbgrader_tables_get_only_our_lookup_indexes(engine: Engine) -> None:
    inspector = inspect(engine)
    ours = {(table, tuple(index["column_names"])) for table in ("grade", "submitted_notebook")
            for index in inspector.get_indexes(table) if str(index["name"]).startswith("ix_ql_")}
    assert ours == {("grade", ("notebook_id",)), ("submitted_notebook", ("assignment_id",))}
