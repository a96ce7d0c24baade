"""Every notebook in courses/ and voila_apps/ runs clean top to bottom, and the shipped courses
pass `course check` (all six areas, self-checks valid, no exam item in a course)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.bank import bank_files, check_banks
from grader.course.catalog import check_catalog
from grader.course.execute import execute_notebook
from grader.settings import Settings

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "courses").glob("*.ipynb")) + sorted((REPO / "voila_apps").glob("*.ipynb"))


def test_the_shipped_courses_pass_course_check() -> None:
    exam_items = check_banks(bank_files([REPO / "exams" / "banks"])).items
    modules, problems = check_catalog(REPO / "courses", exam_items)
    assert [str(p) for p in problems] == []
    assert sorted(m.covers for m in modules) == sorted(["party_school", "martyrs_cemetery", "red_flag_canal",
                                                        "prison", "supervision_regulation", "discipline_regulation"])
    assert all(m.hours > 0 and len(m.checks) >= 3 for m in modules)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_clean(notebook: Path, settings: Settings, engine: object) -> None:
    assert execute_notebook(notebook, settings) == []
