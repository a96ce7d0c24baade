"""Saving answers: every value a browser sends is checked here, kept canonical (paper order and
letters) and logged, accepted or refused with the reason. Nothing raises for what was sent, so
the caller commits the log either way; the page may say 已保存 only after that commit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from grader.gradebook.models import AnswerEventRow, AnswerRow, MarkRow
from grader.scoring import MAX_ANSWER_CHARS
from grader.sitting.attempt import AttemptView, Held, hold
from grader.sitting.errors import SittingError

LOGGED_CHARS = 2000  # of a refused or accepted value, in the event log
EVENTS, ANSWERS, MARKS = (cast(Table, row.__table__) for row in (AnswerEventRow, AnswerRow, MarkRow))


@dataclass(frozen=True)
class Saved:
    accepted: bool
    reason: str  # why it was refused ("" when accepted)
    value: str  # the canonical value now stored
    saved_at: datetime | None = None
    deadline: datetime | None = None  # the attempt's, so the page can re-anchor its clock
    closed: bool = False  # the attempt takes no more saves (handed in, or its time is up): stop sending


def loggable(value: object) -> str:
    """A value as it can be stored whatever it holds: lone surrogates and NUL escaped, cut short."""
    text = value if isinstance(value, str) else repr(value)
    text = text[:LOGGED_CHARS].encode("utf-8", "backslashreplace").decode("utf-8")
    return text.replace("\x00", "\\x00")


def _refusal(value: object) -> str:
    """Why a value cannot be stored as an answer at all ('' when it can)."""
    if not isinstance(value, str):
        return "答案格式不正确"
    if len(value) > MAX_ANSWER_CHARS:
        return f"答案超过 {MAX_ANSWER_CHARS} 个字符，未保存，请删减后再保存"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "答案中含有无法保存的字符，请删除后重新输入"
    if "\x00" in value:
        return "答案中含有无法保存的控制字符，请删除后重新输入"
    return ""


def _check(held: Held, session: Session, position: object, shown: object, now: datetime) -> tuple[str, str]:
    """(reason, canonical value) for one save."""
    if held.submitted_at is not None:
        return "已交卷", ""
    if now > held.deadline:
        return "已超过考试时间", ""
    reason = _refusal(shown)
    if reason:
        return reason, ""
    assert isinstance(shown, str)
    is_position = isinstance(position, int) and not isinstance(position, bool)  # 1.0 and True are not 1
    item = next((p for p in held.items(session) if is_position and p.item.position == position), None)
    if item is None:
        return "没有这道题", ""
    canonical = item.to_paper(shown)
    if shown.strip() and item.item.type in ("single", "multiple", "truefalse") and not canonical:
        return "选项不存在", ""
    if _cell_length(item.item.name, item.item.type, canonical) > MAX_ANSWER_CHARS:
        return f"答案超过 {MAX_ANSWER_CHARS} 个字符（引号、换行按转义后计），未保存，请删减后再保存", ""
    return "", canonical


def _cell_length(name: str, kind: str, value: str) -> int:
    """The length of the answer cell the submission will hold, which is what the grader limits:
    an essay is a markdown cell holding the text, any other answer a `qNN = "..."` code line."""
    if kind == "essay":
        return len(value)
    return len(f"{name} = {json.dumps(value, ensure_ascii=False)}")


def save(session: Session, attempt_id: int, admission_no: str, position: int, shown: str, now: datetime) -> Saved:
    """Keep one answer of the seat's attempt, as the candidate sees it (`shown` letters are theirs).
    Two statements: the attempt held with its seat's facts, then the event and the answer written
    together (one statement on PostgreSQL; the answer an upsert on its primary key)."""
    held = hold(session, attempt_id, admission_no)
    if held is None:
        return Saved(False, "没有这次作答", "")
    reason, canonical = _check(held, session, position, shown, now)
    storable = isinstance(position, int) and not isinstance(position, bool) and 0 <= position < 2**31
    event = {"attempt_id": attempt_id, "position": position if storable else -1, "value": loggable(shown),
             "accepted": not reason, "reason": reason, "at": now}
    _write(session.connection(), event, None if reason else canonical)
    if reason:
        closed = held.submitted_at is not None or now > held.deadline
        return Saved(False, reason, "", None, held.deadline, closed)
    return Saved(True, "", canonical, now, held.deadline)


def _upsert(insert: Any) -> Any:
    upsert = insert(ANSWERS).values(attempt_id=bindparam("attempt_id"), position=bindparam("position"),
                                    value=bindparam("canonical"), saved_at=bindparam("at"))
    return upsert.on_conflict_do_update(index_elements=["attempt_id", "position"],
                                        set_={"value": upsert.excluded.value, "saved_at": upsert.excluded.saved_at})


# built once: a save only binds its values (no statement to build or compile per request)
_EVENT = EVENTS.insert().values(attempt_id=bindparam("attempt_id"), position=bindparam("position"),
                                value=bindparam("value"), accepted=bindparam("accepted"),
                                reason=bindparam("reason"), at=bindparam("at"))
_ACCEPTED = {  # PostgreSQL: the event rides along as a data-modifying CTE, one round trip
    "postgresql": (_upsert(postgresql.insert).add_cte(_EVENT.cte("logged")),),
    "sqlite": (_EVENT, _upsert(sqlite.insert)),
}


def _write(connection: Connection, event: dict[str, Any], canonical: str | None) -> None:
    """The answer event, and (accepted) the answer: a new row or the item's row replaced."""
    if canonical is None:
        connection.execute(_EVENT, event)
        return
    for statement in _ACCEPTED[connection.dialect.name]:
        connection.execute(statement, {**event, "canonical": canonical})


def save_answer(session: Session, view: AttemptView, position: int, shown: str, now: datetime) -> Saved:
    """save() for a view in hand (the Voila room)."""
    return save(session, view.attempt_id, view.admission_no, position, shown, now)


def mark(session: Session, attempt_id: int, admission_no: str, position: int, marked: bool, now: datetime) -> None:
    """Mark an item for review (标记) or clear the mark; refused once the attempt is submitted."""
    held = hold(session, attempt_id, admission_no)
    if held is None:
        raise SittingError("没有这次作答")
    if held.submitted_at is not None or now > held.deadline:
        raise SittingError("已交卷" if held.submitted_at is not None else "已超过考试时间")
    if not any(p.item.position == position for p in held.items(session)):
        raise SittingError("没有这道题")
    connection, marks = session.connection(), MARKS
    if marked:
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        connection.execute(insert(marks).values(attempt_id=attempt_id, position=position).on_conflict_do_nothing())
    else:
        connection.execute(delete(marks).where(marks.c.attempt_id == attempt_id, marks.c.position == position))
