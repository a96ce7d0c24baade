"""Certificates issued per second for one batch, everything included: the batch font subset,
the Ed25519 payload signature, the A4 PDF with its embedded font and QR code, the whole-file
signature and the ql_certificate rows with their audit entries (committed a chunk at a time, as
`qinglian cert issue` does); then certificates verified per second, offline (a PDF, a QR text)
and as the workspace's verification page does it (keys and revocations read for each).

    .venv/bin/python benchmarks/certificates_bench.py [--count 1000]

Anchors measured in the same run: fpdf2's own page (the same certificate page with fpdf2 writing
the font itself, subsetting it for every document, as before) and a plain fpdf2 page (Helvetica,
no embedded font). The machine is shared: every figure comes with the load average at the time
and with the CPU seconds it took (its own and its worker processes'), which the load does not
change. Works in benchmarks/work/certificates/ (a fresh SQLite workspace), writes
benchmarks/results/certificates.json and prints Markdown rows."""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from grader.certificates.fonts import CertificateFont, find_cjk_font
from grader.certificates.issue import Issued, issue_many
from grader.certificates.keys import init_keys, load_signer, public_keys
from grader.certificates.payload import Certificate, CertificateFacts, sign_payload
from grader.certificates.pdf import page_texts, render
from grader.certificates.revocation import Revocation, RevocationList
from grader.certificates.verify import verify_pdf, verify_qr
from grader.certificates.view import verify_here
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
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _cpu() -> float:
    """CPU seconds of this process and of its finished worker processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _measure(label: str, count: int, work: Callable[[], object]) -> dict[str, Any]:
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), _cpu()
    work()
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    return {"what": label, "count": count, "seconds": round(wall, 2), "per_second": round(count / wall, 1),
            "cpu_ms_each": round(1000 * cpu / count, 2),
            "load_average_1min": round((load + os.getloadavg()[0]) / 2, 1)}


def _workspace(root: Path) -> tuple[Any, Any]:
    shutil.rmtree(root, ignore_errors=True)
    settings = Settings.resolve(root, environ={})
    engine = connect(settings.db_url)
    init_workspace(settings, engine)
    init_keys(root, "基准测试签发机构", datetime.now())
    with Session(engine) as session, session.begin():
        admin = add_staff(session, None, "基准管理员", "organiser")  # issuing is an organiser's act
    with Session(engine) as session:
        return engine, actor_by_id(session, admin.id)


def _anchors(root: Path, font: CertificateFont, pages: int) -> list[dict[str, Any]]:
    """fpdf2 writing the same certificate page itself (the font subset again for each document),
    and a plain fpdf2 page."""
    from fpdf import FPDF

    from grader.certificates import embedding

    signer = load_signer(root)
    certs = [Certificate(f, f"QL2026-A{n:07d}", signer.issuer, signer.key_id, date(2026, 11, 27))
             for n, f in enumerate(_facts(pages))]
    with font.batch(text for cert in certs for text in page_texts(cert)) as batch:
        texts = [sign_payload(cert.payload(), signer.private_key).text for cert in certs]

        def fpdf2_subsetting() -> None:
            stock = embedding.BatchFontPDF.output_bytes
            setattr(embedding.BatchFontPDF, "output_bytes", lambda pdf: bytes(pdf.output()))  # noqa: B010
            try:
                for cert, text in zip(certs, texts, strict=True):
                    embedding._loaded.clear()  # fpdf2's subsetting changes the font it read
                    render(cert, text, batch)
            finally:
                setattr(embedding.BatchFontPDF, "output_bytes", stock)  # noqa: B010

        before = _measure("同一证书页，fpdf2 自行嵌入字体（每份重新切分字体，改进前的做法）", pages, fpdf2_subsetting)

    def plain() -> None:
        for n in range(pages * 10):
            pdf = FPDF(format="A4", unit="mm")
            pdf.add_page()
            pdf.set_font("Helvetica", size=12)
            for row in range(14):
                pdf.set_xy(30, 40 + 10 * row)
                pdf.cell(150, 8, f"Certificate {n} line {row}: the quick brown fox")
            pdf.output()

    return [before, _measure("fpdf2 空白页加 14 行 Helvetica 文字（不嵌入字体）", pages * 10, plain)]


def _verification(engine: Any, root: Path, issued: list[Issued]) -> list[dict[str, Any]]:
    keys = public_keys(root)
    now = datetime.now()
    revoked = RevocationList(keys.issuer, now, tuple(Revocation(f"QL2026-R{n:07d}", now, "基准测试")
                                                     for n in range(10_000)), next_update=now + timedelta(days=7))
    rounds = max(1, 2000 // len(issued))
    work = [i for _ in range(rounds) for i in issued]
    assert all(verify_pdf(i.pdf, keys, revoked).authentic for i in issued), "an issued certificate did not verify"
    sample = issued[:200]

    def here() -> None:
        with Session(engine) as session:
            for i in sample:
                verify_here(session, root, now, pdf=i.pdf)

    return [
        _measure("核验 PDF（公钥集和含 1 万条的吊销列表各读一次）", len(work),
                 lambda: [verify_pdf(i.pdf, keys, revoked) for i in work]),
        _measure("核验二维码内容（同上）", len(work) * 5,
                 lambda: [verify_qr(i.qr_text, keys, revoked) for _ in range(5) for i in work]),
        _measure("工作区核验页的做法：每份都读公钥集和成绩库中的吊销记录", len(sample), here),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--anchor-pages", type=int, default=30)
    args = parser.parse_args()
    root = HERE / "work" / "certificates"
    engine, actor = _workspace(root)
    batch = _facts(args.count)
    outcomes: list[Any] = []

    def issue() -> None:
        font = CertificateFont(find_cjk_font())
        with Session(engine) as session:
            outcomes.extend(issue_many(session, load_signer(root), font, batch, actor, datetime.now(),
                                       checkpoint=session.commit))
            session.commit()

    issuing = _measure(f"签发（{os.cpu_count()} 个工作进程，每块提交一次）", args.count, issue)
    issued = [o.issued for o in outcomes if o.issued]
    assert len(issued) == args.count, [str(o) for o in outcomes if not o.issued][:3]
    rows = [issuing, *_anchors(root, CertificateFont(find_cjk_font()), args.anchor_pages),
            *_verification(engine, root, issued)]
    result = {"date": date.today().isoformat(), "machine": _machine(),
              "pdf_kib_mean": round(sum(len(i.pdf) for i in issued) / len(issued) / 1024, 1), "rows": rows}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "certificates.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n",
                                                        encoding="utf-8")
    engine.dispose()
    print(f"{result['date']}, {result['machine']}, PDF 平均 {result['pdf_kib_mean']} KiB")
    print("| 测量 | 份数 | 用时 | 每秒 | 每份 CPU | 负载 (1 分钟) |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['what']} | {row['count']:,} | {row['seconds']} s | {row['per_second']:,} 份/秒 | "
              f"{row['cpu_ms_each']} ms | {row['load_average_1min']} |")


if __name__ == "__main__":
    main()
