"""What certificate issuing asks before it signs: do the rows a certificate rests on (the person,
their results, their gate records) stand as the audit log says? Nothing is certified that the log
does not vouch for."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.audit.verify import row_findings
from grader.gradebook.models import GateRecordRow, PersonRow, ResultRow

_CHUNK = 500


def unvouched(session: Session, person_ids: Sequence[str]) -> dict[str, list[str]]:
    """person id -> the findings on the rows their certificate rests on (absent: all vouched for)."""
    ids = list(dict.fromkeys(person_ids))
    owners: dict[tuple[str, str], str] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        people = session.scalars(select(PersonRow.id).where(PersonRow.id.in_(chunk)))
        owners.update((("ql_person", p), p) for p in people)
        owners.update((("ql_result", str(r)), s) for r, s in session.execute(
            select(ResultRow.id, ResultRow.student_id).where(ResultRow.student_id.in_(chunk))))
        owners.update((("ql_gate_record", str(r)), p) for r, p in session.execute(
            select(GateRecordRow.id, GateRecordRow.person_id).where(GateRecordRow.person_id.in_(chunk))))
    found: dict[str, list[str]] = {}
    for table in ("ql_person", "ql_result", "ql_gate_record"):
        keys = [k for (t, k) in owners if t == table]
        for key, finding in row_findings(session, table, keys):
            found.setdefault(owners[(table, key)], []).append(finding)
    return found
