"""Gate-step records: refused with a clear reason when wrong, never overwritten, every correction
and withdrawal kept with who, when and why (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader.gradebook.models import GateRecordRow
from grader.records.gate import RecordError, correct_step, in_force, record_step, records_of, withdraw_step
from grader.settings import Settings
from tests.records_data import seed_roster
from tests.staff_data import recorder

NOW = datetime(2026, 11, 27, 10, 0)
DAY = date(2026, 11, 2)


@pytest.mark.parametrize(("person", "kind", "on", "by", "text", "reason"), [
    ("X999", "talk", DAY, "李四", None, "名单中没有编号为 'X999' 的人员"),
    ("P001", "handshake", DAY, "李四", None, "未知的记录类别 'handshake'"),
    ("P001", "talk", date(2026, 11, 28), "李四", None, "晚于今天（2026-11-27）"),
    ("P001", "talk", DAY, "  ", None, "请填写记录人"),
    ("P001", "commitment", DAY, "李四", "   ", "承诺内容不能为空"),
    ("P001", "oath", DAY, "李四", "我宣誓", "只有廉政公开承诺保留全文"),
    ("P001", "talk", "2026-11-02", "李四", None, "日期应为年-月-日"),
])
def test_a_wrong_record_is_refused_with_its_reason_and_nothing_is_written(
        engine: Engine, person: str, kind: str, on: date, by: str, text: str | None, reason: str) -> None:
    seed_roster(engine)
    with Session(engine) as session, session.begin():
        with pytest.raises(RecordError, match=reason.replace("(", r"\(").replace(")", r"\)")):
            record_step(session, person, kind, on, recorder(by), text=text, now=NOW)
        assert session.scalar(select(func.count()).select_from(GateRecordRow)) == 0


def test_the_same_step_on_the_same_day_twice_is_refused(engine: Engine) -> None:
    seed_roster(engine)
    with Session(engine) as session, session.begin():
        first = record_step(session, "P001", "talk", DAY, recorder("李四"), now=NOW)
        with pytest.raises(RecordError, match=f"#{first.id}"):
            record_step(session, "P001", "talk", DAY, recorder("王五"), now=NOW)
        record_step(session, "P001", "talk", date(2026, 11, 9), recorder("王五"),
                                                  "第二次谈话", now=NOW)  # another day is fine
        assert len(in_force(session, ["P001"])["P001"]) == 2


def test_a_correction_adds_a_row_and_the_old_one_stays_unchanged(engine: Engine) -> None:
    seed_roster(engine)
    with Session(engine) as session, session.begin():
        old = record_step(session, "P001", "commitment", DAY, recorder("李四"),
                          "公示于单位网站", text="承诺一", now=NOW)
        later = datetime(2026, 11, 27, 11, 0)
        new = correct_step(session, old.id, recorder("王五"), "承诺书文字录入有误", text="承诺二", now=later)
        trail = records_of(session, "P001")
    assert [(g.id, g.action, g.in_force) for g in trail] == [(old.id, "record", False), (new.id, "correct", True)]
    assert (trail[0].text, trail[0].recorded_by, trail[0].recorded_at) == ("承诺一", "李四", NOW)
    assert (trail[1].text, trail[1].notes, trail[1].happened_on) == ("承诺二", "公示于单位网站", DAY)
    assert (trail[1].recorded_by, trail[1].recorded_at, trail[1].reason, trail[1].replaces) == (
        "王五", later, "承诺书文字录入有误", old.id)


def test_only_the_latest_record_can_be_corrected_or_withdrawn_and_only_with_a_reason(engine: Engine) -> None:
    seed_roster(engine)
    with Session(engine) as session, session.begin():
        old = record_step(session, "P002", "oath", DAY, recorder("李四"), now=NOW)
        with pytest.raises(RecordError, match="须说明原因"):
            withdraw_step(session, old.id, recorder("李四"), " ", now=NOW)
        new = correct_step(session, old.id, recorder("李四"), "日期有误", on=date(2026, 11, 3), now=NOW)
        with pytest.raises(RecordError, match=f"已被记录 #{new.id} 更正或撤销"):
            correct_step(session, old.id, recorder("李四"), "再改", now=NOW)
        gone = withdraw_step(session, new.id, recorder("李四"), "宣誓未按规定组织", now=NOW)
        with pytest.raises(RecordError, match="撤销记录，不能再修改"):
            correct_step(session, gone.id, recorder("李四"), "恢复", now=NOW)
        with pytest.raises(RecordError, match="没有编号为 #999"):
            withdraw_step(session, 999, recorder("李四"), "无此记录", now=NOW)
        assert in_force(session, ["P002"]) == {}


def test_the_database_refuses_two_rows_replacing_the_same_record(engine: Engine) -> None:
    """Two clerks correcting the same record at once: the second insert fails, not both win."""
    seed_roster(engine)
    with Session(engine) as session, session.begin():
        old = record_step(session, "P001", "talk", DAY, recorder("李四"), now=NOW)
    with Session(engine) as session, pytest.raises(IntegrityError), session.begin():
        for clerk in ("王五", "赵六"):
            session.add(GateRecordRow(person_id="P001", kind="talk", action="correct", replaces=old.id,
                                      happened_on=DAY, recorded_by=clerk, recorded_at=NOW, notes="", text=None,
                                      reason="并发更正"))
            session.flush()


def test_the_demo_records_show_a_cleared_gate_a_missing_step_and_a_correction(engine: Engine) -> None:
    from grader.programmes import person_status
    from grader.records.demo import seed_demo_records
    from tests.records_data import programmes

    seed_roster(engine)
    promotion = programmes()["promotion"]
    with Session(engine) as session, session.begin():
        made = seed_demo_records(session, ["P001", "P002", "P003", "P005"], NOW.date(), now=NOW)
        missing = {p: [s.step for s in person_status(session, promotion, p, now=NOW).missing]
                   for p in ("P001", "P002", "P003")}
        theory = person_status(session, programmes()["leader_theory"], "P005", now=NOW)
    assert missing == {"P001": ["exam"], "P002": ["exam", "commitment"], "P003": ["exam", "oath", "commitment"]}
    assert theory.cleared
    assert [r.action for r in made].count("correct") == 1


def test_correcting_a_gate_step_revokes_the_gate_certificate_that_rested_on_it(
        settings: Settings, engine: Engine) -> None:
    from grader.certificates.fonts import CertificateFont, find_cjk_font
    from grader.gradebook.models import CertificateRevocationRow
    from tests.certificates_data import facts, issue

    seed_roster(engine)
    font = CertificateFont(find_cjk_font())
    (gate, test) = issue(engine, settings.root, font, [facts("P001", "张三", "promotion_gate"),
                                                       facts("P001", "张三", "promotion_test")])
    with Session(engine) as session, session.begin():
        talk = record_step(session, "P001", "talk", DAY, recorder("李四"), now=NOW)
        correct_step(session, talk.id, recorder("王五"), "谈话日期录入有误", on=date(2026, 11, 3), now=NOW)
        revoked = {r.serial: r.reason for r in session.scalars(select(CertificateRevocationRow))}
    assert gate.issued is not None and test.issued is not None
    assert revoked == {gate.issued.serial: "关口记录更正：谈话日期录入有误"}  # the test certificate stands
