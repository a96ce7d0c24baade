"""What a certificate says and what its QR code carries, as pure functions.

The full facts (name, unit, programme, result, date, serial, issuing body, key id) are printed
on the certificate and embedded in its PDF; the QR code carries only the minimum: the masked
name, serial, programme, date, key id and a hash of the full facts, signed with Ed25519 over a
canonical encoding. QR text: ``QL1.<base64url(canonical JSON)>.<base64url(signature)>``; the
signed message is ``qinglian-certificate-v1`` + newline + the canonical JSON bytes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from grader.roster import mask_name

PREFIX = "QL1"
CERT_CONTEXT = b"qinglian-certificate-v1\n"
VERSION = 1
DOCUMENT = "中共安阳市委 安阳市人民政府《关于建立健全教育、制度、监督并重的惩治和预防腐败体系的实施意见（摘要）》"
_PAYLOAD_KEYS = {"v", "sn", "kid", "p", "n", "d", "h"}
Day = date  # (a field below is called `date`)
_VALIDITY_KEY = "u"  # the last day the certificate is valid; only on certificates of a programme that sets it


@dataclass(frozen=True)
class ProgrammeText:
    """How a certificate for a programme reads; the basis is the seed text, quoted exactly."""

    title: str
    heading: str
    statement: str  # follows "兹证明 <name> 同志"
    clause: str
    basis: str


PROGRAMMES: dict[str, ProgrammeText] = {
    "induction": ProgrammeText("上岗前廉政培训", "上岗前廉政培训证书", "已完成上岗前廉政培训。", "二（六）3",
                               "公务员上岗之前，必须经过廉政培训。"),
    "promotion_test": ProgrammeText("职务提升廉政知识测试", "廉政知识测试合格证书",
                                    "参加领导干部职务提升廉政知识测试，成绩合格。", "二（六）2",
                                    "领导干部职务提升，必须经过廉政知识测试、廉政谈话、廉政宣誓、廉政公开承诺。"),
    "promotion_gate": ProgrammeText("领导干部职务提升廉政关口", "职务提升廉政关口证书",
                                    "已完成领导干部职务提升前的廉政知识测试、廉政谈话、廉政宣誓、廉政公开承诺。",
                                    "二（六）2",
                                    "领导干部职务提升，必须经过廉政知识测试、廉政谈话、廉政宣誓、廉政公开承诺。"),
}


class PayloadError(ValueError):
    """Text that is not a well-formed certificate payload (the message says what is wrong)."""


@dataclass(frozen=True)
class CertificateFacts:
    """What a certificate states about a person, before it has a serial or a signer."""

    person_id: str
    name: str
    unit: str
    programme: str  # a key of PROGRAMMES
    result: str
    date: date  # when the programme was completed, the test passed or the gate cleared
    valid_until: Day | None = None  # 有效期至: the last valid day, where the programme sets a validity

    def __post_init__(self) -> None:
        if self.programme not in PROGRAMMES:
            raise PayloadError(f"未知的证书项目 {self.programme!r}（可用：{'、'.join(PROGRAMMES)}）")
        for label, value in (("编号", self.person_id), ("姓名", self.name), ("单位", self.unit),
                             ("结果", self.result)):
            if not value.strip():
                raise PayloadError(f"证书的{label}不能为空（人员 {self.person_id or '？'}）")


@dataclass(frozen=True)
class Certificate:
    facts: CertificateFacts
    serial: str
    issuer: str  # the issuing body, as bound to the key
    key_id: str
    issued_on: date

    @property
    def programme(self) -> ProgrammeText:
        return PROGRAMMES[self.facts.programme]

    def record(self) -> dict[str, str]:
        """The full facts, as embedded in the PDF and hashed into the payload."""
        f = self.facts
        return {"serial": self.serial, "person_id": f.person_id, "name": f.name, "unit": f.unit,
                "programme": f.programme, "programme_title": self.programme.title, "result": f.result,
                "date": f.date.isoformat(), "issuer": self.issuer, "key_id": self.key_id,
                "issued_on": self.issued_on.isoformat(),
                **({"valid_until": f.valid_until.isoformat()} if f.valid_until else {})}

    def payload(self) -> Payload:
        until = self.facts.valid_until
        return Payload(self.serial, self.key_id, self.facts.programme, mask_name(self.facts.name),
                       self.facts.date.isoformat(), facts_hash(self.record()), until.isoformat() if until else "")


@dataclass(frozen=True)
class Payload:
    """What the QR code carries."""

    serial: str
    key_id: str
    programme: str
    masked_name: str
    date: str
    facts_hash: str
    valid_until: str = ""  # ISO date, or "" (no validity set: valid until revoked)

    def as_dict(self) -> dict[str, Any]:
        validity = {_VALIDITY_KEY: self.valid_until} if self.valid_until else {}
        return {"v": VERSION, "sn": self.serial, "kid": self.key_id, "p": self.programme, "n": self.masked_name,
                "d": self.date, "h": self.facts_hash, **validity}

    @classmethod
    def from_dict(cls, raw: object) -> Payload:
        if not isinstance(raw, dict) or set(raw) - {_VALIDITY_KEY} != _PAYLOAD_KEYS:
            raise PayloadError(f"载荷字段应为 {'、'.join(sorted(_PAYLOAD_KEYS))}（可另有 {_VALIDITY_KEY}）")
        if raw["v"] != VERSION:
            raise PayloadError(f"不支持的载荷版本 {raw['v']!r}")
        values = [raw[k] for k in ("sn", "kid", "p", "n", "d", "h")]
        if not all(isinstance(v, str) and v for v in values):
            raise PayloadError("载荷字段应为非空文本")
        until = raw.get(_VALIDITY_KEY, "")
        if _VALIDITY_KEY in raw and not (isinstance(until, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", until)):
            raise PayloadError("有效期应为 YYYY-MM-DD")
        serial, key_id, programme, masked_name, day, hashed = values
        return cls(serial, key_id, programme, masked_name, day, hashed, until)


@dataclass(frozen=True)
class SignedPayload:
    payload: Payload
    message: bytes  # exactly what was signed
    signature: bytes
    text: str  # the QR text


def canonical(value: Any) -> bytes:
    """One byte string per value: JSON, keys sorted, no spaces, UTF-8. Only text, integers,
    booleans, null, lists and text-keyed objects: floats are refused (their text is not unique)."""
    _check_canonical(value, "$")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def _check_canonical(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise PayloadError(f"{where}: 键必须是文本，而不是 {key!r}")
            _check_canonical(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_canonical(item, f"{where}[{index}]")
    elif not (value is None or isinstance(value, str | int)):
        raise PayloadError(f"{where}: 规范编码不支持 {type(value).__name__}（小数请写成文本）")


def decode_canonical(data: bytes) -> Any:
    """The value of a canonical encoding; anything not in canonical form is refused, so one
    value never has two signed encodings."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise PayloadError(f"不是有效的 JSON：{error}") from error
    if canonical(value) != data:
        raise PayloadError("不是规范编码（键的顺序、空格或转义不符）")
    return value


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise PayloadError(f"不是有效的 base64url 文本：{error}") from error


def facts_hash(record: Mapping[str, str]) -> str:
    return b64encode(hashlib.sha256(canonical(dict(record))).digest())


def sign_payload(payload: Payload, key: Ed25519PrivateKey) -> SignedPayload:
    body = canonical(payload.as_dict())
    signature = key.sign(CERT_CONTEXT + body)
    return SignedPayload(payload, CERT_CONTEXT + body, signature, f"{PREFIX}.{b64encode(body)}.{b64encode(signature)}")


def parse_payload_text(text: str) -> SignedPayload:
    """Read QR text (whitespace around it, as a scanner or a paste adds, is ignored)."""
    parts = "".join(text.split()).split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise PayloadError(f"不是证书二维码内容（应以 {PREFIX}. 开头，由两个点分成三段）")
    body = b64decode(parts[1])
    payload = Payload.from_dict(decode_canonical(body))
    return SignedPayload(payload, CERT_CONTEXT + body, b64decode(parts[2]), ".".join(parts))


def signature_valid(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
