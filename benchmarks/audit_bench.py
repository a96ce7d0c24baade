"""Audit log benchmark: appends one at a time (each its own transaction, as a page does), then a
generated city, which logs its own rows (city.generate), verified whole.

    .venv/bin/python benchmarks/audit_bench.py [--people 5000] [--attempts 20000] [--appends 500]
                                               [--backends sqlite,postgresql]

SQLite is a file in a temporary folder; PostgreSQL a fresh schema on the local server, dropped
afterwards. Prints one line per figure and writes benchmarks/results/audit_<date>.json."""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from grader.audit.log import append
from grader.audit.sync import adopt
from grader.audit.verify import verify
from grader.city import CitySpec, generate_city
from grader.gradebook.database import migrate
from grader.gradebook.engine import connect
from grader.gradebook.models import AuditRow
from grader.staff.roles import system

REPO = Path(__file__).resolve().parent.parent
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/gradebook.db"
        return
    schema = f"qlbench_{uuid.uuid4().hex[:8]}"
    server = create_engine(PG)
    with server.begin() as db:
        db.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG}?options=-csearch_path%3D{schema}"
    finally:
        with server.begin() as db:
            db.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        server.dispose()


def run(backend: str, people: int, attempts: int, appends: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    with database(backend) as url:
        engine = connect(url)
        migrate(engine)
        actor = system("bench")
        start = time.perf_counter()
        for n in range(appends):
            with Session(engine) as session, session.begin():
                append(session, actor, "bench.append", "bench", str(n), {"n": n})
        figures["append_ms"] = (time.perf_counter() - start) / appends * 1000
        start = time.perf_counter()
        with Session(engine) as session, session.begin():  # the city logs its rows itself (city.generate)
            generate_city(session, CitySpec(people=people, attempts=attempts, units=200), REPO / "exams",
                          REPO / "courses")
        figures["city_with_log_s"] = time.perf_counter() - start
        with Session(engine) as session:
            figures["city_entries"] = session.scalar(select(func.count()).select_from(AuditRow)
                                                     .where(AuditRow.action == "city.generate")) or 0
        start = time.perf_counter()
        with Session(engine) as session, session.begin():
            figures["adopted_rows"] = adopt(session, actor)  # nothing left to adopt
        figures["adopt_s"] = time.perf_counter() - start
        start = time.perf_counter()
        with Session(engine) as session:
            report = verify(session)
        figures["verify_s"] = time.perf_counter() - start
        figures["entries"] = report.entries
        figures["findings"] = len(report.findings)
        engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--attempts", type=int, default=20000)
    parser.add_argument("--appends", type=int, default=500)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results = {}
    for backend in args.backends.split(","):
        results[backend] = run(backend, args.people, args.attempts, args.appends)
        print(backend, json.dumps(results[backend], ensure_ascii=False))
    out = REPO / "benchmarks" / "results" / f"audit_{date.today()}.json"
    out.write_text(json.dumps({"machine": platform.platform(), "args": vars(args), "results": results},
                              ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
