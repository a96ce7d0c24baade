"""Exam codes: six digits, checked as HMAC-SHA256 under a secret kept in the workspace.

A six-digit code has 20 bits: no hash makes it hard to guess offline, so the protection is a key
the database never holds (a stolen database reveals nothing) and the lockout at sign-in. HMAC
costs microseconds, so 2,000 candidates signing in at 9:00 cost nothing."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from grader.workspace import secret_file

SECRET_NAME = ".exam-code-secret"
SCHEME = "hmac:"
STALE_SCHEME = "pbkdf2:"  # seats made before migration 0009: their codes must be reissued


def load_secret(root: Path) -> bytes:
    """The workspace's code key (64 hex digits in root/.exam-code-secret, mode 600), created on
    first use."""
    return bytes.fromhex(secret_file(root / SECRET_NAME, lambda: secrets.token_hex(32)))


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def digest(secret: bytes, admission_no: str, code: str) -> str:
    """What the seat stores: the code bound to its admission number under the workspace key."""
    message = f"{admission_no}\0{code}".encode("utf-8", "surrogatepass")
    return SCHEME + hmac.new(secret, message, hashlib.sha256).hexdigest()


def matches(secret: bytes, admission_no: str, code: str, stored: str) -> bool:
    """Constant time: a wrong code takes as long as a right one."""
    return hmac.compare_digest(digest(secret, admission_no, code), stored)


def is_stale(stored: str) -> bool:
    return not stored.startswith(SCHEME)
