"""The promotion-gate certificate of a programme handled per promotion case (任职事项) rests on a case
judged 可以任职, not on the person's overall status: the four steps recorded outside any case earn
nothing, and a case still missing steps is named with its verdict."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.certificates.eligibility import Sources, eligible
from grader.programmes import load_programme
from grader.records.cases import open_case, record_case_step
from grader.records.gate import record_step
from grader.settings import Settings
from tests.records_data import DATA, REPO, seed_roster, sit
from tests.staff_data import organiser, recorder

NOW = datetime(2026, 11, 27, 10, 0)
SOURCES = Sources(DATA / "cases", REPO / "courses")  # its promotion.yaml has `case:`
COMMITMENT = "本人郑重承诺：严守纪律，廉洁从政，自觉接受监督。"
STEPS = (("talk", 18, ""), ("oath", 19, ""), ("commitment", 20, COMMITMENT))


def test_only_a_case_judged_fit_for_appointment_earns_the_gate_certificate(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": True, "P002": True}, at=datetime(2026, 11, 12, 9, 30, tzinfo=UTC))
    programme = load_programme(DATA / "cases" / "promotion.yaml")
    clerk = recorder("组织部 刘洋")
    with Session(engine) as session, session.begin():
        cases = {person: open_case(session, programme, person, "市纪委监委副主任", date(2026, 11, 10),
                                   date(2026, 11, 17), organiser("组织部 刘洋"), decision_on=date(2026, 11, 30),
                                   now=NOW) for person in ("P001", "P003")}
        for kind, day, text in STEPS:
            record_case_step(session, programme, cases["P001"].id, kind, date(2026, 11, day), clerk,
                             text=text or None, now=NOW)
            record_step(session, "P002", kind, date(2026, 11, day), clerk, text=text or None, now=NOW)  # no case
        found, refused = eligible(session, ["P001", "P002", "P003"], "promotion_gate", SOURCES, NOW)
    assert [(f.person_id, f.date) for f in found] == [("P001", date(2026, 11, 20))]
    reasons = {r.person_id: r.reason for r in refused}
    assert reasons["P002"].startswith("没有") and "任职事项" in reasons["P002"]
    assert reasons["P003"].startswith(f"任职事项 #{cases['P003'].id}（市纪委监委副主任）：缺 廉政知识测试")
