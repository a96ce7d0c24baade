"""nbgrader's formgrader writes manual scores without us: `qinglian audit sync` logs each manual
score it finds that the log does not yet hold (new or changed), attributed to whoever runs it, with
the JupyterHub user named where the environment tells us. Verify then flags a manual score that
changed after the last sync with no entry."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from grader.audit.log import Change, append_many, entries
from grader.audit.tables import AUDITED, current_states
from grader.staff.roles import Actor, authorize

GRADE = "grade"


def sync_manual_grades(session: Session, actor: Actor, hub_user: str | None = None,
                       now: datetime | None = None) -> int:
    """Log every manual score not yet logged as it stands; the number logged."""
    authorize(actor, "audit.sync")
    logged = {e.object_id: json.loads(e.state) for e in entries(session)
              if e.object_type == GRADE and e.outcome == "ok"}
    action = f"grade.manual（formgrader，JupyterHub 用户 {hub_user}）" if hub_user else "grade.manual（formgrader）"
    changes = [Change(action[:64], GRADE, key, state)
               for key, state, row in current_states(session, AUDITED[GRADE])
               if row["manual_score"] is not None and logged.get(key) != state]
    append_many(session, actor, changes, now)
    return len(changes)


def adopt(session: Session, actor: Actor, now: datetime | None = None) -> int:
    """Log every row of an audited table that the log does not know (a gradebook made before the log,
    demo data): `qinglian audit adopt`. Each adopted row is an entry, so the auditor sees them."""
    authorize(actor, "audit.adopt")
    known = {(e.object_type, e.object_id) for e in entries(session)}
    changes = [Change("audit.adopt", audited.name, key, state)
               for audited in AUDITED.values()
               for key, state, row in current_states(session, audited)
               if (audited.name, key) not in known and not audited.unlogged_ok(row)]
    append_many(session, actor, changes, now)
    return len(changes)
