"""Revocation: a certificate whose record was corrected is revoked (who, when, why, recorded in
ql_certificate_revocation), and the list of revoked serials is published signed and dated, so
an offline verifier knows how current its list is and when a newer one is due. File format
(JSON): ``format``, ``issuer``, ``issued_at``, ``next_update``, ``key_id``, ``revoked`` (serial,
revoked_at, reason) and ``signature``, an Ed25519 signature over ``qinglian-revocations-v1`` +
newline + the canonical encoding of the rest, so both times are signed. Lists of format 1 (no
``next_update``) are still read: their verdicts say that nobody promised when they expire."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.certificates.keys import KeySet, Signer
from grader.certificates.payload import PayloadError, b64decode, b64encode, canonical, signature_valid
from grader.gradebook.models import CertificateRevocationRow, CertificateRow
from grader.staff.roles import Actor, authorize

FORMAT = "qinglian-revocations/2"
FORMAT_1 = "qinglian-revocations/1"  # before next_update: read, never written
CRL_CONTEXT = b"qinglian-revocations-v1\n"
DEFAULT_VALIDITY = timedelta(days=7)  # a published list promises a newer one within this


class RevocationError(Exception):
    pass


@dataclass(frozen=True)
class Revocation:
    serial: str
    revoked_at: datetime
    reason: str


@dataclass(frozen=True)
class RevocationList:
    issuer: str
    issued_at: datetime  # the list is as current as this
    entries: tuple[Revocation, ...]
    next_update: datetime | None = None  # a newer list is due by then; None: a format 1 list
    live: bool = False  # read from the gradebook just now, not from a published file
    # a live list asks the gradebook for the one serial being verified instead of holding every entry
    lookup: Callable[[str], Revocation | None] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def _by_serial(self) -> dict[str, Revocation]:
        """The entries by serial, made the first time the list is asked (a verifier checks many
        certificates against one list)."""
        return {r.serial: r for r in reversed(self.entries)}  # the first entry for a serial

    def find(self, serial: str) -> Revocation | None:
        return self.lookup(serial) if self.lookup is not None else self._by_serial.get(serial)


def revoke(session: Session, serial: str, reason: str, by: Actor, now: datetime) -> Revocation:
    """Revoke one certificate; the reason and a staff member whose role may revoke are required."""
    from grader.audit.log import record

    authorize(by, "cert.revoke")
    if not reason.strip():
        raise RevocationError("吊销必须写明原因（--reason）")
    if session.get(CertificateRow, serial) is None:
        raise RevocationError(f"没有编号为 {serial} 的证书")
    done = session.get(CertificateRevocationRow, serial)
    if done is not None:
        raise RevocationError(f"证书 {serial} 已于 {done.revoked_at:%Y-%m-%d %H:%M} 被 {done.revoked_by} 吊销："
                              f"{done.reason}")
    row = CertificateRevocationRow(serial=serial, revoked_at=now, revoked_by=by.name, reason=reason.strip())
    session.add(row)
    record(session, by, "cert.revoke", [row], now)
    return Revocation(serial, now, reason.strip())


def revoke_for_person(session: Session, person_id: str, programme: str, reason: str, by: Actor,
                      now: datetime) -> list[Revocation]:
    """When a record a certificate rested on is corrected: revoke every certificate of the
    person for the programme that is still valid (none is fine)."""
    serials = session.scalars(
        select(CertificateRow.serial)
        .where(CertificateRow.person_id == person_id, CertificateRow.programme == programme,
               ~CertificateRow.serial.in_(select(CertificateRevocationRow.serial)))
        .order_by(CertificateRow.serial)).all()
    return [revoke(session, serial, reason, by, now) for serial in serials]


def current_revocations(session: Session, issuer: str, now: datetime,
                        valid_for: timedelta = DEFAULT_VALIDITY) -> RevocationList:
    """Every revocation recorded, as a list issued now that promises a newer one within `valid_for`."""
    rows = session.scalars(select(CertificateRevocationRow).order_by(CertificateRevocationRow.serial))
    return RevocationList(issuer, now, tuple(Revocation(r.serial, r.revoked_at, r.reason) for r in rows),
                          next_update=now + valid_for)


def live_revocations(session: Session, issuer: str, now: datetime) -> RevocationList:
    """The gradebook's revocations as they stand now, for verifying here: each verification looks
    up its own serial, so its cost does not grow with the number of revocations."""
    def lookup(serial: str) -> Revocation | None:
        row = session.get(CertificateRevocationRow, serial)
        return Revocation(row.serial, row.revoked_at, row.reason) if row is not None else None

    return RevocationList(issuer, now, (), next_update=now + DEFAULT_VALIDITY, live=True, lookup=lookup)


def _body(revocations: RevocationList, key_id: str) -> dict[str, Any]:
    if revocations.next_update is None or revocations.next_update <= revocations.issued_at:
        raise RevocationError("吊销列表的下次更新时间应晚于其签发时间")
    return {"format": FORMAT, "issuer": revocations.issuer, "key_id": key_id,
            "issued_at": revocations.issued_at.isoformat(timespec="seconds"),
            "next_update": revocations.next_update.isoformat(timespec="seconds"),
            "revoked": [{"serial": r.serial, "revoked_at": r.revoked_at.isoformat(timespec="seconds"),
                         "reason": r.reason} for r in revocations.entries]}


def signed_revocation_list(revocations: RevocationList, signer: Signer) -> dict[str, Any]:
    """The list as `qinglian cert revocations` writes it."""
    body = _body(revocations, signer.key_id)
    return {**body, "signature": b64encode(signer.sign(CRL_CONTEXT + canonical(body)))}


def _parse(body: dict[str, Any]) -> RevocationList:
    issued_at = datetime.fromisoformat(body["issued_at"])
    next_update = datetime.fromisoformat(body["next_update"]) if body["format"] == FORMAT else None
    if next_update is not None and next_update <= issued_at:
        raise ValueError("下次更新时间早于签发时间")
    return RevocationList(
        str(body["issuer"]), issued_at,
        tuple(Revocation(str(e["serial"]), datetime.fromisoformat(e["revoked_at"]), str(e["reason"]))
              for e in body["revoked"]), next_update=next_update)


def read_revocation_list(raw: Any, keys: KeySet, where: str) -> RevocationList:
    """A published list (format 2, or 1 from before next_update), accepted only when a key of
    the set signed it."""
    if not isinstance(raw, dict) or raw.get("format") not in (FORMAT, FORMAT_1):
        raise RevocationError(f"{where}: 不是吊销列表文件（format 应为 {FORMAT}）")
    body = {k: v for k, v in raw.items() if k != "signature"}
    key = keys.find(str(body.get("key_id")))
    if key is None:
        raise RevocationError(f"{where}: 吊销列表由未知密钥 {body.get('key_id')} 签名，不能据此核验")
    try:
        valid = signature_valid(key.public_key, CRL_CONTEXT + canonical(body), b64decode(str(raw.get("signature"))))
        revocations = _parse(body)
    except (PayloadError, KeyError, TypeError, ValueError) as error:
        raise RevocationError(f"{where}: 吊销列表格式不正确（{error}）") from error
    if not valid:
        raise RevocationError(f"{where}: 吊销列表的签名无效（文件被改动过），不能据此核验")
    return revocations


def load_revocation_list(path: Path, keys: KeySet) -> RevocationList:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise RevocationError(f"{path}: 无法读取吊销列表（{error}）") from error
    return read_revocation_list(raw, keys, str(path))
