"""Certificates issued per second for one batch, everything included: the batch font subset,
the Ed25519 payload signature, the A4 PDF with its embedded font and QR code, the whole-file
signature and the ql_certificate rows (committed).

    .venv/bin/python benchmarks/certificates_bench.py [--count 1000]

Works in benchmarks/work/certificates/ (a fresh SQLite workspace), verifies a sample of the
issued PDFs offline, writes benchmarks/results/certificates.json and prints a Markdown row."""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from grader.certificates.fonts import CertificateFont, find_cjk_font
from grader.certificates.issue import issue_many
from grader.certificates.keys import init_keys, load_signer, public_keys
from grader.certificates.payload import CertificateFacts
from grader.certificates.verify import verify_pdf
from grader.gradebook.engine import connect
from grader.settings import Settings
from grader.simulate import demo_candidates
from grader.staff.accounts import actor_by_id, add_staff
from grader.workspace import init_workspace

HERE = Path(__file__).resolve().parent
UNITS = ("安阳市纪委监委", "安阳市财政局", "林州市", "城郊乡", "安阳县水冶镇")


def _facts(count: int) -> list[CertificateFacts]:
    rng = random.Random(2026)
    people = demo_candidates(count, seed=2026)
    return [CertificateFacts(p.student_id, p.last_name + p.first_name, rng.choice(UNITS), "promotion_test",
                             f"合格，得分 {rng.randint(60, 100)}/100（及格线 60）", date(2026, 11, 20))
            for p in people]


def _machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in subprocess.run(
        ["lscpu"], capture_output=True, text=True).stdout.splitlines() if line.startswith("Model name")), "?")
    return f"{model}, 2 cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    root = HERE / "work" / "certificates"
    shutil.rmtree(root, ignore_errors=True)
    settings = Settings.resolve(root, environ={})
    engine = connect(settings.db_url)
    init_workspace(settings, engine)
    init_keys(root, "基准测试签发机构", datetime.now())
    with Session(engine) as session, session.begin():
        admin = add_staff(session, None, "基准管理员", "organiser")  # issuing is an organiser's act
    with Session(engine) as session:
        actor = actor_by_id(session, admin.id)
    batch = _facts(args.count)
    start = time.perf_counter()
    font = CertificateFont(find_cjk_font())
    with Session(engine) as session, session.begin():
        outcomes = list(issue_many(session, load_signer(root), font, batch, actor, datetime.now()))
    seconds = time.perf_counter() - start
    issued = [o.issued for o in outcomes if o.issued]
    keys = public_keys(root)
    sample = issued[:: max(1, len(issued) // 20)]
    assert all(verify_pdf(i.pdf, keys).authentic for i in sample), "an issued certificate did not verify"
    result = {"date": date.today().isoformat(), "machine": _machine(), "count": args.count, "issued": len(issued),
              "seconds": round(seconds, 1), "per_second": round(len(issued) / seconds, 2),
              "ms_each": round(1000 * seconds / max(1, len(issued)), 1),
              "pdf_kib_mean": round(sum(len(i.pdf) for i in issued) / max(1, len(issued)) / 1024, 1),
              "verified_sample": len(sample), "load_average_1min_at_end": round(os.getloadavg()[0], 1)}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "certificates.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n",
                                                        encoding="utf-8")
    engine.dispose()
    print(f"| {result['date']} | {result['machine']} | {len(issued):,} | {seconds:.1f} s | "
          f"{result['per_second']} 份/秒 | {result['ms_each']} ms | {result['pdf_kib_mean']} KiB |")


if __name__ == "__main__":
    main()
