"""Appending to the audit log (ql_audit). Every entry carries its sequence number, time, actor,
action, object, the canonical JSON of the object's new state, the outcome, and
hash = SHA-256(previous hash ‖ canonical entry). The head row (ql_audit_head) is held while an
entry is appended, so appends from any number of processes form one chain. There is no update and
no delete here: the library only ever appends. The caller commits."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, inspect, select, update
from sqlalchemy.orm import Session

from grader.gradebook.models import AuditHeadRow, AuditRow
from grader.staff.roles import Actor

GENESIS = "0" * 64
_AS_IS = (str, int, float, bool)


def canonical(value: object) -> str:
    """One text for one value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain)


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return "sha256:" + hashlib.sha256(value).hexdigest()
    raise TypeError(f"{type(value).__name__} cannot go in the audit log")


def plain(value: object) -> Any:
    """A column value as the log keeps it (dates as ISO text, bytes as their SHA-256)."""
    if value is None or type(value) in _AS_IS:
        return value  # what JSON gives back unchanged: a grading run logs ~50 such values per result
    return json.loads(canonical(value))


@dataclass(frozen=True)
class Entry:
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    state: str  # canonical JSON; "null": the object no longer exists
    outcome: str
    hash: str

    def body(self) -> str:
        return canonical({"seq": self.seq, "at": self.at, "actor": self.actor, "action": self.action,
                          "object_type": self.object_type, "object_id": self.object_id, "state": self.state,
                          "outcome": self.outcome})


def chain(previous: str, body: str) -> str:
    return hashlib.sha256((previous + body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Change:
    """What one entry says: an action on one object, and the object's state after it."""

    action: str
    object_type: str
    object_id: str
    state: dict[str, Any] | None
    outcome: str = "ok"


def _hold_head(session: Session) -> AuditHeadRow:
    """The head, held until commit: FOR UPDATE on PostgreSQL; on SQLite a write that changes
    nothing takes the database's write lock."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=AuditHeadRow.seq))
        head = session.get(AuditHeadRow, 1, populate_existing=True)
    else:
        head = session.get(AuditHeadRow, 1, with_for_update=True, populate_existing=True)
    if head is None:  # a gradebook made without the migration's first row
        head = AuditHeadRow(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    return head


def append_many(session: Session, actor: Actor, changes: Sequence[Change],
                now: datetime | None = None) -> list[Entry]:
    """Append one entry per change, in order, under one hold of the head."""
    if not changes:
        return []
    at = now or datetime.now()
    head = _hold_head(session)
    entries: list[Entry] = []
    seq, previous = head.seq, head.hash
    for change in changes:
        seq += 1
        draft = Entry(seq, at, actor.name, change.action, change.object_type, change.object_id,
                      canonical(change.state), change.outcome, "")
        previous = chain(previous, draft.body())
        entries.append(Entry(**{**draft.__dict__, "hash": previous}))
    session.execute(insert(cast(Table, AuditRow.__table__)), [dict(e.__dict__) for e in entries])  # Core, not ORM bulk
    head.seq, head.hash = seq, previous
    session.flush()
    return entries


def append(session: Session, actor: Actor, action: str, object_type: str, object_id: str,
           state: dict[str, Any] | None, outcome: str = "ok", now: datetime | None = None) -> Entry:
    """Append one entry (see append_many)."""
    return append_many(session, actor, [Change(action, object_type, object_id, state, outcome)], now)[0]


def object_key(row: object) -> str:
    """A row's primary key as the log names it ("12", or "12/3" for a composite key)."""
    identity = inspect(row).identity
    if identity is None:
        raise ValueError("flush the row before logging it")
    return "/".join(str(part) for part in identity)


def record(session: Session, actor: Actor, action: str, rows: Sequence[object],
           now: datetime | None = None) -> list[Entry]:
    """Log the new state of each (flushed) row of an audited table."""
    from grader.audit.tables import snapshot

    session.flush()
    changes = [Change(action, inspect(row).mapper.local_table.name, object_key(row), snapshot(session, row))
               for row in rows]
    return append_many(session, actor, changes, now)


def entries(session: Session) -> list[Entry]:
    """The whole log, in order."""
    rows = session.execute(select(AuditRow).order_by(AuditRow.seq)).scalars()
    return [Entry(r.seq, r.at, r.actor, r.action, r.object_type, r.object_id, r.state, r.outcome, r.hash)
            for r in rows]
