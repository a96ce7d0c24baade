"""What a verification trusts: the public key set and, if any, a revocation list. Offline, both
come from files (`qinglian keys export`, `qinglian cert revocations`); in the workspace, from the
key store and the gradebook."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from grader.certificates.keys import KeySet, load_key_set, public_keys
from grader.certificates.revocation import RevocationList, live_revocations, load_revocation_list


def trust_from_files(keys_path: Path, revocations_path: Path | None) -> tuple[KeySet, RevocationList | None]:
    keys = load_key_set(keys_path)
    return keys, load_revocation_list(revocations_path, keys) if revocations_path else None


def trust_from_workspace(session: Session, root: Path, now: datetime) -> tuple[KeySet, RevocationList]:
    keys = public_keys(root)
    return keys, live_revocations(session, keys.issuer, now)
