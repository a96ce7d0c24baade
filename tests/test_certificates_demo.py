"""`make demo`'s certificates: a key made once, every earned certificate issued once, and the
files an offline verifier needs written beside the PDFs."""

from __future__ import annotations

import stat

from sqlalchemy import Engine

from grader.certificates.demo import DEMO_ISSUER, init_demo_keys_and_certificates
from grader.certificates.keys import key_dir
from grader.certificates.trust import trust_from_files
from grader.certificates.verify import verify_pdf
from grader.settings import Settings
from tests.certificates_data import NOW
from tests.records_data import DATA, REPO, seed_roster, sit


def test_the_demo_issues_what_the_roster_earned_once_and_publishes_keys_and_revocations(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": True, "P002": False})
    said: list[str] = []
    first = init_demo_keys_and_certificates(settings, engine, DATA / "programmes", REPO / "courses", NOW, said.append)
    assert [(i.person_id, i.programme) for i in first.issued] == [("P001", "promotion_test")]
    (private,) = key_dir(settings.root).glob("*.pem")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    keys, revocations = trust_from_files(first.keys_json, first.revocations_json)
    assert keys.issuer == DEMO_ISSUER and revocations is not None and revocations.entries == ()
    (pdf,) = first.folder.glob("*.pdf")
    assert verify_pdf(pdf.read_bytes(), keys, revocations).authentic
    again = init_demo_keys_and_certificates(settings, engine, DATA / "programmes", REPO / "courses", NOW, said.append)
    assert again.issued == () and len(list(first.folder.glob("*.pdf"))) == 1
    assert any("已建立演示签发密钥" in line for line in said) and said[-1].startswith("已签发证书 0 份")
