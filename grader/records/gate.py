"""Gate steps the organisation department records by hand (廉政谈话, 廉政宣誓, 廉政公开承诺, the
yearly theory study and 廉政党课): who recorded what, when it happened, and the commitment's own
words. Rows are only ever added: a correction or a withdrawal is a new row naming the row it
replaces, with who made it, when and why, so the trail is complete. The caller owns the transaction."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.audit import log as audit_log
from grader.gradebook.models import GateRecordRow, PersonRow
from grader.programmes.evidence import CHUNK, CROWD, GateRecord, for_people, in_force, records_of
from grader.programmes.evidence import record_view as _view
from grader.programmes.spec import RECORD_KINDS
from grader.staff.roles import Actor, authorize

__all__ = ["ACTIONS", "CHUNK", "CROWD", "RECORD_KINDS", "GateRecord", "RecordError", "correct_step", "for_people",
           "in_force", "record_step", "records_of", "withdraw_step"]
ACTIONS = {"record": "记录", "correct": "更正", "withdraw": "撤销"}
_MAX_NAME = 64


class RecordError(ValueError):
    """A gate step that cannot be recorded; the message says why, in Chinese."""


def _check_recorder(recorded_by: Actor, action: str) -> None:
    """The recorder is a signed-in staff member whose role may record (never a typed name)."""
    authorize(recorded_by, action)
    if not recorded_by.name.strip():
        raise RecordError("请填写记录人")
    if len(recorded_by.name) > _MAX_NAME:
        raise RecordError(f"记录人不能超过 {_MAX_NAME} 个字")


def _check_step(session: Session, person_id: str, kind: str, recorded_by: Actor, text: str | None,
                action: str = "gate.record") -> None:
    if session.get(PersonRow, person_id) is None:
        raise RecordError(f"名单中没有编号为 {person_id!r} 的人员（请先导入名单：qinglian roster import）")
    if kind not in RECORD_KINDS:
        known = "、".join(f"{k}（{v}）" for k, v in RECORD_KINDS.items())
        raise RecordError(f"未知的记录类别 {kind!r}，可用：{known}")
    _check_recorder(recorded_by, action)
    if kind == "commitment" and not (text or "").strip():
        raise RecordError("廉政公开承诺须保留承诺的全文，承诺内容不能为空")
    if kind != "commitment" and text is not None and text.strip():
        raise RecordError(f"只有廉政公开承诺保留全文；{RECORD_KINDS[kind]}请把内容写在备注中")


def _check_date(on: object, now: datetime) -> date:
    if not isinstance(on, date) or isinstance(on, datetime):
        raise RecordError(f"日期应为年-月-日（如 2026-03-01），而不是 {on!r}")
    if on > now.date():
        raise RecordError(f"日期 {on:%Y-%m-%d} 晚于今天（{now:%Y-%m-%d}），不能记录尚未发生的事项")
    return on


def record_step(session: Session, person_id: str, kind: str, on: date, recorded_by: Actor, notes: str = "",
                text: str | None = None, now: datetime | None = None, case_id: int | None = None) -> GateRecord:
    """Record that a gate step happened on `on`. Refused: an unknown person or kind, a date
    after today, no recorder, a commitment without its text, or the same step on the same day
    already in force (correct that record instead)."""
    now = now or datetime.now()
    _check_step(session, person_id, kind, recorded_by, text)
    on = _check_date(on, now)
    for record in in_force(session, [person_id]).get(person_id, []):
        if record.kind == kind and record.happened_on == on and record.case_id == case_id:
            raise RecordError(f"{person_id} 已有 {on:%Y-%m-%d} 的{RECORD_KINDS[kind]}记录（#{record.id}），"
                              "如需修改请更正该记录")
    row = GateRecordRow(person_id=person_id, kind=kind, action="record", replaces=None, happened_on=on,
                        recorded_by=recorded_by.name, recorded_at=now, notes=notes.strip(),
                        text=text.strip() if text else None, reason="", case_id=case_id)
    session.add(row)
    audit_log.record(session, recorded_by, "gate.record", [row], now)
    return _view(row, True)


def _current(session: Session, record_id: int) -> GateRecordRow:
    row = session.get(GateRecordRow, record_id)
    if row is None:
        raise RecordError(f"没有编号为 #{record_id} 的记录")
    later = session.scalar(select(GateRecordRow.id).where(GateRecordRow.replaces == record_id))
    if later is not None:
        raise RecordError(f"记录 #{record_id} 已被记录 #{later} 更正或撤销，只能修改最新的记录")
    if row.action == "withdraw":
        raise RecordError(f"记录 #{record_id} 是一条撤销记录，不能再修改")
    return row


# the certificate that rests on a gate step (theory study and party lectures earn none)
CERTIFICATE_OF_STEP = {"talk": "promotion_gate", "oath": "promotion_gate", "commitment": "promotion_gate"}


def _revoke_certificates(session: Session, row: GateRecordRow, actor: Actor, now: datetime) -> None:
    """A certificate issued on the record as it was no longer proves anything: revoke it, with the
    correction's reason. A new one can be issued from the corrected record."""
    from grader.certificates.revocation import revoke_for_person

    programme = CERTIFICATE_OF_STEP.get(row.kind)
    if programme and row.reason:
        revoke_for_person(session, row.person_id, programme, f"关口记录更正：{row.reason}", actor, now)


def correct_step(session: Session, record_id: int, recorded_by: Actor, reason: str, *, on: date | None = None,
                 notes: str | None = None, text: str | None = None, now: datetime | None = None) -> GateRecord:
    """Correct a record in force: a new row replaces it (fields not given are carried over);
    the old row stays, so the trail shows what was changed, by whom, when and why."""
    now = now or datetime.now()
    old = _current(session, record_id)
    if not reason.strip():
        raise RecordError("更正记录须说明原因")
    new_text = old.text if text is None else text
    _check_step(session, old.person_id, old.kind, recorded_by, new_text, "gate.correct")
    happened = _check_date(old.happened_on if on is None else on, now)
    row = GateRecordRow(person_id=old.person_id, kind=old.kind, action="correct", replaces=old.id,
                        happened_on=happened, recorded_by=recorded_by.name, recorded_at=now,
                        notes=old.notes if notes is None else notes.strip(),
                        text=new_text.strip() if new_text else None, reason=reason.strip(), case_id=old.case_id)
    session.add(row)
    audit_log.record(session, recorded_by, "gate.correct", [row], now)
    _revoke_certificates(session, row, recorded_by, now)
    return _view(row, True)


def withdraw_step(session: Session, record_id: int, recorded_by: Actor, reason: str,
                  now: datetime | None = None) -> GateRecord:
    """Withdraw a record in force (recorded in error): a withdrawal row replaces it."""
    now = now or datetime.now()
    old = _current(session, record_id)
    if not reason.strip():
        raise RecordError("撤销记录须说明原因")
    _check_recorder(recorded_by, "gate.withdraw")
    row = GateRecordRow(person_id=old.person_id, kind=old.kind, action="withdraw", replaces=old.id,
                        happened_on=None, recorded_by=recorded_by.name, recorded_at=now, notes="", text=None,
                        reason=reason.strip(), case_id=old.case_id)
    session.add(row)
    audit_log.record(session, recorded_by, "gate.withdraw", [row], now)
    _revoke_certificates(session, row, recorded_by, now)
    return _view(row, False)
