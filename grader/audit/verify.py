"""Verifying the audit log: recompute the chain, compare it with its head and with signed
checkpoints, and compare every audited table's current rows with the state the log says they must
have. Each finding is one plain Chinese sentence naming the row."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from grader.audit.checkpoint import Checkpoint
from grader.audit.log import GENESIS, Entry, chain, entries
from grader.audit.tables import AUDITED, Audited, current_states
from grader.gradebook.models import AuditHeadRow

_MISSING: dict[str, Any] = {}  # no entry for the row (compared by identity)


@dataclass(frozen=True)
class Report:
    entries: int
    head_seq: int
    findings: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return not self.findings


def _chain_findings(log: Sequence[Entry], head: AuditHeadRow | None) -> list[str]:
    found: list[str] = []
    previous = GENESIS
    for expected, entry in enumerate(log, start=1):
        if entry.seq != expected:
            found.append(f"审计日志第 {expected} 条起缺失（下一条是第 {entry.seq} 条）：日志中有记录被删除")
            return found
        if chain(previous, entry.body()) != entry.hash:
            found.append(f"审计日志第 {entry.seq} 条（{entry.action} {entry.object_type} #{entry.object_id}）"
                         "的内容与其哈希不符：该条被改写")
        previous = entry.hash
    last = log[-1] if log else None
    if head is not None and head.seq > (last.seq if last else 0):
        first = (last.seq if last else 0) + 1
        found.append(f"审计日志最后 {head.seq - first + 1} 条（第 {first}–{head.seq} 条）被删除")
    elif head is not None and last is not None and (head.seq, head.hash) != (last.seq, last.hash):
        found.append(f"审计日志的链头（第 {head.seq} 条）与最后一条（第 {last.seq} 条）不符")
    return found


def _checkpoint_findings(log: Sequence[Entry], checkpoints: Sequence[Checkpoint]) -> list[str]:
    found: list[str] = []
    by_seq = {e.seq: e for e in log}
    for point in checkpoints:
        entry = by_seq.get(point.seq)
        when = f"{point.at:%Y-%m-%d %H:%M}"
        if entry is None:
            found.append(f"检查点（{when}，第 {point.seq} 条）之后审计日志被截短：现在只有 {len(log)} 条")
        elif entry.hash != point.hash:
            found.append(f"检查点（{when}，第 {point.seq} 条）之后审计日志被改写：第 {point.seq} 条的哈希与检查点不符")
    return found


def _show(value: Any) -> str:
    if value is None:
        return "空"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        return value if len(value) <= 40 else value[:37] + "…"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"


def _difference(audited: Audited, key: str, logged: dict[str, Any], now: dict[str, Any]) -> str:
    columns = [*now, *(c for c in logged if c not in now)]
    parts = [f"{audited.label(c)} {_show(logged.get(c))} 被改为 {_show(now.get(c))}"
             for c in columns if logged.get(c) != now.get(c)]
    return f"{audited.name} #{key}：{'，'.join(parts)}，没有对应的审计记录"


def _logged_states(log: Sequence[Entry]) -> dict[tuple[str, str], dict[str, Any] | None]:
    """(table, key) -> the state the last successful entry for it says; None: deleted."""
    states: dict[tuple[str, str], dict[str, Any] | None] = {}
    for entry in log:
        if entry.outcome == "ok" and entry.object_type in AUDITED:
            states[(entry.object_type, entry.object_id)] = json.loads(entry.state)
    return states


def _table_findings(session: Session, audited: Audited,
                    logged: dict[tuple[str, str], dict[str, Any] | None]) -> list[str]:
    found: list[str] = []
    seen: set[str] = set()
    for key, state, row in current_states(session, audited):
        seen.add(key)
        expected = logged.get((audited.name, key), _MISSING)
        if expected is _MISSING:
            if not audited.unlogged_ok(row):
                found.append(f"{audited.name} #{key}：审计日志中没有这一行，是绕过平台写入的")
        elif expected is None:
            found.append(f"{audited.name} #{key}：审计日志记载该行已删除，现在却存在")
        elif expected != state and not audited.unlogged_ok(row):
            found.append(_difference(audited, key, expected, state))
    for (table, key), expected in logged.items():
        if table == audited.name and key not in seen and expected is not None:
            found.append(f"{table} #{key}：该行已被删除，没有对应的审计记录")
    return found


def verify(session: Session, checkpoints: Sequence[Checkpoint] = ()) -> Report:
    """Everything the log and the tables disagree on (nothing: an untouched gradebook)."""
    log = entries(session)
    head = session.get(AuditHeadRow, 1)
    findings = _chain_findings(log, head) + _checkpoint_findings(log, checkpoints)
    logged = _logged_states(log)
    for audited in AUDITED.values():
        findings.extend(_table_findings(session, audited, logged))
    return Report(len(log), head.seq if head else 0, tuple(findings))


def row_findings(session: Session, table: str, keys: Sequence[str]) -> list[tuple[str, str]]:
    """(key, finding) for some rows only: what certificate issuing checks before it signs."""
    from grader.audit.tables import states_by_key

    logged: dict[str, dict[str, Any] | None] = {}
    for entry in entries_for(session, table, keys):
        if entry.outcome == "ok":
            logged[entry.object_id] = json.loads(entry.state)
    audited = AUDITED[table]
    found = []
    for key, state in states_by_key(session, table, list(keys)).items():
        expected = logged.get(key, _MISSING)
        if expected is _MISSING:
            found.append((key, f"{table} #{key}：审计日志中没有这一行，是绕过平台写入的"))
        elif expected != state:
            found.append((key, _difference(audited, key, expected or {}, state)))
    return found


def entries_for(session: Session, table: str, keys: Sequence[str]) -> list[Entry]:
    from sqlalchemy import select

    from grader.gradebook.models import AuditRow

    found: list[Entry] = []
    keys = list(keys)
    for start in range(0, len(keys), 500):
        rows = session.scalars(select(AuditRow).where(AuditRow.object_type == table,
                                                      AuditRow.object_id.in_(keys[start:start + 500]))
                               .order_by(AuditRow.seq))
        found.extend(Entry(r.seq, r.at, r.actor, r.action, r.object_type, r.object_id, r.state, r.outcome, r.hash)
                     for r in rows)
    found.sort(key=lambda e: e.seq)
    return found
