"""Issuing certificates: a serial, the signed payload, the PDF with its file signature, and the
record in ql_certificate (facts, QR text, PDF, key id, who issued it and when). A batch yields
one outcome per person as it goes, so the caller can show progress; a person who cannot be
issued (a character the font lacks, a certificate already held) is an outcome with the reason,
never a stop for the others."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.certificates.eligibility import EligibilityError, Sources, eligible, sitting_people, unit_people
from grader.certificates.fonts import CertificateFont
from grader.certificates.keys import Signer
from grader.certificates.payload import PROGRAMMES, Certificate, CertificateFacts
from grader.certificates.pdf import page_texts
from grader.certificates.workers import made
from grader.gradebook.models import CertificateRevocationRow, CertificateRow
from grader.staff.roles import Actor, authorize

_SERIAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed from paper
_CHUNK = 500
RECORD_CHUNK = 100  # certificates written (rows and audit entries) at a time


@dataclass(frozen=True)
class Issued:
    serial: str
    person_id: str
    programme: str
    name: str
    qr_text: str
    pdf: bytes


@dataclass(frozen=True)
class IssueOutcome:
    person_id: str
    programme: str
    issued: Issued | None
    problem: str = ""  # why nothing was issued

    def __str__(self) -> str:
        title = PROGRAMMES[self.programme].title if self.programme in PROGRAMMES else self.programme
        if self.issued:
            return f"{self.person_id} {self.issued.name}：已签发{title}证书 {self.issued.serial}"
        return f"{self.person_id}：未签发{title}证书：{self.problem}"


def new_serial(today: date) -> str:
    """QL<year>-<8 random characters>: unguessable, so a serial alone reveals nothing."""
    return f"QL{today.year}-" + "".join(secrets.choice(_SERIAL_ALPHABET) for _ in range(8))


def valid_certificates(session: Session, person_ids: Sequence[str], programme: str) -> dict[str, str]:
    """person id -> serial of a certificate for the programme that is not revoked."""
    found: dict[str, str] = {}
    ids = list(dict.fromkeys(person_ids))
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(CertificateRow.person_id, CertificateRow.serial)
            .where(CertificateRow.programme == programme, CertificateRow.person_id.in_(ids[start:start + _CHUNK]),
                   ~CertificateRow.serial.in_(select(CertificateRevocationRow.serial))))
        found.update((person, serial) for person, serial in rows)
    return found


def _refusal(font: CertificateFont, signer: Signer, facts: CertificateFacts, held: str | None) -> str:
    if held:
        return f"已有有效证书 {held}（记录更正后先吊销旧证书，才能重新签发）"
    return font.refusal({"姓名": facts.name, "单位": facts.unit, "结果": facts.result,
                         "签发机构": signer.issuer}) or ""


def issue_many(session: Session, signer: Signer, font: CertificateFont, facts: Sequence[CertificateFacts],
               issued_by: Actor, now: datetime, checkpoint: Callable[[], None] | None = None,
               ) -> Generator[IssueOutcome, None, None]:
    """Issue a certificate for each set of facts, in order, yielding each outcome. A person whose
    rows (roster entry, results, gate records) the audit log does not vouch for gets none. Rows and
    their audit entries are written a chunk at a time; `checkpoint` (the caller's commit, say) is
    called after each chunk is written and before its outcomes are yielded."""
    from grader.audit.vouch import unvouched

    authorize(issued_by, "cert.issue")
    doubtful = unvouched(session, [f.person_id for f in facts])
    held: dict[tuple[str, str], str] = {}
    for programme in {f.programme for f in facts}:
        ids = [f.person_id for f in facts if f.programme == programme]
        held.update(((p, programme), s) for p, s in valid_certificates(session, ids, programme).items())
    todo: list[Certificate] = []
    for f in facts:
        problem = _refusal(font, signer, f, held.get((f.person_id, f.programme)))
        if not problem and f.person_id in doubtful:
            problem = f"成绩库中的记录与审计日志不符，不能签发：{'；'.join(doubtful[f.person_id])}"
        if problem:
            yield IssueOutcome(f.person_id, f.programme, None, problem)
            continue
        held[(f.person_id, f.programme)] = "（本批次中重复）"
        todo.append(Certificate(f, new_serial(now.date()), signer.issuer, signer.key_id, now.date()))
    if not todo:
        return
    with font.batch(text for cert in todo for text in page_texts(cert)) as subset:
        made_ = made(signer, todo, subset)  # PDFs on every core, rows written here
        while chunk := list(islice(made_, RECORD_CHUNK)):
            issued = _record(session, chunk, issued_by, now)
            if checkpoint is not None:
                checkpoint()
            yield from (IssueOutcome(i.person_id, i.programme, i) for i in issued)


def _record(session: Session, made_: Sequence[tuple[Certificate, str, bytes]], issued_by: Actor,
            now: datetime) -> list[Issued]:
    """The rows of some certificates and their audit entries, written together."""
    from grader.audit.log import record

    rows = [CertificateRow(serial=cert.serial, person_id=cert.facts.person_id, programme=cert.facts.programme,
                           facts=cert.record(), payload=qr_text, key_id=cert.key_id, pdf=pdf, issued_at=now,
                           issued_by=issued_by.name) for cert, qr_text, pdf in made_]
    session.add_all(rows)
    record(session, issued_by, "cert.issue", rows, now)
    return [Issued(cert.serial, cert.facts.person_id, cert.facts.programme, cert.facts.name, qr_text, pdf)
            for cert, qr_text, pdf in made_]


def pdf_name(issued: Issued) -> str:
    safe = re.sub(r"[^\w.-]", "_", issued.person_id)
    return f"{safe}-{issued.programme}-{issued.serial}.pdf"


def write_pdfs(issued: Sequence[Issued], folder: Path) -> list[Path]:
    """The issued PDFs as files (for printing), named person-programme-serial.pdf."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in issued:
        path = folder / pdf_name(item)
        path.write_bytes(item.pdf)
        paths.append(path)
    return paths


@dataclass(frozen=True)
class Selection:
    """Whom to issue for: one person, a sitting's candidates or a unit (with its sub-units)."""

    person: str | None = None
    sitting: str | None = None
    unit: str | None = None
    programme: str | None = None  # a key of PROGRAMMES; a sitting's own programme when not given


@dataclass(frozen=True)
class Batch:
    total: int
    outcomes: Iterator[IssueOutcome]


def issue_certificates(session: Session, root: Path, selection: Selection, sources: Sources, issued_by: Actor,
                       now: datetime, checkpoint: Callable[[], None] | None = None) -> Batch:
    """`qinglian cert issue`: everyone selected who has earned the certificate gets one; the
    others are outcomes saying why not. Keys, font and eligibility problems raise before anything
    is issued. `checkpoint` as for issue_many."""
    from grader.certificates.fonts import find_cjk_font
    from grader.certificates.keys import load_signer

    authorize(issued_by, "cert.issue")
    if sum(x is not None for x in (selection.person, selection.sitting, selection.unit)) != 1:
        raise EligibilityError("请指定 --person、--sitting、--unit 之一")
    programme = selection.programme
    if selection.sitting is not None:
        ids, own = sitting_people(session, selection.sitting)
        programme = programme or own
    else:
        ids = [selection.person] if selection.person is not None else unit_people(session, str(selection.unit))
    if programme is None:
        raise EligibilityError(f"请用 --programme 指定证书项目（{'、'.join(PROGRAMMES)}）")
    signer = load_signer(root)
    font = CertificateFont(find_cjk_font())
    facts, refused = eligible(session, ids, programme, sources, now)

    def outcomes() -> Iterator[IssueOutcome]:
        yield from (IssueOutcome(n.person_id, n.programme, None, n.reason) for n in refused)
        yield from issue_many(session, signer, font, facts, issued_by, now, checkpoint)

    return Batch(len(ids), outcomes())
