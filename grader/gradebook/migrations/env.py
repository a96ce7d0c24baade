"""Alembic environment for qinglian's own tables (prefix ql_), with their own version table so
nbgrader's `alembic_version` is never touched."""

from alembic import context
from sqlalchemy import create_engine

from grader.gradebook.database import VERSION_TABLE
from grader.gradebook.models import Base


def _ours(name, type_, parent_names):  # type: ignore[no-untyped-def]
    return type_ != "table" or bool(name and name.startswith("ql_"))


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=Base.metadata,
                      version_table=VERSION_TABLE, include_name=_ours,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
