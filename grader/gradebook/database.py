"""Opening the gradebook database and bringing its schema up to date."""

from __future__ import annotations

from pathlib import Path

import nbgrader
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from nbgrader.api import Base as NbgraderBase
from sqlalchemy import Engine, inspect, text

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "qinglian_alembic_version"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def _create_nbgrader_tables(engine: Engine) -> None:
    """What nbgrader's Gradebook() does on a new database: create its tables and stamp its
    alembic head. Done here because nbgrader finds its head by running `alembic` from PATH."""
    with engine.begin() as connection:
        if "alembic_version" in inspect(connection).get_table_names():
            return
        NbgraderBase.metadata.create_all(connection)
        head = ScriptDirectory(str(Path(nbgrader.__file__).parent / "alembic")).get_current_head()
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": head})


def migrate(engine: Engine) -> None:
    """Create nbgrader's tables as nbgrader would, then run qinglian's migrations."""
    _create_nbgrader_tables(engine)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")  # records and certificates branch from 0004
