"""Settings: one typed object, built once at the edge (CLI, app, test) and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DB_ENV = "QINGLIAN_DB_URL"
ROOT_ENV = "QINGLIAN_ROOT"  # the workspace, as `qinglian serve` tells the kernels it starts
PROGRAMMES_ENV = "QINGLIAN_PROGRAMMES"  # the programme files (exams/programmes/), likewise
COURSES_ENV = "QINGLIAN_COURSES"  # the course catalogue (courses/), likewise
CERT_URL_ENV = "QINGLIAN_CERT_URL"  # the public address of the certificate page (set where a proxy is in front)
PUBLIC_MIN_PEOPLE = 10  # a unit with fewer people shows aggregates only on public pages, never a list
PUBLIC_MIN_PEOPLE_ENV = "QINGLIAN_PUBLIC_MIN_PEOPLE"


@dataclass(frozen=True)
class Settings:
    root: Path  # the workspace: an nbgrader course directory
    db_url: str

    @classmethod
    def resolve(cls, root: Path | str, db_url: str | None = None,
                environ: Mapping[str, str] | None = None) -> Settings:
        """--db wins, then QINGLIAN_DB_URL, then the SQLite file nbgrader itself would use."""
        root = Path(root).resolve()
        env = os.environ if environ is None else environ
        return cls(root, db_url or env.get(DB_ENV) or default_db_url(root))

    @classmethod
    def for_kernel(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """In a page's kernel: the workspace and database `qinglian serve` put in its environment."""
        env = os.environ if environ is None else environ
        return cls.resolve(env.get(ROOT_ENV, "."), environ=env)

    @property
    def uses_default_db(self) -> bool:
        return self.db_url == default_db_url(self.root)


def public_min_people(environ: Mapping[str, str] | None = None) -> int:
    """k of the public pages' privacy rule: QINGLIAN_PUBLIC_MIN_PEOPLE, else PUBLIC_MIN_PEOPLE
    (never below 1)."""
    env = os.environ if environ is None else environ
    try:
        return max(1, int(env.get(PUBLIC_MIN_PEOPLE_ENV, PUBLIC_MIN_PEOPLE)))
    except ValueError:
        return PUBLIC_MIN_PEOPLE


def default_db_url(root: Path) -> str:
    return f"sqlite:///{root / 'gradebook.db'}"


def content_folders(environ: Mapping[str, str] | None = None) -> tuple[Path, Path]:
    """In a page's kernel: the programme files and the course catalogue `qinglian serve` named, else
    those of the repository the page was opened from (voila_apps/ sits beside exams/ and courses/)."""
    env = os.environ if environ is None else environ
    repo = Path.cwd().parent
    return (Path(env.get(PROGRAMMES_ENV, repo / "exams" / "programmes")),
            Path(env.get(COURSES_ENV, repo / "courses")))
