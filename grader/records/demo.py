"""Gate-step records for `make demo`, so the records app shows every kind of status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from grader.records.gate import GateRecord, correct_step, record_step

RECORDER = "组织部（演示）"
PLEDGE = "本人郑重承诺：坚定理想信念，严守党的纪律和规矩，秉公用权，廉洁从政，自觉接受组织和群众监督。"


def seed_demo_records(session: Session, person_ids: Sequence[str], today: date,
                      now: datetime | None = None) -> list[GateRecord]:
    """For the first four people on the roster given: (1) talk, oath and commitment; (2) talk and
    oath, so the commitment is missing; (3) a talk recorded with a wrong date, then corrected;
    (4) this year's theory study and 廉政党课. Every row is made through the library, as a clerk would."""
    now = now or datetime.combine(today, datetime.min.time()) + timedelta(hours=9)
    made: list[GateRecord] = []
    people = list(person_ids)[:4]
    steps = [[("talk", 20, "任前廉政谈话"), ("oath", 18, "集体廉政宣誓"), ("commitment", 18, "在单位公示栏公示")],
             [("talk", 15, "任前廉政谈话"), ("oath", 12, "集体廉政宣誓")],
             [("talk", 30, "日期录入有误，见更正记录")],
             [("theory_study", 60, "市委理论学习中心组反腐倡廉专题学习"),
              ("party_lecture", 45, "为本单位党员讲廉政党课")]]
    for person, plan in zip(people, steps, strict=False):
        for kind, days_ago, notes in plan:
            on = max(today - timedelta(days=days_ago), date(today.year, 1, 1))
            made.append(record_step(session, person, kind, on, RECORDER, notes,
                                    PLEDGE if kind == "commitment" else None, now=now))
    if len(people) >= 3:
        wrong = next(r for r in made if r.person_id == people[2])
        made.append(correct_step(session, wrong.id, RECORDER, "谈话日期录入有误", on=today - timedelta(days=10),
                                 notes="任前廉政谈话", now=now))
    return made
