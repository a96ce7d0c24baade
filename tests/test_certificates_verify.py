"""Offline verification: an untouched certificate is authentic with no network; an altered
payload, an altered PDF, an unknown key and a revoked certificate are each reported as such."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from grader.certificates.fonts import CertificateFont, find_cjk_font
from grader.certificates.keys import load_signer, public_keys, rotate_keys, write_key_set
from grader.certificates.payload import b64decode, b64encode
from grader.certificates.revocation import Revocation, RevocationList, signed_revocation_list
from grader.certificates.trust import trust_from_files
from grader.certificates.verify import verify_pdf, verify_qr
from tests.certificates_data import NOW, RARE_NAME, block_network, change_text, facts, make_certificate


@pytest.fixture(scope="module")
def font() -> CertificateFont:
    return CertificateFont(find_cjk_font())


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory, font: CertificateFont) -> tuple[Path, bytes, str]:
    root = tmp_path_factory.mktemp("ws")
    pdf, qr_text = make_certificate(root, font)
    return root, pdf, qr_text


def _published(root: Path, folder: Path, revoked: tuple[Revocation, ...] = ()) -> tuple[Path, Path]:
    """The files an offline verifier is given: the key set and a signed revocation list."""
    keys, crl = folder / "keys.json", folder / "crl.json"
    write_key_set(public_keys(root), keys)
    signer = load_signer(root)
    listed = signed_revocation_list(RevocationList(signer.issuer, datetime(2026, 12, 1, 8, 0), revoked), signer)
    crl.write_text(json.dumps(listed, ensure_ascii=False), encoding="utf-8")
    return keys, crl


def test_an_untouched_certificate_verifies_from_files_with_no_network(
        issued: tuple[Path, bytes, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, pdf, qr_text = issued
    keys_file, crl_file = _published(root, tmp_path)
    block_network(monkeypatch)
    keys, revocations = trust_from_files(keys_file, crl_file)
    verdict = verify_pdf(pdf, keys, revocations)
    assert verdict.status == "authentic", verdict.message
    assert "按 2026-12-01 08:00 的吊销列表，未被吊销" in verdict.message
    assert ("姓名", RARE_NAME) in verdict.facts and verdict.serial == "QL2026-ABCDEFGH"
    by_qr = verify_qr(qr_text, keys, revocations)
    assert by_qr.status == "authentic" and by_qr.masked_name == "欧**𠮷" and by_qr.facts == ()


def test_without_a_revocation_list_the_verdict_says_revocation_was_not_checked(
        issued: tuple[Path, bytes, str]) -> None:
    root, _, qr_text = issued
    verdict = verify_qr(qr_text, public_keys(root))
    assert verdict.authentic and "未检查是否已被吊销" in verdict.message


def test_an_altered_payload_is_reported_as_altered(issued: tuple[Path, bytes, str]) -> None:
    root, _, qr_text = issued
    prefix, body, signature = qr_text.split(".")
    later = b64decode(body).replace(b"2026-11-20", b"2026-11-29")
    verdict = verify_qr(f"{prefix}.{b64encode(later)}.{signature}", public_keys(root))
    assert verdict.status == "altered" and "二维码内容与签名不符" in verdict.message


def test_changing_the_name_on_the_pdf_is_reported_as_altered(issued: tuple[Path, bytes, str],
                                                             tmp_path: Path) -> None:
    root, pdf, _ = issued
    swapped = RARE_NAME[:2] + RARE_NAME[3] + RARE_NAME[2]
    altered = change_text(pdf, RARE_NAME, swapped)
    (tmp_path / "altered.pdf").write_bytes(altered)
    shown = subprocess.run(["pdftotext", str(tmp_path / "altered.pdf"), "-"], capture_output=True, text=True).stdout
    assert swapped in shown and RARE_NAME not in shown  # the visible name really changed
    verdict = verify_pdf(altered, public_keys(root))
    assert verdict.status == "altered" and "文件签名缺失" in verdict.message  # an editor rewrites the whole file


def test_one_byte_changed_in_place_is_reported_as_altered(issued: tuple[Path, bytes, str]) -> None:
    root, pdf, _ = issued
    at = pdf.index(b"/CreationDate (D:2026") + len(b"/CreationDate (D:2026")
    altered = pdf[:at] + b"9" + pdf[at + 1:]  # same length: every offset still right
    verdict = verify_pdf(altered, public_keys(root))
    assert verdict.status == "altered" and "文件内容在签发后被改动过" in verdict.message


def test_an_edit_saved_as_an_incremental_update_is_reported_as_altered(issued: tuple[Path, bytes, str]) -> None:
    root, pdf, _ = issued
    altered = change_text(pdf, "安阳市纪委监委", "安阳市纪委", incremental=True)
    assert altered.startswith(pdf[:1000])  # the signed part is untouched; the change is appended
    verdict = verify_pdf(altered, public_keys(root))
    assert verdict.status == "altered" and "签名之后又被追加了改动" in verdict.message


def test_a_certificate_signed_by_a_key_not_in_the_set_is_reported_as_unknown_key(
        issued: tuple[Path, bytes, str], tmp_path: Path, font: CertificateFont) -> None:
    root, _, _ = issued
    forged_pdf, forged_qr = make_certificate(tmp_path / "forger", font)
    for verdict in (verify_pdf(forged_pdf, public_keys(root)), verify_qr(forged_qr, public_keys(root))):
        assert verdict.status == "unknown_key" and "不在 安阳市演示签发机构 的公钥集中" in verdict.message


def test_a_revoked_certificate_is_reported_with_the_date_and_reason(issued: tuple[Path, bytes, str],
                                                                    tmp_path: Path) -> None:
    root, pdf, qr_text = issued
    revoked = (Revocation("QL2026-ABCDEFGH", datetime(2026, 11, 30, 15, 0), "成绩更正"),)
    keys, revocations = trust_from_files(*_published(root, tmp_path, revoked))
    for verdict in (verify_pdf(pdf, keys, revocations), verify_qr(qr_text, keys, revocations)):
        assert verdict.status == "revoked"
        assert verdict.revoked_at == datetime(2026, 11, 30, 15, 0) and verdict.revocation_reason == "成绩更正"
        assert "已于 2026-11-30 被吊销，原因：成绩更正" in verdict.message
        assert verdict.revocations_as_of == datetime(2026, 12, 1, 8, 0)


def test_a_rotated_key_still_verifies_what_it_signed(tmp_path: Path, font: CertificateFont) -> None:
    root = tmp_path / "ws"
    old_pdf, old_qr = make_certificate(root, font, serial="QL2026-OLD22222")
    rotate_keys(root, NOW)
    new_pdf, _ = make_certificate(root, font, facts("P002", "李秀兰"), serial="QL2026-NEW33333")
    keys = public_keys(root)
    assert verify_pdf(old_pdf, keys).authentic and verify_qr(old_qr, keys).authentic
    assert verify_pdf(new_pdf, keys).authentic
    assert verify_pdf(old_pdf, keys).key_id != verify_pdf(new_pdf, keys).key_id


def test_files_and_text_that_are_not_certificates_say_so(issued: tuple[Path, bytes, str], tmp_path: Path) -> None:
    from fpdf import FPDF

    root, _, _ = issued
    plain = FPDF()
    plain.add_page()
    keys = public_keys(root)
    assert verify_pdf(bytes(plain.output()), keys).status == "not_a_certificate"
    assert verify_pdf(b"not a pdf at all", keys).status == "not_a_certificate"
    assert verify_qr("https://example.org/", keys).status == "not_a_certificate"
    assert "不是证书" in verify_pdf(b"", keys).message
