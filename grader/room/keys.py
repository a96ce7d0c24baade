"""Secrets the room keeps in the workspace, never in the database: the cookie-signing key (staff
sign in with their own accounts). Readable by the workspace's owner only (mode 600)."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

FOLDER = ".qinglian"
COOKIE_SECRET = "room-cookie-secret"


def workspace_secret(root: Path, name: str) -> str:
    """The named secret, created on first use. Several room processes may start at once: the file
    is written aside and linked into place, so none of them reads a half-written secret."""
    path = root / FOLDER / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        aside = path.with_name(f".{name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            os.fchmod(handle.fileno(), 0o600)  # whatever the umask
            handle.write(secrets.token_urlsafe(32))
        with contextlib.suppress(FileExistsError):  # another process was first: use its secret
            os.link(aside, path)
        aside.unlink()
    return path.read_text(encoding="ascii").strip()


def cookie_secret(root: Path) -> str:
    return workspace_secret(root, COOKIE_SECRET)

