"""What the gradebook says a person has done, read for many people at once: gate-step records
(and which are in force), study credits, promotion cases. Reading only: the writers are in
grader.records (gate, cases), which build on this module, never the other way round."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnClause, Row, Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from grader.gradebook.models import GateRecordRow, PromotionCaseRow, StudyCreditRow
from grader.programmes.spec import RECORD_KINDS

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])
CHUNK = 500  # people per IN list
CROWD = 5000  # above this many people one read of the whole table beats many IN lists (their binding costs)
CASE_STATES = {"open": "办理中", "closed": "已办结", "cancelled": "已取消任用资格"}


def for_people(query: Q, column: InstrumentedAttribute[str] | ColumnClause[Any], ids: Sequence[str]) -> list[Q]:
    """`query` narrowed to these people: one query per 500, or for a crowd the query as it is (the
    caller keeps only the rows of its people)."""
    if len(ids) > CROWD:
        return [query]
    return [query.where(column.in_(list(ids[i:i + CHUNK]))) for i in range(0, len(ids), CHUNK)]


@dataclass(frozen=True)
class GateRecord:
    id: int
    person_id: str
    kind: str
    action: str  # record | correct | withdraw
    replaces: int | None
    happened_on: date | None
    recorded_by: str
    recorded_at: datetime
    notes: str
    text: str | None
    reason: str
    in_force: bool  # neither replaced by a later row nor itself a withdrawal
    case_id: int | None = None

    @property
    def label(self) -> str:
        return RECORD_KINDS.get(self.kind, self.kind)


def record_view(row: GateRecordRow | Row[Any], in_force: bool) -> GateRecord:
    return GateRecord(row.id, row.person_id, row.kind, row.action, row.replaces, row.happened_on, row.recorded_by,
                      row.recorded_at, row.notes, row.text, row.reason, in_force, row.case_id)


def record_views(rows: Sequence[GateRecordRow | Row[Any]]) -> list[GateRecord]:
    replaced = {r.replaces for r in rows if r.replaces is not None}
    return [record_view(r, r.action != "withdraw" and r.id not in replaced) for r in rows]


def records_of(session: Session, person_id: str) -> list[GateRecord]:
    """A person's whole trail, oldest first, each row marked in force or not."""
    rows = session.scalars(select(GateRecordRow).where(GateRecordRow.person_id == person_id)
                           .order_by(GateRecordRow.id)).all()
    return record_views(rows)


def in_force(session: Session, person_ids: Iterable[str]) -> dict[str, list[GateRecord]]:
    """The records in force for many people at once, oldest first. A record keeps the case it was
    made for through corrections (a correction row names the case of the row it replaces)."""
    ids = list(dict.fromkeys(person_ids))
    wanted = set(ids)
    found: dict[str, list[GateRecord]] = {}
    query = select(GateRecordRow.__table__).order_by(GateRecordRow.id)  # plain rows: a city has tens of thousands
    for narrowed in for_people(query, GateRecordRow.person_id, ids):
        for record in record_views(session.execute(narrowed).all()):
            if record.in_force and record.person_id in wanted:
                found.setdefault(record.person_id, []).append(record)
    return found


def credits(session: Session, ids: Sequence[str]) -> dict[tuple[str, str], tuple[float, datetime]]:
    """(learner, module) -> (hours, when credited)."""
    found: dict[tuple[str, str], tuple[float, datetime]] = {}
    query = select(StudyCreditRow.learner_id, StudyCreditRow.module, StudyCreditRow.hours,
                   StudyCreditRow.completed_at)
    wanted = set(ids)
    for narrowed in for_people(query, StudyCreditRow.learner_id, ids):
        found.update(((learner, module), (hours, at)) for learner, module, hours, at in session.execute(narrowed)
                     if learner in wanted)
    return found


@dataclass(frozen=True)
class Case:
    """任职事项 as stored: whose, for which post, its dates, and whether it is still open."""

    id: int
    person_id: str
    programme: str
    position: str  # 拟任职务
    notice_start: date
    notice_end: date
    decision_on: date | None
    opened_by: str
    opened_at: datetime
    state: str  # open | closed | cancelled
    ended_by: str | None
    ended_at: datetime | None
    end_reason: str

    @property
    def state_text(self) -> str:
        return CASE_STATES.get(self.state, self.state)

    def date_of(self, name: str) -> date | None:
        """A case date named in a programme file (grader.programmes.spec.CASE_DATES)."""
        return {"notice_start": self.notice_start, "notice_end": self.notice_end,
                "decision": self.decision_on}[name]


def case_view(row: PromotionCaseRow) -> Case:
    return Case(row.id, row.person_id, row.programme, row.position, row.notice_start, row.notice_end,
                row.decision_on, row.opened_by, row.opened_at, row.state, row.ended_by, row.ended_at, row.end_reason)


def cases_of(session: Session, person_ids: Sequence[str], programme: str | None = None,
             open_only: bool = False) -> dict[str, list[Case]]:
    """Cases of these people, oldest first; only open ones with `open_only`."""
    query = select(PromotionCaseRow).order_by(PromotionCaseRow.id)
    if programme is not None:
        query = query.where(PromotionCaseRow.programme == programme)
    if open_only:
        query = query.where(PromotionCaseRow.state == "open")
    found: dict[str, list[Case]] = {}
    wanted = set(person_ids)
    for narrowed in for_people(query, PromotionCaseRow.person_id, list(person_ids)):
        for row in session.scalars(narrowed):
            if row.person_id in wanted:
                found.setdefault(row.person_id, []).append(case_view(row))
    return found
