"""Exam-room load at the protocol level: N candidates against one Voila server on this machine,
each speaking Jupyter's websocket protocol exactly as the page's widget manager does, with no
browser in between (a headless Chromium per candidate costs more CPU than the server it
measures; exam_room_bench.py keeps the browser figures).

    .venv/bin/python benchmarks/exam_room_load.py --candidates 200 --window 60 --answers 10 --think 6

Each simulated candidate: opens the page (GET, which hands out a kernel), connects the kernel's
websocket, asks for the widget states (the `jupyter.widget.control` comm), types the admission
number and code, clicks 进入考试, waits for the running countdown (time to a rendered paper), then
answers items one after another, each timed from sending the change to the 已保存 the server
sends only after the commit. Reports p50/p95 of both, server CPU and memory per candidate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import websockets

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from exam_room_bench import _rss_kb, _workspace  # noqa: E402

from grader.serve import voila_server  # noqa: E402
from grader.sitting.attempt import Seat  # noqa: E402
from tests.browser import free_port, running  # noqa: E402

WIDGET_CONTROL = "jupyter.widget.control"


def _message(msg_type: str, content: dict[str, Any], session: str, metadata: dict[str, Any] | None = None) -> str:
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session, "username": "",
              "date": "", "version": "5.3"}
    return json.dumps({"header": header, "parent_header": {}, "metadata": metadata or {}, "content": content,
                       "channel": "shell", "buffers": []})


@dataclass
class Page:
    """One candidate's view of the widget models, kept up to date from the kernel's messages."""

    ws: Any
    session: str = field(default_factory=lambda: uuid.uuid4().hex)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    received: int = 0

    async def pump(self) -> None:
        async for raw in self.ws:
            self.received += 1
            message = json.loads(raw)
            content = message.get("content", {})
            data = content.get("data") or {}
            if message["msg_type"] == "comm_open" and content.get("target_name") == "jupyter.widget":
                self.models[content["comm_id"]] = dict(data.get("state", {}))
                self.names[content["comm_id"]] = data.get("state", {}).get("_model_name", "")
            elif message["msg_type"] == "comm_msg" and data.get("method") == "update_states":
                for model_id, model in data["states"].items():
                    self.models[model_id] = dict(model["state"])
                    self.names[model_id] = model["model_name"]
            elif message["msg_type"] == "comm_close":
                self.models.pop(content["comm_id"], None)
            elif message["msg_type"] == "comm_msg" and data.get("method") in ("update", "echo_update"):
                self.models.setdefault(content["comm_id"], {}).update(data.get("state", {}))
            else:
                continue
            self.changed.set()

    async def until(self, found: Any, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        while (result := found()) is None:
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), max(0.01, deadline - time.monotonic()))
        return result

    def with_class(self, css: str) -> str | None:
        return next((m for m, s in self.models.items() if css in s.get("_dom_classes", ())), None)

    def children(self, model_id: str) -> list[str]:
        return [c.removeprefix("IPY_MODEL_") for c in self.models[model_id].get("children", [])]

    async def update(self, model_id: str, state: dict[str, Any]) -> None:
        content = {"comm_id": model_id, "data": {"method": "update", "state": state, "buffer_paths": []}}
        await self.ws.send(_message("comm_msg", content, self.session))

    async def click(self, model_id: str) -> None:
        content = {"comm_id": model_id, "data": {"method": "custom", "content": {"event": "click"}}}
        await self.ws.send(_message("comm_msg", content, self.session))


async def _answer(page: Page, number: int, timeout: float) -> float:
    navigator = await page.until(lambda: page.with_class("ql-nav"), timeout)
    shown = page.with_class(f"ql-item-{number}")
    if shown is None:  # the question on screen already is this one: no need to move
        await page.click(page.children(navigator)[number - 1])
    box = await page.until(lambda: page.with_class(f"ql-item-{number}"), timeout)
    _stem, field_id, status_id = page.children(box)
    kind = page.names.get(field_id, "")
    started = time.perf_counter()
    if kind == "RadioButtonsModel":
        await page.update(field_id, {"index": 0})
    elif kind == "VBoxModel":  # multiple choice: tick the first box
        await page.update(page.children(field_id)[0], {"value": True})
    else:
        await page.update(field_id, {"value": f"作答{number}"})
    await page.until(lambda: "已保存" in page.models[status_id].get("value", "") or None, timeout)
    return time.perf_counter() - started


@dataclass
class Figures:
    rendered: list[float] = field(default_factory=list)
    saves: list[float] = field(default_factory=list)
    received: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


async def _candidate(base: str, url: str, seat: Seat, delay: float, answers: int, think: float,
                     figures: Figures, timeout: float) -> None:
    await asyncio.sleep(delay)
    started = time.perf_counter()
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            html = (await client.get(url)).text
        match = re.search(r'"kernelId": "([^"]+)"', html)
        if not match:
            raise RuntimeError("page carried no kernel")
        ws_url = f"{base.replace('http', 'ws', 1)}/api/kernels/{match.group(1)}/channels?session_id={uuid.uuid4().hex}"
        async with websockets.connect(ws_url, max_size=2**24, open_timeout=timeout) as ws:
            page = Page(ws)
            pump = asyncio.create_task(page.pump())
            try:
                control = uuid.uuid4().hex
                await ws.send(_message("comm_open", {"comm_id": control, "target_name": WIDGET_CONTROL, "data": {}},
                                       page.session, {"version": "1.0.0"}))
                await ws.send(_message("comm_msg", {"comm_id": control, "data": {"method": "request_states"}},
                                       page.session))
                number = await page.until(lambda: page.with_class("ql-admission"), timeout)
                await page.update(number, {"value": seat.admission_no})
                await page.update(page.with_class("ql-code") or "", {"value": seat.code})
                await page.click(page.with_class("ql-enter") or "")
                countdown = await page.until(lambda: page.with_class("ql-countdown"), timeout)
                await page.until(lambda: "剩余时间" in page.models[countdown].get("value", "") or None, timeout)
                figures.rendered.append(time.perf_counter() - started)
                for item in range(1, answers + 1):
                    await asyncio.sleep(random.uniform(0.5, 1.5) * think)
                    figures.saves.append(await _answer(page, item, timeout))
                figures.received.append(page.received)
            finally:
                pump.cancel()
                await asyncio.gather(pump, return_exceptions=True)
    except Exception as error:
        figures.failures.append(f"{seat.admission_no}: {type(error).__name__}: {str(error)[:160]}")


def _own_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().split(") ")[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_seconds(root_pid: int) -> float:
    """User + system CPU of a process tree, from /proc (children that ended are counted by the kernel
    in their parent's cutime/cstime)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().split(") ")[1].split()
        except (OSError, IndexError):
            continue
        if int(entry.name) == root_pid or _descends(int(entry.name), root_pid):
            total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick
    return total


def _kernel_rss_mb(server_pid: int) -> list[int]:
    """Resident memory of each kernel the server started (its direct children)."""
    sizes = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().split(") ")[1].split()[1]) == server_pid:
                status = (entry / "status").read_text()
                sizes.append(int(status.split("VmRSS:")[1].split()[0]) // 1024)
        except (OSError, IndexError, ValueError):
            continue
    return sizes


def _descends(pid: int, ancestor: int) -> bool:
    while pid > 1:
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().split(") ")[1].split()[1])
        except (OSError, IndexError, ValueError):
            return False
        if pid == ancestor:
            return True
    return False


async def _drive(base: str, url: str, seats: list[Seat], args: argparse.Namespace, server_pid: int) -> dict[str, Any]:
    figures = Figures()
    baseline_kb = _rss_kb(server_pid)
    cpu_before, wall_before = _cpu_seconds(server_pid), time.perf_counter()
    voila_before = _own_cpu_seconds(server_pid)
    step = args.window / max(1, len(seats))
    tasks = [asyncio.create_task(_candidate(base, url, seat, i * step, args.answers, args.think, figures,
                                            args.timeout)) for i, seat in enumerate(seats)]
    peak_kb = baseline_kb
    while not all(t.done() for t in tasks):
        peak_kb = max(peak_kb, await asyncio.to_thread(_rss_kb, server_pid))
        await asyncio.sleep(2)
    wall = time.perf_counter() - wall_before
    kernels = sorted(_kernel_rss_mb(server_pid))
    cpu = _cpu_seconds(server_pid) - cpu_before
    voila_cpu = _own_cpu_seconds(server_pid) - voila_before

    def pct(values: list[float], q: int) -> float:
        return round(statistics.quantiles(values, n=100)[q - 1], 3) if len(values) > 1 else float("nan")

    return {"rendered_p50_s": pct(figures.rendered, 50), "rendered_p95_s": pct(figures.rendered, 95),
            "rendered_max_s": round(max(figures.rendered, default=float("nan")), 3),
            "save_p50_s": pct(figures.saves, 50), "save_p95_s": pct(figures.saves, 95), "saves": len(figures.saves),
            "signed_in": len(figures.rendered),
            "messages_per_candidate": round(statistics.mean(figures.received or [0])),
            "server_baseline_mb": round(baseline_kb / 1024), "server_peak_mb": round(peak_kb / 1024),
            "mb_per_candidate": round(peak_kb / 1024 / max(1, len(seats)), 1),  # all in: server, pool, kernels
            "kernel_mb_min_max": [kernels[0], kernels[-1]] if kernels else [],
            "server_cpu_s": round(cpu, 1),
            "voila_process_cpu_s": round(voila_cpu, 1), "wall_s": round(wall, 1), "failures": figures.failures}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--window", type=float, default=60.0, help="seconds over which everyone signs in")
    parser.add_argument("--answers", type=int, default=10)
    parser.add_argument("--think", type=float, default=6.0, help="mean seconds between a candidate's answers")
    parser.add_argument("--pool", type=int, default=None, help="pre-heated kernels (default: one per candidate)")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)
    pool = args.candidates if args.pool is None else args.pool
    work = REPO / "benchmarks" / "work" / "room-load"
    settings, seats = _workspace(work, args.candidates)
    port = free_port()
    server = voila_server(settings, REPO / "voila_apps", port, "exam_room.ipynb", "考场", pool,
                          only_page=True, refill_after=3600)
    base = f"http://127.0.0.1:{port}"
    with running(server, work / "voila.log", server.ready_url, timeout=180) as process:
        warm = time.perf_counter()
        while pool and (work / "voila.log").read_text().count(f"filled with {pool} kernel") == 0:
            time.sleep(2)  # the server is started before the sitting opens: the pool is full
        warm_up_s = round(time.perf_counter() - warm, 1)
        result = asyncio.run(_drive(base, server.urls[0], seats, args, process.pid))
    result = {"date": date.today().isoformat(), "candidates": args.candidates, "window_s": args.window,
              "answers": args.answers, "think_s": args.think, "pool": pool, "pool_fill_s": warm_up_s,
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}", **result}
    out = REPO / "benchmarks" / "results" / f"exam_room_load_{args.candidates}_pool{pool}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
