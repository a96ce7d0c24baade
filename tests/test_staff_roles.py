"""Who may do what: the whole role × action matrix, accounts, sign-in lockout."""

from __future__ import annotations

import getpass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.cli import main
from grader.staff.accounts import MAX_TRIES, add_staff, disable_staff, set_role, sign_in
from grader.staff.roles import ACTIONS, ROLES, SYSTEM, Actor, StaffError, authorize

# the matrix as the issue states it, written out independently of grader.staff.roles
T, R, O, A, S = "trainer", "recorder", "organiser", "auditor", SYSTEM  # noqa: E741
EXPECTED = {
    "paper.build": {T}, "paper.release": {T}, "grade.run": {T, O, S}, "grade.manual": {T}, "review.mark": {T},
    "items.read": {T, A}, "gate.record": {R}, "gate.correct": {R}, "gate.withdraw": {R}, "case.open": {O},
    "case.end": {O}, "review.request": {O}, "review.decide": {O}, "roster.import": {O, S},
    "sitting.create": {O, S}, "sitting.proctor": {O}, "sitting.watch": {O, A}, "cert.issue": {O}, "cert.revoke": {O, R},
    "flag.clear": {O}, "staff.manage": {O}, "keys.manage": {O}, "records.read": {T, R, O, A},
    "audit.read": {A, O}, "audit.verify": {A}, "audit.checkpoint": {A, O}, "audit.sync": {A, T, O, S},
    "audit.adopt": {O, S},
}


def test_the_action_table_is_the_matrix_and_nothing_else() -> None:
    assert set(ACTIONS) == set(EXPECTED)


@pytest.mark.parametrize("role", [*ROLES, SYSTEM])
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_every_role_may_do_exactly_its_actions(role: str, action: str) -> None:
    actor = Actor("某人", role, 1)
    if role in EXPECTED[action]:
        assert authorize(actor, action) is actor
    else:
        with pytest.raises(StaffError, match="权限不足"):
            authorize(actor, action)


def test_an_auditor_changes_nothing() -> None:
    writes = {a for a in EXPECTED if not a.endswith(".read") and a not in ("audit.verify", "audit.checkpoint",
                                                                           "audit.sync", "sitting.watch")}
    assert all("auditor" not in EXPECTED[a] for a in writes)


def test_a_typed_name_is_no_identity() -> None:
    with pytest.raises(StaffError, match="已登录的工作人员"):
        authorize("组织部 李四", "gate.record")


def test_accounts_bootstrap_roles_and_lockout(engine: Engine) -> None:
    now = datetime(2026, 11, 25, 9, 0)
    with Session(engine) as session, session.begin():
        with pytest.raises(StaffError, match="须为管理员"):
            add_staff(session, None, "甲", "recorder")
        boss = add_staff(session, None, "管理员 甲", "organiser", os_user="root-user", password="secret-pass-1")
        admin = Actor(boss.name, boss.role, boss.id)
        with pytest.raises(StaffError, match="已有工作人员账号"):
            add_staff(session, None, "乙", "organiser")
        add_staff(session, admin, "记录员 乙", "recorder", password="pass-word-2")
        with pytest.raises(StaffError, match="权限不足"):
            add_staff(session, Actor("记录员 乙", "recorder", 2), "丙", "auditor")
        with pytest.raises(StaffError, match="不能取消自己的管理员角色"):
            set_role(session, admin, boss.name, "auditor")
        assert sign_in(session, "记录员 乙", "pass-word-2", now).role == "recorder"
    for _ in range(MAX_TRIES):
        with Session(engine) as session, session.begin(), pytest.raises(StaffError, match="不正确"):
            sign_in(session, "记录员 乙", "wrong", now)
    with Session(engine) as session, session.begin():
        with pytest.raises(StaffError, match="已锁定"):
            sign_in(session, "记录员 乙", "pass-word-2", now)
        assert sign_in(session, "记录员 乙", "pass-word-2", now + timedelta(minutes=20)).name == "记录员 乙"
        disable_staff(session, admin, "记录员 乙")
        with pytest.raises(StaffError):
            sign_in(session, "记录员 乙", "pass-word-2", now + timedelta(minutes=30))


def test_init_makes_the_first_organiser_for_the_os_user_and_the_cli_then_acts_as_them(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    made = CliRunner().invoke(main, ["init", str(ws)])
    assert made.exit_code == 0 and f"已为当前系统用户建立第一个管理员账号 {getpass.getuser()}" in made.output
    added = CliRunner().invoke(main, ["staff", "add", "组织部 李四", "--role", "recorder", "--os-user", "lisi",
                                      "--root", str(ws)])
    assert added.exit_code == 0, added.output
    role = CliRunner().invoke(main, ["staff", "role", "组织部 李四", "auditor", "--root", str(ws)])
    assert role.exit_code == 0 and "现为审计员" in role.output
    listed = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["staff", "list", "--root", str(ws)])
    assert "组织部 李四" in listed.output and "审计员" in listed.output and "lisi" in listed.output
    again = CliRunner().invoke(main, ["init", str(ws)])
    assert again.exit_code == 0 and "第一个管理员" not in again.output
