"""A batch made on several worker processes gives each certificate the payload and PDF the parent would."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from grader.certificates.fonts import CertificateFont, find_cjk_font
from grader.certificates.keys import init_keys, load_signer, public_keys
from grader.certificates.payload import Certificate
from grader.certificates.pdf import page_texts, read_certificate
from grader.certificates.verify import verify_pdf
from grader.certificates.workers import CHUNK, made
from tests.certificates_data import NOW, RARE_NAME, facts


def test_forked_workers_make_the_same_signed_payloads_in_order_and_pdfs_that_verify(tmp_path: Path) -> None:
    init_keys(tmp_path, "安阳市演示签发机构", NOW)
    signer = load_signer(tmp_path)
    names = [RARE_NAME, "张伟", "李娜", "王建国"]
    certs = [Certificate(facts(f"P{n:03d}", names[n % len(names)]), f"QL2026-{n:08d}", signer.issuer,
                         signer.key_id, date(2026, 11, 27)) for n in range(CHUNK * 2 + 3)]
    font = CertificateFont(find_cjk_font())
    with font.batch(text for cert in certs for text in page_texts(cert)) as subset:
        alone = list(made(signer, certs, subset, workers=1))
        forked = list(made(signer, certs, subset, workers=2))
    assert [c.serial for c, _, _ in forked] == [c.serial for c in certs]
    assert [qr for _, qr, _ in forked] == [qr for _, qr, _ in alone]  # Ed25519 signs deterministically
    keys = public_keys(tmp_path)
    for cert, qr_text, pdf in forked:
        assert verify_pdf(pdf, keys).authentic
        embedded = read_certificate(pdf)
        assert embedded.qr_text == qr_text and embedded.record is not None
        assert cert.facts.name in str(embedded.record)
