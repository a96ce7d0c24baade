"""Exam-room load benchmark: N candidates sign in within a window and answer, in real headless
Chromium pages against one Voila server on this machine.

    .venv/bin/python benchmarks/exam_room_bench.py --candidates 20 --window 60 --answers 10

Reports time to a rendered paper (from opening the page to a running countdown), the time for an
answer to be durably saved (from the click to 已保存, which the page shows only after the commit),
and the memory of the server and its kernels per candidate. The browsers run on the same two
cores, so the figures are an upper bound on what the server alone would need.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from nbgrader.api import Student
from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader.gradebook.database import migrate  # noqa: E402
from grader.gradebook.engine import connect  # noqa: E402
from grader.paper.store import build_from_files  # noqa: E402
from grader.release import release  # noqa: E402
from grader.serve import voila_server  # noqa: E402
from grader.settings import Settings  # noqa: E402
from grader.sitting.attempt import Seat, create_sitting  # noqa: E402
from grader.sitting.codes import load_secret  # noqa: E402
from grader.workspace import init_workspace  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, free_port, running  # noqa: E402


def _workspace(root: Path, candidates: int) -> tuple[Settings, list[Seat]]:
    shutil.rmtree(root, ignore_errors=True)
    settings = Settings.resolve(root, environ={})
    engine = connect(settings.db_url)
    init_workspace(settings, engine)
    migrate(engine)
    with Session(engine) as session, session.begin():
        build_from_files(session, root, REPO / "exams" / "blueprints" / "promotion.yaml", [REPO / "exams" / "banks"])
    for assignment in ("promotion-a", "promotion-b"):
        release(root, assignment)
    now = datetime.now()
    with Session(engine) as session, session.begin():
        students = [f"B{n:04d}" for n in range(candidates)]
        session.add_all(Student(id=s, last_name="考", first_name=s) for s in students)
        seats = create_sitting(session, "bench", "压力测试", ["promotion-a", "promotion-b"], students,
                               now - timedelta(minutes=1), now + timedelta(hours=3), 90, secret=load_secret(root),
                               created_by="bench", now=now)
    engine.dispose()
    return settings, seats


def _rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().split(") ")[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(match.group(1)) if match else 0
    return total


async def _candidate(browser, url: str, seat: Seat, delay: float, answers: int,  # type: ignore[no-untyped-def]
                     rendered: list[float], saves: list[float], failures: list[str]) -> None:
    await asyncio.sleep(delay)
    context = await browser.new_context()
    page = await context.new_page()
    page.set_default_timeout(300_000)
    try:
        start = time.perf_counter()
        await page.goto(url)
        await page.locator(".ql-admission input").fill(seat.admission_no)
        await page.locator(".ql-code input").fill(seat.code)
        await page.locator(".ql-enter").click()
        await page.locator(".ql-countdown").get_by_text("剩余时间").wait_for()
        rendered.append(time.perf_counter() - start)
        for number in range(1, answers + 1):
            await page.locator(".ql-nav button").nth(number - 1).click()
            box = page.locator(f".ql-item-{number}")
            clicked = time.perf_counter()
            await box.locator("label").filter(has_text=re.compile(r"^\s*A\. ")).click()
            await box.locator(".ql-status").get_by_text("已保存").wait_for()
            saves.append(time.perf_counter() - clicked)
    except Exception as error:
        failures.append(f"{seat.admission_no}: {type(error).__name__}: {str(error)[:200]}")
    finally:
        await context.close()


async def _drive(url: str, seats: list[Seat], window: float, answers: int, server_pid: int) -> dict[str, object]:
    from playwright.async_api import async_playwright

    rendered: list[float] = []
    saves: list[float] = []
    failures: list[str] = []
    peak = 0
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        step = window / max(1, len(seats))
        tasks = [asyncio.create_task(_candidate(browser, url, seat, i * step, answers, rendered, saves, failures))
                 for i, seat in enumerate(seats)]
        while not all(t.done() for t in tasks):
            peak = max(peak, _rss_kb(server_pid))
            await asyncio.sleep(1)
        await browser.close()
    def pct(values: list[float], q: float) -> float:
        return round(statistics.quantiles(values, n=100)[q - 1], 3) if len(values) > 1 else float("nan")
    return {"rendered_p50_s": pct(rendered, 50), "rendered_p95_s": pct(rendered, 95),
            "save_p50_s": pct(saves, 50), "save_p95_s": pct(saves, 95), "saves": len(saves),
            "server_peak_mb": round(peak / 1024), "mb_per_candidate": round(peak / 1024 / max(1, len(seats)), 1),
            "failures": failures}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--window", type=float, default=60.0, help="seconds over which everyone signs in")
    parser.add_argument("--answers", type=int, default=10)
    parser.add_argument("--pool", type=int, default=0, help="pre-heated kernels (voila --pool_size)")
    parser.add_argument("--warm-up", type=float, default=90.0, help="seconds the server runs before the sitting opens")
    args = parser.parse_args()
    work = REPO / "benchmarks" / "work" / "room"
    settings, seats = _workspace(work, args.candidates)
    port = free_port()
    server = voila_server(settings, REPO / "voila_apps", port, "exam_room.ipynb", "考场", args.pool,
                          only_page=True, refill_after=3600)
    with running(server, work / "voila.log", server.ready_url, timeout=180) as process:
        time.sleep(args.warm_up if args.pool else 0)  # a server is started before its sitting opens
        result = asyncio.run(_drive(server.urls[0], seats, args.window, args.answers, process.pid))
    result.update({"date": date.today().isoformat(), "candidates": args.candidates, "window_s": args.window,
                   "pool": args.pool,
                   "machine": f"{platform.machine()}, {os.cpu_count()} cores"})
    out = REPO / "benchmarks" / "results" / f"exam_room_{args.candidates}_pool{args.pool}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
