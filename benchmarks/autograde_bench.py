"""Autograde benchmark: qinglian against nbgrader on the same paper and the same files.

    .venv/bin/python benchmarks/autograde_bench.py [--submissions 10000] [--nbgrader-sample 10]
        [--blueprint exams/blueprints/promotion.yaml]  (46 items: 45 autograded, 1 essay; bench40.yaml: 40)

Builds a workspace in benchmarks/work/, simulates the submissions, times `qinglian autograde`
on all of them and `nbgrader autograde` on a sample copied into a second workspace, compares the
two graders' totals on that sample, and prints a Markdown table row for the README. Each command's
wall time and CPU time (user + sys of it and every process it waited for, its grading workers
included) are both reported: on a shared machine only the ratios compare.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from grader.gradebook.engine import connect
from grader.paper.store import build_from_files, load_keys
from grader.release import release
from grader.settings import Settings
from grader.simulate import simulate_submissions
from grader.staff.accounts import actor_by_id, add_staff
from grader.workspace import init_workspace

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Timed:
    wall: float
    cpu: float  # user + sys of the command and every process it waited for (its workers)


def _run(args: list[str], cwd: Path) -> Timed:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Timed(wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def _workspace(root: Path, count: int, blueprint: Path, assignment: str) -> list[str]:
    shutil.rmtree(root, ignore_errors=True)
    settings = Settings.resolve(root, environ={})
    engine = connect(settings.db_url)
    init_workspace(settings, engine)
    with Session(engine) as session, session.begin():
        # the command acts as the OS user's staff account, which must be a trainer to grade
        admin = add_staff(session, None, "基准管理员", "organiser")
        add_staff(session, actor_by_id(session, admin.id), "基准阅卷", "trainer", os_user=getpass.getuser())
        build_from_files(session, root, blueprint, [REPO / "exams" / "banks"])
    with Session(engine) as session, session.begin():
        release(session, root, assignment)
    students = [f"c{n:05d}" for n in range(count)]
    with Session(engine) as session:
        keys = load_keys(session, assignment)
    print(f"模拟 {count} 份答卷（{len(keys.items)} 题）……", flush=True)
    simulate_submissions(root, keys, students, seed=2026)
    engine.dispose()
    return students


def load_keys_of(root: Path, assignment: str) -> list[object]:
    engine = connect(Settings.resolve(root, environ={}).db_url)
    with Session(engine) as session:
        items: list[object] = list(load_keys(session, assignment).items)
    engine.dispose()
    return items


def _totals(path: Path, encoding: str) -> dict[str, float]:
    with path.open(encoding=encoding, newline="") as handle:
        return {r["student_id"]: float(r["score"]) for r in csv.DictReader(handle) if r["timestamp"]}


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
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--nbgrader-sample", type=int, default=10)
    parser.add_argument("--blueprint", type=Path, default=REPO / "exams" / "blueprints" / "promotion.yaml")
    args = parser.parse_args()
    assignment = f"{yaml.safe_load(args.blueprint.read_text(encoding='utf-8'))['id']}-a"
    work = HERE / "work"
    ours_root, theirs_root = work / "qinglian", work / "nbgrader"
    students = _workspace(ours_root, args.submissions, args.blueprint, assignment)
    sample = students[:: max(1, len(students) // args.nbgrader_sample)][: args.nbgrader_sample]
    shutil.rmtree(theirs_root, ignore_errors=True)
    shutil.copytree(ours_root, theirs_root, ignore=shutil.ignore_patterns("submitted"))
    for student in sample:
        shutil.copytree(ours_root / "submitted" / student, theirs_root / "submitted" / student)

    load_start = os.getloadavg()[0]
    ours_run = _run([str(BIN / "qinglian"), "autograde", assignment, "--root", str(ours_root)], cwd=work)
    _run([str(BIN / "qinglian"), "export", "--root", str(ours_root), "--to", str(work / "ours.csv")], cwd=work)
    theirs_run = _run([str(BIN / "nbgrader"), "autograde", assignment, "--create", "--force"], cwd=theirs_root)
    ours, theirs = ours_run.wall, theirs_run.wall
    _run([str(BIN / "nbgrader"), "export", "--to", str(work / "theirs.csv")], cwd=theirs_root)

    ours_totals, theirs_totals = _totals(work / "ours.csv", "utf-8-sig"), _totals(work / "theirs.csv", "utf-8")
    agree = all(ours_totals[s] == theirs_totals[s] for s in sample)
    per_ours, per_theirs = ours / len(students), theirs / len(sample)
    result = {"date": date.today().isoformat(), "machine": f"{_cpu()}, {os.cpu_count()} cores, "
              f"Python {platform.python_version()}", "submissions": len(students), "qinglian_s": round(ours, 2),
              "qinglian_ms_per_submission": round(per_ours * 1000, 2), "nbgrader_sample": len(sample),
              "nbgrader_s": round(theirs, 2), "nbgrader_s_per_submission": round(per_theirs, 2),
              "ratio": round(per_theirs / per_ours), "totals_agree_on_sample": agree,
              "qinglian_cpu_ms_per_submission": round(ours_run.cpu / len(students) * 1000, 2),
              "nbgrader_cpu_s_per_submission": round(theirs_run.cpu / len(sample), 2),
              "cpu_ratio": round(theirs_run.cpu / len(sample) / (ours_run.cpu / len(students))),
              "paper_items": len(load_keys_of(ours_root, assignment)),
              "load_average_1min_at_start": round(load_start, 1),
              "load_average_1min_at_end": round(os.getloadavg()[0], 1)}  # the machine is shared
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "autograde.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n",
                                                      encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    load = f"负载 {load_start:.0f}–{result['load_average_1min_at_end']:.0f}"
    print(f"| {result['date']}（{load}） | {result['machine']} | {len(students)} | "
          f"{ours:.1f} s（CPU {ours_run.cpu:.1f} s） | "
          f"{per_ours * 1000:.2f} ms（CPU {result['qinglian_cpu_ms_per_submission']:.2f} ms） | {len(sample)} | "
          f"{per_theirs:.2f} s（CPU {result['nbgrader_cpu_s_per_submission']:.2f} s） | "
          f"{result['ratio']}×（CPU {result['cpu_ratio']}×） | {'一致' if agree else '不一致'} |")
    if not agree:
        sys.exit("两个评分器在样本上的总分不一致")


if __name__ == "__main__":
    main()
