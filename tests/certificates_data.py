"""Shared by the certificate tests: facts with rare characters, issuing into a real gradebook,
changing a PDF's visible text the way an editor would, and a machine with no network."""

from __future__ import annotations

import io
import re
import socket
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.certificates.fonts import CertificateFont
from grader.certificates.issue import IssueOutcome, issue_many
from grader.certificates.keys import init_keys, key_dir, load_signer
from grader.certificates.payload import Certificate, CertificateFacts, sign_payload
from grader.certificates.pdf import page_texts, render, sign_pdf
from tests.staff_data import organiser

NOW = datetime(2026, 11, 27, 10, 0)
RARE_NAME = "欧阳䶮𠮷"  # U+4DAE (CJK extension A) and U+20BB7 (extension B, outside the BMP)
FACTS = CertificateFacts("P001", RARE_NAME, "安阳市纪委监委", "promotion_test", "合格，得分 86/100（及格线 60）",
                         date(2026, 11, 20))


def facts(person_id: str, name: str, programme: str = "promotion_test") -> CertificateFacts:
    return CertificateFacts(person_id, name, "安阳市纪委监委", programme, "合格，得分 86/100（及格线 60）",
                            date(2026, 11, 20))


def issue(engine: Engine, root: Path, font: CertificateFont, batch: Sequence[CertificateFacts],
          now: datetime = NOW) -> list[IssueOutcome]:
    """Issue in one transaction, making the workspace's key first if it has none."""
    if not (key_dir(root) / "keys.json").exists():
        init_keys(root, "安阳市演示签发机构", now)
    with Session(engine) as session, session.begin():
        return list(issue_many(session, load_signer(root), font, batch, organiser("测试员"), now))


def make_certificate(root: Path, font: CertificateFont, facts: CertificateFacts = FACTS,
                     serial: str = "QL2026-ABCDEFGH") -> tuple[bytes, str]:
    """A signed certificate PDF and its QR text, without a gradebook (the workspace's key is
    made first if it has none)."""
    if not (key_dir(root) / "keys.json").exists():
        init_keys(root, "安阳市演示签发机构", NOW)
    signer = load_signer(root)
    cert = Certificate(facts, serial, signer.issuer, signer.key_id, NOW.date())
    qr_text = sign_payload(cert.payload(), signer.private_key).text
    with font.batch(page_texts(cert)) as batch:
        return sign_pdf(render(cert, qr_text, batch), signer), qr_text


def _to_codes(pdf_font: object) -> dict[str, bytes]:
    """Character -> the two-byte code the page uses for it, from the font's ToUnicode map."""
    cmap = pdf_font["/ToUnicode"].get_object().get_data().decode("ascii")  # type: ignore[index]
    return {bytes.fromhex(text).decode("utf-16-be"): bytes.fromhex(code)
            for code, text in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap)}


def change_text(pdf: bytes, old: str, new: str, *, incremental: bool = False) -> bytes:
    """The PDF with `old` replaced by `new` wherever the page draws it (`new` may only use
    characters the page already has), saved whole or as an incremental update."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ByteStringObject, ContentStream

    writer = PdfWriter(io.BytesIO(pdf), incremental=True) if incremental else PdfWriter(clone_from=PdfReader(
        io.BytesIO(pdf)))
    page = writer.pages[0]
    fonts: Any = page["/Resources"]["/Font"]  # type: ignore[index]  # pypdf types a dictionary entry as any object
    codes = _to_codes(next(iter(fonts.values())).get_object())
    before, after = (b"".join(codes[c] for c in text) for text in (old, new))
    content = ContentStream(page.get_contents(), writer)
    changed = 0
    for operands, operator in content.operations:
        drawn = getattr(operands[0], "original_bytes", None) or bytes(operands[0]) if operator == b"Tj" else b""
        if before in drawn:
            operands[0] = ByteStringObject(drawn.replace(before, after))
            changed += 1
    assert changed, f"{old} is not drawn on the page"
    page.replace_contents(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to reach the network fails loudly."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network used: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
