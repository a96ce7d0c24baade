"""The auditor's page, driven as Voila drives it (the widgets, no browser): sign in, search,
download, verify with the last checkpoint's date; another role is refused."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from grader.audit.view import AuditApp
from grader.staff.accounts import add_staff
from tests.records_data import seed_roster
from tests.staff_data import ORGANISER

NOW = datetime(2026, 11, 25, 10, 0)


def test_an_auditor_signs_in_searches_downloads_and_sees_the_verify_result(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        add_staff(session, None, "组织部 管理员", "organiser")
        add_staff(session, ORGANISER, "审计员 丙", "auditor", password="audit-pass-1")
        add_staff(session, ORGANISER, "记录员 乙", "recorder", password="record-pass-2")
    seed_roster(engine)
    app = AuditApp(engine, clock=lambda: NOW)
    app.find()
    assert "请先以审计员身份登录" in app.results.value
    app.name.value, app.password.value = "记录员 乙", "record-pass-2"
    app.sign_in()
    app.find()
    assert "权限不足" in app.results.value and app.link.value == ""
    app.name.value, app.password.value = "审计员 丙", "audit-pass-1"
    app.sign_in()
    assert "审计员 审计员 丙" in app.who.value
    app.person.value = "P001"
    app.find()
    assert "roster.import" in app.results.value and "ql_person #P001" in app.results.value
    assert "download='审计日志-20261125-1000.xlsx'" in app.link.value
    app.check()
    assert "哈希链完整" in app.verdict.value and "尚未签署过检查点" in app.verdict.value
    with engine.begin() as db:
        db.execute(text("UPDATE ql_person SET name = '李鬼' WHERE id = 'P001'"))
    app.check()
    assert "ql_person #P001：姓名" in app.verdict.value and "被改为 李鬼" in app.verdict.value
