"""Staff identities for tests: the library takes an Actor (an authenticated staff member), never a
typed name. Library tests make one per role; CLI tests map the OS user running them to an account."""

from __future__ import annotations

import getpass

from sqlalchemy.orm import Session

from grader.cli.edge import transaction
from grader.settings import Settings
from grader.staff.accounts import add_staff, is_empty, list_staff, set_role
from grader.staff.roles import Actor


def recorder(name: str = "组织部 李四") -> Actor:
    return Actor(name, "recorder")


def organiser(name: str = "组织部 管理员") -> Actor:
    return Actor(name, "organiser")


def trainer(name: str = "培训教师 甲") -> Actor:
    return Actor(name, "trainer")


def auditor(name: str = "审计员 丙") -> Actor:
    return Actor(name, "auditor")


ORGANISER = organiser()


def os_user_as(settings: Settings, role: str) -> None:
    """The OS user running the tests acts, in the CLI, as a staff account with `role`."""
    user = getpass.getuser()
    with transaction(settings) as session:
        _map(session, user, role)


def _map(session: Session, user: str, role: str) -> None:
    mine = next((m for m in list_staff(session) if m.os_user == user), None)
    if mine is None:
        add_staff(session, None if is_empty(session) else ORGANISER, f"测试 {user}", "organiser", os_user=user)
        mine = next(m for m in list_staff(session) if m.os_user == user)
    if mine.role != role:
        set_role(session, ORGANISER, mine.name, role)


PASSWORD = "测试用的密码-2026"  # staff accounts made for page tests sign in with this


def sign_in(page, name: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Sign in on a staff page (the records page's box at the top) and wait until it says who."""
    page.locator(".ql-staff-name input").fill(name)
    page.locator(".ql-staff-password input").fill(password)
    page.locator(".ql-staff-signin").click()
    page.locator(".ql-staff-who").get_by_text(name).wait_for()
