"""What the auditor's page asks of the log: entries by person, actor, action and time; the same as a
workbook; and the verify result beside the date of the last checkpoint signed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from grader.audit.log import Entry, canonical
from grader.gradebook.models import AuditRow, CertificateRow
from grader.staff.roles import ACTIONS, Actor, authorize
from grader.workbook import workbook

COLUMNS = ("序号", "时间", "操作人", "操作", "对象", "编号", "结果", "新状态", "哈希")
CHECKPOINT = "audit.checkpoint"


@dataclass(frozen=True)
class Query:
    person: str = ""  # a roster number: entries about the person or their rows
    actor: str = ""  # a staff member's name (part of it)
    action: str = ""  # e.g. gate.record, cert.issue (a prefix: "gate" finds all gate actions)
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 1000


def search(session: Session, actor: Actor, query: Query) -> list[Entry]:
    """Entries matching every filter given, newest first (at most query.limit)."""
    authorize(actor, "audit.read")
    statement = select(AuditRow).order_by(AuditRow.seq.desc()).limit(max(1, min(query.limit, 10000)))
    if query.person.strip():
        person = query.person.strip()
        serials = select(CertificateRow.serial).where(CertificateRow.person_id == person)
        statement = statement.where(or_(
            (AuditRow.object_type == "ql_person") & (AuditRow.object_id == person),
            (AuditRow.object_type == "ql_certificate_revocation") & AuditRow.object_id.in_(serials),
            *(AuditRow.state.contains(canonical({key: person})[1:-1]) for key in ("person_id", "student_id"))))
    if query.actor.strip():
        statement = statement.where(AuditRow.actor.contains(query.actor.strip()))
    if query.action.strip():
        statement = statement.where(AuditRow.action.startswith(query.action.strip()))
    if query.since:
        statement = statement.where(AuditRow.at >= query.since)
    if query.until:
        statement = statement.where(AuditRow.at <= query.until)
    return [Entry(r.seq, r.at, r.actor, r.action, r.object_type, r.object_id, r.state, r.outcome, r.hash)
            for r in session.scalars(statement)]


def action_label(action: str) -> str:
    known = ACTIONS.get(action.split("（", 1)[0])
    return f"{known[0]}（{action}）" if known else action


def entries_xlsx(entries: Sequence[Entry]) -> bytes:
    """The entries as an Excel workbook (one sheet, bold frozen header)."""
    rows = [[e.seq, e.at, e.actor, action_label(e.action), e.object_type, e.object_id,
             "成功" if e.outcome == "ok" else e.outcome, e.state, e.hash] for e in entries]
    return workbook([("审计日志", COLUMNS, rows)])


def last_checkpoint(session: Session) -> datetime | None:
    """When the last checkpoint was signed (`qinglian audit checkpoint` logs each one)."""
    return session.scalar(select(AuditRow.at).where(AuditRow.action == CHECKPOINT).order_by(AuditRow.seq.desc())
                          .limit(1))
