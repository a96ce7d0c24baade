"""Signed checkpoints of the audit log: the head (sequence number, hash, time) signed with the
issuer's Ed25519 key (grader.certificates.keys), to be kept off the server (printed, mailed to the
纪委). A later verify given the file proves the log was not rewritten or cut short since."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.audit.log import GENESIS, append, canonical
from grader.certificates.keys import KeySet, Signer
from grader.certificates.payload import b64decode, b64encode
from grader.gradebook.models import AuditRow
from grader.staff.roles import Actor, authorize

FORMAT = "qinglian-audit-checkpoint/1"


class CheckpointError(ValueError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: datetime
    issuer: str
    key_id: str

    def body(self) -> bytes:
        return canonical({"format": FORMAT, "seq": self.seq, "hash": self.hash, "at": self.at,
                          "issuer": self.issuer, "key_id": self.key_id}).encode("utf-8")


def head(session: Session) -> tuple[int, str]:
    last = session.execute(select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)).first()
    return (last[0], last[1]) if last else (0, GENESIS)


def make_checkpoint(session: Session, signer: Signer, now: datetime) -> dict[str, object]:
    """The signed head, as the file holds it."""
    seq, digest = head(session)
    point = Checkpoint(seq, digest, now.replace(microsecond=0), signer.issuer, signer.key_id)
    return {"format": FORMAT, "seq": point.seq, "hash": point.hash, "at": point.at.isoformat(sep=" "),
            "issuer": point.issuer, "key_id": point.key_id, "signature": b64encode(signer.sign(point.body()))}


def write_checkpoint(session: Session, signer: Signer, path: Path, now: datetime, actor: Actor) -> Checkpoint:
    """Sign the head into `path`, then log that a checkpoint was signed (the entry comes after the
    head it signs, so the auditor's page can say when the last one was made)."""
    authorize(actor, "audit.checkpoint")
    data = make_checkpoint(session, signer, now)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    point = read_checkpoint(path, None)
    append(session, actor, "audit.checkpoint", "audit_checkpoint", str(point.seq),
           {"seq": point.seq, "hash": point.hash, "at": point.at, "key_id": point.key_id}, now=now)
    return point


def read_checkpoint(path: Path, keys: KeySet | None) -> Checkpoint:
    """A checkpoint file, its signature checked against the issuer's key set (when given)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format") != FORMAT:
            raise CheckpointError(f"{path}: 不是审计检查点文件（format 应为 {FORMAT}）")
        point = Checkpoint(int(raw["seq"]), str(raw["hash"]), datetime.fromisoformat(raw["at"]),
                           str(raw["issuer"]), str(raw["key_id"]))
        signature = b64decode(raw["signature"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise CheckpointError(f"{path}: 无法读取审计检查点（{type(error).__name__}: {error}）") from error
    if keys is not None:
        key = keys.find(point.key_id)
        if key is None:
            raise CheckpointError(f"{path}: 签名密钥 {point.key_id} 不在签发机构的公钥集中")
        try:
            Ed25519PublicKey.from_public_bytes(key.public_key).verify(signature, point.body())
        except InvalidSignature as error:
            raise CheckpointError(f"{path}: 检查点签名无效，文件被改动过") from error
    return point
