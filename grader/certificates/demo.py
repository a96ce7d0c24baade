"""`make demo`'s certificates: an issuer key for the demo workspace (made once), a certificate
for everyone on the roster who has earned one, and the files an offline verifier needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.certificates.eligibility import Sources, eligible
from grader.certificates.fonts import CertificateFont, find_cjk_font
from grader.certificates.issue import Issued, issue_many, write_pdfs
from grader.certificates.keys import init_keys, key_dir, load_signer, public_keys, write_key_set
from grader.certificates.payload import PROGRAMMES
from grader.certificates.revocation import current_revocations, signed_revocation_list
from grader.gradebook.models import PersonRow
from grader.settings import Settings
from grader.staff.roles import Actor

# demo data: an organiser with no account behind it (a real issue needs a signed-in one)
DEMO_ORGANISER = Actor("演示管理员", "organiser")

DEMO_ISSUER = "清廉演示签发机构（演示数据，非真实机构）"


@dataclass(frozen=True)
class DemoCertificates:
    folder: Path  # the PDFs, keys.json and revocations.json
    keys_json: Path
    revocations_json: Path
    issued: tuple[Issued, ...]  # issued by this run (a re-run issues only what is new)


def init_demo_keys_and_certificates(settings: Settings, engine: Engine, programmes: Path, courses: Path,
                                    now: datetime, say: Callable[[str], None] = print) -> DemoCertificates:
    """Make the demo issuer key if the workspace has none, issue every certificate the roster has
    earned and not yet received, and write the public keys and revocation list beside the PDFs."""
    import json

    root = settings.root
    if not (key_dir(root) / "keys.json").exists():
        key = init_keys(root, DEMO_ISSUER, now)
        say(f"已建立演示签发密钥 {key.key_id}（私钥在 {key_dir(root)}，仅所有者可读）")
    signer = load_signer(root)
    font = CertificateFont(find_cjk_font())
    issued: list[Issued] = []
    with Session(engine) as session, session.begin():
        people = list(session.scalars(select(PersonRow.id).order_by(PersonRow.id)))
        for programme in PROGRAMMES:
            facts, _ = eligible(session, people, programme, Sources(programmes, courses), now)
            issued += [o.issued for o in issue_many(session, signer, font, facts, DEMO_ORGANISER, now) if o.issued]
        revocations = signed_revocation_list(current_revocations(session, signer.issuer, now), signer)
    folder = root / "certificates"
    write_pdfs(issued, folder)
    keys_json, revocations_json = folder / "keys.json", folder / "revocations.json"
    write_key_set(public_keys(root), keys_json)
    revocations_json.write_text(json.dumps(revocations, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    say(f"已签发证书 {len(issued)} 份（名单 {len(people)} 人），在 {folder}")
    return DemoCertificates(folder, keys_json, revocations_json, tuple(issued))
