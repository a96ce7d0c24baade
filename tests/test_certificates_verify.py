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


LISTED, DUE = datetime(2026, 12, 1, 8, 0), datetime(2026, 12, 8, 8, 0)  # the published list: signed, next update
CHECKED = datetime(2026, 12, 2, 9, 0)  # when the verifier looks


def _published(root: Path, folder: Path, revoked: tuple[Revocation, ...] = ()) -> tuple[Path, Path]:
    """The files an offline verifier is given: the key set and a signed revocation list."""
    keys, crl = folder / "keys.json", folder / "crl.json"
    write_key_set(public_keys(root), keys)
    signer = load_signer(root)
    listed = signed_revocation_list(RevocationList(signer.issuer, LISTED, revoked, next_update=DUE), signer)
    crl.write_text(json.dumps(listed, ensure_ascii=False), encoding="utf-8")
    return keys, crl


def test_an_untouched_certificate_verifies_from_files_with_no_network(
        issued: tuple[Path, bytes, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, pdf, qr_text = issued
    keys_file, crl_file = _published(root, tmp_path)
    block_network(monkeypatch)
    keys, revocations = trust_from_files(keys_file, crl_file)
    verdict = verify_pdf(pdf, keys, revocations, now=CHECKED)
    assert verdict.status == "authentic", verdict.message
    assert verdict.headline == "真实有效" and not verdict.revocations_stale
    assert ("按 2026-12-01 08:00 签发的吊销列表（1 天前），未被吊销。该列表下次更新时间为 2026-12-08 08:00"
            in verdict.message)
    assert ("姓名", RARE_NAME) in verdict.facts and verdict.serial == "QL2026-ABCDEFGH"
    by_qr = verify_qr(qr_text, keys, revocations, now=CHECKED)
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
    for verdict in (verify_pdf(pdf, keys, revocations, now=CHECKED), verify_qr(qr_text, keys, revocations,
                                                                               now=CHECKED)):
        assert verdict.status == "revoked"
        assert verdict.revoked_at == datetime(2026, 11, 30, 15, 0) and verdict.revocation_reason == "成绩更正"
        assert "已于 2026-11-30 被吊销，原因：成绩更正" in verdict.message
        assert verdict.revocations_as_of == LISTED and verdict.revocations_next_update == DUE
        assert "按 2026-12-01 08:00 签发的吊销列表（1 天前）" in verdict.message


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


# ---- how old the revocation list is ----

@pytest.mark.parametrize(("now", "age"), [
    (datetime(2026, 12, 1, 8, 20), "不到 1 小时前"),
    (datetime(2026, 12, 1, 13, 0), "5 小时前"),
    (datetime(2026, 12, 8, 8, 0), "7 天前"),
])
def test_the_verdict_says_how_old_the_list_is_and_when_the_next_is_due(
        issued: tuple[Path, bytes, str], tmp_path: Path, now: datetime, age: str) -> None:
    root, _, qr_text = issued
    verdict = verify_qr(qr_text, *trust_from_files(*_published(root, tmp_path)), now=now)
    assert verdict.headline == "真实有效"
    assert f"2026-12-01 08:00 签发的吊销列表（{age}）" in verdict.message
    assert "下次更新时间为 2026-12-08 08:00" in verdict.message


def test_a_certificate_revoked_after_the_list_was_signed_is_never_plainly_valid(
        issued: tuple[Path, bytes, str], tmp_path: Path) -> None:
    """The list was signed on 1 December; the certificate was revoked on the 3rd. Within the list's
    week the verdict says which list it rests on and how old it is; after its next update, that
    the list is out of date and nothing can be concluded from it."""
    root, pdf, qr_text = issued
    keys, revocations = trust_from_files(*_published(root, tmp_path))  # signed before the revocation
    within = verify_qr(qr_text, keys, revocations, now=datetime(2026, 12, 4, 8, 0))
    assert "按 2026-12-01 08:00 签发的吊销列表（3 天前），未被吊销" in within.message
    assert "在此之后被吊销的证书要看新列表" in within.message
    for late in (verify_qr(qr_text, keys, revocations, now=datetime(2026, 12, 10, 9, 0)),
                 verify_pdf(pdf, keys, revocations, now=datetime(2026, 12, 10, 9, 0))):
        assert late.revocations_stale and late.status == "authentic"
        assert late.headline == "签名真实，但吊销列表已过期"
        assert not late.message.startswith("真实有效")
        assert "该列表注明应在 2026-12-08 08:00 前更新，现已过期 2 天" in late.message
        assert "无法确认此证书现在是否仍然有效" in late.message and "请向签发机构索取最新吊销列表" in late.message


def test_a_list_dated_after_the_verifiers_clock_says_to_check_the_clock(
        issued: tuple[Path, bytes, str], tmp_path: Path) -> None:
    root, _, qr_text = issued
    verdict = verify_qr(qr_text, *trust_from_files(*_published(root, tmp_path)), now=datetime(2026, 11, 30))
    assert "签发时间晚于本机时间，请检查本机时钟" in verdict.message


def test_a_list_of_the_first_format_is_still_read_and_said_to_have_no_next_update(
        issued: tuple[Path, bytes, str], tmp_path: Path) -> None:
    from grader.certificates.payload import canonical
    from grader.certificates.revocation import CRL_CONTEXT, FORMAT_1

    root, _, qr_text = issued
    signer = load_signer(root)
    body = {"format": FORMAT_1, "issuer": signer.issuer, "key_id": signer.key_id, "issued_at": "2026-11-28T08:00:00",
            "revoked": []}
    old = tmp_path / "old-crl.json"
    old.write_text(json.dumps({**body, "signature": b64encode(signer.sign(CRL_CONTEXT + canonical(body)))}),
                   encoding="utf-8")
    write_key_set(public_keys(root), tmp_path / "keys.json")
    keys, revocations = trust_from_files(tmp_path / "keys.json", old)
    assert revocations is not None and revocations.next_update is None
    verdict = verify_qr(qr_text, keys, revocations, now=CHECKED)
    assert verdict.authentic and "按 2026-11-28 08:00 签发的吊销列表（4 天前），未被吊销" in verdict.message
    assert "该列表是旧格式，没有注明下次更新时间，无法判断是否最新" in verdict.message
