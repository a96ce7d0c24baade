"""Issuing: the record of each certificate, refusals that never stop a batch, one valid
certificate per person and programme, and batches for a sitting or a unit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from grader.certificates.eligibility import EligibilityError, Sources
from grader.certificates.fonts import CertificateFont, find_cjk_font
from grader.certificates.issue import Selection, issue_certificates, new_serial, write_pdfs
from grader.certificates.keys import init_keys, public_keys
from grader.certificates.revocation import revoke
from grader.certificates.verify import verify_pdf
from grader.course.catalog import load_catalog
from grader.gradebook.models import CertificateRow
from grader.settings import Settings
from grader.sitting.attempt import create_sitting
from grader.staff.roles import system
from tests.certificates_data import FACTS, NOW, RARE_NAME, facts, issue
from tests.records_data import DATA, REPO, seed_roster, sit, study
from tests.staff_data import organiser

SOURCES = Sources(DATA / "programmes", REPO / "courses")


@pytest.fixture(scope="module")
def font() -> CertificateFont:
    return CertificateFont(find_cjk_font())


def test_an_issued_certificate_is_recorded_with_facts_qr_text_pdf_key_and_issuer(
        settings: Settings, engine: Engine, font: CertificateFont) -> None:
    (outcome,) = issue(engine, settings.root, font, [FACTS])
    issued = outcome.issued
    assert issued is not None and outcome.problem == ""
    with Session(engine) as session:
        row = session.get(CertificateRow, issued.serial)
        assert row is not None
        assert (row.person_id, row.programme, row.issued_by, row.issued_at) == ("P001", "promotion_test", "测试员", NOW)
        assert row.facts["name"] == RARE_NAME and row.facts["serial"] == issued.serial
        assert row.payload == issued.qr_text and row.pdf == issued.pdf
        assert row.key_id == public_keys(settings.root).active
    assert verify_pdf(issued.pdf, public_keys(settings.root)).authentic


def test_an_unprintable_name_is_refused_by_name_and_the_rest_of_the_batch_is_issued(
        settings: Settings, engine: Engine, font: CertificateFont) -> None:
    batch = [facts("P001", "王建国"), facts("P002", "王\U00030000"), facts("P003", "张明")]
    outcomes = issue(engine, settings.root, font, batch)
    assert {o.person_id: bool(o.issued) for o in outcomes} == {"P001": True, "P002": False, "P003": True}
    refused = next(o for o in outcomes if o.person_id == "P002")
    assert "U+30000" in refused.problem and "不签发" in str(refused)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(CertificateRow)) == 2


def test_a_second_certificate_waits_until_the_first_is_revoked(
        settings: Settings, engine: Engine, font: CertificateFont) -> None:
    (first,) = issue(engine, settings.root, font, [facts("P001", "王建国")])
    assert first.issued is not None
    (again,) = issue(engine, settings.root, font, [facts("P001", "王建国")])
    assert again.issued is None and f"已有有效证书 {first.issued.serial}" in again.problem
    with Session(engine) as session, session.begin():
        revoke(session, first.issued.serial, "成绩更正", organiser("组织部 李四"), NOW)
    (third,) = issue(engine, settings.root, font, [facts("P001", "王建国")])
    assert third.issued is not None and third.issued.serial != first.issued.serial


def test_serials_are_unguessable_and_readable() -> None:
    serials = {new_serial(date(2026, 1, 1)) for _ in range(200)}
    assert len(serials) == 200
    assert all(s.startswith("QL2026-") and len(s) == 15 and not set(s[7:]) & set("01OIL") for s in serials)


def _open_sitting(engine: Engine, assignment: str, students: list[str]) -> None:
    with Session(engine) as session, session.begin():
        create_sitting(session, "s1", "测试场次", [assignment], students, NOW - timedelta(hours=2), NOW, 30,
                       secret=bytes(32), created_by=system("测试员"), now=NOW)


def test_a_sitting_batch_issues_to_those_who_passed_and_says_why_not_for_the_others(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": True, "P002": False})
    _open_sitting(engine, released[0], ["P001", "P002", "P003"])
    init_keys(settings.root, "安阳市演示签发机构", NOW)
    with Session(engine) as session, session.begin():
        batch = issue_certificates(session, settings.root, Selection(sitting="s1"), SOURCES, organiser("测试员"), NOW)
        outcomes = {o.person_id: o for o in batch.outcomes}
    assert batch.total == 3
    assert outcomes["P001"].issued is not None and outcomes["P001"].programme == "promotion_test"
    assert "未达及格线 10" in outcomes["P002"].problem
    assert outcomes["P003"].problem == "没有职务提升廉政知识测试的成绩"
    with Session(engine) as session:
        row = session.get(CertificateRow, outcomes["P001"].issued.serial)
        assert row is not None and row.facts["result"].startswith("合格，得分") and "及格线 10" in row.facts["result"]
        assert row.facts["date"] == "2026-11-20" and row.facts["unit"] == "安阳市纪委监委"
    paths = write_pdfs([o.issued for o in outcomes.values() if o.issued], settings.root / "certificates")
    assert [p.name for p in paths] == [f"P001-promotion_test-{outcomes['P001'].issued.serial}.pdf"]


def test_a_unit_batch_for_induction_covers_sub_units_and_names_what_is_missing(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P003": True, "P004": True})
    course = load_catalog(REPO / "courses")
    study(engine, "P003", course)
    study(engine, "P004", course[:-1])
    init_keys(settings.root, "安阳市演示签发机构", NOW)
    with Session(engine) as session, session.begin():
        batch = issue_certificates(session, settings.root, Selection(unit="林州市", programme="induction"), SOURCES,
                                   organiser("测试员"), datetime.now())
        outcomes = {o.person_id: o for o in batch.outcomes}
    assert outcomes["P003"].issued is not None
    assert outcomes["P004"].problem == f"尚未完成：{course[-1].title}"
    with Session(engine) as session:
        row = session.get(CertificateRow, outcomes["P003"].issued.serial)
        assert row is not None and row.facts["result"].startswith(f"合格：完成全部 {len(course)} 个课程模块")


def test_a_selection_must_name_exactly_one_group_and_a_programme(settings: Settings, engine: Engine) -> None:
    with Session(engine) as session:
        with pytest.raises(EligibilityError, match="之一"):
            issue_certificates(session, settings.root, Selection(person="P1", unit="U"), SOURCES, organiser("t"), NOW)
        with pytest.raises(EligibilityError, match="--programme"):
            issue_certificates(session, settings.root, Selection(person="P1"), SOURCES, organiser("t"), NOW)
        with pytest.raises(EligibilityError, match="没有场次"):
            issue_certificates(session, settings.root, Selection(sitting="nope"), SOURCES, organiser("t"), NOW)
