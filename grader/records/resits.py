"""Re-sits (补考): who may sit again, by the programme's rule (how many re-sits, within how many
months of the first fail). Sitting creation calls `resit_decisions` with the people of the sitting
being re-sat: those allowed get a seat, the others are refused with the reason. After the last
allowed fail the case is 已取消任用资格 (grader.programmes.case_status; `cases.cancel_exhausted`
ends such cases)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.gradebook.models import SittingCandidateRow, SittingRow
from grader.programmes.case_status import CaseStatus, case_statuses
from grader.programmes.evidence import cases_of
from grader.programmes.spec import Programme
from grader.records.gate import RecordError


@dataclass(frozen=True)
class ResitDecision:
    person_id: str
    allowed: bool
    reason: str  # why not, or which re-sit this is and until when
    case_id: int | None = None
    number: int = 0  # which re-sit this would be (1: the first)


def _decide(person: str, status: CaseStatus | None, programme: Programme, on: date) -> ResitDecision:
    if status is None:
        return ResitDecision(person, False, f"没有办理中的{programme.title}任职事项")
    tries, case = status.tries, status.case
    if tries.exhausted:
        return ResitDecision(person, False, f"已取消任用资格：{tries.exhausted}", case.id)
    if tries.counted is None:
        return ResitDecision(person, False, "尚未参加首次测试，不是补考", case.id)
    if tries.counted.passed:
        return ResitDecision(person, False, f"已通过（{tries.counted.score:g} 分），无需补考", case.id)
    assert tries.window_ends is not None and tries.resits_left is not None
    if on > tries.window_ends:
        return ResitDecision(person, False, f"补考须在 {tries.window_ends:%Y-%m-%d} 前进行（首次未通过后 "
                             f"{programme.resit.window_months if programme.resit else 0} 个月内），"
                             f"本场在 {on:%Y-%m-%d}", case.id)
    number = tries.resits_used + 1
    return ResitDecision(person, True, f"第 {number} 次补考（至多 {tries.resits_used + tries.resits_left} 次，"
                         f"{tries.window_ends:%Y-%m-%d} 前）", case.id, number)


def resit_decisions(session: Session, programme: Programme, person_ids: Sequence[str], on: date,
                    now: datetime | None = None) -> list[ResitDecision]:
    """For each person (in the order given): may they re-sit on `on`, and why (not)."""
    if programme.resit is None:
        raise RecordError(f"{programme.title}没有补考规则（{programme.file} 中没有 resit）")
    now = now or datetime.combine(on, time())
    found = cases_of(session, list(person_ids), programme.id, open_only=True)
    statuses = {s.case.person_id: s for s in case_statuses(
        session, programme, [c for cases in found.values() for c in cases[-1:]], now)}
    return [_decide(person, statuses.get(person), programme, on) for person in dict.fromkeys(person_ids)]


def resit_of_sitting(session: Session, programme: Programme, sitting_id: str, on: date,
                     now: datetime | None = None) -> list[ResitDecision]:
    """`qinglian sitting create --resit-of SITTING`: everyone seated in that sitting, decided."""
    if session.get(SittingRow, sitting_id) is None:
        raise RecordError(f"没有场次 {sitting_id!r}")
    people = list(session.scalars(select(SittingCandidateRow.student_id)
                                  .where(SittingCandidateRow.sitting_id == sitting_id)
                                  .order_by(SittingCandidateRow.student_id)))
    return resit_decisions(session, programme, people, on, now)


def resit_seats(session: Session, programme: Programme, of_sitting: str, on: date,
                now: datetime | None = None) -> tuple[list[str], list[ResitDecision]]:
    """For `qinglian sitting create --resit-of SITTING`: (the people to seat, every decision with
    its reason). Refused when nobody may re-sit, so an empty re-sit sitting is never made."""
    decisions = resit_of_sitting(session, programme, of_sitting, on, now)
    allowed = [d.person_id for d in decisions if d.allowed]
    if not allowed:
        reasons = "；".join(f"{d.person_id}：{d.reason}" for d in decisions) or "该场次没有考生"
        raise RecordError(f"场次 {of_sitting} 没有可以补考的人（{reasons}）")
    return allowed, decisions
