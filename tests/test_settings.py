"""Settings are resolved once at the edge: --db, then QINGLIAN_DB_URL, then the workspace file."""

from __future__ import annotations

from pathlib import Path

from grader.settings import DB_ENV, Settings
from grader.workspace import nbgrader_config


def test_explicit_url_wins_over_environment(tmp_path: Path) -> None:
    s = Settings.resolve(tmp_path, "sqlite:///x.db", environ={DB_ENV: "postgresql://h/db"})
    assert s.db_url == "sqlite:///x.db"


def test_environment_wins_over_default(tmp_path: Path) -> None:
    assert Settings.resolve(tmp_path, None, environ={DB_ENV: "postgresql://h/db"}).db_url == "postgresql://h/db"


def test_default_is_the_sqlite_file_nbgrader_uses_and_stays_implicit_in_its_config(tmp_path: Path) -> None:
    s = Settings.resolve(tmp_path, None, environ={})
    assert s.db_url == f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}"
    assert "db_url" not in nbgrader_config(s)  # a copied workspace must not point at the original


def test_a_non_default_database_is_written_for_nbgrader(tmp_path: Path) -> None:
    s = Settings.resolve(tmp_path, "postgresql+psycopg://u@h/db", environ={})
    assert "c.CourseDirectory.db_url = 'postgresql+psycopg://u@h/db'" in nbgrader_config(s)
