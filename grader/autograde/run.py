"""`qinglian autograde`: every submission of an assignment, graded without running any of it."""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from nbgrader.utils import parse_utc
from sqlalchemy.orm import Session

from grader.autograde.grade import GradedSubmission, grade_submission
from grader.autograde.store import nbgrader_cells, store_nbgrader, store_results
from grader.autograde.submission import Layout, ParsedSubmission, SubmissionError, layout_of, parse_submission
from grader.gradebook.models import GradingIssueRow, GradingRunRow
from grader.paper.notebook import NOTEBOOK_NAME
from grader.paper.store import PaperKeys, load_keys
from grader.release import release_path

T = TypeVar("T")
Progress = Callable[[Iterable[T], int], Iterable[T]]
BATCH = 500  # submissions per database round
CHUNK = 100  # submissions per worker task


@dataclass(frozen=True)
class FailedSubmission:
    student: str
    path: str
    message: str


@dataclass(frozen=True)
class AutogradeReport:
    assignment: str
    run_id: int
    graded: tuple[GradedSubmission, ...]
    failed: tuple[FailedSubmission, ...]

    @property
    def flagged(self) -> tuple[GradedSubmission, ...]:
        return tuple(g for g in self.graded if g.flagged)


def submissions(root: Path, assignment: str) -> list[Path]:
    """submitted/<student>/<assignment>/ folders, sorted by student."""
    return sorted(p for p in (root / "submitted").glob(f"*/{assignment}") if p.is_dir())


def read_timestamp(folder: Path) -> tuple[str | None, datetime | None]:
    """nbgrader's timestamp.txt, as text and as naive UTC (None where missing or unreadable)."""
    try:
        text = (folder / "timestamp.txt").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None, None
    try:
        if text.endswith(" UTC"):  # nbgrader's own format; dateutil would take 0.3 ms
            return text, datetime.fromisoformat(text[:-4])
        return text, parse_utc(text)
    except (ValueError, OverflowError):
        return text, None


def _autograded_notebook(parsed: ParsedSubmission, released: dict[str, Any],
                         graded: GradedSubmission) -> str:
    """The submission as formgrader shows it: as handed in when no locked cell was touched,
    otherwise with the locked cells restored from the release (as nbgrader's OverwriteCells)."""
    if not parsed.tampered:
        return parsed.text
    by_id = {c["metadata"]["nbgrader"]["grade_id"]: c for c in released["cells"]
             if c.get("metadata", {}).get("nbgrader", {}).get("locked")}
    cells = []
    for cell in parsed.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") if isinstance(cell, dict) else None
        cell = dict(by_id.get(grade_id, cell)) if grade_id in by_id else cell
        cells.append(cell)
    return json.dumps({**released, "cells": cells}, ensure_ascii=False)


@dataclass(frozen=True)
class GradingTask:
    """Everything a worker needs to grade submission folders of one assignment."""

    root: Path
    assignment: str
    layout: Layout
    keys: PaperKeys
    released: dict[str, Any]


Outcome = GradedSubmission | FailedSubmission


def _read_and_grade(task: GradingTask, folder: Path) -> tuple[GradedSubmission, str, str | None]:
    path = folder / f"{NOTEBOOK_NAME}.ipynb"
    if not path.exists():
        found = ", ".join(sorted(p.name for p in folder.glob("*.ipynb"))) or "无"
        raise SubmissionError(f"缺少 {NOTEBOOK_NAME}.ipynb（文件夹中的 notebook：{found}）")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SubmissionError(f"无法读取：{error}") from error
    parsed = parse_submission(text, task.layout)
    stamp, submitted_at = read_timestamp(folder)
    graded = grade_submission(folder.parent.name, submitted_at, parsed, task.keys)
    return graded, _autograded_notebook(parsed, task.released, graded), stamp


def grade_folders(task: GradingTask, folders: Sequence[Path]) -> list[Outcome]:
    """Grade submission folders and write their autograded notebooks; no database. One broken
    submission becomes a FailedSubmission, never an exception."""
    outcomes: list[Outcome] = []
    collecting = gc.isenabled()
    gc.disable()  # parsing allocates many short-lived dicts; a chunk's garbage is small and freed after
    try:
        _grade_each(task, folders, outcomes)
    finally:
        if collecting:
            gc.enable()
    return outcomes


def _grade_each(task: GradingTask, folders: Sequence[Path], outcomes: list[Outcome]) -> None:
    for folder in folders:
        try:
            graded, nb, stamp = _read_and_grade(task, folder)
            _write_autograded(task.root, task.assignment, graded, nb, stamp)
        except SubmissionError as error:
            outcomes.append(FailedSubmission(folder.parent.name, str(folder), str(error)))
        except OSError as error:
            outcomes.append(FailedSubmission(folder.parent.name, str(folder), f"读写失败：{error}"))
        else:
            outcomes.append(graded)


def _write_autograded(root: Path, assignment: str, graded: GradedSubmission, nb: str, stamp: str | None) -> None:
    target = root / "autograded" / graded.student / assignment
    target.mkdir(parents=True, exist_ok=True)
    (target / f"{NOTEBOOK_NAME}.ipynb").write_text(nb, encoding="utf-8")
    if stamp is not None:  # as nbgrader's autograde leaves it
        (target / "timestamp.txt").write_text(stamp, encoding="utf-8")


def _outcomes(task: GradingTask, folders: list[Path], workers: int) -> Iterator[Outcome]:
    """Outcomes in folder order. Parsing is CPU-bound, so large runs fan out to forked worker
    processes (they share the loaded modules; none of them touches the database)."""
    chunks = [folders[i:i + CHUNK] for i in range(0, len(folders), CHUNK)]
    if workers <= 1 or len(chunks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            yield from grade_folders(task, chunk)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for outcomes in pool.map(partial(grade_folders, task), chunks):
            yield from outcomes


def _batches(items: Iterable[T]) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def autograde(session: Session, root: Path, assignment: str, *, actor: str,
              progress: Progress[Outcome] | None = None, workers: int | None = None,
              students: Collection[str] | None = None) -> AutogradeReport:
    """Grade every submission; a broken one is reported and the rest are graded. Writes the
    autograded notebooks and the gradebook rows; the caller commits."""
    keys = load_keys(session, assignment)
    cells = nbgrader_cells(session, assignment)
    released = json.loads(release_path(root, assignment).read_text(encoding="utf-8"))
    task = GradingTask(root, assignment, layout_of(released, assignment), keys, released)
    run = GradingRunRow(assignment=assignment, actor=actor, started_at=_now(), graded=0, failed=0)
    session.add(run)
    session.flush()
    folders = [f for f in submissions(root, assignment) if students is None or f.parent.name in students]
    stream: Iterable[Outcome] = _outcomes(task, folders, os.cpu_count() or 1 if workers is None else workers)
    graded_all: list[GradedSubmission] = []
    failed: list[FailedSubmission] = []
    for batch in _batches(progress(stream, len(folders)) if progress else stream):
        graded_batch = [o for o in batch if isinstance(o, GradedSubmission)]
        failed.extend(o for o in batch if isinstance(o, FailedSubmission))
        if graded_batch:
            store_nbgrader(session, cells, assignment, graded_batch)
            store_results(session, run.id, assignment, graded_batch)
        graded_all.extend(graded_batch)
    if failed:
        session.add_all(GradingIssueRow(run_id=run.id, student_id=f.student, kind="broken", message=f.message)
                        for f in failed)
    run.graded, run.failed, run.finished_at = len(graded_all), len(failed), _now()
    return AutogradeReport(assignment, run.id, tuple(graded_all), tuple(failed))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
