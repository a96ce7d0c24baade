"""Secrets the room keeps in the workspace, never in the database: the cookie-signing key (staff
sign in with their own accounts). Readable by the workspace's owner only (mode 600)."""

from __future__ import annotations

import secrets
from pathlib import Path

from grader.workspace import secret_file

FOLDER = ".qinglian"
COOKIE_SECRET = "room-cookie-secret"


def workspace_secret(root: Path, name: str) -> str:
    """The named secret in the workspace's private folder (mode 700), created on first use."""
    folder = root / FOLDER
    if not (folder / name).exists():
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
    return secret_file(folder / name, lambda: secrets.token_urlsafe(32))


def cookie_secret(root: Path) -> str:
    return workspace_secret(root, COOKIE_SECRET)

