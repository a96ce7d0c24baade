"""Records and scoreboard benchmark: a generated city, then the scoreboard and status queries.

    .venv/bin/python benchmarks/records_bench.py [--attempts 1000000] [--people 20000] [--units 500]
                                                 [--runs 20] [--backends sqlite,postgresql]

Generates the city (grader.city, per-item rows included, the scoreboard's summaries made once at
the end) on SQLite (a file in a temporary folder) and on the local PostgreSQL (a fresh schema,
dropped afterwards), reports how long that took, then times each query after one warm-up run:
p50 and p95 of `--runs` runs (fewer for a query slower than a second: about 10 s of runs each),
beside the goal of issue 15. Also times a write's cost: marking one person's result changed
(the trigger) and settling the summaries, rolled back. The machine's load average is recorded at
the start and end of each backend (it is shared). Writes benchmarks/results/records_<date>.json
and .md and prints the README table."""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine, create_engine, func, select, text, update
from sqlalchemy.orm import Session

from grader.city import CitySpec, build_city, plan_city
from grader.course.catalog import load_catalog
from grader.gradebook.database import migrate
from grader.gradebook.engine import connect
from grader.gradebook.models import PersonRow, ResultRow, UnitRow
from grader.programmes import load_programmes, person_status, unit_status
from grader.roster import unit_members
from grader.scoreboard import Filters, Period, board, by_period, by_programme, distribution, drill_down, ranking
from grader.scoreboard.cleared import cleared_board
from grader.summary import rebuild, settle

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PG_SERVER = os.environ.get("QINGLIAN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
console = Console()


def _cpu() -> str:
    try:
        found = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        return next(line.split(":", 1)[1].strip() for line in found.splitlines() if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        return platform.processor() or platform.machine()


@contextmanager
def _database(backend: str) -> Iterator[tuple[Engine, Callable[[], int]]]:
    """A fresh, migrated gradebook and a function giving its size in bytes; removed afterwards."""
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="qinglian-records-"))
        engine = connect(f"sqlite:///{folder / 'gradebook.db'}")
        try:
            migrate(engine)
            yield engine, lambda: (folder / "gradebook.db").stat().st_size
        finally:
            engine.dispose()
            shutil.rmtree(folder, ignore_errors=True)
        return
    server = create_engine(PG_SERVER)
    schema = f"qlbench_{uuid.uuid4().hex[:10]}"
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = connect(f"{PG_SERVER}?options=-csearch_path%3D{schema}")
    size = text("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s AND c.relkind = 'r'")
    def measure() -> int:
        with server.connect() as connection:
            return int(connection.execute(size, {"s": schema}).scalar_one())

    try:
        migrate(engine)
        yield engine, measure
    finally:
        engine.dispose()
        with server.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        server.dispose()


def _generate(engine: Engine, spec: CitySpec, modules: list[tuple[str, float]]) -> dict[str, Any]:
    plan = plan_city(spec)
    columns = (TextColumn("生成考试记录"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    start = time.perf_counter()
    with Progress(*columns, console=console) as bar, Session(engine) as session, session.begin():
        task = bar.add_task("city", total=spec.attempts)
        report = build_city(session, plan, REPO / "exams", modules, lambda n: bar.advance(task, n))
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 1), **asdict(report)}


def _rebuild(engine: Engine) -> float:
    """Seconds to make every summary again from the raw rows: what migration 0015's back-fill does."""
    start = time.perf_counter()
    with Session(engine) as session, session.begin():
        rebuild(session)
    return round(time.perf_counter() - start, 1)


def _time(action: Callable[[], object], runs: int) -> dict[str, float]:
    """The first (cold) run, then p50 and p95 (nearest rank) of up to `runs` more, about 10 s of them."""
    start = time.perf_counter()
    action()
    first = time.perf_counter() - start
    times = []
    for _ in range(max(3, min(runs, int(10 / max(first, 1e-3))))):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    times.sort()
    p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    return {"first_ms": round(first * 1000, 1), "median_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(p95 * 1000, 1), "runs": len(times)}


def _settle_one(session: Session, person: str) -> None:
    """A write's summary cost: one person's result changed (the trigger marks them), then settled; undone."""
    with session.begin_nested() as nested:
        session.execute(update(ResultRow).where(ResultRow.student_id == person, ResultRow.current)
                        .values(flagged=ResultRow.flagged))
        settle(session)
        nested.rollback()


def _targets(engine: Engine) -> tuple[str, str, str]:
    """The county with most people, its township with most people, and a person in it."""
    with Session(engine) as session:
        sizes = dict(session.execute(select(PersonRow.unit, func.count()).group_by(PersonRow.unit)).all())
        units = session.execute(select(UnitRow.name, UnitRow.parent)).all()
        township = max((name for name, parent in units if parent), key=lambda n: sizes.get(n, 0))
        county = next(parent for name, parent in units if name == township)
        person = session.scalars(select(PersonRow.id).where(PersonRow.unit == township).order_by(PersonRow.id)).first()
    assert county is not None and person is not None
    return county, township, person


def _queries(engine: Engine, runs: int, modules: list[Any]) -> dict[str, dict[str, float]]:
    county, township, person = _targets(engine)
    programmes = load_programmes(REPO / "exams" / "programmes")
    promotion, induction = programmes["promotion"], programmes["induction"]
    year = Filters("promotion", Period.parse("2025"))
    with Session(engine) as session:
        whole = board(session)
        members = len(unit_members(session, county))
        cases: dict[str, Callable[[], object]] = {
            "各单位通过率（全部考试，含下级汇总）": lambda: board(session),
            "各单位通过率（职务提升测试，2025 年）": lambda: board(session, year),
            "成绩分布（一个县区）": lambda: distribution(board(session, year), county),
            "单位排名（乡镇）": lambda: ranking(board(session, year), "乡（镇、街道）"),
            "按月通过率": lambda: by_period(session, "month", "promotion"),
            "按考试类别通过率": lambda: by_programme(session),
            "下钻到县区（下级单位与本级人员）": lambda: drill_down(session, whole, county),
            "下钻到乡镇（人员成绩）": lambda: drill_down(session, whole, township),
            "一个人的关口状态（职务提升）": lambda: person_status(session, promotion, person),
            f"一个县区的状态清单（职务提升，{members} 人）":
                lambda: unit_status(session, promotion, county, everyone=True),
            "一个县区的状态清单（上岗培训，新录用人员）":
                lambda: unit_status(session, induction, county, modules=modules),
            "全市各单位完成率（职务提升关口，逐人核对）": lambda: cleared_board(session, promotion),
            "写入后结算汇总（一人的成绩变动）": lambda: _settle_one(session, person),
        }
        results = {}
        for name, action in cases.items():
            results[name] = _time(action, runs)
            console.print(f"  {name}: p50 {results[name]['median_ms']} ms，p95 {results[name]['p95_ms']} ms"
                          f"（首次 {results[name]['first_ms']} ms，{results[name]['runs']} 次）")
    return results


def _goal(name: str) -> str:
    """Issue 15's goal for a query: one person's status < 20 ms, everything else a page asks < 100 ms."""
    if name.startswith("写入"):
        return "—"
    return "< 20 ms" if name.startswith("一个人") else "< 100 ms"


def _markdown(result: dict[str, Any]) -> str:
    backends = list(result["backends"])
    head = ("| 项目 | 目标（p95） | " + " | ".join(f"{b} p50 / p95" for b in backends) + " |\n|---|---|"
            + "---|" * len(backends) + "\n")
    gen = "| 生成城市（" + f"{result['spec']['attempts']:,} 次考试，含逐题记录与汇总表）| — | " + " | ".join(
        f"{result['backends'][b]['generation']['seconds']:.0f} s（{result['backends'][b]['size_mb']:,} MB）"
        for b in backends) + " |\n"
    again = "| 重建汇总表（迁移 0015 的回填） | — | " + " | ".join(
        f"{result['backends'][b]['generation']['summaries_seconds']:.0f} s" for b in backends) + " |\n"
    load = "| 1 分钟平均负载（开始 → 结束） | — | " + " | ".join(
        f"{result['backends'][b]['load'][0]:.1f} → {result['backends'][b]['load'][1]:.1f}" for b in backends) + " |\n"
    names = list(result["backends"][backends[0]]["queries"])
    rows = "".join(f"| {name} | {_goal(name)} | " + " | ".join(_cell(result["backends"][b]["queries"].get(name))
                                                           for b in backends) + " |\n" for name in names)
    return head + gen + again + load + rows


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _cell(timing: dict[str, float] | None) -> str:
    if timing is None:
        return "—"
    return f"{_ms(timing['median_ms'])} / {_ms(timing['p95_ms'])}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    spec = CitySpec(units=args.units, people=args.people, attempts=args.attempts)
    catalog = load_catalog(REPO / "courses")
    modules = [(m.id, m.hours) for m in catalog]
    result: dict[str, Any] = {"date": date.today().isoformat(), "machine": f"{os.cpu_count()} 核，{_cpu()}",
                              "python": platform.python_version(), "spec": {k: str(v) if isinstance(v, date) else v
                                                                             for k, v in asdict(spec).items()},
                              "runs": args.runs, "backends": {}}
    for backend in args.backends.split(","):
        console.print(f"[bold]{backend}[/bold]：{args.units} 个单位、{args.people} 人、{args.attempts} 次考试")
        with _database(backend) as (engine, size):
            load = os.getloadavg()[0]
            generation = _generate(engine, spec, modules)
            console.print(f"  生成用时 {generation['seconds']} s")
            generation["summaries_seconds"] = _rebuild(engine)
            console.print(f"  重建汇总表 {generation['summaries_seconds']} s")
            queries = _queries(engine, args.runs, catalog)
            result["backends"][backend] = {"generation": generation, "size_mb": round(size() / 2**20),
                                           "queries": queries, "load": [round(load, 2), round(os.getloadavg()[0], 2)]}
    stem = f"records_{result['date']}" + ("" if args.attempts == 1_000_000 else f"_{args.attempts}")
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"{stem}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    table = _markdown(result)
    (HERE / "results" / f"{stem}.md").write_text(
        f"# 记录与榜单性能（{result['date']}，{result['machine']}）\n\n{table}", "utf-8")
    console.print(table)
    console.print(f"完成于 {datetime.now():%H:%M:%S}")


if __name__ == "__main__":
    main()
