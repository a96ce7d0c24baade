"""Running a course notebook top to bottom, as `course check` and the tests do."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from grader.course.catalog import SIX_AREAS, CourseProblem, check_catalog
from grader.settings import DB_ENV, ROOT_ENV, Settings


def execute_notebook(path: Path, settings: Settings, timeout: int = 120) -> list[CourseProblem]:
    """Execute in a fresh kernel against the given workspace; every cell that errs is a problem."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    env = {**os.environ, ROOT_ENV: str(settings.root), DB_ENV: settings.db_url}
    client.execute(env=env)
    problems = []
    for number, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(CourseProblem(str(path), number, f"运行出错：{output.get('ename')}: "
                                                                  f"{output.get('evalue')}"))
    return problems


def check_courses(courses: Path, exam_banks: Path | None, settings: Settings | None,
                  required: Sequence[str] = SIX_AREAS) -> list[CourseProblem]:
    """`qinglian course check`: metadata, structure, self-check items (never an exam item) and,
    when a workspace is given, that every notebook runs clean top to bottom."""
    from grader.bank import bank_files, check_banks

    exam_items = check_banks(bank_files([exam_banks])).items if exam_banks else ()
    modules, problems = check_catalog(courses, exam_items, required)
    if settings is not None and not problems:
        for path in [m.path for m in modules] + [p for p in sorted(courses.glob("*.ipynb"))
                                                 if p not in {m.path for m in modules}]:
            problems += execute_notebook(path, settings)
    return problems
