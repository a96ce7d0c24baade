"""Promotion cases (任职事项), written by the organisation department: open a case for a person
(拟任职务, 公示 dates, decision date, who opened it), record its talk, oath and commitment for it
(refused, with the reason, when the date does not fit the order the programme sets), and end it
once: closed (办结) or cancelled (取消任用资格), with who, when and why. The caller commits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader.audit import log as audit_log
from grader.gradebook.models import PersonRow, PromotionCaseRow
from grader.programmes.case_status import CaseStatus, case_statuses, order_problem
from grader.programmes.evidence import Case, GateRecord, case_view, cases_of
from grader.programmes.spec import Programme
from grader.records.gate import RecordError, record_step
from grader.records.locking import hold
from grader.staff.roles import Actor, authorize

_MAX_POSITION = 128


def _programme_with_cases(programme: Programme) -> None:
    if not programme.cases:
        raise RecordError(f"{programme.title}不按任职事项办理（{programme.file} 中没有 case）")


def open_case(session: Session, programme: Programme, person_id: str, position: str, notice_start: date,
              notice_end: date, opened_by: Actor, decision_on: date | None = None,
              now: datetime | None = None) -> Case:
    """Open a case. Refused: an unknown person, no post or opener, 公示 ending before it starts, a
    decision before 公示 ends, or an open case of this programme for the person already (the
    database's unique index decides when two are opened at once)."""
    now = now or datetime.now()
    _programme_with_cases(programme)
    if hold(session, PersonRow, person_id) is None:  # one case at a time is opened for a person
        raise RecordError(f"名单中没有编号为 {person_id!r} 的人员（请先导入名单：qinglian roster import）")
    if not position.strip() or len(position.strip()) > _MAX_POSITION:
        raise RecordError(f"请填写拟任职务（不超过 {_MAX_POSITION} 个字）")
    authorize(opened_by, "case.open")
    if notice_end < notice_start:
        raise RecordError(f"公示结束日期 {notice_end:%Y-%m-%d} 早于公示开始日期 {notice_start:%Y-%m-%d}")
    if decision_on is not None and decision_on < notice_end:
        raise RecordError(f"任职决定日期 {decision_on:%Y-%m-%d} 早于公示结束日期 {notice_end:%Y-%m-%d}")
    for case in cases_of(session, [person_id], programme.id, open_only=True).get(person_id, []):
        raise RecordError(f"{person_id} 已有办理中的任职事项 #{case.id}（拟任{case.position}），请先办结或取消")
    row = PromotionCaseRow(person_id=person_id, programme=programme.id, position=position.strip(),
                           notice_start=notice_start, notice_end=notice_end, decision_on=decision_on,
                           opened_by=opened_by.name, opened_at=now, state="open", end_reason="")
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as error:
        raise RecordError(f"{person_id} 已有办理中的任职事项（刚由他人建立），请刷新后查看") from error
    audit_log.record(session, opened_by, "case.open", [row], now)
    return case_view(row)


def get_case(session: Session, case_id: int) -> Case:
    row = session.get(PromotionCaseRow, case_id)
    if row is None:
        raise RecordError(f"没有编号为 #{case_id} 的任职事项")
    return case_view(row)


def _open(session: Session, case_id: int) -> PromotionCaseRow:
    row = hold(session, PromotionCaseRow, case_id)
    if row is None:
        raise RecordError(f"没有编号为 #{case_id} 的任职事项")
    if row.state != "open":
        ended = "办结" if row.state == "closed" else "取消任用资格"
        raise RecordError(f"任职事项 #{case_id} 已{ended}，不能再记录或修改")
    return row


def record_case_step(session: Session, programme: Programme, case_id: int, kind: str, on: date, recorded_by: Actor,
                     notes: str = "", text: str | None = None, now: datetime | None = None) -> GateRecord:
    """Record the talk, oath or commitment of an open case. Refused with the reason when the
    programme has no such step, the date does not fit the case's dates (a talk before 公示
    starts), or the programme requires the text and there is none."""
    _programme_with_cases(programme)
    case = case_view(_open(session, case_id))
    spec = programme.step(kind)
    if spec is None or spec.kind != "record":
        steps = "、".join(s.label for s in programme.steps if s.kind == "record")
        raise RecordError(f"{programme.title}的任职事项没有“{kind}”这一环节（可记录：{steps}）")
    problem = order_problem(spec, case, on)
    if problem:
        raise RecordError(f"不能记录：{problem}（任职事项 #{case.id}，规则：{_rule_of(programme, spec.label)}）")
    if spec.text_required and not (text or "").strip():
        raise RecordError(f"{spec.label}须保留全文，内容不能为空")
    return record_step(session, case.person_id, kind, on, recorded_by, notes, text, now, case_id=case.id)


def _rule_of(programme: Programme, label: str) -> str:
    rule = next((r for r in programme.rules if r.name == f"{label}时间"), None)
    return f"{rule.value}；依据：{rule.basis}" if rule else ""


def end_case(session: Session, case_id: int, how: str, by: Actor, reason: str, now: datetime | None = None) -> Case:
    """End an open case once: `closed` (办结: appointed, or withdrawn) or `cancelled` (取消任用资格)."""
    if how not in ("closed", "cancelled"):
        raise RecordError(f"结束方式应为 closed（办结）或 cancelled（取消任用资格），而不是 {how!r}")
    authorize(by, "case.end")
    if not reason.strip():
        raise RecordError("结束任职事项须写明原因")
    now = now or datetime.now()
    row = _open(session, case_id)
    row.state, row.ended_by, row.ended_at, row.end_reason = how, by.name, now, reason.strip()
    audit_log.record(session, by, "case.end", [row], now)
    return case_view(row)


def cancel_exhausted(session: Session, programme: Programme, by: Actor, now: datetime | None = None) -> list[Case]:
    """Mark 已取消任用资格 on every open case whose re-sits are used up without a pass (the status
    already says so; this ends the case, with the rule's reason)."""
    now = now or datetime.now()
    rows = session.scalars(select(PromotionCaseRow).where(PromotionCaseRow.programme == programme.id,
                                                          PromotionCaseRow.state == "open")
                           .order_by(PromotionCaseRow.id))
    open_cases = [case_view(row) for row in rows]
    ended = []
    for status in case_statuses(session, programme, open_cases, now):
        if status.tries.exhausted:
            ended.append(end_case(session, status.case.id, "cancelled", by, status.tries.exhausted, now))
    return ended


def person_cases(session: Session, programme: Programme, person_id: str,
                 now: datetime | None = None) -> list[CaseStatus]:
    """A person's cases of the programme, oldest first, each judged."""
    return case_statuses(session, programme, cases_of(session, [person_id], programme.id).get(person_id, []), now)
