"""Essay marking benchmark: what a trainer waits for on the marking page with many candidates.

    .venv/bin/python benchmarks/marking_bench.py [--candidates 2000] [--runs 15] [--backends sqlite,postgresql]

Builds and releases the small integration paper (one essay of 10 points) in a temporary workspace,
simulates and grades `--candidates` submissions, then times, after one warm-up: the queue of the
essay (what the marking page reads for every answer shown), the paper list (the first page), and a
mark (code lookup, the answer held, the mark, nbgrader's grade and comment, the audit entries, the
scoreboard summaries settled; committed). p50 and p95 of `--runs`. The machine's load average is
recorded at the start and end of each backend (it is shared). Writes
benchmarks/results/marking_<date>.json and prints the README table."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from grader.autograde import autograde
from grader.gradebook.engine import connect
from grader.marking.codes import code_for, marking_secret
from grader.marking.marks import mark_answer
from grader.marking.queue import papers, queue
from grader.paper.store import build_from_files, load_keys
from grader.release import release
from grader.settings import Settings
from grader.simulate import simulate_submissions
from grader.staff.accounts import add_staff
from grader.staff.roles import Actor, system
from grader.workspace import init_workspace

REPO = Path(__file__).resolve().parent.parent
BLUEPRINT = REPO / "tests" / "data" / "integration" / "small.yaml"
PG = os.environ.get("QINGLIAN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'ws' / 'gradebook.db'}"
        return
    schema = f"qlbench_{uuid.uuid4().hex[:10]}"
    server = create_engine(PG)
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG}?options=-csearch_path%3D{schema}"
    finally:
        with server.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        server.dispose()


def timed(work: Callable[[], object], runs: int) -> dict[str, float]:
    work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[max(0, int(len(times) * .95) - 1)], 1)}


def run(backend: str, candidates: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, database(backend, Path(tmp)) as url:
        settings = Settings.resolve(Path(tmp) / "ws", url, environ={})
        engine = connect(settings.db_url)
        init_workspace(settings, engine)
        load_before = os.getloadavg()[0]
        with Session(engine) as session, session.begin():
            assignment = build_from_files(session, settings.root, BLUEPRINT, [REPO / "exams" / "banks"])[0].parent.name
            release(session, settings.root, assignment)
            keys = load_keys(session, assignment)
            boss = add_staff(session, None, "管理员", "organiser")
            member = add_staff(session, Actor(boss.name, boss.role, boss.id), "教师", "trainer")
        students = [f"b{n:05d}" for n in range(candidates)]
        simulate_submissions(settings.root, keys, students, 7)
        with Session(engine) as session, session.begin():
            autograde(session, settings.root, assignment, actor=system("bench"), workers=1)
        item = next(k.name for k in keys.items if k.type == "essay")
        actor, secret, root = Actor(member.name, member.role, member.id), marking_secret(settings.root), settings.root
        left = iter(students)

        def read_queue() -> None:
            with Session(engine) as session:
                queue(session, root, secret, assignment, item, member.id)

        def read_papers() -> None:
            with Session(engine) as session:
                papers(session, root, secret, member.id)

        def mark() -> None:
            with Session(engine) as session, session.begin():
                mark_answer(session, actor, root, secret, assignment, item, code_for(secret, assignment, next(left)),
                            6.5)

        figures = {"queue": timed(read_queue, runs), "papers": timed(read_papers, runs), "mark": timed(mark, runs)}
        engine.dispose()
        return {"backend": backend, "candidates": candidates, "runs": runs, **figures,
                "load_start": round(load_before, 1), "load_end": round(os.getloadavg()[0], 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results = [run(b, args.candidates, args.runs) for b in args.backends.split(",")]
    report = {"date": date.today().isoformat(), "machine": f"{platform.node()} {platform.machine()}, "
              f"{os.cpu_count()} cores", "results": results}
    out = REPO / "benchmarks" / "results" / f"marking_{report['date']}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print("| 数据库 | 考生 | 一道题的答卷队列 p50 / p95 | 试卷列表 p50 / p95 | 评一份 p50 / p95 | 负载（前 / 后） |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['backend']} | {r['candidates']} | {r['queue']['p50_ms']} / {r['queue']['p95_ms']} ms | "
              f"{r['papers']['p50_ms']} / {r['papers']['p95_ms']} ms | {r['mark']['p50_ms']} / {r['mark']['p95_ms']} ms"
              f" | {r['load_start']} / {r['load_end']} |")


if __name__ == "__main__":
    main()
