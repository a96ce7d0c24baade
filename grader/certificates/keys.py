"""The issuer's signing keys, in the workspace under ``.qinglian/keys/`` (folder mode 700).

``<key id>.pem`` is the active private key (mode 600, written so that it never exists with a
wider mode); ``keys.json`` lists every public key the issuer ever used, with the issuing body.
A key id is the first 16 hex digits of the SHA-256 of the raw public key. Rotation makes a new
active key and deletes the old private key; the old public key stays in the set, so what it
signed still verifies."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from grader.certificates.payload import b64decode, b64encode

FORMAT = "qinglian-public-keys/1"
ALGORITHM = "Ed25519"


class KeyStoreError(Exception):
    pass


@dataclass(frozen=True)
class PublicKey:
    key_id: str
    public_key: bytes  # raw 32 bytes
    created_at: datetime
    retired_at: datetime | None = None


@dataclass(frozen=True)
class KeySet:
    """The public keys a verifier trusts: what `qinglian keys export` writes."""

    issuer: str
    keys: tuple[PublicKey, ...]
    active: str = ""

    def find(self, key_id: str) -> PublicKey | None:
        return next((k for k in self.keys if k.key_id == key_id), None)

    def as_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "issuer": self.issuer, "active": self.active,
                "keys": [{"key_id": k.key_id, "algorithm": ALGORITHM, "public_key": b64encode(k.public_key),
                          "created_at": k.created_at.isoformat(timespec="seconds"),
                          "retired_at": k.retired_at.isoformat(timespec="seconds") if k.retired_at else None}
                         for k in self.keys]}

    @classmethod
    def from_dict(cls, raw: Any, where: str) -> KeySet:
        try:
            if raw.get("format") != FORMAT:
                raise KeyStoreError(f"{where}: 不是公钥集文件（format 应为 {FORMAT}）")
            keys = tuple(_public_key(entry) for entry in raw["keys"])
            return cls(str(raw["issuer"]), keys, str(raw.get("active") or ""))
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            raise KeyStoreError(f"{where}: 公钥集文件格式不正确（{type(error).__name__}: {error}）") from error


@dataclass(frozen=True)
class Signer:
    """The active private key and whose it is. Only the issuing side ever holds one."""

    issuer: str
    key_id: str
    private_key: Ed25519PrivateKey

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)


def _public_key(entry: dict[str, Any]) -> PublicKey:
    if entry["algorithm"] != ALGORITHM:
        raise ValueError(f"不支持的算法 {entry['algorithm']!r}")
    raw = b64decode(entry["public_key"])
    if len(raw) != 32 or key_id_for(raw) != entry["key_id"]:
        raise ValueError(f"公钥 {entry['key_id']} 与其编号不符")
    retired = entry.get("retired_at")
    return PublicKey(entry["key_id"], raw, datetime.fromisoformat(entry["created_at"]),
                     datetime.fromisoformat(retired) if retired else None)


def key_dir(root: Path) -> Path:
    return root / ".qinglian" / "keys"


def key_id_for(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def _raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _write_private(folder: Path, key: Ed25519PrivateKey) -> str:
    key_id = key_id_for(_raw_public(key))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    descriptor = os.open(folder / f"{key_id}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)  # whatever the umask
        handle.write(pem)
    return key_id


def _save(root: Path, keys: KeySet) -> None:
    index = key_dir(root) / "keys.json"
    temporary = index.with_suffix(".tmp")
    temporary.write_text(json.dumps(keys.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    temporary.replace(index)


def public_keys(root: Path) -> KeySet:
    """The workspace's public key set."""
    index = key_dir(root) / "keys.json"
    if not index.exists():
        raise KeyStoreError(f"工作区 {root} 还没有签发密钥：请先运行 qinglian keys init --issuer 签发机构")
    return load_key_set(index)


def load_key_set(path: Path) -> KeySet:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise KeyStoreError(f"{path}: 无法读取公钥集（{error}）") from error
    return KeySet.from_dict(raw, str(path))


def init_keys(root: Path, issuer: str, now: datetime) -> PublicKey:
    """Create the issuer's first key; refused when the workspace already has one."""
    if not issuer.strip():
        raise KeyStoreError("签发机构名称不能为空")
    folder = key_dir(root)
    if (folder / "keys.json").exists():
        raise KeyStoreError(f"工作区已有签发密钥（{folder}）；要换新密钥请用 qinglian keys rotate")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)
    key = Ed25519PrivateKey.generate()
    key_id = _write_private(folder, key)
    created = PublicKey(key_id, _raw_public(key), now.replace(microsecond=0))
    _save(root, KeySet(issuer.strip(), (created,), key_id))
    return created


def rotate_keys(root: Path, now: datetime) -> PublicKey:
    """A new active key; the old public key is kept (marked retired), its private key deleted."""
    keys = public_keys(root)
    key = Ed25519PrivateKey.generate()
    key_id = _write_private(key_dir(root), key)
    now = now.replace(microsecond=0)
    kept = tuple(replace(k, retired_at=k.retired_at or now) for k in keys.keys)
    created = PublicKey(key_id, _raw_public(key), now)
    _save(root, KeySet(keys.issuer, (*kept, created), key_id))
    old = key_dir(root) / f"{keys.active}.pem"
    old.unlink(missing_ok=True)
    return created


def load_signer(root: Path) -> Signer:
    """The active private key; refused when its file is readable by anyone but its owner."""
    keys = public_keys(root)
    path = key_dir(root) / f"{keys.active}.pem"
    if not path.exists():
        raise KeyStoreError(f"找不到当前签发私钥 {path}")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyStoreError(f"私钥文件 {path} 的权限是 {mode:o}，别人也能读取；应为 600（chmod 600 {path}）")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey) or key_id_for(_raw_public(key)) != keys.active:
        raise KeyStoreError(f"私钥文件 {path} 与公钥集中的当前密钥 {keys.active} 不符")
    return Signer(keys.issuer, keys.active, key)


def write_key_set(keys: KeySet, path: Path) -> None:
    path.write_text(json.dumps(keys.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
