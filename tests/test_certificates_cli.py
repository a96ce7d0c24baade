"""`qinglian keys` and `qinglian cert` as the organisation department runs them: make the key,
issue, publish the key set and revocation list, verify offline, revoke, rotate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from grader.certificates.pdf import read_certificate
from grader.cli import main
from grader.settings import Settings
from tests.certificates_data import block_network
from tests.records_data import DATA, REPO, seed_roster, sit
from tests.staff_data import os_user_as


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _flat(result: Result) -> str:
    """The output without the line breaks the console adds to fit its width."""
    return result.output.replace("\n", "")


def test_issue_publish_verify_offline_revoke_and_rotate(settings: Settings, engine: Engine, released: list[str],
                                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": True, "P002": False})
    ws = ["--root", str(settings.root), "--db", settings.db_url]
    os_user_as(settings, "organiser")
    made = _run("keys", "init", "--issuer", "安阳市演示签发机构", "--root", str(settings.root))
    assert made.exit_code == 0 and "已建立签发密钥" in made.output
    sources = ["--programmes", str(DATA / "programmes"), "--courses", str(REPO / "courses")]
    issued = _run("cert", "issue", "--person", "P001", "--programme", "promotion_test",
                  "--out", str(tmp_path / "out"), *sources, *ws)
    assert issued.exit_code == 0, issued.output
    (pdf,) = (tmp_path / "out").glob("P001-promotion_test-QL*.pdf")
    refused = _run("cert", "issue", "--person", "P002", "--programme", "promotion_test", *sources, *ws)
    assert refused.exit_code == 1 and "P002：未签发职务提升廉政知识测试证书：廉政知识测试得分" in refused.output
    keys, crl = tmp_path / "keys.json", tmp_path / "crl.json"
    assert _run("keys", "export", "--to", str(keys), "--root", str(settings.root)).exit_code == 0
    assert _run("cert", "revocations", "--to", str(crl), *ws).exit_code == 0
    with monkeypatch.context() as offline:
        block_network(offline)
        verified = _run("cert", "verify", str(pdf), "--keys", str(keys), "--revocations", str(crl))
    assert verified.exit_code == 0 and "真实有效" in verified.output and "姓名：王建国" in verified.output

    serial = pdf.stem.split("-", 2)[2]
    revoked = _run("cert", "revoke", serial, "--reason", "成绩更正", *ws)
    assert revoked.exit_code == 0
    assert _run("cert", "revocations", "--to", str(crl), *ws).exit_code == 0
    assert json.loads(crl.read_text("utf-8"))["revoked"][0]["serial"] == serial
    now_revoked = _run("cert", "verify", str(pdf), "--keys", str(keys), "--revocations", str(crl))
    assert now_revoked.exit_code == 1 and "已吊销" in now_revoked.output and "成绩更正" in now_revoked.output

    assert _run("keys", "rotate", *ws).exit_code == 0
    qr_text = read_certificate(pdf.read_bytes()).qr_text
    assert qr_text is not None
    in_workspace = _run("cert", "verify", "--qr", qr_text, *ws)  # the workspace's keys, its revocations
    assert in_workspace.exit_code == 1 and "已吊销" in in_workspace.output


def test_verify_needs_exactly_one_input_and_a_missing_key_set_is_explained(tmp_path: Path) -> None:
    both = _run("cert", "verify", "--root", str(tmp_path))
    assert both.exit_code == 1 and "请给出一个 PDF 文件" in both.output
    no_keys = _run("keys", "export", "--root", str(tmp_path))
    assert no_keys.exit_code == 1 and "qinglian keys init" in no_keys.output


def test_several_pdfs_are_verified_in_one_run_each_with_its_verdict_and_a_count(tmp_path: Path) -> None:
    from grader.certificates.fonts import CertificateFont, find_cjk_font
    from tests.certificates_data import facts, make_certificate

    font = CertificateFont(find_cjk_font())
    files = []
    for n, name in enumerate(["王建国", "李秀兰"]):
        pdf, _ = make_certificate(tmp_path, font, facts(f"P00{n}", name), serial=f"QL2026-ABCDEFG{n + 2}")
        files.append(tmp_path / f"{n}.pdf")
        files[-1].write_bytes(pdf)
    (tmp_path / "added.pdf").write_bytes(files[0].read_bytes() + b"% an editor's note\n")
    keys = tmp_path / "keys.json"
    assert _run("keys", "export", "--to", str(keys), "--root", str(tmp_path)).exit_code == 0
    both = _run("cert", "verify", *(str(f) for f in files), "--keys", str(keys))
    assert both.exit_code == 0 and "核验 2 份：真实有效 2 份，其余 0 份" in both.output
    assert "0.pdf：真实有效：证书 QL2026-ABCDEFG2" in _flat(both)
    assert "1.pdf：真实有效：证书 QL2026-ABCDEFG3" in _flat(both)
    three = _run("cert", "verify", *(str(f) for f in files), str(tmp_path / "added.pdf"), "--keys", str(keys))
    assert three.exit_code == 1 and "核验 3 份：真实有效 2 份，其余 1 份" in three.output
    assert "added.pdf：已被篡改：文件在签名之后又被追加了改动" in _flat(three)


def test_the_published_list_says_when_the_next_is_due_and_verify_warns_once_it_is_past(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    from datetime import datetime, timedelta

    from grader.certificates.keys import load_signer
    from grader.certificates.revocation import RevocationList, signed_revocation_list

    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": True})
    ws = ["--root", str(settings.root), "--db", settings.db_url]
    os_user_as(settings, "organiser")
    assert _run("keys", "init", "--issuer", "安阳市演示签发机构", "--root", str(settings.root)).exit_code == 0
    sources = ["--programmes", str(DATA / "programmes"), "--courses", str(REPO / "courses")]
    assert _run("cert", "issue", "--person", "P001", "--programme", "promotion_test", "--out", str(tmp_path / "out"),
                *sources, *ws).exit_code == 0
    (pdf,) = (tmp_path / "out").glob("P001-*.pdf")
    keys, crl = tmp_path / "keys.json", tmp_path / "crl.json"
    assert _run("keys", "export", "--to", str(keys), "--root", str(settings.root)).exit_code == 0
    published = _run("cert", "revocations", "--to", str(crl), "--valid-days", "3", *ws)
    assert published.exit_code == 0 and "下次更新时间：" in published.output
    listed = json.loads(crl.read_text("utf-8"))
    issued_at, due = (datetime.fromisoformat(listed[k]) for k in ("issued_at", "next_update"))
    assert due - issued_at == timedelta(days=3)
    fresh = _run("cert", "verify", str(pdf), "--keys", str(keys), "--revocations", str(crl))
    assert fresh.exit_code == 0 and "真实有效" in fresh.output and "（不到 1 小时前）" in _flat(fresh)

    signed = datetime.now().replace(microsecond=0) - timedelta(days=30)  # a list nobody renewed
    unrenewed = RevocationList("安阳市演示签发机构", signed, (), next_update=signed + timedelta(days=7))
    old = signed_revocation_list(unrenewed, load_signer(settings.root))
    crl.write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    stale = _run("cert", "verify", str(pdf), "--keys", str(keys), "--revocations", str(crl))
    assert "签名真实" in stale.output and "现已过期 23 天" in _flat(stale) and "真实有效" not in _flat(stale)
