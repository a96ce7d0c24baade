"""A person's whole record: exam history with regrades, sitting attempts, study, the gate trail
and every programme; finding people; the status of a person or a unit."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.gradebook.models import CertificateRevocationRow, CertificateRow
from grader.programmes import ProgrammeError
from grader.records.dossier import find_people, person_record, status_of
from grader.records.gate import correct_step, record_step
from grader.settings import Settings
from grader.sitting.attempt import create_sitting, start_or_resume
from grader.staff.roles import system
from tests.records_data import modules, programmes, seed_roster, sit, study
from tests.staff_data import organiser, recorder, trainer

NOW = datetime(2026, 11, 27, 10, 0)


def test_the_whole_record_holds_exams_with_regrades_attempts_study_gate_trail_and_programmes(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P003": False})
    sit(settings, engine, released[0], {"P003": True})  # handed in again and regraded
    course = modules()
    study(engine, "P003", course[:2])
    opens = datetime.now() - timedelta(minutes=5)
    with Session(engine) as session, session.begin():
        (seat,) = create_sitting(session, "s1", "十一月场次", released[1:2], ["P003"], opens,
                                 opens + timedelta(hours=2), 30, secret=bytes(32), created_by=system("t"), now=opens)
        start_or_resume(session, seat.admission_no, seat.code, datetime.now(), secret=bytes(32))
        first = record_step(session, "P003", "talk", date(2026, 11, 1), recorder("李四"), now=NOW)
        correct_step(session, first.id, recorder("王五"), "日期有误", on=date(2026, 11, 2), now=NOW)
        record = person_record(session, "P003", programmes(), course, now=NOW)
    assert record.person.name == "张明" and "*" in record.person.id_number
    assert [(e.current, e.passed) for e in record.exams] == [(False, False), (True, True)]
    assert [(a.sitting, a.assignment, a.number, a.submitted_at) for a in record.attempts] == [
        ("十一月场次", released[1], 1, None)]
    assert [m.complete for m in record.study] == [True, True] + [False] * (len(course) - 2)
    assert [(g.action, g.in_force) for g in record.gate] == [("record", False), ("correct", True)]
    by_id = {s.programme: s for s in record.programmes}
    assert sorted(by_id) == ["induction", "leader_theory", "promotion"]
    assert {s.step for s in by_id["promotion"].missing} == {"oath", "commitment"}
    assert {s.step for s in by_id["induction"].missing} == {f"module:{m.id}" for m in course[2:]}
    assert record.certificates == ()  # no ql_certificate table, or no certificates: nothing shown


def test_people_are_found_by_id_or_part_of_a_name_exact_id_first(engine: Engine) -> None:
    seed_roster(engine)
    with Session(engine) as session:
        assert [p.id for p in find_people(session, "P00")] == ["P001", "P002", "P003", "P004", "P005"]
        assert [p.id for p in find_people(session, "P003")] == ["P003"]
        assert [p.name for p in find_people(session, "欧 阳")] == ["欧阳海峰"]
        assert find_people(session, "  ") == []


def test_status_of_tells_a_person_from_a_unit_and_names_what_it_cannot_find(engine: Engine) -> None:
    seed_roster(engine)
    shipped, course = programmes(), modules()
    with Session(engine) as session:
        person = status_of(session, "P004", shipped, course, now=NOW)
        unit = status_of(session, "城郊乡", shipped, course, programme="promotion", now=NOW)
        with pytest.raises(ProgrammeError, match="没有培训项目 'nope'"):
            status_of(session, "P004", shipped, course, programme="nope")
        with pytest.raises(ProgrammeError, match="既没有编号为 '无名' 的人员"):
            status_of(session, "无名", shipped, course)
    assert not person.is_unit and [s.programme for s in person.statuses] == list(shipped)
    assert unit.is_unit and [s.person_id for s in unit.statuses] == ["P004", "P005"]


def test_the_record_lists_certificates_newest_first_with_revocations(engine: Engine) -> None:
    seed_roster(engine)
    with Session(engine) as session, session.begin():
        for serial, programme, day in (("QL2026-AAAA2222", "induction", 1), ("QL2026-BBBB3333", "promotion_gate", 5)):
            session.add(CertificateRow(serial=serial, person_id="P003", programme=programme, facts={}, payload="",
                                       key_id="k", pdf=b"%PDF", issued_at=datetime(2026, 11, day), issued_by="组织部"))
        session.flush()
        session.add(CertificateRevocationRow(serial="QL2026-AAAA2222", revoked_at=datetime(2026, 11, 9),
                                             revoked_by="组织部", reason="所依据的考试成绩已更正"))
    with Session(engine) as session:
        lines = person_record(session, "P003", programmes(), modules(), now=NOW).certificates
    assert [(c.serial, c.title, c.revoked) for c in lines] == [
        ("QL2026-BBBB3333", "领导干部职务提升廉政关口", ""),
        ("QL2026-AAAA2222", "上岗前廉政培训", "2026-11-09 吊销：所依据的考试成绩已更正")]


def test_the_dossier_pdf_holds_every_part_of_the_record(settings: Settings, engine: Engine, released: list[str],
                                                         tmp_path: Path) -> None:
    """`qinglian dossier P001 --pdf FILE`, read back with pdftotext (poppler-utils)."""
    from click.testing import CliRunner

    from grader.certificates.fonts import CertificateFont, find_cjk_font
    from grader.cli import main
    from grader.programmes import load_programme
    from grader.records.cases import open_case, record_case_step
    from grader.records.review import decide_review, mark_review, request_review, review_sheet
    from tests.certificates_data import facts, issue
    from tests.records_data import DATA, REPO, grade_essays

    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": False}, essay="尚未想好", at=datetime(2026, 11, 12, 9, tzinfo=UTC))
    sit(settings, engine, released[0], {"P001": True}, essay="守住底线，廉洁从政。",
        at=datetime(2026, 11, 13, 9, tzinfo=UTC))
    grade_essays(engine, released[0], "P001", 4)
    promotion, now = load_programme(DATA / "cases" / "promotion.yaml"), datetime.now()
    pledge = "本人郑重承诺：严守党的纪律，廉洁从政，自觉接受组织和群众监督。"
    with Session(engine) as session, session.begin():
        case = open_case(session, promotion, "P001", "市纪委监委副主任", date(2026, 11, 10), date(2026, 11, 17),
                         organiser("组织部 刘洋"), date(2026, 11, 30), now=NOW)
        for kind, text in (("talk", None), ("oath", None), ("commitment", pledge)):
            record_case_step(session, promotion, case.id, kind, date(2026, 11, 18), recorder("组织部 刘洋"), text=text,
                             now=NOW)
        review = request_review(session, promotion, "P001", released[0], organiser("组织部 刘洋"), "简答题给分偏低",
                                now=now)
        (essay,) = review_sheet(session, review.id).essays
        mark_review(session, review.id, trainer("阅卷人 乙"), {essay.name: 6.0}, now)
        decide_review(session, review.id, organiser("组织部 王主任"), "second", now=now)
    font = CertificateFont(find_cjk_font())
    (issued,) = issue(engine, settings.root, font, [facts("P001", "王建国", "promotion_test")])
    assert issued.issued is not None
    out = tmp_path / "档案.pdf"
    programmes_dir = tmp_path / "programmes"
    programmes_dir.mkdir()
    (programmes_dir / "promotion.yaml").write_bytes((DATA / "cases" / "promotion.yaml").read_bytes())
    result = CliRunner().invoke(main, ["dossier", "P001", "--pdf", str(out), "--programmes", str(programmes_dir),
                                       "--courses", str(REPO / "courses"), "--root", str(settings.root),
                                       "--db", settings.db_url])
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = "".join(text.split())
    for part in ("个人廉政档案", "王建国", "410**************1", "一、培训项目", "领导干部职务提升廉政关口",
                 "二、任职事项", "拟任职务：市纪委监委副主任", "状态：可以任职", "三、考试成绩及历次记录", "当前成绩",
                 "历史记录", "成绩复核#1", "采用复核评分", "组织部王主任", "四、廉政谈话、廉政宣誓、廉政公开承诺",
                 "廉政谈话", "廉政宣誓", "承诺书全文", "".join(pledge.split()), "五、证书", "有效期至",
                 issued.issued.serial):
        assert part in flat, part
    assert "410502197503120011" not in flat  # the ID number is masked on paper too
