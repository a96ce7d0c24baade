"""Tab switches and window blurs the page reports: recorded per attempt; a sitting may set a
limit after which the attempt is submitted (off unless the sitting says so)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.gradebook.models import AttemptEventRow, SittingRow
from grader.sitting.attempt import owned_attempt
from grader.sitting.errors import SittingError

KINDS = ("blur", "hidden")


@dataclass(frozen=True)
class EventOutcome:
    count: int  # switches recorded for this attempt, this one included
    limit: int | None  # the sitting's limit (None: no limit)
    submitted: bool  # this event reached the limit and the attempt was submitted (grade it next)


def switch_count(session: Session, attempt_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(AttemptEventRow)
                              .where(AttemptEventRow.attempt_id == attempt_id)) or 0)


def record_event(session: Session, root: Path, attempt_id: int, admission_no: str, kind: str,
                 now: datetime) -> EventOutcome:
    """Record one switch of an open attempt; refused for an unknown kind or a closed attempt."""
    if kind not in KINDS:
        raise SittingError(f"未知的事件：{kind[:32]}")
    attempt, seat = owned_attempt(session, attempt_id, admission_no, lock=True)
    sitting = session.get(SittingRow, seat.sitting_id)
    assert sitting is not None
    limit = sitting.switch_limit
    if attempt.submitted_at is not None or now > attempt.deadline:
        return EventOutcome(switch_count(session, attempt.id), limit, False)
    session.add(AttemptEventRow(attempt_id=attempt.id, kind=kind, at=now))
    session.flush()
    count = switch_count(session, attempt.id)
    if limit is None or count < limit:
        return EventOutcome(count, limit, False)
    from grader.sitting.submission import submit_attempt

    submit_attempt(session, root, attempt.id, now, how="switches", admission_no=admission_no)
    return EventOutcome(count, limit, True)
