"""Opening the gradebook database and bringing its schema up to date."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

# nbgrader and alembic take seconds to import: they load only when a schema has to change.
MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "qinglian_alembic_version"
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def _create_nbgrader_tables(engine: Engine) -> None:
    """What nbgrader's Gradebook() does on a new database: create its tables and stamp its
    alembic head. Done here because nbgrader finds its head by running `alembic` from PATH."""
    import nbgrader
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base as NbgraderBase

    with engine.begin() as connection:
        if "alembic_version" in inspect(connection).get_table_names():
            return
        NbgraderBase.metadata.create_all(connection)
        head = ScriptDirectory(str(Path(nbgrader.__file__).parent / "alembic")).get_current_head()
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": head})


def heads() -> frozenset[str]:
    """The revisions no other revision builds on, read from the migration files' own assignments."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _ASSIGNMENT.findall(path.read_text(encoding="utf-8")):
            parsed = ast.literal_eval(value.strip())
            if name == "revision":
                revisions.add(parsed)
            elif parsed is not None:
                parents.update((parsed,) if isinstance(parsed, str) else parsed)
    return frozenset(revisions - parents)


def up_to_date(engine: Engine) -> bool:
    """True when nbgrader's tables exist and qinglian's version table names exactly today's heads."""
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        if not {"alembic_version", VERSION_TABLE} <= tables:
            return False
        stamped = {row[0] for row in connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))}
    return stamped == heads()


def migrate(engine: Engine) -> None:
    """Create nbgrader's tables as nbgrader would, then run qinglian's migrations."""
    if up_to_date(engine):
        return  # the common case, checked without importing alembic
    from alembic import command

    _create_nbgrader_tables(engine)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")  # records and certificates branch from 0004
