"""The certificates page's logic: a person sees only their own certificates (number and name),
downloads them from a data: link, and anyone verifies QR text or an uploaded PDF."""

from __future__ import annotations

import base64
import re
from datetime import datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.certificates.fonts import CertificateFont, find_cjk_font
from grader.certificates.revocation import revoke
from grader.certificates.view import (
    CertificatesApp,
    LookupRefused,
    certificates_html,
    person_certificates,
    verify_here,
)
from grader.settings import Settings
from tests.certificates_data import NOW, facts, issue
from tests.records_data import seed_roster
from tests.staff_data import organiser


@pytest.fixture(scope="module")
def font() -> CertificateFont:
    return CertificateFont(find_cjk_font())


def test_a_person_sees_their_certificates_only_with_their_number_and_name(
        settings: Settings, engine: Engine, font: CertificateFont) -> None:
    seed_roster(engine)
    outcomes = issue(engine, settings.root, font, [facts("P001", "王建国"), facts("P001", "王建国", "promotion_gate"),
                                                   facts("P002", "李秀兰")])
    first = outcomes[0].issued
    assert first is not None
    with Session(engine) as session, session.begin():
        revoke(session, first.serial, "成绩更正", organiser("组织部 李四"), NOW)
    with Session(engine) as session:
        with pytest.raises(LookupRefused, match="编号或姓名不正确"):
            person_certificates(session, "P001", "李秀兰")
        with pytest.raises(LookupRefused):
            person_certificates(session, "P404", "王建国")
        mine = person_certificates(session, " P001 ", "王 建国")
    assert sorted(v.programme for v in mine) == ["职务提升廉政知识测试", "领导干部职务提升廉政关口"]
    page = certificates_html(mine)
    links = re.findall(r"href='data:application/pdf;base64,([^']+)'", page)
    assert len(links) == 1  # the revoked one has no download, only why
    assert f"{NOW:%Y-%m-%d} 吊销：成绩更正" in page
    valid = next(v for v in mine if not v.revoked)
    assert base64.b64decode(links[0]) == valid.pdf and f"download='{valid.serial}.pdf'" in page


def test_the_page_verifies_pasted_qr_text_and_an_uploaded_pdf(
        settings: Settings, engine: Engine, font: CertificateFont) -> None:
    seed_roster(engine)
    (outcome,) = issue(engine, settings.root, font, [facts("P001", "王建国")])
    issued = outcome.issued
    assert issued is not None
    app = CertificatesApp(engine, settings.root, clock=lambda: datetime(2026, 12, 1, 9, 0))
    app.qr.value = issued.qr_text
    app._check(qr_text=app.qr.value)
    assert "真实有效" in app.verdict.value and "按本系统 2026-12-01 09:00 的吊销记录，未被吊销" in app.verdict.value
    app.upload.value = ({"name": "x.pdf", "type": "application/pdf", "size": len(issued.pdf),
                         "content": memoryview(issued.pdf), "last_modified": NOW},)
    assert "真实有效" in app.verdict.value and "王建国" in app.verdict.value
    app._check(qr_text="随便写的")
    assert "不是证书" in app.verdict.value
    with Session(engine) as session:
        assert verify_here(session, settings.root, NOW, pdf=issued.pdf[:-40]).status == "altered"


def test_without_keys_the_page_says_it_cannot_verify_yet(settings: Settings, engine: Engine) -> None:
    app = CertificatesApp(engine, settings.root)
    app._check(qr_text="QL1.e30.AAAA")
    assert "还没有建立签发密钥" in app.verdict.value
