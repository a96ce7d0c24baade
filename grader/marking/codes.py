"""Anonymous codes (匿名编号) for the answers a marker sees: HMAC-SHA256 of the paper and the
candidate under a secret kept in the workspace, so a code is the same on every visit and after a
regrade, says nothing about who wrote the answer, and differs from paper to paper."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from pathlib import Path

from grader.room.keys import workspace_secret

SECRET_NAME = "marking-code-secret"
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: no 0/O, no 1/I
LENGTH = 6  # 30 bits; lengthened for a paper on which two candidates' codes would meet


def marking_secret(root: Path) -> bytes:
    """The workspace's key for anonymous codes (created on first use, readable by its owner only)."""
    return workspace_secret(root, SECRET_NAME).encode("ascii")


def code_for(secret: bytes, assignment: str, student_id: str, length: int = LENGTH) -> str:
    return _code(hmac.new(secret, digestmod=hashlib.sha256), assignment, student_id, length)


def _code(keyed: hmac.HMAC, assignment: str, student_id: str, length: int) -> str:
    mac = keyed.copy()
    mac.update(f"{assignment}\0{student_id}".encode())
    number = int.from_bytes(mac.digest()[:8], "big")  # 64 bits: enough for the longest code lengthening gives
    symbols = []
    for _ in range(length):
        number, index = divmod(number, len(ALPHABET))
        symbols.append(ALPHABET[index])
    half = length // 2
    return "".join(symbols[:half]) + "-" + "".join(symbols[half:])


def codes_for(secret: bytes, assignment: str, students: Iterable[str]) -> dict[str, str]:
    """student id -> code for every candidate of a paper, all distinct."""
    students = list(dict.fromkeys(students))
    length = LENGTH
    while True:
        keyed = hmac.new(secret, digestmod=hashlib.sha256)
        codes = {s: _code(keyed, assignment, s, length) for s in students}
        if len(set(codes.values())) == len(codes):
            return codes
        length += 2


def normal_code(text: str) -> str:
    """A code as typed: upper case, the dash optional."""
    bare = text.strip().upper().replace("-", "").replace(" ", "")
    half = len(bare) // 2
    return f"{bare[:half]}-{bare[half:]}" if bare else ""
