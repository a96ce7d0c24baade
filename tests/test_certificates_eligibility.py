"""Who has earned which certificate: the promotion test by a current passing result, the gate
and induction by their programmes (grader.programmes); name and unit from the roster."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.certificates.eligibility import EligibilityError, Sources, eligible, sitting_people, unit_people
from grader.records.gate import record_step
from grader.settings import Settings
from tests.certificates_data import NOW
from tests.records_data import DATA, REPO, seed_roster, sit
from tests.staff_data import recorder

SOURCES = Sources(DATA / "programmes", REPO / "courses")


def test_the_promotion_test_needs_a_current_result_at_or_above_the_pass_mark(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": True, "P002": False})
    with Session(engine) as session:
        found, refused = eligible(session, ["P001", "P002", "P003"], "promotion_test", SOURCES, NOW)
    (passed,) = found
    assert (passed.person_id, passed.name, passed.unit, passed.date) == ("P001", "王建国", "安阳市纪委监委",
                                                                         date(2026, 11, 20))
    assert passed.result.startswith("合格，得分") and passed.result.endswith("（及格线 10）")
    assert [(r.person_id, r.reason) for r in refused] == [("P002", "廉政知识测试得分 0，未达及格线 10"),
                                                          ("P003", "没有职务提升廉政知识测试的成绩")]


def test_the_gate_certificate_needs_all_four_steps(settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": True, "P002": True})
    with Session(engine) as session, session.begin():
        for kind, day in (("talk", 2), ("oath", 6)):
            for person in ("P001", "P002"):
                record_step(session, person, kind, date(2026, 11, day), recorder("组织部 李四"), now=NOW)
        record_step(session, "P001", "commitment", date(2026, 11, 25), recorder("组织部 李四"),
                                                        text="本人承诺：廉洁自律。",
                    now=NOW)
        found, refused = eligible(session, ["P001", "P002", "P999"], "promotion_gate", SOURCES, NOW)
    assert [(f.person_id, f.date) for f in found] == [("P001", date(2026, 11, 25))]
    assert found[0].result.startswith("全部完成：廉政知识测试（得分")
    assert [(r.person_id, r.reason) for r in refused] == [("P002", "尚未完成：廉政公开承诺"),
                                                          ("P999", "名单中没有编号为 P999 的人员")]


def test_unknown_programmes_sittings_and_units_are_named(engine: Engine) -> None:
    seed_roster(engine)
    with Session(engine) as session:
        with pytest.raises(EligibilityError, match="未知的证书项目 'driving'"):
            eligible(session, ["P001"], "driving", SOURCES, NOW)
        with pytest.raises(EligibilityError, match="没有场次 's9'"):
            sitting_people(session, "s9")
        with pytest.raises(EligibilityError, match="单位 '火星' 不在名单中"):
            unit_people(session, "火星")
        assert unit_people(session, "林州市") == ["P003", "P004", "P005"]
        with pytest.raises(EligibilityError, match="无法判断"):
            eligible(session, ["P001"], "promotion_gate", Sources(DATA / "nowhere", REPO / "courses"), NOW)
