"""Revocation: recorded (who, when, why), once per certificate, and published as a signed, dated
list that an offline verifier accepts only untampered and from a known key."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.certificates.fonts import CertificateFont, find_cjk_font
from grader.certificates.keys import init_keys, load_signer, public_keys
from grader.certificates.revocation import (
    RevocationError,
    current_revocations,
    read_revocation_list,
    revoke,
    revoke_for_person,
    signed_revocation_list,
)
from grader.gradebook.models import CertificateRevocationRow
from grader.settings import Settings
from tests.certificates_data import NOW, facts, issue
from tests.staff_data import organiser

LATER = datetime(2026, 11, 30, 15, 0)


@pytest.fixture(scope="module")
def font() -> CertificateFont:
    return CertificateFont(find_cjk_font())


def test_a_revocation_records_who_when_and_why_and_happens_once(
        settings: Settings, engine: Engine, font: CertificateFont) -> None:
    (outcome,) = issue(engine, settings.root, font, [facts("P001", "王建国")])
    assert outcome.issued is not None
    serial = outcome.issued.serial
    with Session(engine) as session, session.begin():
        revoke(session, serial, "成绩更正：复核后未达及格线", organiser("组织部 李四"), LATER)
    with Session(engine) as session, session.begin():
        row = session.get(CertificateRevocationRow, serial)
        assert row is not None
        assert (row.revoked_at, row.revoked_by, row.reason) == (LATER, "组织部 李四", "成绩更正：复核后未达及格线")
        with pytest.raises(RevocationError, match="已于 2026-11-30 15:00 被 组织部 李四 吊销"):
            revoke(session, serial, "again", organiser("someone"), LATER)
        with pytest.raises(RevocationError, match="没有编号为 QL2026-NOPE2222 的证书"):
            revoke(session, "QL2026-NOPE2222", "x", organiser("someone"), LATER)
        with pytest.raises(RevocationError, match="必须写明原因"):
            revoke(session, serial, " ", organiser("someone"), LATER)


def test_correcting_a_record_revokes_the_persons_valid_certificates_for_that_programme_only(
        settings: Settings, engine: Engine, font: CertificateFont) -> None:
    outcomes = issue(engine, settings.root, font, [facts("P001", "王建国"), facts("P001", "王建国", "promotion_gate"),
                                                   facts("P002", "李秀兰")])
    serials = [o.issued.serial for o in outcomes if o.issued]
    with Session(engine) as session, session.begin():
        done = revoke_for_person(session, "P001", "promotion_test", "记录更正", organiser("组织部 李四"), LATER)
        assert [r.serial for r in done] == [serials[0]]
        assert revoke_for_person(session, "P001", "promotion_test", "记录更正", organiser("组织部 李四"), LATER) == []
        listed = current_revocations(session, "安阳市演示签发机构", LATER)
    assert [r.serial for r in listed.entries] == [serials[0]]


def test_the_published_list_reads_back_and_a_changed_list_is_refused(tmp_path: Path) -> None:
    from grader.certificates.revocation import Revocation, RevocationList

    init_keys(tmp_path, "安阳市演示签发机构", NOW)
    signer, keys = load_signer(tmp_path), public_keys(tmp_path)
    revocations = RevocationList(signer.issuer, LATER, (Revocation("QL2026-AAAA2222", NOW, "成绩更正"),),
                                 next_update=LATER + timedelta(days=7))
    published = signed_revocation_list(revocations, signer)
    assert published["format"] == "qinglian-revocations/2" and published["next_update"] == "2026-12-07T15:00:00"
    assert read_revocation_list(published, keys, "crl.json") == revocations
    emptied = {**published, "revoked": []}  # someone removes an entry to make a certificate valid again
    postponed = {**published, "next_update": "2027-12-07T15:00:00"}  # or makes a stale list look current
    for changed in (emptied, postponed):
        with pytest.raises(RevocationError, match=r"crl\.json: 吊销列表的签名无效"):
            read_revocation_list(changed, keys, "crl.json")
    without_due = {k: v for k, v in published.items() if k != "next_update"}  # format 2 must say when
    with pytest.raises(RevocationError, match="吊销列表格式不正确"):
        read_revocation_list(without_due, keys, "crl.json")
    init_keys(tmp_path / "other", "冒充的机构", NOW)
    foreign = signed_revocation_list(revocations, load_signer(tmp_path / "other"))
    with pytest.raises(RevocationError, match="未知密钥"):
        read_revocation_list(foreign, keys, "crl.json")


def test_a_list_promises_its_next_update_which_must_follow_its_issue(tmp_path: Path, settings: Settings,
                                                                    engine: Engine) -> None:
    from grader.certificates.revocation import RevocationList

    with Session(engine) as session:
        listed = current_revocations(session, "安阳市演示签发机构", LATER)
        assert listed.next_update == LATER + timedelta(days=7)
        assert current_revocations(session, "x", LATER, timedelta(days=1)).next_update == LATER + timedelta(days=1)
    init_keys(tmp_path, "安阳市演示签发机构", NOW)
    signer = load_signer(tmp_path)
    for due in (None, LATER, LATER - timedelta(hours=1)):
        with pytest.raises(RevocationError, match="下次更新时间应晚于其签发时间"):
            signed_revocation_list(RevocationList(signer.issuer, LATER, (), next_update=due), signer)


def test_the_workspace_list_looks_up_the_serial_verified_so_a_revocation_counts_at_once(
        settings: Settings, engine: Engine, font: CertificateFont) -> None:
    from grader.certificates.trust import trust_from_workspace
    from grader.certificates.verify import verify_pdf

    outcomes = issue(engine, settings.root, font, [facts("P001", "王建国"), facts("P002", "李秀兰")])
    first, second = (o.issued for o in outcomes)
    assert first is not None and second is not None
    with Session(engine) as session:
        keys, live = trust_from_workspace(session, settings.root, LATER)
        assert live.live and live.entries == ()  # nothing read ahead
        assert verify_pdf(first.pdf, keys, live, now=LATER).status == "authentic"
        revoke(session, first.serial, "记录更正", organiser("组织部 李四"), LATER)
        session.commit()
        verdict = verify_pdf(first.pdf, keys, live, now=LATER)
        assert verdict.status == "revoked" and verdict.revocation_reason == "记录更正"
        assert verify_pdf(second.pdf, keys, live, now=LATER).status == "authentic"
        assert live.find("QL2026-NOPE2222") is None
