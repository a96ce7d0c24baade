"""The canonical encoding and the signed QR payload (pure functions)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from grader.certificates.payload import (
    PROGRAMMES,
    Certificate,
    CertificateFacts,
    PayloadError,
    b64decode,
    b64encode,
    canonical,
    decode_canonical,
    facts_hash,
    parse_payload_text,
    sign_payload,
    signature_valid,
)

SEED = Path("/work/shared/seed/anyang-implementation-opinions.txt")

scalars = st.none() | st.booleans() | st.integers() | st.text()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner,
                                                                                           max_size=4), max_leaves=20)


@given(values)
def test_decoding_a_canonical_encoding_gives_back_the_value(value: Any) -> None:
    assert decode_canonical(canonical(value)) == value


@given(st.dictionaries(st.text(), scalars, max_size=8), st.randoms())
def test_the_encoding_does_not_depend_on_key_order(mapping: dict[str, Any], rng: Any) -> None:
    items = list(mapping.items())
    rng.shuffle(items)
    assert canonical(dict(items)) == canonical(mapping)


@given(st.dictionaries(st.text(), st.text(), min_size=1, max_size=5))
def test_a_spaced_or_reordered_json_of_the_same_value_is_refused(mapping: dict[str, str]) -> None:
    with pytest.raises(PayloadError, match="不是规范编码"):
        decode_canonical(b"{ " + canonical(mapping)[1:])
    backwards = dict(sorted(mapping.items(), reverse=True))
    reordered = json.dumps(backwards, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(mapping) > 1:
        with pytest.raises(PayloadError, match="不是规范编码"):
            decode_canonical(reordered)


def test_floats_are_refused_because_their_text_is_not_unique() -> None:
    with pytest.raises(PayloadError, match=r"\$\.score.*float"):
        canonical({"score": 85.5})


@given(st.binary(max_size=80))
def test_base64url_round_trips_without_padding(data: bytes) -> None:
    text = b64encode(data)
    assert "=" not in text and b64decode(text) == data


def _certificate(name: str = "欧阳明") -> Certificate:
    facts = CertificateFacts("P001", name, "安阳市纪委监委", "promotion_test", "合格，得分 86/100（及格线 60）",
                             date(2026, 11, 20))
    return Certificate(facts, "QL2026-ABCDEFGH", "演示签发机构", "0123456789abcdef", date(2026, 11, 27))


def test_the_qr_payload_carries_the_masked_name_and_a_hash_of_the_full_facts_only() -> None:
    cert = _certificate()
    payload = cert.payload()
    assert payload.masked_name == "欧*明"
    assert payload.facts_hash == facts_hash(cert.record())
    signed = sign_payload(payload, Ed25519PrivateKey.generate())
    for private in ("欧阳明", "安阳市纪委监委", "P001", "86"):
        assert private not in b64decode(signed.text.split(".")[1]).decode("utf-8")


def test_signed_text_parses_back_and_verifies_with_the_public_key() -> None:
    key = Ed25519PrivateKey.generate()
    signed = sign_payload(_certificate().payload(), key)
    parsed = parse_payload_text(f"  {signed.text[:40]}\n{signed.text[40:]}  ")  # as pasted from a scanner
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert parsed.payload == signed.payload
    assert signature_valid(public, parsed.message, parsed.signature)
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert not signature_valid(other, parsed.message, parsed.signature)


def test_a_changed_payload_no_longer_matches_its_signature() -> None:
    key = Ed25519PrivateKey.generate()
    signed = sign_payload(_certificate().payload(), key)
    body = b64decode(signed.text.split(".")[1]).replace(b"2026-11-20", b"2026-11-21")
    forged = parse_payload_text(f"QL1.{b64encode(body)}.{signed.text.split('.')[2]}")
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert forged.payload.date == "2026-11-21"
    assert not signature_valid(public, forged.message, forged.signature)


@pytest.mark.parametrize("text", ["", "hello", "QL1.abc", "QL2.e30.AAAA", "QL1.e30.AAAA"])
def test_text_that_is_not_a_payload_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(PayloadError):
        parse_payload_text(text)


def test_unknown_programmes_and_empty_facts_are_refused() -> None:
    with pytest.raises(PayloadError, match="未知的证书项目"):
        CertificateFacts("P1", "张三", "单位", "driving", "合格", date(2026, 1, 1))
    with pytest.raises(PayloadError, match="姓名不能为空"):
        CertificateFacts("P1", " ", "单位", "induction", "合格", date(2026, 1, 1))


@pytest.mark.skipif(not SEED.exists(), reason="the seed policy text is not on this machine")
def test_each_certificate_quotes_its_clause_of_the_seed_text_exactly() -> None:
    seed = SEED.read_text("utf-8")
    for programme in PROGRAMMES.values():
        assert programme.basis in seed
