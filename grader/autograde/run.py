"""`qinglian autograde`: every submission of an assignment, graded without running any of it."""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.autograde.grade import GradedSubmission, grade_submission, storable
from grader.autograde.store import NbgraderCells, nbgrader_cells, store_nbgrader, store_results
from grader.autograde.submission import (
    Layout,
    ParsedSubmission,
    SubmissionError,
    layout_of,
    nbgrader_meta,
    parse_submission,
    shown,
)
from grader.gradebook.models import GradingIssueRow, GradingRunRow, PersonRow
from grader.paper.notebook import NOTEBOOK_NAME
from grader.paper.store import PaperKeys, load_keys
from grader.release import release_path
from grader.staff.roles import Actor, authorize

T = TypeVar("T")
Progress = Callable[[Iterable[T], int], Iterable[T]]
BATCH = 500  # submissions per database round
CHUNK = 100  # submissions per worker task
MAX_STUDENT_ID = 128  # the gradebook's student id columns (nbgrader's and ours)
MAX_NOTEBOOK_BYTES = 64 * 2**20  # a paper's answers within the answer limit are far smaller
_MAX_TIMESTAMP = 1024


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
    roster_checked: bool = True  # False: the roster is empty, so no id was checked against it

    @property
    def flagged(self) -> tuple[GradedSubmission, ...]:
        return tuple(g for g in self.graded if g.flagged)


def submissions(root: Path, assignment: str) -> list[Path]:
    """submitted/<student>/<assignment> entries, sorted by student (one that is not a folder is
    reported when graded, not skipped)."""
    return sorted((root / "submitted").glob(f"*/{assignment}"))


def read_timestamp(folder: Path) -> tuple[str | None, datetime | None, str]:
    """nbgrader's timestamp.txt: its text, the time as naive UTC, and why it is unusable ("" when
    it is fine or missing: nbgrader takes a missing one as no time, refuses an unreadable one)."""
    path = folder / "timestamp.txt"
    try:
        with path.open("rb") as file:
            raw = file.read(_MAX_TIMESTAMP + 1)
    except FileNotFoundError:
        return None, None, ""
    except OSError as error:
        return None, None, f"timestamp.txt 无法读取（{error.strerror or type(error).__name__}），提交时间未知"
    if len(raw) > _MAX_TIMESTAMP:
        return None, None, f"timestamp.txt 超过 {_MAX_TIMESTAMP} 字节，不是时间，提交时间未知"
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None, None, "timestamp.txt 不是 UTF-8 文本，提交时间未知"
    if not text:
        return text, None, "timestamp.txt 为空，提交时间未知"
    try:
        # nbgrader's own format first: dateutil would take 0.3 ms
        when = datetime.fromisoformat(text[:-4]) if text.endswith(" UTC") else _parse_utc(text)
    except (ValueError, OverflowError, TypeError):
        return text, None, f"timestamp.txt 不是有效的时间：{storable(shown(text))}，提交时间未知"
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return text, when, ""


def _parse_utc(text: str) -> datetime:
    from nbgrader.utils import parse_utc  # nbgrader loads only for a timestamp in another format

    parsed: datetime = parse_utc(text)
    return parsed


def student_problem(student: str) -> str:
    """Why a submission folder's name cannot be a student id in the gradebook ("" if it can)."""
    if len(student) > MAX_STUDENT_ID:
        return f"考号超过 {MAX_STUDENT_ID} 个字符"
    if storable(student) != student:
        return "考号含有无法保存的字符（文件夹名不是有效的 UTF-8）"
    return ""


def _autograded_notebook(parsed: ParsedSubmission, released: dict[str, Any],
                         graded: GradedSubmission) -> str:
    """The submission as formgrader shows it: as handed in when no locked cell was touched,
    otherwise with the locked cells restored from the release (as nbgrader's OverwriteCells)."""
    if not parsed.tampered:
        return parsed.text
    by_id = {c["metadata"]["nbgrader"]["grade_id"]: c for c in released["cells"] if nbgrader_meta(c).get("locked")}
    cells = []
    for cell in parsed.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        cells.append(by_id[grade_id] if isinstance(grade_id, str) and grade_id in by_id else cell)
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


def _read_notebook(folder: Path) -> str:
    """The submitted notebook's text: opened straight away (a stat or two per submission is
    time on a slow filesystem); what is wrong is looked into only when the open fails."""
    path = folder / f"{NOTEBOOK_NAME}.ipynb"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except NotADirectoryError as error:
        raise SubmissionError(f"{folder.name} 不是文件夹") from error
    except FileNotFoundError as error:
        if not folder.is_dir():
            raise SubmissionError(f"{folder.name} 不是文件夹") from error
        found = ", ".join(sorted(p.name for p in folder.glob("*.ipynb"))) or "无"
        raise SubmissionError(f"缺少 {NOTEBOOK_NAME}.ipynb（文件夹中的 notebook：{found}）") from error
    except OSError as error:
        raise SubmissionError(f"无法读取：{error}") from error
    too_big = f"{NOTEBOOK_NAME}.ipynb 超过 {MAX_NOTEBOOK_BYTES // 2**20} MiB，不是答卷"
    try:
        size = os.fstat(fd).st_size
        if size > MAX_NOTEBOOK_BYTES:
            raise SubmissionError(too_big)
        chunks, read = [], 0
        while chunk := os.read(fd, max(size + 1, 65536)):  # one read unless it grows meanwhile
            chunks.append(chunk)
            read += len(chunk)
            if read > MAX_NOTEBOOK_BYTES:
                raise SubmissionError(too_big)
        return b"".join(chunks).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SubmissionError(f"无法读取：{error}") from error
    finally:
        os.close(fd)


def _read_and_grade(task: GradingTask, folder: Path) -> tuple[GradedSubmission, str, str | None]:
    problem = student_problem(folder.parent.name)
    if problem:
        raise SubmissionError(problem)
    text = _read_notebook(folder)
    parsed = parse_submission(text, task.layout)
    stamp, submitted_at, stamp_problem = read_timestamp(folder)
    graded = grade_submission(folder.parent.name, submitted_at, parsed, task.keys,
                              (stamp_problem,) if stamp_problem else ())
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
            outcomes.append(_failed(folder, str(error)))
        except OSError as error:
            outcomes.append(_failed(folder, f"读写失败：{error}"))
        except Exception as error:  # one submission's failure, whatever it is, is its own
            outcomes.append(_failed(folder, f"评分时出错：{type(error).__name__}: {str(error)[:200]}"))
        else:
            outcomes.append(graded)


def _failed(folder: Path, message: str) -> FailedSubmission:
    """Printable and storable whatever the folder is called."""
    return FailedSubmission(storable(folder.parent.name)[:MAX_STUDENT_ID], storable(str(folder)), storable(message))


def _write_autograded(root: Path, assignment: str, graded: GradedSubmission, nb: str, stamp: str | None) -> None:
    student = root / "autograded" / graded.student
    target = student / assignment
    try:  # two mkdir calls, whether the folders are new or there from an earlier grading
        _make_folder(student)
    except FileNotFoundError:  # no autograded/ yet
        student.mkdir(parents=True, exist_ok=True)
    _make_folder(target)
    # a lone surrogate can only sit in a JSON string, where its escape is the same character
    _write_file(target / f"{NOTEBOOK_NAME}.ipynb", nb.encode("utf-8", "backslashreplace"))
    if stamp is not None:  # as nbgrader's autograde leaves it
        _write_file(target / "timestamp.txt", stamp.encode("utf-8"))


def _make_folder(path: Path) -> None:
    try:
        os.mkdir(path)
    except FileExistsError:
        if not path.is_dir():
            raise


def _write_file(path: Path, data: bytes) -> None:
    """Path.write_bytes without its extra system calls (fstat, the terminal check)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


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


def autograde(session: Session, root: Path, assignment: str, *, actor: Actor,
              progress: Progress[Outcome] | None = None, workers: int | None = None,
              students: Collection[str] | None = None) -> AutogradeReport:
    """Grade every submission; a broken one is reported and the rest are graded. Writes the
    autograded notebooks and the gradebook rows; the caller commits."""
    authorize(actor, "grade.run")
    keys = load_keys(session, assignment)
    cells = nbgrader_cells(session, assignment)
    released = json.loads(release_path(root, assignment).read_text(encoding="utf-8"))
    task = GradingTask(root, assignment, layout_of(released, assignment), keys, released)
    run = GradingRunRow(assignment=assignment, actor=actor.name, started_at=_now(), graded=0, failed=0)
    session.add(run)
    session.flush()  # also opens the transaction the per-batch savepoints nest in
    folders = [f for f in submissions(root, assignment) if students is None or f.parent.name in students]
    roster = Roster.load(session)
    stream: Iterable[Outcome] = _outcomes(task, folders, os.cpu_count() or 1 if workers is None else workers)
    graded_all: list[GradedSubmission] = []
    failed: list[FailedSubmission] = []
    for batch in _batches(progress(stream, len(folders)) if progress else stream):
        failed.extend(o for o in batch if isinstance(o, FailedSubmission))
        graded_batch = roster.check(session, [o for o in batch if isinstance(o, GradedSubmission)])
        stored, refused = _store(session, Stored(root, cells, run.id, assignment, actor), graded_batch)
        graded_all.extend(stored)
        failed.extend(refused)
    if failed:
        session.add_all(GradingIssueRow(run_id=run.id, student_id=f.student, kind="broken", message=f.message)
                        for f in failed)
    run.graded, run.failed, run.finished_at = len(graded_all), len(failed), _now()
    from grader.summary import settle

    settle(session)  # the graded people in the scoreboard's summaries, in this transaction (grader.summary)
    return AutogradeReport(assignment, run.id, tuple(graded_all), tuple(failed), roster.known is not None)


@dataclass(frozen=True)
class Stored:
    """Where a batch of graded submissions goes."""

    root: Path
    cells: NbgraderCells
    run_id: int
    assignment: str
    actor: Actor


def _store(session: Session, where: Stored,
           graded: list[GradedSubmission]) -> tuple[list[GradedSubmission], list[FailedSubmission]]:
    """Store a batch under a savepoint. Should the database refuse it, nothing of it stays and each
    submission is stored on its own, so the one it refused is reported and the others are kept."""
    if not graded:
        return [], []
    try:
        with session.begin_nested():
            store_nbgrader(session, where.cells, where.assignment, graded)
            store_results(session, where.run_id, where.assignment, graded, where.actor)
    except Exception as error:  # whatever the driver refuses, it refuses for these rows only
        if len(graded) == 1:
            first_line = (str(error).splitlines() or [""])[0][:200]
            folder = where.root / "submitted" / graded[0].student / where.assignment
            return [], [_failed(folder, f"写入成绩库失败：{type(error).__name__}: {first_line}")]
        stored: list[GradedSubmission] = []
        failed: list[FailedSubmission] = []
        for one in graded:
            kept, refused = _store(session, where, [one])
            stored.extend(kept)
            failed.extend(refused)
        return stored, failed
    return graded, []


class Roster:
    """The ids on the roster (ql_person). An empty roster checks nothing: grading works before
    anyone imported one, and the report says the ids went unchecked."""

    def __init__(self, known: set[str] | None) -> None:
        self.known = known

    @classmethod
    def load(cls, session: Session) -> Roster:
        anyone = session.scalar(select(PersonRow.id).limit(1))
        return cls(None if anyone is None else set())

    def check(self, session: Session, graded: list[GradedSubmission]) -> list[GradedSubmission]:
        if self.known is None or not graded:
            return graded
        students = [g.student for g in graded]
        for start in range(0, len(students), BATCH):
            chunk = students[start:start + BATCH]
            self.known.update(session.scalars(select(PersonRow.id).where(PersonRow.id.in_(chunk))))
        return [g if g.student in self.known else replace(g, warnings=(*g.warnings, f"考号 {g.student} 不在名单中"))
                for g in graded]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
