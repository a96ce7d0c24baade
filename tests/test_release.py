"""Releases are nbgrader's generate_assignment output, and no key ever leaves the server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.paper.store import load_keys, source_path
from grader.release import ReleaseError, key_leaks, release, release_path
from grader.settings import Settings


def test_released_paper_holds_no_key_and_only_empty_answers(settings: Settings, engine: Engine,
                                                           released: list[str]) -> None:
    for assignment in released:
        text = release_path(settings.root, assignment).read_text(encoding="utf-8")
        nb = json.loads(text)
        assert key_leaks(nb) == []
        with Session(engine) as session:
            keys = load_keys(session, assignment)
        answers = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in nb["cells"]
                   if c["metadata"].get("nbgrader", {}).get("solution")}
        assert set(answers) == {k.name for k in keys.items}
        for key in keys.items:
            expected = "" if key.type == "essay" else f'{key.name} = ""'
            assert answers[key.name].strip() == expected
        for marker in ("BEGIN SOLUTION", "HIDDEN TESTS", "assert ", "评分要点"):
            assert marker not in text


def test_source_paper_would_leak_so_the_check_can_fail(settings: Settings, released: list[str]) -> None:
    source = json.loads(source_path(settings.root, released[0]).read_text(encoding="utf-8"))
    assert key_leaks(source)


def test_release_registers_the_assignment_in_nbgrader_gradebook(settings: Settings, released: list[str]) -> None:
    with Gradebook(settings.db_url, "qinglian") as gradebook:
        assignment = gradebook.find_assignment(released[0])
        notebook = assignment.notebooks[0]
        assert notebook.name == "paper"
        assert assignment.max_score > 0


def test_releasing_an_unbuilt_paper_is_refused(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match="nosuch"):
        release(settings.root, "nosuch")
