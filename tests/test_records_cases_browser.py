"""The organisation department opens a promotion case in a real browser (headless Chromium, the
records page served as `qinglian serve` serves it, nothing outside 127.0.0.1): a talk dated before
公示 is refused with the reason; the talk, oath and commitment recorded for the case, with the test
already passed, show 可以任职; the 个人廉政档案 comes as a PDF that holds the case."""

from __future__ import annotations

import dataclasses
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.programmes import load_programme
from grader.records.cases import person_cases
from grader.serve import Server, platform_servers
from grader.settings import COURSES_ENV, PROGRAMMES_ENV, Settings
from tests.browser import chromium_page, free_port, offline, running
from tests.records_data import DATA, REPO, seed_roster, sit
from tests.staff_data import PASSWORD, add_staff, organiser, sign_in

PLEDGE = "本人郑重承诺：严守政治纪律和政治规矩，秉公用权，廉洁从政。"


def _server(settings: Settings) -> Server:
    servers = platform_servers(settings, REPO / "courses", REPO / "voila_apps", free_port(), free_port(), "t0ken")
    server = next(s for s in servers if any(a.endswith("records.ipynb") for a in s.argv))
    return dataclasses.replace(server, env={**server.env, PROGRAMMES_ENV: str(DATA / "cases"),
                                            COURSES_ENV: str(REPO / "courses")})


def _fill(page, css: str, value: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f"{css} input, {css} textarea").first.fill(value)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_open_a_case_record_its_four_steps_and_see_it_cleared_for_appointment(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": True})  # the test, passed in the exam room
    with Session(engine) as session, session.begin():
        add_staff(session, None, "组织部 刘洋", "organiser", password=PASSWORD)  # opens cases
        add_staff(session, organiser("组织部 刘洋"), "组织部 李四", "recorder", password=PASSWORD)  # records steps
    server, today = _server(settings), date.today()
    with running(server, tmp_path / "voila.log", server.ready_url), chromium_page() as page:
        watch = offline(page)
        page.goto(server.urls[0])
        sign_in(page, "组织部 刘洋")
        _fill(page, ".ql-search", "P001")
        page.locator(".ql-search-go").click()
        page.locator(".ql-person-name").get_by_text("王建国").wait_for()
        _fill(page, ".ql-case-position", "市纪委监委副主任")
        _fill(page, ".ql-case-notice-start", f"{today - timedelta(days=10):%Y-%m-%d}")
        _fill(page, ".ql-case-notice-end", f"{today - timedelta(days=3):%Y-%m-%d}")
        _fill(page, ".ql-case-decision", f"{today + timedelta(days=5):%Y-%m-%d}")
        page.locator(".ql-case-open").click()
        page.locator(".ql-case-open-status").get_by_text("已建立任职事项 #1").wait_for()
        page.locator(".ql-case-1.ql-case-missing").wait_for()
        sign_in(page, "组织部 李四")
        early = today - timedelta(days=20)
        _fill(page, ".ql-case-date", f"{early.year}年{early.month}月{early.day}日")
        page.locator(".ql-case-save").click()
        page.locator(".ql-case-step-status").get_by_text("早于公示开始日期").wait_for()
        for step, kind, days_ago, text in (("talk", "廉政谈话", 2, ""), ("oath", "廉政宣誓", 1, ""),
                                           ("commitment", "廉政公开承诺", 0, PLEDGE)):
            page.locator(".ql-case-kind select").select_option(label=kind)
            _fill(page, ".ql-case-date", f"{today - timedelta(days=days_ago):%Y-%m-%d}")
            _fill(page, ".ql-case-text", text)
            page.locator(".ql-case-save").click()
            page.locator(f".ql-case-1 .ql-step-{step}.ql-done").wait_for()
        verdict = page.locator(".ql-case-1.ql-case-cleared .ql-case-verdict")
        verdict.wait_for()
        assert verdict.inner_text() == "可以任职"
        page.locator(".ql-case-1").screenshot(path=str(tmp_path / "case.png"))
        page.locator(".ql-dossier-make").click()
        link = page.locator("a.ql-dossier-pdf")
        link.wait_for(timeout=60_000)
        with page.expect_download() as download_info:
            link.click()
        saved = tmp_path / "dossier.pdf"
        download_info.value.save_as(saved)
        watch.assert_clean(page)
    with Session(engine) as session:
        (case,) = person_cases(session, load_programme(DATA / "cases" / "promotion.yaml"), "P001")
    assert case.status.verdict == "可以任职" and case.case.opened_by == "组织部 刘洋"
    assert all("记录人 组织部 李四" in step.detail for step in case.status.steps[1:])
    text = "".join(subprocess.run(["pdftotext", str(saved), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert "状态：可以任职" in text and "拟任职务：市纪委监委副主任" in text and "".join(PLEDGE.split()) in text
