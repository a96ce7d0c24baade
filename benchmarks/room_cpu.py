"""The exam room's CPU per request, by kind: the figure machine load does not change much (a
busy machine makes a room slower, not costlier), and what says how many candidates one room
process can serve (one core / CPU per request).

    .venv/bin/python benchmarks/room_cpu.py --db postgresql [--candidates 200] [--saves 10]
    .venv/bin/python benchmarks/room_cpu.py --db sqlite

A real `qinglian room` process; N candidates (a few at a time, `--concurrency`) each fetch the
sign-in page, sign in, fetch the exam page and save `--saves` answers, phase after phase; the
room's CPU seconds (user + system, /proc/<pid>/stat) are read between phases. Prints JSON and
writes benchmarks/results/room_cpu_<db>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import urllib.parse
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from room_load import HERE, Browser, Candidate, RoomProcess, database, plan_saves, seat_everyone, send, start_room

from grader.settings import Settings


def cpu(room: RoomProcess) -> float:
    room.sample()
    return room.cpu_seconds


async def phases(room: RoomProcess, people: list[Candidate], saves: int, concurrency: int) -> dict[str, float]:
    """Room CPU milliseconds per request of each kind."""
    gate = asyncio.Semaphore(concurrency)
    browsers = {who.seat.admission_no: Browser(room.port) for who in people}
    pages: dict[str, str] = {}

    async def signin_page(who: Candidate) -> None:
        async with gate:
            await send(browsers[who.seat.admission_no], who, "GET", "/", 30)

    async def signin(who: Candidate) -> None:
        form = urllib.parse.urlencode({"admission_no": who.seat.admission_no, "code": who.seat.code,
                                       "_xsrf": who.cookies["_xsrf"]}).encode()
        async with gate:
            status, _, _ = await send(browsers[who.seat.admission_no], who, "POST", "/signin", 30, body=form,
                                      content_type="application/x-www-form-urlencoded")
        assert status == 303, status

    async def exam(who: Candidate) -> None:
        async with gate:
            _, page, _ = await send(browsers[who.seat.admission_no], who, "GET", "/exam", 30)
        pages[who.seat.admission_no] = page.decode()

    async def answer(who: Candidate) -> None:
        for position, value, _ in plan_saves(pages[who.seat.admission_no], who, saves):
            async with gate:
                status, body, _ = await send(
                    browsers[who.seat.admission_no], who, "POST", "/api/answer", 30,
                    body=orjson.dumps({"position": position, "value": value}), content_type="application/json",
                    extra=f"X-XSRFToken: {who.cookies['_xsrf']}\r\nX-Qinglian: 1\r\n")
            assert status == 200 and orjson.loads(body)["saved"], body

    figures: dict[str, float] = {}
    for name, step, count in (("signin_page", signin_page, 1), ("signin", signin, 1), ("exam_page", exam, 1),
                              ("save", answer, saves)):
        before = cpu(room)
        await asyncio.gather(*(step(who) for who in people))
        figures[f"{name}_ms"] = round(1000 * (cpu(room) - before) / (len(people) * count), 2)
    for browser in browsers.values():
        browser.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--saves", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qlroomcpu-") as folder:
        root = Path(folder) / "ws"
        root.mkdir()
        with database(args.db, root) as db_url:
            settings = Settings.resolve(root, db_url, environ={})
            seats = seat_everyone(settings, args.candidates)
            room = start_room(settings, Path(folder) / "room.log", False)
            try:
                time.sleep(3)  # the grading process's imports are not the room's requests
                load_before = os.getloadavg()[0]
                figures = asyncio.run(phases(room, [Candidate(seat) for seat in seats], args.saves,
                                             args.concurrency))
                load_after = os.getloadavg()[0]
                room.sample()
            finally:
                room.process.terminate()
                room.process.wait(60)
    row: dict[str, Any] = {"date": f"{date.today()}", "db": args.db, "candidates": args.candidates,
                           "saves_each": args.saves, "concurrency": args.concurrency, **figures,
                           "room_peak_rss_mb": round(room.peak_rss / 2**20),
                           "load_average_before_after": [round(load_before, 1), round(load_after, 1)],
                           "machine": f"{os.cpu_count()} cores"}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"room_cpu_{args.db}.json").write_text(json.dumps(row, indent=2) + "\n")
    print(json.dumps(row, indent=2))


if __name__ == "__main__":
    main()
