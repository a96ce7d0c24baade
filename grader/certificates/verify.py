"""Offline verification of a certificate PDF or its QR text, against a public key set and
(optionally) a signed revocation list: no network, no database.

A verdict is one of: authentic, altered, unknown_key, revoked, not_a_certificate, with a message
in Chinese saying why. A verdict read against a published revocation list always says how old
the list is; one past its next update reads "签名真实，但吊销列表已过期", not 真实有效: a
certificate revoked after the list was signed is not in it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from grader.certificates.keys import KeySet
from grader.certificates.payload import (
    PROGRAMMES,
    PayloadError,
    SignedPayload,
    facts_hash,
    parse_payload_text,
    signature_valid,
)
from grader.certificates.pdf import EmbeddedCertificate, read_certificate, read_issued
from grader.certificates.revocation import RevocationList
from grader.roster import mask_name

STATUSES = ("authentic", "altered", "unknown_key", "revoked", "expired", "not_a_certificate")
STATUS_TEXT = {"authentic": "真实有效", "altered": "已被篡改", "unknown_key": "签发密钥未知", "revoked": "已吊销",
               "expired": "已过期",
               "not_a_certificate": "不是证书"}
FACT_LABELS = (("name", "姓名"), ("unit", "单位"), ("programme_title", "项目"), ("result", "结果"), ("date", "日期"),
               ("valid_until", "有效期至"), ("serial", "证书编号"), ("issuer", "签发机构"), ("issued_on", "签发日期"),
               ("key_id", "密钥编号"))


@dataclass(frozen=True)
class Verdict:
    status: str  # one of STATUSES
    message: str
    serial: str = ""
    programme: str = ""  # the programme's title
    masked_name: str = ""
    date: str = ""
    key_id: str = ""
    issuer: str = ""
    facts: tuple[tuple[str, str], ...] = ()  # (label, value): the full facts, when verified from a PDF
    revoked_at: datetime | None = None
    revocation_reason: str = ""
    revocations_as_of: datetime | None = None  # None: no revocation list was given
    revocations_next_update: datetime | None = None  # when the list promised a newer one
    revocations_stale: bool = False  # checked after the list's next update: a later revocation may be missing
    valid_until: str = ""  # 有效期至 (ISO date) as signed; "": no validity set

    @property
    def authentic(self) -> bool:
        return self.status == "authentic"

    @property
    def headline(self) -> str:
        if self.authentic and self.revocations_stale:
            return "签名真实，但吊销列表已过期"
        return STATUS_TEXT[self.status]


def _altered(base: Verdict, why: str) -> Verdict:
    return replace(base, status="altered", message=f"已被篡改：{why}。此证书不可信，请向签发机构核实。")


def _check_payload(signed: SignedPayload, keys: KeySet) -> Verdict:
    p = signed.payload
    title = PROGRAMMES[p.programme].title if p.programme in PROGRAMMES else p.programme
    base = Verdict("authentic", "", p.serial, title, p.masked_name, p.date, p.key_id, keys.issuer,
                   valid_until=p.valid_until)
    key = keys.find(p.key_id)
    if key is None:
        return replace(base, status="unknown_key",
                       message=f"签发密钥未知：签名所用的密钥 {p.key_id} 不在 {keys.issuer} 的公钥集中。"
                               "可能是伪造的证书，也可能公钥集不是最新的，请向签发机构索取最新公钥集。")
    if not signature_valid(key.public_key, signed.message, signed.signature):
        return _altered(base, "二维码内容与签名不符")
    return base


def _span(delta: timedelta) -> str:
    if delta >= timedelta(days=1):
        return f"{delta.days} 天"
    if delta >= timedelta(hours=1):
        return f"{delta.seconds // 3600} 小时"
    return "不到 1 小时"


def _list_age(revocations: RevocationList, now: datetime) -> tuple[str, str, bool]:
    """("按 <which list>", what to add about its age, whether it is past its next update)."""
    as_of, due = revocations.issued_at, revocations.next_update
    if revocations.live:
        return f"按本系统 {as_of:%Y-%m-%d %H:%M} 的吊销记录", "", False
    age = f"{_span(now - as_of)}前" if now >= as_of else "签发时间晚于本机时间，请检查本机时钟"
    which = f"按 {as_of:%Y-%m-%d %H:%M} 签发的吊销列表（{age}）"
    if due is None:
        return which, ("该列表是旧格式，没有注明下次更新时间，无法判断是否最新；"
                       "如需确认，请向签发机构索取最新吊销列表。"), False
    if now > due:
        return which, (f"注意：该列表注明应在 {due:%Y-%m-%d %H:%M} 前更新，现已过期 {_span(now - due)}；"
                       "此后被吊销的证书不在其中，无法确认此证书现在是否仍然有效。"
                       "请向签发机构索取最新吊销列表后再核验。"), True
    return which, f"该列表下次更新时间为 {due:%Y-%m-%d %H:%M}，在此之后被吊销的证书要看新列表。", False


def _finish(verdict: Verdict, revocations: RevocationList | None, now: datetime) -> Verdict:
    """Revoked first (a revocation says more than an expiry), then expired, then authentic."""
    verdict = _signature_and_revocation(verdict, revocations, now)
    if verdict.status != "authentic" or not verdict.valid_until or now.date().isoformat() <= verdict.valid_until:
        return verdict
    what = f"证书 {verdict.serial}（{verdict.programme}，{verdict.masked_name}，{verdict.date}）"
    return replace(verdict, status="expired",
                   message=f"已过期：{what}签名真实，但有效期至 {verdict.valid_until}，现已过期，"
                           "不能再作为有效证明；如需证明，请重新参加并取得新证书。")


def _signature_and_revocation(verdict: Verdict, revocations: RevocationList | None, now: datetime) -> Verdict:
    what = f"证书 {verdict.serial}（{verdict.programme}，{verdict.masked_name}，{verdict.date}）"
    if revocations is None:
        return replace(verdict, message=f"真实有效：{what}由 {verdict.issuer} 签发，签名核验通过；"
                                        "未提供吊销列表，未检查是否已被吊销。")
    which, note, stale = _list_age(revocations, now)
    verdict = replace(verdict, revocations_as_of=revocations.issued_at,
                      revocations_next_update=revocations.next_update, revocations_stale=stale)
    revoked = revocations.find(verdict.serial)
    if revoked is not None:
        return replace(verdict, status="revoked", revoked_at=revoked.revoked_at, revocation_reason=revoked.reason,
                       message=f"已吊销：{what}已于 {revoked.revoked_at:%Y-%m-%d} 被吊销，原因：{revoked.reason}"
                               f"（{which}）。")
    opening = "签名真实" if stale else "真实有效"
    return replace(verdict, message=f"{opening}：{what}由 {verdict.issuer} 签发，签名核验通过；"
                                    f"{which}，未被吊销。{note}")


def verify_qr(text: str, keys: KeySet, revocations: RevocationList | None = None, *,
              now: datetime | None = None) -> Verdict:
    """The QR text alone: the payload's signature (the printed facts are compared by eye
    against the masked name, programme, date and serial the verdict shows). `now` (default:
    the machine's clock) is when the revocation list's age is judged."""
    try:
        signed = parse_payload_text(text)
    except PayloadError as error:
        return Verdict("not_a_certificate", f"不是证书：{error}。")
    verdict = _check_payload(signed, keys)
    return _finish(verdict, revocations, now or datetime.now()) if verdict.authentic else verdict


def _record_problem(signed: SignedPayload, found: EmbeddedCertificate) -> str:
    record: dict[str, Any] | None = found.record
    p = signed.payload
    if record is None or not all(isinstance(v, str) for v in record.values()):
        return "文件中缺少证书的完整信息"
    try:
        hashed = facts_hash(record)
    except PayloadError:
        return "文件中的证书信息格式不正确"
    if hashed != p.facts_hash:
        return "文件中的证书信息（姓名、单位等）与二维码签名不符"
    expected = {"serial": p.serial, "key_id": p.key_id, "programme": p.programme, "date": p.date}
    if any(record.get(k) != v for k, v in expected.items()) or mask_name(record.get("name", "")) != p.masked_name:
        return "文件中的证书信息与二维码内容不一致"
    return ""


def _file_problem(signed: SignedPayload, found: EmbeddedCertificate, keys: KeySet) -> str:
    sig = found.file_signature
    if sig is None:
        return "文件签名缺失（文件在签发后被另存或改动过）"
    key = keys.find(sig.key_id)
    if sig.key_id != signed.payload.key_id or key is None:
        return "文件签名所用的密钥与二维码签名不一致"
    if not signature_valid(key.public_key, sig.message, sig.signature):
        return "文件内容在签发后被改动过（例如证书上的文字）"
    if not sig.intact:
        return "文件在签名之后又被追加了改动"
    return ""


def _read(data: bytes, keys: KeySet) -> EmbeddedCertificate:
    """What the PDF carries: read straight from its bytes when its file signature shows they are
    exactly the issuer's (nearly every file a verifier is given), otherwise with a PDF parser."""
    quick = read_issued(data)
    sig = quick.file_signature if quick is not None else None
    key = keys.find(sig.key_id) if sig is not None else None
    if quick is not None and sig is not None and key is not None and signature_valid(
            key.public_key, sig.message, sig.signature):
        return quick
    return read_certificate(data)


def verify_pdf(data: bytes, keys: KeySet, revocations: RevocationList | None = None, *,
               now: datetime | None = None) -> Verdict:
    """A certificate PDF: the QR payload's signature, the full facts against the payload's hash,
    and the whole-file signature, so a changed visible text is reported as altered."""
    try:
        found = _read(data, keys)
    except ValueError as error:
        return Verdict("not_a_certificate", f"不是证书：{error}。")
    ours = found.record is not None or found.file_signature is not None
    if found.qr_text is None or not found.qr_text.startswith("QL1."):
        return (_altered(Verdict("altered", ""), "文件中的二维码内容被删除或改动") if ours
                else Verdict("not_a_certificate", "不是证书：文件中没有本系统证书的签名信息。"))
    try:
        signed = parse_payload_text(found.qr_text)
    except PayloadError as error:
        return _altered(Verdict("altered", ""), f"文件中的二维码内容无法读取（{error}）")
    verdict = _check_payload(signed, keys)
    if not verdict.authentic:
        return verdict
    problem = _record_problem(signed, found) or _file_problem(signed, found, keys)
    if problem:
        return _altered(verdict, problem)
    assert found.record is not None
    facts = tuple((label, str(found.record.get(key, ""))) for key, label in FACT_LABELS
                  if key in found.record or key != "valid_until")  # older certificates carry no validity
    return _finish(replace(verdict, facts=facts), revocations, now or datetime.now())
