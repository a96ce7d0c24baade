"""nbgrader's formgrader writes manual scores without us: each manual score the platform sees that
the log does not yet hold (new or changed) is logged, attributed to whoever saw it, with the
JupyterHub user named where the environment tells us. It is seen by `qinglian audit sync`, and by
every `qinglian export` and `qinglian status` (in their own transaction, before they read). Verify
then flags a manual score that changed after the last capture with no entry."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.audit.log import Change, append_many, entries
from grader.audit.tables import AUDITED, current_states
from grader.gradebook.models import AuditRow
from grader.staff.accounts import actor_for_os_user
from grader.staff.roles import Actor, StaffError, authorize, may, system

GRADE = "grade"


def sync_manual_grades(session: Session, actor: Actor, hub_user: str | None = None,
                       now: datetime | None = None) -> int:
    """Log every manual score not yet logged as it stands; the number logged."""
    authorize(actor, "audit.sync")
    logged = {object_id: json.loads(state) for object_id, state in session.execute(
        select(AuditRow.object_id, AuditRow.state).where(AuditRow.object_type == GRADE, AuditRow.outcome == "ok")
        .order_by(AuditRow.seq))}  # the latest entry of each grade wins
    action = f"grade.manual（formgrader，JupyterHub 用户 {hub_user}）" if hub_user else "grade.manual（formgrader）"
    changes = [Change(action[:64], GRADE, key, state)
               for key, state, row in current_states(session, AUDITED[GRADE])
               if row["manual_score"] is not None and logged.get(key) != state]
    append_many(session, actor, changes, now)
    return len(changes)


def capturing(session: Session, os_user: str, command: str) -> Actor:
    """Who a command that reads the grades (export, status) logs the manual scores it sees as: the
    account mapped to the OS user when its role may capture them, else the platform, naming the
    command and the OS user (reading needs no such role; the capture must happen anyway)."""
    try:
        actor = actor_for_os_user(session, os_user)
    except StaffError:
        return system(f"qinglian {command}（系统用户 {os_user}）")
    return actor if may(actor, "audit.sync") else system(f"qinglian {command}（{actor.label}）")


def capture_for_command(session: Session, command: str) -> int:
    """What `qinglian export` and `qinglian status` do before they read: every manual score not yet
    logged is logged, as the OS user running the command (see `capturing`), in its transaction."""
    import getpass
    import os

    user = getpass.getuser()
    return sync_manual_grades(session, capturing(session, user, command), os.environ.get("JUPYTERHUB_USER"))


def adopt(session: Session, actor: Actor, now: datetime | None = None, action: str = "audit.adopt") -> int:
    """Log every row of an audited table that the log does not know (a gradebook made before the log,
    demo data, a generated city: `action` says which): `qinglian audit adopt`. Each adopted row is
    an entry, so the auditor sees them."""
    authorize(actor, "audit.adopt")
    known = {(e.object_type, e.object_id) for e in entries(session)}
    changes = [Change(action, audited.name, key, state)
               for audited in AUDITED.values()
               for key, state, row in current_states(session, audited)
               if (audited.name, key) not in known and not audited.unlogged_ok(row)]
    append_many(session, actor, changes, now)
    return len(changes)
