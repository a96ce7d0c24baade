"""The issuer's key files: private key mode 600, key id from the public key, export, rotation."""

from __future__ import annotations

import hashlib
import json
import stat
from datetime import datetime
from pathlib import Path

import pytest

from grader.certificates.keys import (
    KeyStoreError,
    init_keys,
    key_dir,
    load_key_set,
    load_signer,
    public_keys,
    rotate_keys,
    write_key_set,
)

NOW = datetime(2026, 11, 27, 10, 0)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_private_key_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    key = init_keys(tmp_path, "演示签发机构", NOW)
    private = key_dir(tmp_path) / f"{key.key_id}.pem"
    assert _mode(private) == 0o600
    assert _mode(key_dir(tmp_path)) == 0o700
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert b"PRIVATE" not in (key_dir(tmp_path) / "keys.json").read_bytes()


def test_the_key_id_is_a_short_hash_of_the_public_key(tmp_path: Path) -> None:
    key = init_keys(tmp_path, "演示签发机构", NOW)
    assert key.key_id == hashlib.sha256(key.public_key).hexdigest()[:16]
    assert load_signer(tmp_path).key_id == key.key_id


def test_a_second_init_is_refused_and_points_to_rotate(tmp_path: Path) -> None:
    init_keys(tmp_path, "演示签发机构", NOW)
    with pytest.raises(KeyStoreError, match="qinglian keys rotate"):
        init_keys(tmp_path, "演示签发机构", NOW)


def test_a_private_key_others_can_read_is_refused(tmp_path: Path) -> None:
    key = init_keys(tmp_path, "演示签发机构", NOW)
    (key_dir(tmp_path) / f"{key.key_id}.pem").chmod(0o644)
    with pytest.raises(KeyStoreError, match="权限是 644"):
        load_signer(tmp_path)


def test_no_keys_yet_says_how_to_make_them(tmp_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="qinglian keys init"):
        load_signer(tmp_path)


def test_rotation_keeps_the_old_public_key_and_deletes_the_old_private_key(tmp_path: Path) -> None:
    old = init_keys(tmp_path, "演示签发机构", NOW)
    new = rotate_keys(tmp_path, datetime(2027, 1, 1))
    keys = public_keys(tmp_path)
    assert keys.active == new.key_id != old.key_id
    assert [k.key_id for k in keys.keys] == [old.key_id, new.key_id]
    assert keys.find(old.key_id).retired_at == datetime(2027, 1, 1)  # type: ignore[union-attr]
    assert not (key_dir(tmp_path) / f"{old.key_id}.pem").exists()
    assert _mode(key_dir(tmp_path) / f"{new.key_id}.pem") == 0o600
    assert load_signer(tmp_path).key_id == new.key_id


def test_the_exported_key_set_reads_back_and_a_forged_entry_is_refused(tmp_path: Path) -> None:
    init_keys(tmp_path / "ws", "演示签发机构", NOW)
    rotate_keys(tmp_path / "ws", NOW)
    exported = tmp_path / "keys.json"
    write_key_set(public_keys(tmp_path / "ws"), exported)
    assert load_key_set(exported) == public_keys(tmp_path / "ws")
    raw = json.loads(exported.read_text("utf-8"))
    raw["keys"][0]["key_id"] = "0000000000000000"
    exported.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(KeyStoreError, match="与其编号不符"):
        load_key_set(exported)
