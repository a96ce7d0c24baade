"""The files grading reads and writes, without a database: a notebook that cannot be read is
refused with its reason, the rest are graded, and autograded/ holds each graded notebook as
handed in (or with locked cells restored) beside its timestamp.txt, on a first grading and a regrade."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from grader.autograde import FailedSubmission
from grader.autograde.grade import GradedSubmission
from grader.autograde.run import MAX_NOTEBOOK_BYTES, GradingTask, grade_folders
from grader.autograde.submission import layout_of
from grader.paper import draw_papers
from grader.paper.notebook import NOTEBOOK_NAME, answered_notebook
from grader.paper.store import PaperKeys
from tests.test_autograde_shapes import STAMP, hand_in
from tests.test_grade import keys_of
from tests.test_submission import DATA, released_notebook


@pytest.fixture(scope="module")
def small() -> tuple[dict[str, Any], PaperKeys]:
    from grader.bank import load_banks
    from grader.blueprint import load_blueprint

    paper = draw_papers(load_blueprint(DATA / "blueprints" / "small.yaml"),
                        load_banks([DATA / "banks" / "small.yaml"]))[0]
    return released_notebook(0), keys_of(paper)


def _grade(root: Path, small: tuple[dict[str, Any], PaperKeys]) -> dict[str, GradedSubmission | FailedSubmission]:
    released, keys = small
    task = GradingTask(root, keys.assignment, layout_of(released, keys.assignment), keys, released)
    folders = sorted((root / "submitted").glob(f"*/{keys.assignment}"))
    return {o.student: o for o in grade_folders(task, folders)}


def test_unreadable_notebooks_are_refused_each_with_its_reason(tmp_path: Path,
                                                               small: tuple[dict[str, Any], PaperKeys]) -> None:
    released, keys = small
    good = json.dumps(answered_notebook(released, {})).encode()
    hand_in(tmp_path, keys.assignment, "good", good)
    hand_in(tmp_path, keys.assignment, "latin1", "{\"cells\": [\"é\"]}".encode("latin-1"))
    hand_in(tmp_path, keys.assignment, "huge", b"")
    os.truncate(tmp_path / "submitted" / "huge" / keys.assignment / f"{NOTEBOOK_NAME}.ipynb", MAX_NOTEBOOK_BYTES + 1)
    folder = tmp_path / "submitted" / "dir" / keys.assignment
    (folder / f"{NOTEBOOK_NAME}.ipynb").mkdir(parents=True)  # a folder where the notebook belongs
    outcomes = _grade(tmp_path, small)
    assert isinstance(outcomes["good"], GradedSubmission)
    messages = {s: o.message for s, o in outcomes.items() if isinstance(o, FailedSubmission)}
    assert set(messages) == {"latin1", "huge", "dir"}
    assert messages["latin1"].startswith("无法读取") and "utf-8" in messages["latin1"]
    assert "超过 64 MiB" in messages["huge"]
    assert messages["dir"].startswith("无法读取")
    assert not (tmp_path / "autograded" / "latin1").exists()


def test_autograded_files_are_the_submission_and_its_timestamp_on_every_grading(
        tmp_path: Path, small: tuple[dict[str, Any], PaperKeys]) -> None:
    released, keys = small
    handed_in = json.dumps(answered_notebook(released, {}), ensure_ascii=False).encode()
    hand_in(tmp_path, keys.assignment, "s1", handed_in)
    target = tmp_path / "autograded" / "s1" / keys.assignment
    for _ in range(2):  # a first grading creates the folders, a regrade overwrites the files
        assert isinstance(_grade(tmp_path, small)["s1"], GradedSubmission)
        assert (target / f"{NOTEBOOK_NAME}.ipynb").read_bytes() == handed_in
        assert (target / "timestamp.txt").read_bytes() == STAMP
    nb = json.loads(handed_in)
    locked = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("locked"))
    locked["source"] = "改过的题干"
    hand_in(tmp_path, keys.assignment, "s1", json.dumps(nb).encode())
    graded = _grade(tmp_path, small)["s1"]
    assert isinstance(graded, GradedSubmission) and graded.tampered
    written = json.loads((target / f"{NOTEBOOK_NAME}.ipynb").read_text(encoding="utf-8"))
    assert "改过的题干" not in json.dumps(written, ensure_ascii=False)
