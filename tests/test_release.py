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
    with pytest.raises(ReleaseError, match="nosuch"), Session(engine) as session:
        release(session, settings.root, "nosuch")


def _release(engine: Engine, settings: Settings, assignment: str) -> Path:
    with Session(engine) as session, session.begin():
        return release(session, settings.root, assignment)


def _cells(settings: Settings, assignment: str) -> tuple[str, int, int, int]:
    with Gradebook(settings.db_url, "qinglian") as gradebook:
        notebook = gradebook.find_notebook("paper", assignment)
        return notebook.id, len(notebook.grade_cells), len(notebook.solution_cells), len(notebook.source_cells)


def test_releasing_again_keeps_the_notebook_and_replaces_its_cells(settings: Settings, engine: Engine,
                                                                  released: list[str]) -> None:
    before = _cells(settings, released[0])
    text = release_path(settings.root, released[0]).read_text(encoding="utf-8")
    _release(engine, settings, released[0])
    assert _cells(settings, released[0]) == before  # the same id, no cell twice
    assert release_path(settings.root, released[0]).read_text(encoding="utf-8") == text


def _drop_last_item(settings: Settings, assignment: str) -> None:
    path = source_path(settings.root, assignment)
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"] = nb["cells"][:-3]
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def test_once_a_paper_has_submissions_its_cells_cannot_change(settings: Settings, engine: Engine,
                                                               released: list[str]) -> None:
    assignment = released[0]
    with Gradebook(settings.db_url, "qinglian") as gradebook:
        gradebook.add_student("s0001")
        gradebook.add_submission(assignment, "s0001")
    before = _cells(settings, assignment)
    _release(engine, settings, assignment)  # the same cells: updated in place, as nbgrader does
    assert _cells(settings, assignment) == before
    _drop_last_item(settings, assignment)
    text = release_path(settings.root, assignment).read_text(encoding="utf-8")
    with pytest.raises(ReleaseError, match="已有答卷"):
        _release(engine, settings, assignment)
    assert _cells(settings, assignment) == before
    assert release_path(settings.root, assignment).read_text(encoding="utf-8") == text


def test_a_paper_that_would_leak_is_not_released_at_all(settings: Settings, engine: Engine) -> None:
    path = source_path(settings.root, "leaky")
    path.parent.mkdir(parents=True)
    header = {"cell_type": "markdown", "id": "cell-000", "source": "评分要点：写在了题头里",
              "metadata": {"nbgrader": {"grade": False, "grade_id": "header", "locked": True, "schema_version": 3,
                                        "solution": False, "task": False}}}
    path.write_text(json.dumps({"cells": [header], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
                    encoding="utf-8")
    with pytest.raises(ReleaseError, match="仍含答案"):
        _release(engine, settings, "leaky")
    assert not release_path(settings.root, "leaky").exists()
    with Gradebook(settings.db_url, "qinglian") as gradebook:
        assert [a.name for a in gradebook.assignments] == []


def test_an_nbgrader_option_the_direct_release_does_not_follow_is_refused(settings: Settings, engine: Engine,
                                                                         released: list[str]) -> None:
    config = settings.root / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8") + 'c.IncludeHeaderFooter.header = "header.ipynb"\n',
                      encoding="utf-8")
    with pytest.raises(ReleaseError, match="IncludeHeaderFooter.header"):
        _release(engine, settings, released[0])


def test_the_workspace_text_stub_is_what_an_essay_cell_is_released_with(settings: Settings, engine: Engine,
                                                                        released: list[str]) -> None:
    config = settings.root / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8").replace('c.ClearSolutions.text_stub = ""',
                                                                 'c.ClearSolutions.text_stub = "请在此作答"'),
                      encoding="utf-8")
    _release(engine, settings, released[0])
    nb = json.loads(release_path(settings.root, released[0]).read_text(encoding="utf-8"))
    essays = [c for c in nb["cells"] if c["cell_type"] == "markdown" and c["metadata"]["nbgrader"]["solution"]]
    assert essays and all("".join(c["source"]) == "请在此作答" for c in essays)
