"""Item analysis benchmark: `item_analysis` (read the current results, then compute) on the
40-item benchmark paper with N graded candidates, on SQLite and, when reachable, PostgreSQL.

    .venv/bin/python benchmarks/item_analysis_bench.py [--candidates 10000] [--pg postgresql+psycopg://...]

The results are written straight into the gradebook (one grading run, N current results with their
item rows: scores and canonical answers drawn from a simple ability model), so the benchmark
measures the analysis, not the grading. Prints a Markdown table row per backend for the README and
writes benchmarks/results/item_analysis.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session

from grader.gradebook.engine import connect
from grader.gradebook.models import GradingRunRow, ItemResultRow, ResultRow
from grader.item_analysis.load import paper_responses
from grader.item_analysis.stats import analyse
from grader.paper.store import PaperKeys, build_from_files, load_keys
from grader.settings import Settings
from grader.workspace import init_workspace

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ASSIGNMENT = "bench40-a"
CHUNK = 20_000


def _answer(key: object, options: str, right: bool, rng: random.Random) -> str:
    if right:
        return key[0] if isinstance(key, tuple) else str(key)
    if isinstance(key, tuple):
        return "不清楚"
    return rng.choice([c for c in options if c != key] or [""])


def _fill(session: Session, keys: PaperKeys, candidates: int) -> None:
    rng = random.Random(2026)
    now = datetime.now(UTC).replace(tzinfo=None)
    run = GradingRunRow(assignment=ASSIGNMENT, actor="bench", started_at=now, finished_at=now, graded=candidates)
    session.add(run)
    session.flush()
    for start in range(0, candidates, CHUNK // len(keys.items)):
        students = [f"c{n:05d}" for n in range(start, min(candidates, start + CHUNK // len(keys.items)))]
        sheets = []
        for _ in students:
            skill = rng.betavariate(5, 2)
            sheets.append([rng.random() < skill for _ in keys.items])
        ids = session.scalars(insert(ResultRow).returning(ResultRow.id, sort_by_parameter_order=True), [
            {"run_id": run.id, "assignment": ASSIGNMENT, "student_id": s, "submitted_at": now,
             "auto_score": sum(k.points for k, ok in zip(keys.items, sheet, strict=True) if ok),
             "max_score": keys.total_points, "needs_manual": False, "flagged": False, "current": True}
            for s, sheet in zip(students, sheets, strict=True)]).all()
        session.execute(insert(ItemResultRow), [
            {"result_id": result_id, "position": k.position, "item_id": k.item_id,
             "response": _answer(k.key, k.options, ok, rng), "verdict": "correct" if ok else "wrong",
             "score": k.points if ok else 0.0, "max_score": k.points}
            for result_id, sheet in zip(ids, sheets, strict=True) for k, ok in zip(keys.items, sheet, strict=True)])


def _measure(settings: Settings, candidates: int, runs: int) -> dict[str, float]:
    engine = connect(settings.db_url)
    init_workspace(settings, engine)
    with Session(engine) as session, session.begin():
        build_from_files(session, settings.root, HERE / "bench40.yaml", [REPO / "exams" / "banks"])
        keys = load_keys(session, ASSIGNMENT)
        _fill(session, keys, candidates)
    loads, computes = [], []
    for _ in range(runs):
        with Session(engine) as session:
            start = time.perf_counter()
            data = paper_responses(session, ASSIGNMENT)
            loaded = time.perf_counter()
            result = analyse(data)
            loads.append(loaded - start)
            computes.append(time.perf_counter() - loaded)
    engine.dispose()
    assert result.paper.candidates == candidates
    return {"load_s": statistics.median(loads), "analyse_s": statistics.median(computes),
            "alpha": result.paper.alpha or 0.0}


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    load = os.getloadavg()[0]  # the machine may be shared: say how busy it was
    work = HERE / "work" / "item_analysis"
    shutil.rmtree(work, ignore_errors=True)
    results = {"sqlite": _measure(Settings.resolve(work, environ={}), args.candidates, args.runs)}
    server = create_engine(args.pg)
    schema = f"qlbench_{uuid.uuid4().hex[:8]}"
    try:
        with server.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # no server: SQLite only, said so
        print(f"PostgreSQL 不可用（{type(error).__name__}），只测 SQLite", file=sys.stderr)
    else:
        try:
            url = f"{args.pg}?options=-csearch_path%3D{schema}"
            results["postgresql"] = _measure(Settings.resolve(work, url, environ={}), args.candidates, args.runs)
        finally:
            with server.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    server.dispose()
    record = {"date": date.today().isoformat(),
              "machine": f"{_cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "load_average_at_start": round(load, 2), "candidates": args.candidates, "items": 40, "results": results}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "item_analysis.json").write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n",
                                                         encoding="utf-8")
    for backend, r in results.items():
        print(f"| {record['date']} | {record['machine']} | {load:.1f} | {backend} | {args.candidates:,} × 40 | "
              f"{r['load_s']:.2f} s | {r['analyse_s']:.2f} s | {r['load_s'] + r['analyse_s']:.2f} s |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
