"""Staff accounts for the demo workspace: the OS user who ran `qinglian demo` is its organiser (so the
CLI works there), and one account per role signs in on the pages with the password written to
<workspace>/.qinglian/demo-staff.txt (readable by its owner only)."""

from __future__ import annotations

import getpass
import os
import secrets
from pathlib import Path

from sqlalchemy.orm import Session

from grader.staff.accounts import add_staff, is_empty
from grader.staff.roles import ROLES, Actor

DEMO_NAMES = {"organiser": "演示管理员", "trainer": "演示培训教师", "recorder": "演示记录员", "auditor": "演示审计员"}


def demo_staff(session: Session, root: Path) -> Path | None:
    """Make the demo's accounts (nothing when the workspace already has staff); the file with the passwords."""
    if not is_empty(session):
        return None
    passwords = {role: secrets.token_urlsafe(9) for role in ROLES}
    boss = add_staff(session, None, DEMO_NAMES["organiser"], "organiser", os_user=getpass.getuser(),
                     password=passwords["organiser"])
    organiser = Actor(boss.name, boss.role, boss.id)
    for role in ("trainer", "recorder", "auditor"):
        add_staff(session, organiser, DEMO_NAMES[role], role, password=passwords[role])
    path = root / ".qinglian" / "demo-staff.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.writelines(f"{ROLES[role]}\t{DEMO_NAMES[role]}\t{passwords[role]}\n" for role in ROLES)
    return path
