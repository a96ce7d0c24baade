"""Records status benchmark: the status queries of grader.programmes and the records view on a
synthetic city (grader.city: 20,000 people, 500 units, 100,000 graded attempts by default), on
SQLite and, when reachable, PostgreSQL.

    .venv/bin/python benchmarks/records_status_bench.py [--people 20000] [--attempts 100000] [--runs 3]

Measures (median of --runs): every person's status for each programme (`people_status`, what a
city-wide list or scoreboard asks), one county's list (`unit_status`, the records view's unit tab)
and one person's whole record (`person_record`, the person tab; mean over 100 people); and, each
call timed on its own, p50 and p95 of one person's promotion status (`person_status`, 100 people)
and of the county's list (10 calls), beside issue 15's goals (< 20 ms, < 100 ms). Records the
build time and the load average at the start and the end (the machine is shared). Prints a
Markdown table row per backend for the README and writes benchmarks/results/records_status.json
(records_status_<attempts>.json for another size).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from grader.city import CitySpec, build_city, plan_city  # noqa: E402
from grader.gradebook.database import migrate  # noqa: E402
from grader.gradebook.engine import connect  # noqa: E402
from grader.gradebook.models import PersonRow, UnitRow  # noqa: E402
from grader.programmes import people_status, person_status, unit_status  # noqa: E402
from grader.records.dossier import load_requirements, person_record  # noqa: E402
from grader.settings import Settings  # noqa: E402
from grader.workspace import init_workspace  # noqa: E402


def _median(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _percentiles(calls: list[Callable[[], object]]) -> tuple[float, float]:
    """p50 and p95 (nearest rank) in ms of each call timed on its own."""
    times = []
    for call in calls:
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return round(statistics.median(times), 1), round(times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)], 1)


def _measure(settings: Settings, spec: CitySpec, runs: int) -> dict[str, float | int | str]:
    engine = connect(settings.db_url)
    init_workspace(settings, engine)
    migrate(engine)
    programmes, modules = load_requirements(REPO / "exams" / "programmes", REPO / "courses")
    start = time.perf_counter()
    with Session(engine) as session, session.begin():
        build_city(session, plan_city(spec), REPO / "exams", [(m.id, m.hours) for m in modules])
    figures: dict[str, float | int | str] = {"build_s": round(time.perf_counter() - start, 1)}
    with Session(engine) as session:
        everyone = list(session.scalars(select(PersonRow.id)))
        county = session.scalars(select(UnitRow.name).where(UnitRow.kind == "县（市、区）")
                                 .order_by(UnitRow.name)).first()
        assert county is not None
        for name, programme in programmes.items():
            figures[f"city_{name}_s"] = round(_median(runs, lambda p=programme: people_status(  # type: ignore[misc]
                session, p, everyone, modules=modules)), 3)
        figures["county"] = county
        figures["county_people"] = len(unit_status(session, programmes["promotion"], county, everyone=True))
        figures["county_promotion_s"] = round(_median(runs, lambda: unit_status(
            session, programmes["promotion"], county, modules=modules, everyone=True)), 3)
        sample = everyone[:: max(1, len(everyone) // 100)][:100]
        promotion = programmes["promotion"]
        person_status(session, promotion, sample[0])  # warm
        figures["person_status_p50_ms"], figures["person_status_p95_ms"] = _percentiles(
            [lambda p=p: person_status(session, promotion, p) for p in sample])  # type: ignore[misc]
        figures["county_list_p50_ms"], figures["county_list_p95_ms"] = _percentiles(
            [lambda: unit_status(session, promotion, county, modules=modules, everyone=True)] * 10)
        figures["person_record_ms"] = round(_median(runs, lambda: [
            person_record(session, p, programmes, modules) for p in sample]) / len(sample) * 1000, 1)
    engine.dispose()
    return figures


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
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    spec = CitySpec(units=args.units, people=args.people, attempts=args.attempts, item_results=False)
    load = os.getloadavg()[0]  # the machine may be shared: say how busy it was
    work = HERE / "work" / "records_status"
    shutil.rmtree(work, ignore_errors=True)
    results = {"sqlite": _measure(Settings.resolve(work, environ={}), spec, args.runs)}
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
            results["postgresql"] = _measure(Settings.resolve(work, url, environ={}), spec, args.runs)
        finally:
            with server.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    server.dispose()
    record = {"date": date.today().isoformat(),
              "machine": f"{_cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "load_average_at_start": round(load, 2), "load_average_at_end": round(os.getloadavg()[0], 2),
              "people": args.people, "units": args.units,
              "attempts": args.attempts, "results": results}
    (HERE / "results").mkdir(exist_ok=True)
    name = "records_status.json" if args.attempts == 100_000 else f"records_status_{args.attempts}.json"
    (HERE / "results" / name).write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n",
                                                           encoding="utf-8")
    for backend, r in results.items():
        print(f"| {record['date']} | {record['machine']} | {load:.1f} | {backend} | {r['city_induction_s']:.2f} s | "
              f"{r['city_leader_theory_s']:.2f} s | {r['city_promotion_s']:.2f} s | "
              f"{r['county_promotion_s']:.2f} s（{r['county_people']:,} 人） | {r['person_record_ms']:.0f} ms | "
              f"{r['person_status_p50_ms']} / {r['person_status_p95_ms']} ms | "
              f"{r['county_list_p50_ms']} / {r['county_list_p95_ms']} ms | {r['build_s']:.0f} s |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
