"""A workspace is an nbgrader course directory, so nbgrader's own tools work on it."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from grader.gradebook.database import migrate
from grader.paper.notebook import NOTEBOOK_NAME
from grader.settings import Settings

FOLDERS = ("source", "release", "submitted", "autograded", "feedback")

_CONFIG = '''# nbgrader configuration written by `qinglian init`.
c = get_config()  # noqa: F821

# nbgrader's gradebook rows belong to a course; PostgreSQL enforces that the course exists.
c.CourseDirectory.course_id = "qinglian"

# Released answer cells keep only their `qNN = ""` line; essay cells start empty.
c.ClearSolutions.code_stub = {{"python": ""}}
c.ClearSolutions.text_stub = ""
# Candidates' answers are never executed by qinglian; nbgrader, if used, must not hang on one.
c.ExecutePreprocessor.timeout = 30
{db_line}'''


def nbgrader_config(settings: Settings) -> str:
    """The text of nbgrader_config.py. The default SQLite URL is left implicit so that a copied
    workspace uses its own gradebook, not the original's."""
    db_line = "" if settings.uses_default_db else f"c.CourseDirectory.db_url = {settings.db_url!r}\n"
    return _CONFIG.format(db_line=db_line)


def init_workspace(settings: Settings, engine: Engine) -> list[Path]:
    """Create the folders, nbgrader_config.py and the gradebook; safe to run again.

    The workspace holds every secret (answer keys in source/ and the gradebook, the database URL,
    the certificate issuer's key), so only its owner may enter it: under JupyterHub `qinglian serve`
    runs as a service account and a candidate's own server, running as the candidate, cannot read it."""
    created = []
    settings.root.mkdir(parents=True, exist_ok=True)
    settings.root.chmod(0o700)
    for name in FOLDERS:
        folder = settings.root / name
        if not folder.exists():
            folder.mkdir(parents=True)
            created.append(folder)
    config = settings.root / "nbgrader_config.py"
    if not config.exists():
        config.write_text(nbgrader_config(settings), encoding="utf-8")
        created.append(config)
    migrate(engine)
    return created


def write_submission(root: Path, assignment: str, student: str, nb: dict[str, Any], at: datetime) -> Path:
    """A submission as nbgrader lays it out, with the (server's) time in timestamp.txt."""
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{NOTEBOOK_NAME}.ipynb"
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    (folder / "timestamp.txt").write_text(at.strftime("%Y-%m-%d %H:%M:%S.%f UTC"), encoding="utf-8")
    return path


def secret_file(path: Path, make: Callable[[], str]) -> str:
    """The secret kept in `path`, readable by the workspace's owner only (mode 600 whatever the
    umask), made by `make()` on first use. Several processes may start at once (room processes, a
    CLI): it is written whole aside and linked into place, so none reads half a secret, and of two
    made at once the first linked is everyone's. Never in the database."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                os.fchmod(handle.fileno(), 0o600)
                handle.write(make())
            with contextlib.suppress(FileExistsError):  # another process was first: use its secret
                os.link(aside, path)
        finally:
            aside.unlink()
    return path.read_text(encoding="ascii").strip()
