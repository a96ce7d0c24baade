"""Personal study codes for learners without a JupyterHub account: issued like exam codes (six
digits, only an HMAC under the workspace secret is stored, grader.sitting.codes), handed out on a
printable list, and checked with a lockout after repeated failures. A roster number and a name,
known to every colleague, no longer sign anyone in."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.audit.log import append
from grader.gradebook.models import PersonRow, StudyCodeRow
from grader.sitting.codes import digest, matches, new_code
from grader.staff.roles import Actor, authorize, system

MAX_TRIES = 5
LOCK_MINUTES = 15


class StudyCodeError(Exception):
    """A sign-in refused; the message says why, in Chinese."""


@dataclass(frozen=True)
class IssuedCode:
    person_id: str
    name: str
    unit: str
    code: str  # shown once, on the printed list; never stored


def _subject(person_id: str) -> str:
    return f"study:{person_id}"  # never the same message as a seat's admission number


def issue_study_codes(session: Session, secret: bytes, person_ids: Sequence[str], actor: Actor,
                      now: datetime | None = None) -> list[IssuedCode]:
    """A new code for each person (an old one stops working); the caller prints the list and commits."""
    authorize(actor, "roster.import")
    now = now or datetime.now()
    issued: list[IssuedCode] = []
    for person in session.scalars(select(PersonRow).where(PersonRow.id.in_(list(person_ids))).order_by(PersonRow.id)):
        code = new_code()
        row = session.get(StudyCodeRow, person.id) or StudyCodeRow(person_id=person.id)
        row.code_hash, row.issued_at, row.failed_tries, row.locked_until = (digest(secret, _subject(person.id), code),
                                                                            now, 0, None)
        session.add(row)
        issued.append(IssuedCode(person.id, person.name, person.unit, code))
    for item in issued:  # the log says a code was issued, never the code
        append(session, actor, "study_code.issue", "ql_study_code", item.person_id, {"issued_at": now}, now=now)
    return issued


def write_code_list(issued: Sequence[IssuedCode], path: Path) -> None:
    """The list to print and cut into slips (CSV, UTF-8 with BOM so Excel opens it)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["编号", "姓名", "单位", "学习码"])
        writer.writerows([i.person_id, i.name, i.unit, i.code] for i in issued)


def check_study_code(session: Session, secret: bytes, person_id: str, code: str, now: datetime | None = None) -> None:
    """Refused: no code issued, a locked account, a wrong code (the MAX_TRIES-th locks it for a while).
    The caller commits even on a refusal, so the count is kept."""
    now = now or datetime.now()
    row = session.get(StudyCodeRow, person_id.strip())
    if row is None:
        raise StudyCodeError("编号或学习码不正确（还没有学习码的，请向组织部门领取）")
    if row.locked_until and row.locked_until > now:
        raise StudyCodeError(f"学习码错误次数过多，已锁定至 {row.locked_until:%H:%M}，请稍后再试")
    if not matches(secret, _subject(row.person_id), code.strip(), row.code_hash):
        row.failed_tries += 1
        if row.failed_tries >= MAX_TRIES:
            row.failed_tries, row.locked_until = 0, now + timedelta(minutes=LOCK_MINUTES)
        raise StudyCodeError("编号或学习码不正确")
    row.failed_tries, row.locked_until = 0, None


def demo_study_codes(session: Session, secret: bytes, root: Path, person_ids: Sequence[str],
                     now: datetime | None = None) -> tuple[list[IssuedCode], Path]:
    """The demo learners' codes, new on every demo run, listed in <workspace>/.qinglian/demo-study-codes.csv
    (readable by its owner only), where the demo's user finds them."""
    issued = issue_study_codes(session, secret, person_ids, system("演示数据"), now)
    path = root / ".qinglian" / "demo-study-codes.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    path.chmod(0o600)
    write_code_list(issued, path)
    return issued, path
