"""Validity (有效期至): where a programme sets how long its test stays valid, the certificate says
until when, in its signed QR payload and on the page; verification reports 已过期 after that day
(before it, 真实有效); the facts for issuing carry the programme's validity (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.certificates.eligibility import Sources, eligible
from grader.certificates.fonts import CertificateFont, find_cjk_font
from grader.certificates.keys import public_keys
from grader.certificates.payload import Payload, PayloadError, parse_payload_text
from grader.certificates.verify import verify_pdf, verify_qr
from grader.programmes.status import months_after
from grader.settings import Settings
from tests.certificates_data import FACTS, make_certificate
from tests.records_data import REPO, seed_roster, sit

UNTIL = date(2028, 11, 20)


@pytest.fixture(scope="module")
def expiring(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, str]:
    root = tmp_path_factory.mktemp("ws")
    pdf, qr_text = make_certificate(root, CertificateFont(find_cjk_font()),
                                    dataclasses.replace(FACTS, valid_until=UNTIL))
    return root, pdf, qr_text


def test_an_expired_certificate_verifies_as_expired_and_a_valid_one_as_authentic(
        expiring: tuple[Path, bytes, str]) -> None:
    root, pdf, qr_text = expiring
    keys = public_keys(root)
    before = verify_pdf(pdf, keys, now=datetime(2027, 1, 1))
    last_day = verify_qr(qr_text, keys, now=datetime(2028, 11, 20, 23))
    after_pdf = verify_pdf(pdf, keys, now=datetime(2028, 11, 21, 8))
    after_qr = verify_qr(qr_text, keys, now=datetime(2028, 11, 21))
    assert before.status == last_day.status == "authentic" and before.headline == "真实有效"
    assert ("有效期至", "2028-11-20") in before.facts
    for verdict in (after_pdf, after_qr):
        assert verdict.status == "expired" and verdict.headline == "已过期" and not verdict.authentic
        assert "有效期至 2028-11-20，现已过期" in verdict.message


def test_the_certificate_prints_its_validity_and_signs_it(expiring: tuple[Path, bytes, str], tmp_path: Path) -> None:
    _, pdf, qr_text = expiring
    (tmp_path / "c.pdf").write_bytes(pdf)
    text = "".join(subprocess.run(["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert "有效期至2028年11月20日" in text
    assert parse_payload_text(qr_text).payload.valid_until == "2028-11-20"
    with pytest.raises(PayloadError, match="有效期应为"):
        Payload.from_dict({"v": 1, "sn": "s", "kid": "k", "p": "p", "n": "n", "d": "d", "h": "h", "u": "明年"})


def test_a_certificate_without_a_validity_has_none(tmp_path: Path) -> None:
    pdf, qr_text = make_certificate(tmp_path, CertificateFont(find_cjk_font()))
    verdict = verify_pdf(pdf, public_keys(tmp_path), now=datetime(2099, 1, 1))
    assert verdict.status == "authentic" and not any(label == "有效期至" for label, _ in verdict.facts)
    assert "u" not in parse_payload_text(qr_text).payload.as_dict()


def test_the_test_certificate_is_valid_as_long_as_the_programme_says(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": True})
    sources = Sources(REPO / "exams" / "programmes", REPO / "courses")
    with Session(engine) as session:
        (facts,), refused = eligible(session, ["P001"], "promotion_test", sources, datetime(2026, 11, 27))
    assert refused == [] and facts.valid_until == months_after(facts.date, 24)  # exams/programmes/promotion.yaml
