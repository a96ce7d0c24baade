"""Making certificates' signed payloads and PDFs on every core: the CPU-bound part of issuing.

Laying out the page, drawing the QR code and writing the PDF take nearly all the time; none of it
touches the database, so a batch is cut into chunks made by forked worker processes while the caller
writes the rows. Workers inherit the signer and the batch font from the parent: a private key is
never pickled or written anywhere, and the font's glyphs are not sent with every chunk."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

from grader.certificates.fonts import BatchFont
from grader.certificates.keys import Signer
from grader.certificates.payload import Certificate, sign_payload
from grader.certificates.pdf import render, sign_pdf

CHUNK = 20  # certificates per worker task
_inherited: tuple[Signer, BatchFont] | None = None  # set in the parent just before the workers fork


def make_one(signer: Signer, cert: Certificate, font: BatchFont) -> tuple[str, bytes]:
    """The signed payload (the QR text) and the signed PDF of one certificate."""
    signed = sign_payload(cert.payload(), signer.private_key)
    return signed.text, sign_pdf(render(cert, signed.text, font), signer)


def _make_chunk(certs: Sequence[Certificate]) -> list[tuple[str, bytes]]:
    assert _inherited is not None, "workers are forked after the signer and font are set"
    signer, font = _inherited
    return [make_one(signer, cert, font) for cert in certs]


def made(signer: Signer, certs: Sequence[Certificate], font: BatchFont,
         workers: int | None = None) -> Iterator[tuple[Certificate, str, bytes]]:
    """Each certificate with its QR text and PDF, in order."""
    global _inherited
    count = os.cpu_count() or 1 if workers is None else workers
    chunks = [certs[i:i + CHUNK] for i in range(0, len(certs), CHUNK)]
    if count <= 1 or len(chunks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for cert in certs:
            yield (cert, *make_one(signer, cert, font))
        return
    _inherited = (signer, font)
    try:
        with ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork")) as pool:
            for chunk, results in zip(chunks, pool.map(_make_chunk, chunks), strict=True):
                for cert, (qr_text, pdf) in zip(chunk, results, strict=True):
                    yield cert, qr_text, pdf
    finally:
        _inherited = None
