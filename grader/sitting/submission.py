"""Submission: an attempt hands in once (a reopened attempt hands in again, as the next
submission); what it handed in is kept by attempt and never replaced.

The canonical submission (paper order, paper letters, the server's time) is written where
nbgrader expects it, submitted/<student>/<assignment>/paper.ipynb, but only by the attempt that
owns that path: the student's newest attempt at that paper that handed in. An older attempt
closed late (by the sweep, say) never overwrites a newer one's submission. This path reads and
writes JSON only (no nbformat, no nbgrader), so submitting takes milliseconds; grading is a
separate call (grade_attempt) the room runs in an executor and the deadline sweep runs after
closing."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from grader.gradebook.models import AnswerRow, AttemptRow, SittingCandidateRow, SubmissionRow
from grader.sitting.attempt import AttemptView, owned_attempt, presented
from grader.sitting.errors import SittingError
from grader.sitting.results import ResultView, result_view

NOTEBOOK = "paper.ipynb"  # grader.paper.notebook.NOTEBOOK_NAME, without importing nbformat


@dataclass(frozen=True)
class Submitted:
    attempt_id: int
    admission_no: str
    student_id: str
    assignment: str
    submitted_at: datetime
    how: str
    path: Path | None  # the nbgrader submission written, None when a later submission owns the path


def filled_notebook(released: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    """The released notebook with its answer cells filled in (as grader.paper.notebook's
    answered_notebook, on plain JSON): `qNN = "literal"` in code cells, the text in markdown."""
    cells = []
    for cell in released["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        name = meta.get("grade_id")
        if meta.get("solution") and name in answers:
            value = answers[name]
            source = value if cell["cell_type"] == "markdown" else f"{name} = {json.dumps(value, ensure_ascii=False)}"
            cell = {**cell, "source": source}
        cells.append(cell)
    return {**released, "cells": cells}


def _replace(path: Path, text: str) -> None:
    """Write whole or not at all: a reader (the grader) never sees half a file."""
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    draft.write_text(text, encoding="utf-8")
    os.replace(draft, path)


_RELEASED: dict[Path, tuple[int, dict[str, Any]]] = {}


def _released(root: Path, assignment: str) -> dict[str, Any]:
    """The released notebook, parsed once per process while the file stays the same."""
    path = root / "release" / assignment / NOTEBOOK
    stamp = path.stat().st_mtime_ns
    cached = _RELEASED.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, json.loads(path.read_text(encoding="utf-8")))
        _RELEASED[path] = cached
    return cached[1]


def write_canonical(root: Path, assignment: str, student: str, answers: dict[str, str], at: datetime) -> Path:
    released = _released(root, assignment)
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / NOTEBOOK
    _replace(path, json.dumps(filled_notebook(released, answers), ensure_ascii=False))
    _replace(folder / "timestamp.txt", at.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    return path


def _owns_path(session: Session, seat: SittingCandidateRow, attempt: AttemptRow) -> bool:
    """No attempt of this student on this paper that started later has handed in: the newest
    attempt owns submitted/<student>/<assignment>/, however late an older one is closed."""
    newer = session.scalar(select(func.count()).select_from(SubmissionRow)
                           .join(AttemptRow, AttemptRow.id == SubmissionRow.attempt_id)
                           .join(SittingCandidateRow, SittingCandidateRow.admission_no == AttemptRow.admission_no)
                           .where(SittingCandidateRow.student_id == seat.student_id,
                                  SittingCandidateRow.assignment == seat.assignment, AttemptRow.id != attempt.id,
                                  or_(AttemptRow.started_at > attempt.started_at,
                                      and_(AttemptRow.started_at == attempt.started_at, AttemptRow.id > attempt.id))))
    return not newer


def canonical_answers(session: Session, seat: SittingCandidateRow, attempt_id: int) -> dict[str, str]:
    names = {p.item.position: p.item.name for p in presented(session, seat)}
    return {names[row.position]: row.value
            for row in session.scalars(select(AnswerRow).where(AnswerRow.attempt_id == attempt_id)
                                       .order_by(AnswerRow.position)) if row.position in names}


def submit_attempt(session: Session, root: Path, attempt_id: int, now: datetime, *, how: str,
                   admission_no: str | None = None) -> Submitted:
    """Close the attempt (stamped no later than its deadline), keep what it handed in and write
    the canonical submission. Refused with "已交卷" when it already was: the attempt is locked
    first, so of two processes (two browsers, the sweep, a proctor) exactly one submits."""
    attempt, seat = owned_attempt(session, attempt_id, admission_no, lock=True)
    if attempt.submitted_at is not None:
        raise SittingError("已交卷")
    stamped = min(now, attempt.deadline)
    attempt.submitted_at, attempt.submitted_how = stamped, how
    answers = canonical_answers(session, seat, attempt.id)
    seq = int(session.scalar(select(func.count()).select_from(SubmissionRow)
                             .where(SubmissionRow.attempt_id == attempt.id)) or 0) + 1
    session.add(SubmissionRow(attempt_id=attempt.id, seq=seq, submitted_at=stamped, how=how, answers=answers))
    session.flush()  # the primary key refuses a second submission numbered alike
    path = (write_canonical(root, seat.assignment, seat.student_id, answers, stamped)
            if _owns_path(session, seat, attempt) else None)
    return Submitted(attempt.id, seat.admission_no, seat.student_id, seat.assignment, stamped, how, path)


def submit(session: Session, root: Path, view: AttemptView, now: datetime, *, how: str = "candidate") -> Path:
    """submit_attempt() for a view in hand; the path of the nbgrader submission."""
    done = submit_attempt(session, root, view.attempt_id, now, how=how, admission_no=view.admission_no)
    return done.path or root / "submitted" / done.student_id / done.assignment / NOTEBOOK


def grade_attempt(session: Session, root: Path, attempt_id: int, *, actor: str) -> ResultView:
    """Grade one submitted attempt with grader.autograde (heavy: nbgrader's tables; run it off the
    request thread). An attempt whose submission a later one replaced on disk is not regraded."""
    attempt, seat = owned_attempt(session, attempt_id, None)
    if attempt.submitted_at is None:
        raise SittingError("尚未交卷")
    if _owns_path(session, seat, attempt):
        grade_students(session, root, seat.assignment, [seat.student_id], actor=actor)
    return result_view(session, attempt.id)


def grade_students(session: Session, root: Path, assignment: str, students: Sequence[str], *, actor: str) -> None:
    from grader.autograde import autograde
    from grader.staff.roles import system

    # a hand-in is graded by the platform itself; the log names what triggered it
    autograde(session, root, assignment, actor=system(f"考场评分（{actor}）"), workers=1, students=list(students))


def expire(session: Session, root: Path, now: datetime) -> list[Submitted]:
    """Submit every attempt whose time is up but which no page submitted (a closed tab, a crash),
    without grading: a short transaction, so that on SQLite the saves of everyone else wait for
    it only briefly. Safe with several processes sweeping at once: each attempt is locked and
    checked again, and one already submitted is left as it is."""
    due = session.scalars(select(AttemptRow.id).where(AttemptRow.submitted_at.is_(None), AttemptRow.deadline <= now)
                          .order_by(AttemptRow.id)).all()
    closed: list[Submitted] = []
    for attempt_id in due:
        try:
            closed.append(submit_attempt(session, root, attempt_id, now, how="timeout"))
        except SittingError:
            continue  # another process submitted it meanwhile
    return closed


def grade_submitted(session: Session, root: Path, submitted: Sequence[Submitted], *, actor: str) -> None:
    """Grade these submissions, one grading run per paper (after expire(), in its own transaction)."""
    by_paper: dict[str, list[str]] = {}
    for done in submitted:
        if done.path is not None:
            by_paper.setdefault(done.assignment, []).append(done.student_id)
    for assignment, students in sorted(by_paper.items()):
        grade_students(session, root, assignment, students, actor=actor)


def close_expired(session: Session, root: Path, now: datetime, *, grade: bool = True) -> list[str]:
    """expire() and, unless told not to, grade what it closed in the same transaction (simple, for
    `qinglian serve`; a busy room does expire() and grade_submitted() in two). Returns the
    admission numbers closed."""
    closed = expire(session, root, now)
    if grade:
        grade_submitted(session, root, closed, actor="timeout")
    return [done.admission_no for done in closed]
