"""Exam room load at the protocol level (no browser): N candidates sign in within a window, then
answer about every 6 s, against real `qinglian room` processes on this machine (loopback only).

    .venv/bin/python benchmarks/room_load.py --db sqlite [--candidates 2000] [--window 60]
    .venv/bin/python benchmarks/room_load.py --db postgresql
    .venv/bin/python benchmarks/room_load.py --db postgresql --rooms 2 --kill-at 45

Each candidate does what the page does: GET the sign-in page (the XSRF cookie), POST the
admission number and code, GET the exam page (the first question is in it), then `--saves`
answers, one every 4–8 s, each POSTed to api/answer and retried with back-off (1 s doubling to
30 s, at least a 503's Retry-After, spread by up to half again) on a dropped connection or a 5xx,
as room.js does; like the page's fetch, a request waits for its answer (up to `--give-up` s).
The candidates are spread over `--clients` processes (default 2), each one asyncio loop speaking
HTTP/1.1 on bare streams over one keep-alive connection per candidate, so the load generator
takes little of the cores the room needs. The room's CPU seconds come from /proc/<pid>/stat:
"room CPU per reply" is the load-independent figure (what one core can serve is 1 s / that).
With `--rooms 2` two room processes
serve one PostgreSQL behind a small round-robin TCP proxy (a separate process; a connection
refused by one room goes to the other) and the first room is killed (SIGKILL) at `--kill-at` s.

At the end the database is counted: every acknowledged save must be an accepted answer event
with the same value and its item must have an answer row (fill answers: the last value sent);
nothing may be stored twice. Prints a Markdown row for the README and writes JSON to
benchmarks/results/. PostgreSQL runs use a fresh schema, dropped afterwards. Bounded: every
candidate gives up after `--give-up` s of failed tries, and the whole run after `--limit` s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from nbgrader.api import Student
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from grader.gradebook.engine import connect
from grader.gradebook.models import AnswerEventRow, AnswerRow, AttemptRow, PersonRow, UnitRow
from grader.paper.store import build_from_files
from grader.release import release
from grader.serve import room_server
from grader.settings import Settings
from grader.sitting.codes import load_secret
from grader.sitting.seats import Seat, create_sitting
from grader.staff.roles import system
from grader.workspace import init_workspace

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BLUEPRINT = HERE / "bench40.yaml"
PG_SERVER = os.environ.get("QINGLIAN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
UNIT = "安阳市纪委监委"
ARTICLE = re.compile(r'<article class="card item"[^>]*data-position="(\d+)" data-type="(\w+)"')
OPTION = re.compile(r'<input type="(?:radio|checkbox)" name="q\d+"\s+value="([^"]+)"')


# --- the workspace, the database and the sitting -------------------------------------------------

@contextlib.contextmanager
def database(kind: str, root: Path) -> Iterator[str]:
    """A fresh gradebook: a SQLite file in the workspace, or a new schema on PostgreSQL (dropped after)."""
    if kind == "sqlite":
        yield f"sqlite:///{root / 'gradebook.db'}"
        return
    server = create_engine(PG_SERVER)
    schema = f"qlbench_{uuid.uuid4().hex[:10]}"
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with server.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        server.dispose()


def seat_everyone(settings: Settings, candidates: int) -> list[Seat]:
    """The 40-item benchmark paper built and released, and an open sitting seating `candidates` people."""
    engine = connect(settings.db_url)
    init_workspace(settings, engine)
    now = datetime.now()
    with Session(engine) as session, session.begin():
        (path,) = build_from_files(session, settings.root, BLUEPRINT, [REPO / "exams" / "banks"])
    with Session(engine) as session, session.begin():
        release(session, settings.root, path.parent.name)
    with Session(engine) as session, session.begin():
        session.add(UnitRow(name=UNIT, parent=None, kind="市直单位", position=0))
        session.flush()
        ids = [f"S{n:05d}" for n in range(candidates)]
        for student in ids:
            session.add(Student(id=student, last_name="考", first_name=f"生{student[1:]}"))
            session.add(PersonRow(id=student, name=f"考生{student[1:]}", id_number="", unit=UNIT, rank="",
                                  category=""))
        session.flush()
        seats = create_sitting(session, "load", "负载测试场次", [path.parent.name], ids, now - timedelta(minutes=5),
                               now + timedelta(hours=3), 120, secret=load_secret(settings.root),
                               created_by=system("bench"), now=now)
    engine.dispose()
    return seats


# --- the room processes and the proxy ---------------------------------------------------------------

@dataclass
class RoomProcess:
    port: int
    process: subprocess.Popen[bytes]
    peak_rss: int = 0
    cpu_seconds: float = 0.0
    cpu_at_start: float = 0.0  # after start-up (imports, nbgrader warmed for grading)

    def sample(self) -> None:
        """CPU seconds (user + system, from /proc/<pid>/stat) and resident memory of the room."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            self.cpu_seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            self.peak_rss = max(self.peak_rss, int(fields[21]) * os.sysconf("SC_PAGE_SIZE"))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_answering(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the room did not start ({url})") from None
            time.sleep(0.3)


def start_room(settings: Settings, log: Path, behind_proxy: bool) -> RoomProcess:
    port = free_port()
    server = room_server(settings, port, sweep=0)
    argv = [*server.argv, "--behind-proxy"] if behind_proxy else server.argv
    with log.open("w") as out:
        process = subprocess.Popen(argv, cwd=server.cwd, env=server.env, stdout=out, stderr=subprocess.STDOUT)
    wait_answering(server.ready_url, process)
    return RoomProcess(port, process)


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def proxy(port: int, upstreams: list[int]) -> None:
    """Round-robin per connection; a room that refuses the connection (killed) is skipped."""
    turn = 0

    async def connect_upstream() -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        nonlocal turn
        for _ in upstreams:
            turn = (turn + 1) % len(upstreams)
            with contextlib.suppress(OSError):
                return await asyncio.open_connection("127.0.0.1", upstreams[turn])
        return None

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = await connect_upstream()
        if upstream is None:
            writer.close()
            return
        await asyncio.gather(pipe(reader, upstream[1]), pipe(upstream[0], writer))

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


def start_proxy(upstreams: list[int], log: Path) -> tuple[int, subprocess.Popen[bytes]]:
    port = free_port()
    argv = [sys.executable, __file__, "--proxy", str(port), "--upstreams", ",".join(map(str, upstreams))]
    with log.open("w") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    wait_answering(f"http://127.0.0.1:{port}/static/room.css", process)
    return port, process


# --- the candidates -------------------------------------------------------------------------------

class GaveUp(Exception):
    pass


@dataclass
class SaveRecord:
    position: int
    value: str
    kind: str
    accepted: bool
    seconds: float
    tries: int


@dataclass
class Candidate:
    seat: Seat
    start: float = 0.0  # seconds after the crowd's start when this candidate arrives
    cookies: dict[str, str] = field(default_factory=dict)
    first_question: float | None = None
    saves: list[SaveRecord] = field(default_factory=list)
    retries: int = 0
    busy: int = 0  # 503 replies (the room's backpressure), each retried after its Retry-After
    answered: int = 0  # replies received (any status below 500)
    sending: tuple[int, str] | None = None  # the save in flight (position, value), if any
    error: str = ""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


class Browser:
    """One candidate's keep-alive HTTP/1.1 connection, on bare asyncio streams: a client far
    cheaper than an HTTP library, so the room, not the load generator, gets the machine's cores."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, cookies: dict[str, str], body: bytes = b"",
                      content_type: str = "", extra: str = "") -> Reply:
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nCookie: {cookie}\r\n{extra}"
                f"Content-Length: {len(body)}\r\n" + (f"Content-Type: {content_type}\r\n" if content_type else "")
                + "\r\n")
        try:
            writer.write(head.encode() + body)
            status_line = await reader.readuntil(b"\r\n")
            raw = await reader.readuntil(b"\r\n\r\n")
            headers: dict[str, str] = {}
            for line in raw.decode("latin-1").split("\r\n"):
                name, _, value = line.partition(":")
                if name.lower() == "set-cookie":
                    key, _, rest = value.strip().partition("=")
                    cookies[key] = rest.split(";", 1)[0]
                elif name:
                    headers[name.lower()] = value.strip()
            content = await reader.readexactly(int(headers.get("content-length", "0")))
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            self.close()
            raise ConnectionError(f"{method} {path}") from None
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Reply(int(status_line.split()[1]), headers, content)

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def send(browser: Browser, who: Candidate, method: str, path: str, give_up: float, *, body: bytes = b"",
               content_type: str = "", extra: str = "") -> tuple[int, bytes, int]:
    """(status, body, tries): retried with back-off on a dropped connection or a 5xx, waiting at
    least a 503's Retry-After, as room.js does."""
    delay, tries, stop = 1.0, 0, time.monotonic() + give_up
    while True:
        tries += 1
        wait = delay
        try:
            reply = await asyncio.wait_for(browser.request(method, path, who.cookies, body, content_type, extra),
                                           timeout=max(1.0, stop - time.monotonic()))
            if reply.status < 500:
                who.answered += 1
                return reply.status, reply.body, tries
            if reply.status == 503:
                who.busy += 1
                wait = max(delay, float(reply.headers.get("retry-after", "0") or 0))
        except (TimeoutError, ConnectionError):
            browser.close()
        who.retries += 1
        if time.monotonic() > stop:
            raise GaveUp(f"{method} {path}: no answer for {give_up:.0f} s")
        await asyncio.sleep(wait * random.uniform(1.0, 1.5))
        delay = min(delay * 2, 30.0)


def plan_saves(html: str, who: Candidate, saves: int) -> list[tuple[int, str, str]]:
    """(position, value, kind) for each save: fill items first (their stored value is checkable
    exactly), each sent twice so a later save overwrites an earlier one, then choice items."""
    items = [(int(m.group(1)), m.group(2), OPTION.search(html, m.end())) for m in ARTICLE.finditer(html)]
    fills = [(p, kind) for p, kind, _ in items if kind == "fill"]
    choices = [(p, kind, o.group(1)) for p, kind, o in items if o is not None and kind != "fill"]
    plan: list[tuple[int, str, str]] = []
    for k in range(saves):
        if k < 2 * len(fills):
            position, kind = fills[k % len(fills)]
            plan.append((position, f"{who.seat.admission_no}第{k}次", kind))
        else:
            position, kind, letter = choices[k % len(choices)]
            plan.append((position, letter, kind))
    return plan


async def sit(port: int, who: Candidate, t0: float, saves: int, give_up: float, rng: random.Random) -> None:
    await asyncio.sleep(max(0.0, t0 + who.start - time.time()))
    browser = Browser(port)
    began = time.perf_counter()
    try:
        await send(browser, who, "GET", "/", give_up)
        form = urllib.parse.urlencode({"admission_no": who.seat.admission_no, "code": who.seat.code,
                                       "_xsrf": who.cookies.get("_xsrf", "")}).encode()
        status, body, _ = await send(browser, who, "POST", "/signin", give_up, body=form,
                                     content_type="application/x-www-form-urlencoded")
        if status != 303:
            raise GaveUp(f"sign-in refused ({status}): {body[:200].decode(errors='replace')}")
        status, page, _ = await send(browser, who, "GET", "/exam", give_up)
        html = page.decode()
        if status != 200 or "data-page=\"exam\"" not in html:
            raise GaveUp(f"no exam page ({status})")
        who.first_question = time.perf_counter() - began
        for n, (position, value, kind) in enumerate(plan_saves(html, who, saves)):
            await asyncio.sleep(rng.uniform(1, 8) if n == 0 else rng.uniform(4, 8))
            sent, who.sending = time.perf_counter(), (position, value)
            payload = orjson.dumps({"position": position, "value": value})
            status, body, tries = await send(
                browser, who, "POST", "/api/answer", give_up, body=payload, content_type="application/json",
                extra=f"X-XSRFToken: {who.cookies.get('_xsrf', '')}\r\nX-Qinglian: 1\r\n")
            reply = orjson.loads(body) if status == 200 else {}
            who.saves.append(SaveRecord(position, value, kind, bool(reply.get("saved")),
                                        time.perf_counter() - sent, tries))
            who.sending = None
    except GaveUp as error:
        who.error = str(error)
    finally:
        browser.close()


def crowd_part(port: int, people: list[Candidate], t0: float, saves: int, give_up: float,
               limit: float) -> tuple[list[Candidate], float]:
    """One client process's share of the crowd, in one event loop; (the candidates, its CPU seconds)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))

    async def run() -> None:
        tasks = [asyncio.create_task(sit(port, who, t0, saves, give_up, random.Random(who.seat.admission_no)))
                 for who in people]
        _, pending = await asyncio.wait(tasks, timeout=max(1.0, t0 + limit - time.time()))
        for task in pending:
            task.cancel()
        for who, task in zip(people, tasks, strict=True):
            if task in pending:
                who.error = who.error or "still running at --limit"

    asyncio.run(run())
    return people, sum(resource.getrusage(resource.RUSAGE_SELF)[:2])


def crowd(port: int, seats: list[Seat], args: argparse.Namespace, rooms: list[RoomProcess]) -> tuple[
        list[Candidate], float]:
    """Every candidate, in `--clients` processes (each its own event loop) so that the load
    generator is not the bottleneck; rooms sampled every 0.25 s, the first killed at --kill-at."""
    rng = random.Random(7)
    people = [Candidate(seat, rng.uniform(0, args.window)) for seat in seats]
    t0 = time.time() + 3.0  # the client processes start meanwhile
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(rooms, t0, args.kill_at, stop), daemon=True)
    watcher.start()
    shares = [people[n::args.clients] for n in range(args.clients)]
    with multiprocessing.get_context("spawn").Pool(args.clients) as pool:
        parts = pool.starmap(crowd_part, [(port, share, t0, args.saves, args.give_up, args.limit) for share in shares])
    stop.set()
    watcher.join()
    done = {who.seat.admission_no: who for part, _ in parts for who in part}
    return [done[seat.admission_no] for seat in seats], sum(cpu for _, cpu in parts)


def watch(rooms: list[RoomProcess], t0: float, kill_at: float | None, stop: threading.Event) -> None:
    while not stop.wait(0.25):
        for room in rooms:
            if room.process.poll() is None:
                room.sample()
        if kill_at is not None and time.time() >= t0 + kill_at and rooms[0].process.poll() is None:
            rooms[0].sample()
            rooms[0].process.send_signal(signal.SIGKILL)
            print(f"killed room 1 (pid {rooms[0].process.pid}) at {kill_at:.0f} s", flush=True)


# --- counting in the database -----------------------------------------------------------------------

def count_in_database(db_url: str, people: list[Candidate]) -> dict[str, int]:
    """Lost: an acknowledged save with no accepted event of that value, or no answer row for its item,
    or (fill) a stored value that is neither the last one acknowledged nor one sent after it (a save
    still in flight when the run stopped may have landed unacknowledged). Duplicated: more accepted events for an item
    than were sent to it (tries included). (Two answer rows for one item cannot exist: the key is
    (attempt, position).)"""
    engine = connect(db_url)
    with Session(engine) as session:
        attempts = dict(session.execute(select(AttemptRow.admission_no, AttemptRow.id)).all())
        rows = {(a, p): v for a, p, v in session.execute(
            select(AnswerRow.attempt_id, AnswerRow.position, AnswerRow.value))}
        events: dict[tuple[int, int, str], int] = {}
        for a, p, v, n in session.execute(
                select(AnswerEventRow.attempt_id, AnswerEventRow.position, AnswerEventRow.value, func.count())
                .where(AnswerEventRow.accepted.is_(True))
                .group_by(AnswerEventRow.attempt_id, AnswerEventRow.position, AnswerEventRow.value)):
            events[(a, p, v)] = n
    engine.dispose()
    lost = duplicated = acknowledged = 0
    for who in people:
        attempt = attempts.get(who.seat.admission_no)
        sent: dict[tuple[int, str], int] = {}
        last: dict[int, str] = {}
        for save in who.saves:
            sent[(save.position, save.value)] = sent.get((save.position, save.value), 0) + save.tries
            if not save.accepted or attempt is None:
                continue
            acknowledged += 1
            last[save.position] = save.value
            if events.get((attempt, save.position, save.value), 0) == 0 or (attempt, save.position) not in rows:
                lost += 1
        lost += sum(1 for p in last if _is_fill(who, p) and rows.get((attempt or -1, p)) not in _since_ack(who, p))
        duplicated += sum(1 for (p, v), tries in sent.items() if events.get((attempt or -1, p, v), 0) > tries)
    return {"acknowledged": acknowledged, "answer_rows": len(rows), "accepted_events": sum(events.values()),
            "lost": lost, "duplicated": duplicated}


def _since_ack(who: Candidate, position: int) -> set[str]:
    """The values the item may hold: its last acknowledged one and any sent after it."""
    mine = [s for s in who.saves if s.position == position]
    last = max(n for n, s in enumerate(mine) if s.accepted)
    later = {who.sending[1]} if who.sending and who.sending[0] == position else set()
    return {s.value for s in mine[last:]} | later


def _is_fill(who: Candidate, position: int) -> bool:
    return any(s.kind == "fill" for s in who.saves if s.position == position)


# --- the figures --------------------------------------------------------------------------------

def percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def summary(args: argparse.Namespace, people: list[Candidate], counts: dict[str, int], rooms: list[RoomProcess],
            load: tuple[float, float], seconds: float, client_cpu: float) -> dict[str, Any]:
    first = [w.first_question for w in people if w.first_question is not None]
    replies = sum(w.answered for w in people)
    acks = [s.seconds for w in people for s in w.saves if s.accepted]
    ms = {name: (round(1000 * v) if v is not None else None) for name, v in (
        ("first_question_p50_ms", percentile(first, 50)), ("first_question_p95_ms", percentile(first, 95)),
        ("first_question_max_ms", max(first, default=None)), ("save_p50_ms", percentile(acks, 50)),
        ("save_p95_ms", percentile(acks, 95)), ("save_max_ms", max(acks, default=None)))}
    db = args.db
    return {"date": f"{date.today()}", "db": db, "rooms": args.rooms, "kill_at_s": args.kill_at,
            "candidates": len(people), "window_s": args.window, "saves_each": args.saves,
            "signed_in": len(first), "gave_up": sum(1 for w in people if w.error),
            "errors": sorted({w.error for w in people if w.error})[:5],
            "refused_saves": sum(1 for w in people for s in w.saves if not s.accepted),
            "retried_requests": sum(w.retries for w in people), **ms, **counts,
            "room_peak_rss_mb": [round(r.peak_rss / 2**20) for r in rooms],
            "room_cpu_s": [round(r.cpu_seconds - r.cpu_at_start, 1) for r in rooms], "replies": replies,
            "room_cpu_ms_per_reply": round(1000 * sum(r.cpu_seconds - r.cpu_at_start for r in rooms)
                                           / max(1, replies), 1),
            "room_cpu_ms_per_reply_503_included": round(1000 * sum(r.cpu_seconds - r.cpu_at_start for r in rooms)
                                                        / max(1, replies + sum(w.busy for w in people)), 1),
            "room_cpu_share_of_a_core": [round((r.cpu_seconds - r.cpu_at_start) / max(seconds, 1e-9), 2)
                                         for r in rooms],
            "busy_503": sum(w.busy for w in people), "client_processes": args.clients,
            "client_cpu_s": round(client_cpu, 1),
            "load_average_before_after": [round(x, 1) for x in load], "run_s": round(seconds, 1),
            "machine": f"{os.cpu_count()} cores"}


def markdown(row: dict[str, Any]) -> str:
    where = f"{row['db']}, {row['rooms']} room{'s' if row['rooms'] > 1 else ''}" + (
        f", one killed at {row['kill_at_s']:.0f} s" if row["kill_at_s"] is not None else "")
    return (f"| {row['date']} | {where} | {row['candidates']:,} in {row['window_s']:.0f} s | "
            f"{row['first_question_p50_ms']} / {row['first_question_p95_ms']} ms | "
            f"{row['save_p50_ms']} / {row['save_p95_ms']} ms | {row['acknowledged']:,} | {row['lost']} / "
            f"{row['duplicated']} | {' + '.join(str(m) for m in row['room_peak_rss_mb'])} MB | "
            f"{row['load_average_before_after'][0]} → {row['load_average_before_after'][1]} |")


def run(args: argparse.Namespace) -> dict[str, Any]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))  # the rooms inherit it
    with tempfile.TemporaryDirectory(prefix="qlroom-") as folder:
        root = Path(folder) / "ws"
        root.mkdir()
        with database(args.db, root) as db_url:
            settings = Settings.resolve(root, db_url, environ={})
            seats = seat_everyone(settings, args.candidates)
            print(f"{len(seats)} seats on {args.db}; starting {args.rooms} room(s)", flush=True)
            rooms = [start_room(settings, Path(folder) / f"room{n}.log", args.rooms > 1) for n in range(args.rooms)]
            proxy_process = None
            try:
                port = rooms[0].port
                if args.rooms > 1:
                    port, proxy_process = start_proxy([r.port for r in rooms], Path(folder) / "proxy.log")
                time.sleep(3)  # the grading pool imports nbgrader at start: not part of the sitting
                for room in rooms:
                    room.sample()
                    room.cpu_at_start = room.cpu_seconds
                load_before, started = os.getloadavg()[0], time.monotonic()
                people, client_cpu = crowd(port, seats, args, rooms)
                seconds, load_after = time.monotonic() - started, os.getloadavg()[0]
            finally:
                for process in [*(r.process for r in rooms), *([proxy_process] if proxy_process else [])]:
                    if process.poll() is None:
                        process.terminate()  # a room drains the work already queued before it stops
                        try:
                            process.wait(60)
                        except subprocess.TimeoutExpired:
                            process.kill()
                            process.wait()
            counts = count_in_database(db_url, people)
    return summary(args, people, counts, rooms, (load_before, load_after), seconds, client_cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--window", type=float, default=60.0, help="all sign in within this many seconds")
    parser.add_argument("--saves", type=int, default=10, help="answers per candidate, one every 4-8 s")
    parser.add_argument("--rooms", type=int, default=1, choices=(1, 2))
    parser.add_argument("--kill-at", type=float, default=None, help="with --rooms 2: kill the first room then")
    parser.add_argument("--give-up", type=float, default=120.0, help="a candidate stops after this long unanswered")
    parser.add_argument("--limit", type=float, default=600.0, help="the whole crowd stops after this long")
    parser.add_argument("--clients", type=int, default=2, help="client processes the candidates are spread over")
    parser.add_argument("--proxy", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--upstreams", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.proxy:
        asyncio.run(proxy(args.proxy, [int(p) for p in args.upstreams.split(",")]))
        return
    if args.rooms > 1 and args.db != "postgresql":
        parser.error("two rooms share one sitting only on PostgreSQL")
    row = run(args)
    name = f"room_load_{row['db'].replace(' ', '_')}_{row['candidates']}_{row['rooms']}room"
    name += "_kill" if args.kill_at else ""
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"{name}.json").write_text(json.dumps(row, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(row, ensure_ascii=False, indent=2))
    print(markdown(row))


if __name__ == "__main__":
    main()
