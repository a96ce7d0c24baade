"""Sitting rules benchmark: the library calls one exam-room request makes, one process, no HTTP,
on SQLite and, when reachable, PostgreSQL.

    .venv/bin/python benchmarks/sitting_bench.py [--seats 2000] [--saves 10]

A sitting of --seats seats on the promotion paper (46 items); every seat signs in (HMAC code,
lockout bookkeeping, sign-in log, new attempt), saves --saves answers, and hands in (canonical
submission written as JSON); then one proctor seat table of the whole sitting. Each call is its
own transaction, committed, as the room makes them. Prints p50/p95 per call in ms and a Markdown
row per backend, and writes benchmarks/results/sitting.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from grader.gradebook.engine import connect  # noqa: E402
from grader.paper.store import build_from_files  # noqa: E402
from grader.release import release  # noqa: E402
from grader.settings import Settings  # noqa: E402
from grader.sitting.answers import save  # noqa: E402
from grader.sitting.attempt import AttemptView  # noqa: E402
from grader.sitting.codes import load_secret  # noqa: E402
from grader.sitting.proctor import seat_table  # noqa: E402
from grader.sitting.seats import Seat, create_sitting  # noqa: E402
from grader.sitting.signin import sign_in  # noqa: E402
from grader.sitting.submission import submit_attempt  # noqa: E402
from grader.staff.roles import system  # noqa: E402
from grader.workspace import init_workspace  # noqa: E402

PG = os.environ.get("QINGLIAN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 12, 1, 9, 5)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


CPU: dict[str, list[float]] = {}


def _timed(samples: list[float], work: Callable[[], object]) -> object:
    """Wall time into samples; this process's CPU time beside it (what a loaded machine inflates
    least: the rest is waiting for the disk's fsync at commit, or for the database server)."""
    cpu, start = time.process_time(), time.perf_counter()
    result = work()
    samples.append(time.perf_counter() - start)
    CPU.setdefault(str(id(samples)), []).append(time.process_time() - cpu)
    return result


def _enter(engine: Engine, secret: bytes, seat: Seat) -> AttemptView:
    with Session(engine) as session, session.begin():
        return sign_in(session, secret, seat.admission_no, seat.code, client="10.0.0.1", now=NOW)


def _save(engine: Engine, view: AttemptView, position: int, shown: str) -> object:
    with Session(engine) as session, session.begin():
        return save(session, view.attempt_id, view.admission_no, position, shown, NOW)


def _submit(engine: Engine, root: Path, view: AttemptView) -> object:
    with Session(engine) as session, session.begin():
        return submit_attempt(session, root, view.attempt_id, NOW, how="candidate")


def _measure(settings: Settings, seats_wanted: int, saves: int) -> dict[str, object]:
    engine = connect(settings.db_url)
    init_workspace(settings, engine)
    with Session(engine) as session, session.begin():
        build_from_files(session, settings.root, REPO / "exams" / "blueprints" / "promotion.yaml",
                         [REPO / "exams" / "banks"])
    with Session(engine) as session, session.begin():
        release(session, settings.root, "promotion-a")
    secret = load_secret(settings.root)
    from nbgrader.api import Student

    with Session(engine) as session, session.begin():
        students = [f"B{n:05d}" for n in range(seats_wanted)]
        session.add_all(Student(id=s, last_name="考", first_name=s) for s in students)
        seats = create_sitting(session, "bench", "基准场次", ["promotion-a"], students, NOW - timedelta(minutes=5),
                               NOW + timedelta(hours=3), 90, secret=secret, created_by=system("bench"), now=NOW)
    timings: dict[str, list[float]] = {"sign_in": [], "save": [], "submit": []}
    for seat in seats:
        view = _timed(timings["sign_in"], lambda seat=seat: _enter(engine, secret, seat))
        assert isinstance(view, AttemptView)
        for p in view.items[:saves]:
            shown = p.options[0][0] if p.options else "廉洁"
            _timed(timings["save"], lambda p=p, shown=shown, view=view: _save(engine, view, p.item.position, shown))
        _timed(timings["submit"], lambda view=view: _submit(engine, settings.root, view))
    start = time.perf_counter()
    with Session(engine) as session:
        seat_table(session, "bench", NOW)
    table_ms = (time.perf_counter() - start) * 1000
    engine.dispose()
    row: dict[str, object] = {name: {**dict(zip(("p50_ms", "p95_ms"), _percentiles(samples), strict=True)),
                                     "cpu_p50_ms": statistics.median(CPU.pop(str(id(samples)))) * 1000}
                              for name, samples in timings.items()}
    row["seat_table_ms"] = table_ms
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seats", type=int, default=2000)
    parser.add_argument("--saves", type=int, default=10)
    args = parser.parse_args()
    work = Path("/tmp") / f"qinglian-sitting-bench-{uuid.uuid4().hex[:8]}"
    results: dict[str, object] = {"date": f"{datetime.now():%Y-%m-%d}", "machine": platform.processor() or
                                  platform.machine(), "cpus": os.cpu_count(), "seats": args.seats, "saves": args.saves}
    backends = {"sqlite": None, "postgresql": PG}
    for name, server in backends.items():
        if server is None:
            settings = Settings.resolve(work / name, environ={})
            results[name] = _measure(settings, args.seats, args.saves)
            continue
        admin = create_engine(server)
        schema = f"qlbench_{uuid.uuid4().hex[:8]}"
        try:
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        except Exception as error:  # no server: report SQLite only
            print(f"PostgreSQL skipped: {type(error).__name__}")
            continue
        try:
            settings = Settings.resolve(work / name, f"{server}?options=-csearch_path%3D{schema}", environ={})
            results[name] = _measure(settings, args.seats, args.saves)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    shutil.rmtree(work, ignore_errors=True)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "sitting.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    for name in backends:
        if name in results:
            r = results[name]
            assert isinstance(r, dict)
            print(f"| {results['date']} | {name} | {args.seats} | "
                  + " | ".join(f"{r[k]['p50_ms']:.1f} / {r[k]['p95_ms']:.1f} ms (CPU {r[k]['cpu_p50_ms']:.1f})"
                               for k in ("sign_in", "save", "submit"))
                  + f" | {r['seat_table_ms']:.0f} ms |")


if __name__ == "__main__":
    main()
