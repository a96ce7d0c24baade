"""`qinglian demo` gives its learners personal study codes, written where the demo's user finds them
(readable by that user only): each signs in to the course pages with one, as a learner would."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.course.identity import sign_in_with_code
from grader.demo import run_demo
from grader.settings import Settings
from grader.sitting.codes import load_secret

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_demo_writes_each_learners_study_code_and_it_signs_them_in(settings: Settings, engine: Engine) -> None:
    result = run_demo(settings, engine, REPO / "exams", candidates=2, say=lambda _: None)
    assert result.study_codes_csv is not None
    assert stat.S_IMODE(result.study_codes_csv.stat().st_mode) == 0o600
    with result.study_codes_csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["编号"] for r in rows] == [c.student_id for c in result.candidates]
    secret = load_secret(settings.root)
    with Session(engine) as session:
        for row in rows:
            assert sign_in_with_code(session, secret, row["编号"], row["学习码"]).name == row["姓名"]
