"""Paper build and release: `qinglian paper build` (two papers) and `qinglian release` (one paper)
against nbgrader's `generate_assignment` on the same source, in the same run (issue 15.3).

    .venv/bin/python benchmarks/release_bench.py [--repeat 5] [--nbgrader-repeat 2]
        [--blueprint exams/blueprints/promotion.yaml]

Each figure is a whole command as a trainer types it (process start, imports, database, files): the
median wall time over the repeats and the median CPU time (user + system of the child process).
The machine is shared, so the 1-minute load average is recorded before and after; on a busy machine
wall time is CPU time stretched by the wait for a core. The run also checks that our release and
nbgrader's are byte-identical. Writes benchmarks/results/release.json and prints a Markdown row.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from grader.gradebook.engine import connect
from grader.paper.store import load_keys
from grader.release import release_path
from grader.settings import Settings
from grader.workspace import init_workspace

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BIN = Path(sys.executable).parent
WORK = HERE / "work" / "release"


def _timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one command run to completion."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("QINGLIAN_DB_URL", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _median(runs: list[tuple[float, float]]) -> dict[str, float]:
    return {"wall_s": round(statistics.median(w for w, _ in runs), 3),
            "cpu_s": round(statistics.median(c for _, c in runs), 3)}


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _workspace(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
    settings = Settings.resolve(root, environ={})
    engine = connect(settings.db_url)
    init_workspace(settings, engine)
    engine.dispose()


def _items(root: Path, assignment: str) -> int:
    engine = connect(Settings.resolve(root, environ={}).db_url)
    try:
        with Session(engine) as session:
            return len(load_keys(session, assignment).items)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--nbgrader-repeat", type=int, default=2)
    parser.add_argument("--blueprint", type=Path, default=REPO / "exams" / "blueprints" / "promotion.yaml")
    args = parser.parse_args()
    blueprint = args.blueprint.resolve()
    assignment = f"{yaml.safe_load(blueprint.read_text(encoding='utf-8'))['id']}-a"
    ours, theirs = WORK / "qinglian", WORK / "nbgrader"
    load_before = os.getloadavg()[0]
    _workspace(ours)
    qinglian = str(BIN / "qinglian")
    build = [_timed([qinglian, "paper", "build", str(blueprint), "--root", str(ours)], WORK)
             for _ in range(args.repeat)]
    shutil.rmtree(theirs, ignore_errors=True)
    shutil.copytree(ours, theirs)  # the same source notebooks and gradebook for nbgrader
    released = [_timed([qinglian, "release", assignment, "--root", str(ours)], WORK) for _ in range(args.repeat)]
    generate = [_timed([str(BIN / "nbgrader"), "generate_assignment", assignment, "--force"], theirs)
                for _ in range(args.nbgrader_repeat)]
    identical = release_path(ours, assignment).read_bytes() == release_path(theirs, assignment).read_bytes()
    help_runs = [_timed([qinglian, "--help"], WORK) for _ in range(args.repeat)]
    # the floor every command that opens the gradebook pays: Python with SQLAlchemy, click and rich loaded
    floor = [_timed([sys.executable, "-c", "import grader.cli.edge"], WORK) for _ in range(args.repeat)]
    result = {"date": date.today().isoformat(),
              "machine": f"{_cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "paper_items": _items(ours, assignment), "repeats": args.repeat,
              "qinglian_paper_build_2_papers": _median(build), "qinglian_release_1_paper": _median(released),
              "nbgrader_generate_assignment_1_paper": _median(generate), "qinglian_help": _median(help_runs),
              "floor_import_sqlalchemy_click_rich": _median(floor),
              "release_identical_to_nbgrader": identical,
              "load_average_1min_before": round(load_before, 1),
              "load_average_1min_after": round(os.getloadavg()[0], 1)}  # the machine is shared
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "release.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n",
                                                    encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    cells = [f"{m['wall_s']:.2f} s（CPU {m['cpu_s']:.2f} s）" for m in (
        result[k] for k in ("qinglian_paper_build_2_papers", "qinglian_release_1_paper",
                            "nbgrader_generate_assignment_1_paper", "floor_import_sqlalchemy_click_rich"))]
    print(f"| {result['date']} | {result['machine']} | {result['load_average_1min_before']}–"
          f"{result['load_average_1min_after']} | {result['paper_items']} | " + " | ".join(cells)
          + f" | {'逐字节相同' if identical else '不同'} |")
    if not identical:
        sys.exit("qinglian release 与 nbgrader generate_assignment 的发布版不同")


if __name__ == "__main__":
    main()
