"""A batch is written a chunk at a time: each chunk's rows and audit entries together, the caller's
checkpoint (its commit) after each, so a batch stopped part way keeps what it committed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from grader.audit.log import entries
from grader.audit.verify import verify
from grader.certificates import issue as issuing
from grader.certificates.fonts import CertificateFont, find_cjk_font
from grader.certificates.keys import init_keys, load_signer
from grader.gradebook.models import CertificateRow
from tests.certificates_data import NOW, RARE_NAME, facts
from tests.staff_data import organiser


@pytest.fixture(scope="module")
def font() -> CertificateFont:
    return CertificateFont(find_cjk_font())


def test_a_batch_stopped_part_way_keeps_the_chunks_committed_with_their_audit_entries(
        engine: Engine, tmp_path: Path, font: CertificateFont,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(issuing, "RECORD_CHUNK", 3)
    root = tmp_path / "keys"
    init_keys(root, "安阳市演示签发机构", NOW)
    batch = [facts(f"P{n:03d}", [RARE_NAME, "张伟", "李娜"][n % 3]) for n in range(8)]
    commits: list[int] = []
    with Session(engine) as session:
        def commit() -> None:
            session.commit()
            commits.append(session.scalar(select(func.count()).select_from(CertificateRow)) or 0)

        outcomes = issuing.issue_many(session, load_signer(root), font, batch, organiser("测试员"), NOW, commit)
        seen = [next(outcomes) for _ in range(4)]  # the second chunk is written before its first outcome
        outcomes.close()
        session.rollback()
    assert commits == [3, 6] and all(o.issued for o in seen)
    with Session(engine) as session:
        kept = session.scalars(select(CertificateRow.person_id).order_by(CertificateRow.person_id)).all()
        assert kept == [f"P{n:03d}" for n in range(6)]
        assert [e.object_id for e in entries(session) if e.action == "cert.issue"] == [
            row.serial for row in session.scalars(select(CertificateRow).order_by(CertificateRow.person_id))]
        assert verify(session).clean


def test_without_a_checkpoint_the_batch_is_the_callers_one_transaction(
        engine: Engine, tmp_path: Path, font: CertificateFont, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(issuing, "RECORD_CHUNK", 2)
    root = tmp_path / "keys"
    init_keys(root, "安阳市演示签发机构", NOW)
    with Session(engine) as session:
        outcomes = issuing.issue_many(session, load_signer(root), font, [facts(f"P{n}", "张伟") for n in range(5)],
                                      organiser("测试员"), NOW)
        assert sum(1 for o in outcomes if o.issued) == 5
        session.rollback()
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(CertificateRow)) == 0
