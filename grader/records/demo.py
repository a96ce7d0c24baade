"""Gate-step records for `make demo`, so the records app shows every kind of status: the first two
cadres have promotion cases (任职事项) with their steps recorded for the case."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from grader.programmes.spec import load_programme
from grader.records.cases import open_case
from grader.records.gate import GateRecord, correct_step, record_step
from grader.staff.roles import Actor

PROMOTION = Path(__file__).resolve().parents[2] / "exams" / "programmes" / "promotion.yaml"

RECORDER = "组织部（演示）"
# demo data: a recorder with no account behind it (a real record needs a signed-in one)
DEMO_RECORDER = Actor(RECORDER, "recorder")
DEMO_ORGANISER = Actor(RECORDER, "organiser")  # opens the demo's promotion cases
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
    cases = _demo_cases(session, people[:2], today, now)
    for n, (person, plan) in enumerate(zip(people, steps, strict=False)):
        for kind, days_ago, notes in plan:
            on = max(today - timedelta(days=days_ago), date(today.year, 1, 1))
            made.append(record_step(session, person, kind, on, DEMO_RECORDER, notes,
                                    PLEDGE if kind == "commitment" else None, now=now,
                                    case_id=cases[n] if n < len(cases) else None))
    if len(people) >= 3:
        wrong = next(r for r in made if r.person_id == people[2])
        made.append(correct_step(session, wrong.id, DEMO_RECORDER, "谈话日期录入有误", on=today - timedelta(days=10),
                                 notes="任前廉政谈话", now=now))
    return made


def _demo_cases(session: Session, people: Sequence[str], today: date, now: datetime) -> list[int]:
    """A case for each person: 公示 from 25 to 18 days ago, the decision planned in five days."""
    if not PROMOTION.exists():
        return []
    programme = load_programme(PROMOTION)
    posts = ("县委办公室副主任", "乡镇党委副书记")
    return [open_case(session, programme, person, post, today - timedelta(days=25), today - timedelta(days=18),
                      DEMO_ORGANISER, today + timedelta(days=5), now).id
            for person, post in zip(people, posts, strict=False)]
