"""The certificate as an A4 PDF (fpdf2), and reading one back.

The PDF embeds the font subset, draws the QR code, carries the QR text in its Subject and the
full facts as the attachment ``certificate.json``. After fpdf2 has written it, a signature over
the SHA-256 of every byte is appended as a PDF incremental update (a new object and trailer, so
every viewer still opens it): changing anything in the file, the visible name included, breaks
that signature, and anything appended after it is seen because the update must be exactly the
one the signature determines."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from grader.certificates.fonts import BatchFont
from grader.certificates.keys import Signer
from grader.certificates.payload import DOCUMENT, Certificate, canonical

ATTACHMENT = "certificate.json"
SIG_MARKER = b"%qinglian-file-signature-v1\n"
FILE_CONTEXT = b"qinglian-pdf-v1\n"
RED = (178, 34, 34)
_FONT = "cert"
_SIGNATURE = re.compile(rb"/KeyId \(([0-9a-f]{1,64})\) /Digest /SHA256 /Signature <([0-9a-f]{128})>")


@dataclass(frozen=True)
class FileSignature:
    key_id: str
    signature: bytes
    message: bytes  # what the signature must be over: the context and the digest of the signed bytes
    intact: bool  # the update holding it is exactly as written: nothing changed or added after it


@dataclass(frozen=True)
class EmbeddedCertificate:
    """What a PDF file says about itself, unchecked."""

    qr_text: str | None
    record: dict[str, Any] | None
    record_bytes: bytes | None
    file_signature: FileSignature | None


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _facts_rows(cert: Certificate) -> list[tuple[str, str]]:
    f = cert.facts
    validity = [("有效期至", chinese_date(f.valid_until))] if f.valid_until else []
    return [("姓名", f.name), ("单位", f.unit), ("项目", cert.programme.title), ("结果", f.result),
            ("日期", chinese_date(f.date)), *validity, ("证书编号", cert.serial), ("签发机构", cert.issuer),
            ("签发日期", chinese_date(cert.issued_on)), ("密钥编号", cert.key_id)]


def _statement(cert: Certificate) -> str:
    return f"兹证明 {cert.facts.name} 同志{cert.programme.statement}"


def _basis(cert: Certificate) -> str:
    return f"依据：{DOCUMENT}{cert.programme.clause}：“{cert.programme.basis}”"


_CAPTION = ("真伪核验：二维码带有签发机构的电子签名，姓名、成绩等任何一处被改动都会被发现。"
            "请到签发机构的证书核验页面粘贴二维码内容或上传本证书 PDF 核验，不需要连接互联网。")


def page_texts(cert: Certificate) -> list[str]:
    """Every text the page prints (the batch font subset is cut from these)."""
    rows = [text for pair in _facts_rows(cert) for text in pair]
    return ["证　书", cert.programme.heading, _statement(cert), _basis(cert), _CAPTION, "（盖章）", *rows]


_cut: dict[tuple[str, float, float], list[str]] = {}  # (text, width, size) -> its lines, per process


def _paragraph(pdf: Any, width: float, height: float, text: str) -> None:
    """What multi_cell(width, height, text) draws left-aligned, wrapping at any character, from the
    lines cut the first time the text is set at this width and size: the fixed texts are set the same
    way on every page, and fpdf2's line breaking takes time that grows with the square of a line."""
    from fpdf.enums import WrapMode

    key = (text, width, pdf.font_size_pt)
    if key not in _cut:
        if len(_cut) > 10_000:
            _cut.clear()
        _cut[key] = pdf.multi_cell(width, height, text, align="L", wrapmode=WrapMode.CHAR, dry_run=True,
                                   output="LINES")
    x = pdf.get_x()
    for line in _cut[key]:
        pdf.set_x(x)
        pdf.cell(width, height, line, new_x="LEFT", new_y="NEXT")


def render(cert: Certificate, qr_text: str, font: BatchFont) -> bytes:
    """The unsigned PDF: one A4 page, the font embedded, the QR text and full facts inside."""
    from grader.certificates.embedding import BatchFontPDF

    pdf = BatchFontPDF(font.outlines, format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(datetime.combine(cert.issued_on, time()))
    pdf.set_title(f"{cert.programme.heading} {cert.serial}")
    pdf.set_author(cert.issuer)
    pdf.set_subject(qr_text)
    pdf.set_creator("qinglian")
    pdf.use_batch_font(_FONT, font.path)
    pdf.add_page()
    pdf.set_draw_color(*RED)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 190, 277)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, 184, 271)
    pdf.set_text_color(*RED)
    pdf.set_font(_FONT, size=40)
    pdf.set_xy(20, 30)
    pdf.cell(170, 20, "证　书", align="C")
    pdf.set_font(_FONT, size=20)
    pdf.set_xy(20, 54)
    pdf.cell(170, 12, cert.programme.heading, align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(_FONT, size=15)
    pdf.set_xy(28, 78)
    _paragraph(pdf, 154, 9, _statement(cert))
    y = pdf.get_y() + 8
    for label, value in _facts_rows(cert):
        pdf.set_font(_FONT, size=12)
        pdf.set_xy(32, y)
        pdf.cell(28, 8, label)
        pdf.set_xy(62, y)
        _paragraph(pdf, 116, 8, value)
        y = pdf.get_y() + 1.5
    pdf.set_font(_FONT, size=9)
    pdf.set_xy(28, max(y + 4, 196))
    _paragraph(pdf, 154, 5, _basis(cert))
    pdf.set_font(_FONT, size=12)
    pdf.set_xy(28, 236)
    pdf.cell(90, 8, cert.issuer)
    pdf.set_xy(28, 245)
    pdf.cell(90, 8, f"{chinese_date(cert.issued_on)}　（盖章）")
    _draw_qr(pdf, qr_text, x=146, y=214, size=42)
    pdf.set_font(_FONT, size=7)
    pdf.set_xy(28, 262)
    _paragraph(pdf, 160, 4, _CAPTION)
    pdf.embed_file(bytes=canonical(cert.record()), basename=ATTACHMENT, mime_type="application/json",
                   desc="证书的全部事实（规范编码）", compress=True)
    missing = [chr(c) for font in pdf.fonts.values() for c in getattr(font, "missing_glyphs", [])]
    if missing:  # the batch font lacked a character: never hand out a page with a box in it
        raise ValueError(f"证书 {cert.serial} 的字体缺字：{'、'.join(missing)}")
    return pdf.output_bytes()


# Any of the eight QR masks reads back the same text; choosing the best one for each code (scoring
# all eight) was a sixth of the time of a certificate. For these payloads (base64 text of one
# length) the scoring picks mask 2 most often, so it is used for every code.
QR_MASK = 2
_QR_BORDER = 2  # modules of white around the code
_DARK_RUN = re.compile(b"\x01+")


def _draw_qr(pdf: Any, text: str, x: float, y: float, size: float) -> None:
    """The QR code as filled squares in the page's own drawing (one path, each row's dark runs):
    sharp at any zoom or printer resolution, where an image scaled up is smoothed."""
    import segno

    rows = segno.make(text, error="m", micro=False, mask=QR_MASK).matrix
    lefts, widths, tops = _qr_grid(len(rows), x, y, size, pdf.k, pdf.h)
    boxes = [f"{lefts[run.start()]} {top} {widths[run.end() - run.start()]} re"
             for top, row in zip(tops, rows, strict=True) for run in _DARK_RUN.finditer(bytes(row))]
    pdf.set_fill_color(0, 0, 0)
    pdf._out("\n".join(boxes) + "\nf")


@lru_cache(maxsize=8)
def _qr_grid(count: int, x: float, y: float, size: float, k: float, page_height: float,
             ) -> tuple[list[str], list[str], list[str]]:
    """Where column c starts, how wide (and high) a run of n modules is, where row r's top is: in
    points, as the page's drawing writes them."""
    module = size / (count + 2 * _QR_BORDER)
    lefts = [f"{(x + (c + _QR_BORDER) * module) * k:.3f}" for c in range(count)]
    widths = [f"{n * module * k:.3f} {-module * k:.3f}" for n in range(count + 1)]
    tops = [f"{(page_height - y - (r + _QR_BORDER) * module) * k:.3f}" for r in range(count)]
    return lefts, widths, tops


def _trailer_value(trailer: bytes, key: bytes) -> bytes:
    match = re.search(rb"/" + key + rb"\s+(\d+\s+\d+\s+R|\d+|\[[^\]]*\])", trailer)
    if match is None:
        raise ValueError(f"PDF 尾部缺少 /{key.decode()}")
    return match.group(1)


def _update(signed: bytes, key_id: str, signature: bytes) -> bytes:
    """The incremental update holding the file signature: one new object, its cross-reference
    section and a trailer pointing back to the previous one."""
    trailer = signed[signed.rindex(b"trailer"):]
    size = int(_trailer_value(trailer, b"Size"))
    previous = int(re.findall(rb"startxref\s+(\d+)", signed)[-1])
    extra = b"".join(b" /" + k + b" " + _trailer_value(trailer, k) for k in (b"Info", b"ID")
                     if re.search(rb"/" + k + rb"\b", trailer))
    body = (f"{size} 0 obj\n<< /Type /QinglianSignature /KeyId ({key_id}) /Digest /SHA256 "
            f"/Signature <{signature.hex()}> >>\nendobj\n").encode("ascii")
    at = len(signed) + len(SIG_MARKER)
    xref = (f"xref\n{size} 1\n{at:010d} 00000 n \ntrailer\n<< /Size {size + 1} /Root ".encode("ascii")
            + _trailer_value(trailer, b"Root") + extra
            + f" /Prev {previous} /QinglianSignature {size} 0 R >>\nstartxref\n{at + len(body)}\n%%EOF\n"
            .encode("ascii"))
    return SIG_MARKER + body + xref


def file_message(signed: bytes) -> bytes:
    return FILE_CONTEXT + hashlib.sha256(signed).digest()


def sign_pdf(pdf: bytes, signer: Signer) -> bytes:
    signed = pdf if pdf.endswith(b"\n") else pdf + b"\n"
    return signed + _update(signed, signer.key_id, signer.sign(file_message(signed)))


def file_signature(data: bytes) -> FileSignature | None:
    at = data.rfind(SIG_MARKER)
    if at < 0:
        return None
    signed = data[:at]
    match = _SIGNATURE.search(data, at)
    if match is None:
        return FileSignature("", b"", file_message(signed), False)
    key_id, signature = match.group(1).decode("ascii"), bytes.fromhex(match.group(2).decode("ascii"))
    try:
        intact = data[at:] == _update(signed, key_id, signature)
    except ValueError:
        intact = False
    return FileSignature(key_id, signature, file_message(signed), intact)


_SUBJECT = re.compile(rb"\n/Subject \((QL1\.[A-Za-z0-9_.-]+)\)\n")
_ATTACHED = re.compile(rb"\n/Filter /FlateDecode\n/Length (\d+)\n/Params <</Size (\d+)>>\n"
                       rb"/Subtype /application#2Fjson\n/Type /EmbeddedFile\n>>\nstream\n")
_ATTACHMENT_NAME = b"/Names [(" + ATTACHMENT.encode("ascii") + b") "


def read_issued(data: bytes) -> EmbeddedCertificate | None:
    """What `read_certificate` reads, straight from the bytes as fpdf2 writes them (a sixth of the
    time): None unless the file ends in an intact file signature and holds exactly one QR text and
    one attachment of the expected form. Only for a file whose signature has been checked: then its
    bytes are exactly the issuer's."""
    import zlib

    signature = file_signature(data)
    if signature is None or not signature.intact:
        return None
    subjects, attached = _SUBJECT.findall(data), list(_ATTACHED.finditer(data))
    if len(subjects) != 1 or len(attached) != 1 or data.count(_ATTACHMENT_NAME) != 1:
        return None
    start, length, size = attached[0].end(), int(attached[0].group(1)), int(attached[0].group(2))
    try:
        record_bytes = zlib.decompress(data[start:start + length])
    except zlib.error:
        return None
    if len(record_bytes) != size:
        return None
    return EmbeddedCertificate(subjects[0].decode("ascii"), _record(record_bytes), record_bytes, signature)


def _record(record_bytes: bytes | None) -> dict[str, Any] | None:
    import json

    if record_bytes is None:
        return None
    try:
        loaded = json.loads(record_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def read_certificate(data: bytes) -> EmbeddedCertificate:
    """The QR text, full facts and file signature a PDF carries; ValueError if it is not a
    readable PDF at all."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged file is reported, not logged
    try:
        reader = PdfReader(io.BytesIO(data))
        subject = reader.metadata.subject if reader.metadata else None
        attached = reader.attachments.get(ATTACHMENT) or []
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"不是可读取的 PDF 文件（{type(error).__name__}）") from error
    record_bytes = attached[0] if attached else None
    return EmbeddedCertificate(str(subject) if subject else None, _record(record_bytes), record_bytes,
                               file_signature(data))
