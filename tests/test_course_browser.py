"""A learner in a real browser: Voila serves the courses, headless Chromium signs in with the roster
number and the learner's personal study code (the name alone is refused), answers a
self-check wrongly (told where to re-read, not the answer) then rightly (shown the explanation),
and the gradebook holds the completion and the study hours."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from nbgrader.api import Student
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.bank import Item
from grader.course.catalog import load_catalog
from grader.course.study_codes import issue_study_codes
from grader.gradebook.models import PersonRow, StudyAttemptRow, StudyCreditRow, StudyVisitRow, UnitRow
from grader.serve import voila_server
from grader.settings import Settings
from grader.sitting.codes import load_secret
from grader.staff.roles import system
from tests.browser import chromium_page, free_port, offline, running

REPO = Path(__file__).resolve().parent.parent
COURSES = Path(os.environ.get("QINGLIAN_TEST_COURSES", REPO / "courses"))


def _wrong(item: Item) -> str:
    return next(letter for letter, _ in item.options if letter not in str(item.key))


def _choose(box, item: Item, letters: str) -> None:  # type: ignore[no-untyped-def]
    if item.type == "multiple":
        for checkbox in box.locator(".widget-checkbox input").all():
            if checkbox.is_checked():
                checkbox.uncheck()
        for letter in letters:
            box.locator(".widget-checkbox .widget-label-basic").filter(
                has_text=re.compile(rf"^\s*{letter}\. ")).locator("input").check()
    else:
        box.locator("label").filter(has_text=re.compile(rf"^\s*{letters}\. ")).click()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_learner_signs_in_answers_wrong_then_right_and_hours_are_recorded(
        settings: Settings, engine: Engine, tmp_path: Path) -> None:
    module = load_catalog(COURSES)[0]
    with Session(engine) as session, session.begin():
        session.add(Student(id="T0001", last_name="欧阳", first_name="明"))
        session.add(UnitRow(name="市纪委", parent=None, kind="市直单位"))
        session.flush()
        session.add(PersonRow(id="T0001", name="欧阳明", id_number="", unit="市纪委", rank="", category=""))
        session.flush()
        (issued,) = issue_study_codes(session, load_secret(settings.root), ["T0001"], system("t"))
    port = free_port()
    server = voila_server(settings, COURSES, port)
    url = f"http://127.0.0.1:{port}/voila/render/{module.id}.ipynb"
    with running(server, tmp_path / "voila.log", f"http://127.0.0.1:{port}/"), chromium_page() as page:
        watch = offline(page)  # a LAN without internet: nothing may come from elsewhere
        page.goto(url)
        page.locator(".ql-number input").fill("T0001")
        page.locator(".ql-code input").fill("欧阳明")  # the name, which colleagues know, is no code
        page.locator(".ql-sign-in").click()
        page.get_by_text("编号或学习码不正确").wait_for()
        page.locator(".ql-code input").fill(issued.code)
        page.locator(".ql-sign-in").click()
        page.get_by_text("当前学员").wait_for()
        first = module.item(module.checks[0])
        box = page.locator(f".ql-check-{first.id}")
        _choose(box, first, _wrong(first))
        box.get_by_role("button", name="提交答案").click()
        feedback = box.locator(".ql-feedback")
        feedback.get_by_text("回答不正确").wait_for()
        shown = feedback.inner_text()  # a second click must not be all it takes: nothing gives the key away
        assert "解析" not in shown and first.explanation not in shown and first.source.document not in shown
        assert f"请重读本模块“{module.section(first.id)}”一节" in shown
        for item_id in module.checks:
            item = module.item(item_id)
            box = page.locator(f".ql-check-{item_id}")
            _choose(box, item, str(item.key))
            box.get_by_role("button", name="提交答案").click()
            box.locator(".ql-feedback").get_by_text("回答正确").wait_for()
            assert item.explanation in box.locator(".ql-feedback").inner_text()
        page.get_by_text(f"已记 {module.hours:g} 学时").first.wait_for()
        page.screenshot(path=str(tmp_path / "course.png"), full_page=True)
        watch.assert_clean(page)
    with Session(engine) as session:
        credit = session.get(StudyCreditRow, ("T0001", module.id))
        assert credit is not None and credit.hours == module.hours
        attempts = session.execute(select(StudyAttemptRow.item_id, StudyAttemptRow.correct)
                                   .order_by(StudyAttemptRow.id)).all()
        assert [tuple(a) for a in attempts] == [(module.checks[0], False)] + [(i, True) for i in module.checks]
        assert session.scalar(select(StudyVisitRow.module)) == module.id
