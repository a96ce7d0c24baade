"""The marking page in Debian's headless Chromium at 1366×768, offline (every request outside 127.0.0.1
blocked): a recorder and an auditor are refused, a trainer marks an essay, and the score is then in `qinglian export`
and in real formgrader's API (JupyterLab with nbgrader's extension, on the workspace)."""

from __future__ import annotations

import csv
import json
import subprocess
import urllib.request
from pathlib import Path
from typing import Any, cast

import pytest
from nbgrader.api import Gradebook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.gradebook.models import AuditRow
from grader.marking.codes import code_for, marking_secret
from grader.marking.serving import marking_server
from grader.serve import BIN, lab_server
from grader.settings import Settings
from grader.staff.accounts import add_staff
from grader.staff.roles import Actor
from tests.browser import chromium_page, free_port, offline, running
from tests.graded_papers import grade_simulated
from tests.staff_data import PASSWORD

STUDENTS = ["m001", "m002", "m003"]
TRAINER, RECORDER, AUDITOR = "培训教师 甲", "记录员 乙", "审计员 丙"
SCREEN = {"width": 1366, "height": 768}


def _export(settings: Settings, assignment: str, folder: Path, item: str) -> dict[str, tuple[float, str]]:
    """student -> (raw score, the essay's column) as `qinglian export --items` writes them."""
    target = folder / "grades.csv"
    done = subprocess.run([str(BIN / "qinglian"), "export", "--root", str(settings.root), "--to", str(target),
                           "--assignment", assignment, "--items"], capture_output=True, text=True, check=False,
                          env={"QINGLIAN_DB_URL": settings.db_url, "PATH": str(BIN)})
    assert done.returncode == 0, done.stdout + done.stderr
    with target.open(encoding="utf-8-sig", newline="") as handle:
        return {row["student_id"]: (float(row["raw_score"]), row[item]) for row in csv.DictReader(handle)}


def _formgrader(settings: Settings, assignment: str, student: str, item: str,
                tmp_path: Path) -> tuple[float | None, str | None]:
    """What real formgrader (nbgrader's server extension in JupyterLab, on the workspace) answers for
    the submission's grades and comments: the API its manual-grading page reads."""
    with Gradebook(settings.db_url) as gradebook:
        submission = gradebook.find_submission_notebook("paper", assignment, student).id
    token, port = "marking-test-token", free_port()
    lab = lab_server(settings, port, token)
    found: dict[str, object] = {}
    with running(lab, tmp_path / "lab.log", lab.ready_url, timeout=180):
        for kind in ("grades", "comments"):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/formgrader/api/{kind}?submission_id={submission}",
                                             headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(request, timeout=60) as response:
                (found[kind],) = [r for r in json.loads(response.read()) if r["name"] == item]
    grade, comment = cast(dict[str, Any], found["grades"]), cast(dict[str, Any], found["comments"])
    return grade["manual_score"], comment["manual_comment"]


def _in_view(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= SCREEN["height"] \
        and box["x"] + box["width"] <= SCREEN["width"]


def _sign_in(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("#enter")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_trainer_marks_an_essay_and_export_and_formgrader_show_it(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    assignment = released[0]
    keys = grade_simulated(settings, engine, assignment, STUDENTS)
    (item,) = [k.name for k in keys.items if k.type == "essay"]
    with Session(engine) as session, session.begin():
        boss = add_staff(session, None, "管理员", "organiser")
        admin = Actor(boss.name, boss.role, boss.id)
        add_staff(session, admin, TRAINER, "trainer", password=PASSWORD)
        add_staff(session, admin, RECORDER, "recorder", password=PASSWORD)
        add_staff(session, admin, AUDITOR, "auditor", password=PASSWORD)
    secret = marking_secret(settings.root)
    codes = {code_for(secret, assignment, s): s for s in STUDENTS}
    before = _export(settings, assignment, tmp_path, item)
    server = marking_server(settings, free_port())
    with chromium_page() as page, running(server, tmp_path / "marking.log", server.ready_url):
        watch = offline(page)
        page.set_viewport_size(SCREEN)
        page.goto(server.urls[0])
        for refused in (RECORDER, AUDITOR):
            _sign_in(page, refused)
            assert f"权限不足：{refused[:3]}" in page.locator(".message.error").inner_text()
        _sign_in(page, TRAINER)
        page.locator(f"section[data-paper='{assignment}'] tr[data-item='{item}'] a.start").click()
        page.locator("#response").wait_for()
        first = page.locator("#code").inner_text()
        assert first in codes and not any(s in page.content() for s in STUDENTS)
        assert page.locator("#rubric").inner_text().strip() and "第 1 / 3 份" in page.locator("#place").inner_text()
        assert all(_in_view(page, s) for s in ("#rubric", "#score", "#comment", "#save", "#response"))
        page.screenshot(path=str(tmp_path / "marking-1366x768.png"))

        page.fill("#score", "11")
        page.press("#score", "Enter")
        assert "超出范围，本题满分 10 分" in page.locator("#error").inner_text()
        assert page.locator("#code").inner_text() == first
        page.fill("#score", "7.5")
        page.fill("#comment", "要点基本齐全，论述稍简")
        page.press("#score", "Enter")
        page.locator("#saved").wait_for()
        assert f"已保存 {first}：7.5 分" in page.locator("#saved").inner_text()
        assert page.locator("#code").inner_text() != first and "已评 1 / 3 份" in page.locator("#progress").inner_text()
        page.keyboard.press("PageUp")
        page.locator("#code").filter(has_text=first).wait_for()
        assert page.locator("#score").input_value() == "7.5"
        watch.assert_clean(page)

    student = codes[first]
    after = _export(settings, assignment, tmp_path, item)
    assert after[student][0] == pytest.approx(before[student][0] + 7.5) and after[student][1] == "7.5"
    assert {s: after[s] for s in STUDENTS if s != student} == {s: before[s] for s in STUDENTS if s != student}
    assert _formgrader(settings, assignment, student, item, tmp_path) == (7.5, "要点基本齐全，论述稍简")
    with Session(engine) as session:
        actors = set(session.scalars(select(AuditRow.actor).where(AuditRow.action == "grade.manual")))
    assert actors == {TRAINER}
