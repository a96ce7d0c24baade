"""`qinglian autograde`: every submission of an assignment, graded without running any of it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
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
BATCH = 500


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


def _timestamp(folder: Path) -> datetime | None:
    stamp = folder / "timestamp.txt"
    try:
        return parse_utc(stamp.read_text(encoding="utf-8").strip()) if stamp.exists() else None
    except (ValueError, OverflowError):
        return None


def _autograded_notebook(parsed: ParsedSubmission, released: dict[str, Any],
                         graded: GradedSubmission) -> dict[str, Any]:
    """The submission as formgrader shows it: locked cells restored from the release, each test
    cell carrying the verdict as its output."""
    by_id = {c["metadata"]["nbgrader"]["grade_id"]: c for c in released["cells"]
             if c.get("metadata", {}).get("nbgrader", {}).get("locked")}
    verdicts = {f"{i.name}-test": i for i in graded.items}
    cells = []
    for cell in parsed.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") if isinstance(cell, dict) else None
        cell = dict(by_id.get(grade_id, cell)) if grade_id in by_id else cell
        if grade_id in verdicts:
            item = verdicts[grade_id]
            cell["outputs"] = [{"output_type": "stream", "name": "stdout",
                                "text": f"{item.verdict.value}: {item.score or 0:g}/{item.max_score:g}\n"}]
        cells.append(cell)
    return {**released, "cells": cells}


def _grade_one(folder: Path, layout: Layout, keys: PaperKeys,
               released: dict[str, Any]) -> tuple[GradedSubmission, dict[str, Any]]:
    path = folder / f"{NOTEBOOK_NAME}.ipynb"
    if not path.exists():
        found = ", ".join(sorted(p.name for p in folder.glob("*.ipynb"))) or "无"
        raise SubmissionError(f"缺少 {NOTEBOOK_NAME}.ipynb（文件夹中的 notebook：{found}）")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SubmissionError(f"无法读取：{error}") from error
    parsed = parse_submission(text, layout)
    graded = grade_submission(folder.parent.name, _timestamp(folder), parsed, keys)
    return graded, _autograded_notebook(parsed, released, graded)


def _write_autograded(root: Path, assignment: str, graded: GradedSubmission, nb: dict[str, Any],
                      folder: Path) -> None:
    target = root / "autograded" / graded.student / assignment
    target.mkdir(parents=True, exist_ok=True)
    (target / f"{NOTEBOOK_NAME}.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    stamp = folder / "timestamp.txt"
    if stamp.exists():
        (target / "timestamp.txt").write_bytes(stamp.read_bytes())


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
              progress: Progress[Path] | None = None) -> AutogradeReport:
    """Grade every submission; a broken one is reported and the rest are graded. Writes the
    autograded notebooks and the gradebook rows; the caller commits."""
    keys = load_keys(session, assignment)
    cells = nbgrader_cells(session, assignment)
    released = json.loads(release_path(root, assignment).read_text(encoding="utf-8"))
    layout = layout_of(released, assignment)
    run = GradingRunRow(assignment=assignment, actor=actor, started_at=_now(), graded=0, failed=0)
    session.add(run)
    session.flush()
    folders = submissions(root, assignment)
    graded_all: list[GradedSubmission] = []
    failed: list[FailedSubmission] = []
    stream: Iterable[Path] = progress(folders, len(folders)) if progress else folders
    for batch in _batches(stream):
        graded_batch = []
        for folder in batch:
            try:
                graded, nb = _grade_one(folder, layout, keys, released)
            except SubmissionError as error:
                failed.append(FailedSubmission(folder.parent.name, str(folder), str(error)))
                continue
            _write_autograded(root, assignment, graded, nb, folder)
            graded_batch.append(graded)
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
