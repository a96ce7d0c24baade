"""A recorder signs in on the records page and records a talk: the record and its audit entry name
that account. The same account cannot reach the audit page's search, and from the command line
(the OS user mapped to it) cannot issue certificates or import the roster."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.cli import main
from grader.gradebook.models import AuditRow, GateRecordRow
from grader.serve import platform_servers
from grader.settings import COURSES_ENV, PROGRAMMES_ENV, Settings
from grader.staff.accounts import add_staff
from tests.browser import chromium_page, free_port, offline, running
from tests.records_data import DATA, REPO, seed_roster
from tests.staff_data import PASSWORD, organiser, os_user_as, sign_in

RECORDER = "组织部 李四"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_recorder_records_a_talk_under_their_account_and_cannot_issue_or_import(
        settings: Settings, engine: Engine, tmp_path: Path) -> None:
    seed_roster(engine)
    with Session(engine) as session, session.begin():
        add_staff(session, None, "组织部 管理员", "organiser", password=PASSWORD)
        add_staff(session, organiser("组织部 管理员"), RECORDER, "recorder", password=PASSWORD)
    servers = platform_servers(settings, REPO / "courses", REPO / "voila_apps", free_port(), free_port(), "t0ken")
    records = next(s for s in servers if any(a.endswith("records.ipynb") for a in s.argv))
    records = dataclasses.replace(records, env={**records.env, PROGRAMMES_ENV: str(DATA / "programmes"),
                                                COURSES_ENV: str(REPO / "courses")})
    audit = next(s for s in servers if any(a.endswith("audit.ipynb") for a in s.argv))  # as qinglian serve serves it
    today = date.today()
    with (running(records, tmp_path / "records.log", records.ready_url),
          running(audit, tmp_path / "audit.log", audit.ready_url), chromium_page() as page):
        watch = offline(page)
        page.goto(records.urls[0])
        sign_in(page, RECORDER)
        page.locator(".ql-search input").fill("王建国")
        page.locator(".ql-search-go").click()
        page.locator(".ql-person-name").get_by_text("王建国").wait_for()
        page.locator(".ql-gate-kind select").select_option(label="廉政谈话")
        page.locator(".ql-gate-date input").fill(f"{today:%Y-%m-%d}")
        page.locator(".ql-gate-save").click()
        page.locator(".ql-gate-status").get_by_text("已记录").wait_for()
        watch.assert_clean(page)

        page.goto(audit.urls[0])
        page.locator(".ql-staff-name input").fill(RECORDER)
        page.locator(".ql-staff-password input").fill(PASSWORD)
        page.locator(".ql-staff-signin").click()
        page.locator(".ql-staff-who").get_by_text(RECORDER).wait_for()
        page.locator(".ql-audit-search").click()
        page.locator(".ql-audit-results").get_by_text("权限不足").wait_for()
        page.locator(".ql-audit-verify").click()
        page.locator(".ql-audit-verdict").get_by_text("权限不足").wait_for()
        assert page.locator("a.ql-audit-xlsx").count() == 0
    with Session(engine) as session:
        talk = session.scalars(select(GateRecordRow).where(GateRecordRow.kind == "talk")).one()
        entry = session.scalars(select(AuditRow).where(AuditRow.action == "gate.record")).one()
    assert talk.recorded_by == RECORDER and (entry.actor, entry.object_id) == (RECORDER, str(talk.id))

    os_user_as(settings, "recorder")
    ws = ["--root", str(settings.root), "--db", settings.db_url]
    issued = CliRunner().invoke(main, ["cert", "issue", "--person", "P001", "--programme", "promotion_test", *ws])
    assert issued.exit_code == 1 and "不能签发证书" in issued.output
    imported = CliRunner().invoke(main, ["roster", "import", str(DATA / "roster.csv"), *ws])
    assert imported.exit_code == 1 and "不能导入名单" in imported.output
