"""First render of each Voila page: how long a reader waits from opening the address until the
page's own content (its widgets) is on screen, in Debian's headless Chromium.

    .venv/bin/python benchmarks/voila_render_bench.py --root demo [--runs 5] [--label after]
                                                      [--pages records,item_analysis,scoreboard,certificates]

Every page is served the way `qinglian serve` serves it (grader.serve.platform_servers: pools,
culling, which server). For each page: its server is started and given `--settle` seconds to fill
its pool (a pool's kernels pre-run the page), then it is opened `--runs` times, each in a fresh
browser context (nothing cached), `--gap` seconds apart, then `--runs` times more in one context
that has opened it before (scripts cached). Every request outside 127.0.0.1 is refused. Reported:
the server's part alone (median time until the whole rendered page has arrived over HTTP), median
and slowest cold open, median warm open, and the machine's load average. Writes
benchmarks/results/voila_render_<label>.json and prints a Markdown table row per page.
Run it with PYTHONPATH pointing at another checkout's tree to measure that code ("before")."""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

import grader
from grader.serve import Server, platform_servers, voila_server
from grader.settings import Settings

REPO = Path(__file__).resolve().parent.parent
MEASURED = Path(grader.__file__).resolve().parent.parent  # the checkout whose pages, courses and programmes are served
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# what a visitor sees first: the staff pages show only their sign-in until a staff account signs in
CONTENT = {"records.ipynb": ".ql-records input", "item_analysis.ipynb": ".ql-staff-name input",
           "scoreboard.ipynb": ".ql-scoreboard", "certificates.ipynb": ".ql-certificates-app",
           "index.ipynb": ".ql-sign-in", "floor.ipynb": ".ql-floor", "floor_show.ipynb": ".ql-floor"}
FLOOR = {"cells": [{"cell_type": "code", "execution_count": None, "id": "floor", "metadata": {}, "outputs": [],
                    "source": "import ipywidgets\nipywidgets.HTML(\"<b class='ql-floor'>Voila</b>\")"}],
         "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
         "nbformat": 4, "nbformat_minor": 5}
FLOOR_SHOW = {**FLOOR, "cells": [{**FLOOR["cells"][0], "source": (  # the same page, its first view drawn early
    "import ipywidgets\nfrom grader.pages.snapshot import show\n"
    "show(ipywidgets.HTML(\"<b class='ql-floor'>Voila</b>\"))")}]}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _page_urls(servers: list[Server]) -> dict[str, tuple[Server, str]]:
    """page file name -> (the server that renders it, its address)."""
    found: dict[str, tuple[Server, str]] = {}
    for server in servers:
        for url in server.urls:
            named = [n for n in CONTENT if n in url]
            if not named:  # a one-page Voila: its address is "/", its page the target in its argv
                named = [Path(a).name for a in server.argv if a.endswith(".ipynb")]
            for name in named:
                found.setdefault(name, (server, url))
    return found


def _wait(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"server exited: {process.args!r}") from None
            time.sleep(0.3)
    raise SystemExit(f"server did not answer {url}")


def _open(context: Any, url: str, selector: str) -> tuple[float, float]:
    """(first view, live): until the page's content is on screen (its snapshot, drawn from the HTML
    before Voila's scripts load; grader/pages/snapshot.py), and until the live widget is."""
    page = context.new_page()
    page.set_default_timeout(120_000)
    started = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.locator(selector).first.wait_for(state="visible")
    first = time.perf_counter() - started
    page.locator(f".jp-OutputArea-output {selector}").first.wait_for(state="visible")
    live = time.perf_counter() - started
    if page.locator(".ql-snapshot").count():
        raise SystemExit(f"{url}: the snapshot is still there beside the live page")
    page.close()  # the page goes away: its kernel is left for the server to shut down or cull
    return first, live


def _fetch_times(url: str, runs: int, gap: float) -> list[float]:
    """The server's part: until the whole rendered page (every cell's output) has arrived over HTTP.
    Without a pool that is a kernel start plus running the page; with one, the pre-run result."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=120) as response:
            body = response.read()
        times.append(time.perf_counter() - started)
        if b"jupyter-widgets" not in body and b"widget-view" not in body:
            raise SystemExit(f"{url}: the page holds no widget output")
        time.sleep(gap)
    return times


def _open_times(url: str, selector: str, runs: int,
                gap: float) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(cold, warm): each cold open in a fresh browser context (nothing cached: a reader's first
    visit), each warm one in a context that has opened the page before (its scripts cached)."""
    from playwright.sync_api import sync_playwright

    cold: list[tuple[float, float]] = []
    warm: list[tuple[float, float]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)

        def context() -> Any:
            made = browser.new_context(viewport={"width": 1100, "height": 900}, locale="zh-CN")
            made.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
                ("http://127.0.0.1", "ws://127.0.0.1")) else route.abort())
            return made

        for _ in range(runs):
            fresh = context()
            cold.append(_open(fresh, url, selector))
            fresh.close()
            time.sleep(gap)
        cached = context()
        _open(cached, url, selector)
        for _ in range(runs):
            time.sleep(gap)
            warm.append(_open(cached, url, selector))
        browser.close()
    return cold, warm


def measure(root: Path, pages: list[str], runs: int, settle: float, gap: float) -> dict[str, dict[str, object]]:
    settings = Settings.resolve(root, None)
    port, lab_port = _free_port(), _free_port()
    build: Any = platform_servers
    room = ("room_pool" in inspect.signature(build).parameters) * [0, 3600]  # older code: a Voila room and its pool
    servers: list[Server] = build(settings, MEASURED / "courses", MEASURED / "voila_apps", port, lab_port,
                               "bench-token", *room, MEASURED / "exams" / "programmes")
    urls = _page_urls(servers)
    folder = Path(tempfile.mkdtemp())
    for name, notebook in (("floor.ipynb", FLOOR), ("floor_show.ipynb", FLOOR_SHOW)):
        if name in pages:  # Voila's own cost: one HTML widget, served like the public pages (pool, template)
            (folder / name).write_text(json.dumps(notebook))
            floor = voila_server(settings, folder, _free_port(), name, "Voila 本身（一个部件）", 2,
                                 only_page=True, refill_after=10)
            urls[name] = (floor, floor.urls[0])
    results: dict[str, dict[str, object]] = {}
    for page in pages:
        server, url = urls[page]
        with tempfile.TemporaryFile() as log:
            process = subprocess.Popen(server.argv, cwd=server.cwd, env=server.env, stdout=log, stderr=log)
            try:
                _wait(server.ready_url, process)
                time.sleep(settle)
                load = os.getloadavg()[0]
                fetched = _fetch_times(url, runs, gap)
                cold, warm = _open_times(url, CONTENT[page], runs, gap)
            finally:
                process.terminate()
                process.wait(timeout=30)
        first, live = [c[0] for c in cold], [c[1] for c in cold]
        results[page] = {"server": server.name, "http_median": statistics.median(fetched), "http": fetched,
                         "cold_median": statistics.median(first), "cold_max": max(first),
                         "cold_live_median": statistics.median(live),
                         "warm_median": statistics.median(w[0] for w in warm),
                         "warm_live_median": statistics.median(w[1] for w in warm),
                         "cold": cold, "warm": warm, "load_average": load}
        print(f"{page}: server render {statistics.median(fetched):.2f} s, browser cold: first view median "
              f"{statistics.median(first):.2f} s (max {max(first):.2f} s), live {statistics.median(live):.2f} s; "
              f"warm first view {results[page]['warm_median']:.2f} s, live {results[page]['warm_live_median']:.2f} s; "
              f"load average {load:.1f}", flush=True)
    return results


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path("demo"))
    parser.add_argument("--pages", default="records,item_analysis,scoreboard,certificates",
                        help="also: floor (an empty page with one widget: what Voila itself costs)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds for a pool to fill before the first open")
    parser.add_argument("--gap", type=float, default=12.0, help="seconds between opens (pools refill after 10 s)")
    parser.add_argument("--label", default="after")
    args = parser.parse_args()
    pages = [f"{p}.ipynb" for p in args.pages.split(",")]
    results = measure(args.root.resolve(), pages, args.runs, args.settle, args.gap)
    out = REPO / "benchmarks" / "results" / f"voila_render_{args.label}.json"
    out.write_text(json.dumps({"date": f"{date.today()}", "machine": machine(), "label": args.label,
                               "runs": args.runs, "pages": results}, ensure_ascii=False, indent=1))
    for page, r in results.items():
        print(f"| {date.today()} | {args.label} | {page} | {r['http_median']:.2f} s | {r['cold_median']:.2f} s | "
              f"{r['cold_max']:.2f} s | {r['cold_live_median']:.2f} s | "
              f"{r['warm_median']:.2f} s | {r['warm_live_median']:.2f} s | {r['load_average']:.1f} |")


if __name__ == "__main__":
    main()
