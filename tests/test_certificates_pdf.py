"""The certificate PDF: A4, the CJK font embedded, the Chinese text on the rendered page, the QR
text and full facts inside, and the whole-file signature as a valid incremental update."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from grader.certificates.fonts import CertificateFont, find_cjk_font
from grader.certificates.keys import Signer, init_keys, load_signer
from grader.certificates.payload import Certificate, canonical, sign_payload
from grader.certificates.pdf import file_signature, page_texts, read_certificate, render, sign_pdf
from tests.certificates_data import FACTS, NOW, RARE_NAME


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Certificate, str, Signer]:
    root = tmp_path_factory.mktemp("ws")
    init_keys(root, "安阳市演示签发机构", NOW)
    signer = load_signer(root)
    cert = Certificate(FACTS, "QL2026-ABCDEFGH", signer.issuer, signer.key_id, date(2026, 11, 27))
    qr_text = sign_payload(cert.payload(), signer.private_key).text
    font = CertificateFont(find_cjk_font())
    with font.batch(page_texts(cert)) as batch:
        pdf = sign_pdf(render(cert, qr_text, batch), signer)
    return pdf, cert, qr_text, signer


def _poppler(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True)


def _dark(image: Image.Image) -> float:
    """The share of pixels darker than mid-grey."""
    return sum(image.histogram()[:128]) / (image.width * image.height)


@pytest.fixture
def pdf_file(signed: tuple[bytes, Certificate, str, Signer], tmp_path: Path) -> Path:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(signed[0])
    return path


def test_pdffonts_lists_every_font_embedded_and_the_cjk_font_among_them(pdf_file: Path) -> None:
    rows = _poppler("pdffonts", str(pdf_file)).stdout.splitlines()[2:]
    fonts = [(row.split()[0], row.split()[-5]) for row in rows]  # name, emb
    assert fonts and all(emb == "yes" for _, emb in fonts)
    assert any("NotoSansCJKSC" in name for name, _ in fonts)


def test_the_page_text_holds_the_chinese_name_rare_characters_included(pdf_file: Path) -> None:
    text = _poppler("pdftotext", "-layout", str(pdf_file), "-").stdout
    assert RARE_NAME in text and "安阳市纪委监委" in text and "廉政知识测试合格证书" in text
    assert "QL2026-ABCDEFGH" in text


def test_pdftoppm_renders_an_a4_page_with_ink_on_it(pdf_file: Path, tmp_path: Path) -> None:
    _poppler("pdftoppm", "-png", "-r", "40", "-singlefile", str(pdf_file), str(tmp_path / "page"))
    image = Image.open(tmp_path / "page.png").convert("L")
    assert abs(image.height / image.width - 297 / 210) < 0.01
    assert 0.02 < _dark(image) < 0.4  # text, frame and QR code; not blank, not a black page
    qr_box = image.crop((int(image.width * 0.69), int(image.height * 0.72), int(image.width * 0.9),
                         int(image.height * 0.86)))
    assert 0.3 < _dark(qr_box) < 0.7


def test_the_printed_qr_code_scans_back_to_the_signed_payload(
        pdf_file: Path, signed: tuple[bytes, Certificate, str, Signer], tmp_path: Path) -> None:
    import zxingcpp

    _poppler("pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf_file), str(tmp_path / "scan"))
    (code,) = zxingcpp.read_barcodes(Image.open(tmp_path / "scan.png"))
    assert code.format == zxingcpp.BarcodeFormat.QRCode and code.text == signed[2]


def test_the_signed_file_is_a_valid_pdf_for_poppler(pdf_file: Path) -> None:
    info = subprocess.run(["pdfinfo", str(pdf_file)], capture_output=True, text=True)
    assert info.returncode == 0 and info.stderr == ""
    assert "A4" in info.stdout and "Pages:           1" in info.stdout


def test_the_pdf_carries_the_qr_text_the_full_facts_and_an_intact_file_signature(
        signed: tuple[bytes, Certificate, str, Signer]) -> None:
    pdf, cert, qr_text, signer = signed
    found = read_certificate(pdf)
    assert found.qr_text == qr_text
    assert found.record == cert.record() and found.record_bytes == canonical(cert.record())
    assert found.file_signature is not None and found.file_signature.intact
    assert found.file_signature.key_id == signer.key_id


def test_bytes_appended_after_the_file_signature_are_noticed(signed: tuple[bytes, Certificate, str, Signer]) -> None:
    found = file_signature(signed[0] + b"% an editor's note\n")
    assert found is not None and not found.intact
    assert file_signature(b"%PDF-1.4 no signature here") is None


def _same_page(ours: bytes, theirs: bytes, tmp_path: Path) -> None:
    """Both PDFs draw the same pixels at 100 dpi and give the same text."""
    pages = []
    for name, data in (("ours", ours), ("theirs", theirs)):
        (tmp_path / f"{name}.pdf").write_bytes(data)
        _poppler("pdftoppm", "-png", "-r", "100", "-singlefile", str(tmp_path / f"{name}.pdf"), str(tmp_path / name))
        pages.append(Image.open(tmp_path / f"{name}.png").convert("L"))
    assert pages[0].size == pages[1].size
    assert pages[0].tobytes() == pages[1].tobytes()
    texts = [_poppler("pdftotext", "-layout", str(tmp_path / f"{name}.pdf"), "-").stdout for name in ("ours", "theirs")]
    assert texts[0] == texts[1] and RARE_NAME in texts[0]


def test_the_page_drawn_from_the_assembled_font_program_is_the_page_fpdf2s_own_subsetting_draws(
        signed: tuple[bytes, Certificate, str, Signer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.certificates import embedding

    _, cert, qr_text, _ = signed
    font = CertificateFont(find_cjk_font())
    with font.batch(page_texts(cert)) as batch:
        ours = render(cert, qr_text, batch)
        monkeypatch.setattr(embedding, "_loaded", {})  # fpdf2's subsetting changes the font it read
        monkeypatch.setattr(embedding.BatchFontPDF, "output_bytes", lambda pdf: bytes(pdf.output()))
        theirs = render(cert, qr_text, batch)
    assert b"/MPDFAA+" in theirs and b"/MPDFAA+" not in ours  # fpdf2's subset tag: two different programs
    _same_page(ours, theirs, tmp_path)


def test_paragraphs_set_from_cut_lines_are_drawn_as_fpdf2s_multi_cell_draws_them(
        signed: tuple[bytes, Certificate, str, Signer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fpdf.enums import WrapMode

    from grader.certificates import pdf

    _, cert, qr_text, _ = signed
    long_unit = replace(cert, facts=replace(cert.facts, unit="安阳市" + "纪委监委派驻第一纪检监察组" * 4))
    font = CertificateFont(find_cjk_font())
    with font.batch(page_texts(long_unit)) as batch:
        ours = render(long_unit, qr_text, batch)
        set_whole: list[str] = []

        def whole(page: Any, width: float, height: float, text: str) -> None:
            set_whole.append(text)
            page.multi_cell(width, height, text, align="L", wrapmode=WrapMode.CHAR)

        monkeypatch.setattr(pdf, "_paragraph", whole)
        theirs = render(long_unit, qr_text, batch)
    assert long_unit.facts.unit in set_whole
    assert ours == theirs  # the very same bytes


def test_an_issued_file_read_straight_from_its_bytes_says_what_a_pdf_parser_reads(
        signed: tuple[bytes, Certificate, str, Signer]) -> None:
    from grader.certificates.pdf import read_issued

    pdf = signed[0]
    assert read_issued(pdf) == read_certificate(pdf)
    assert read_issued(pdf + b"% an editor's note\n") is None  # the signature no longer ends the file
    assert read_issued(pdf.replace(b"\n/Subject (", b"\n/Subject  (", 1)) is None  # changed: left to the parser
    two_subjects = pdf.replace(b"/Creator (qinglian)", b"/Creator (qinglian)\n/Subject (QL1.x)", 1)
    assert read_issued(two_subjects) is None
