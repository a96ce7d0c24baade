"""`make demo`'s job: a workspace with a roster, both programmes' papers, graded submissions."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine

from grader.demo import run_demo
from grader.settings import Settings

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_demo_builds_releases_grades_and_exports_both_programmes(settings: Settings, engine: Engine) -> None:
    result = run_demo(settings, engine, REPO / "exams", candidates=6, say=lambda _: None)
    assert result.assignments == ("promotion-a", "promotion-b", "induction-a", "induction-b")
    for assignment in result.assignments:
        assert (settings.root / "release" / assignment / "paper.ipynb").exists()
    assert [len(r.graded) for r in result.reports] == [6, 6]
    assert all(not r.failed for r in result.reports)
    with result.grades_csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    graded = [r for r in rows if r["timestamp"]]
    assert len(graded) == 12
    assert all(0 <= float(r["score"]) <= float(r["max_score"]) == 100 for r in graded)
    assert all(r["last_name"] for r in rows)  # the roster's Chinese names are in the gradebook
    assert len(result.seats) == 6 and {s.assignment for s in result.seats} == {"promotion-b"}
    assert result.seats_csv.read_bytes().startswith(b"\xef\xbb\xbf")
