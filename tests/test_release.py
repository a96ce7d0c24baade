"""Releases are exactly nbgrader's generate_assignment output, made directly, and no key ever leaves the server."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbgrader.api import Gradebook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.bank import load_banks
from grader.blueprint import load_blueprint
from grader.paper import draw_papers, paper_notebook
from grader.paper.notebook import notebook_json
from grader.paper.store import load_keys, source_path
from grader.release import ReleaseError, ReleaseRules, key_leaks, release, release_path, released_notebook
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


def test_a_notebook_the_assignment_no_longer_has_is_removed_as_nbgrader_removes_it(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    with Gradebook(settings.db_url, "qinglian") as gradebook:
        gradebook.add_notebook("old-paper", released[0])
    _release(engine, settings, released[0])
    with Gradebook(settings.db_url, "qinglian") as gradebook:
        assert [n.name for n in gradebook.find_assignment(released[0]).notebooks] == ["paper"]


def _drop_last_item(settings: Settings, assignment: str) -> None:
    path = source_path(settings.root, assignment)
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"] = nb["cells"][:-3]
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's own add_submission
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
    with pytest.raises(ReleaseError, match=r"IncludeHeaderFooter\.header"):
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


# ---- the released notebook, pure (grader.release.released_notebook) ----

DATA = Path(__file__).resolve().parent / "data"
RELEASE_GOLDEN = DATA / "golden" / "small-paper-release.ipynb"
QINGLIAN_RULES = ReleaseRules(course_id="qinglian", code_stub="", text_stub="")  # what `qinglian init` configures


def _small_source() -> dict[str, Any]:
    items = load_banks([DATA / "banks" / "small.yaml"])
    return paper_notebook(draw_papers(load_blueprint(DATA / "blueprints" / "small.yaml"), items)[0])


def test_the_small_papers_release_matches_its_golden_notebook() -> None:
    """Regenerate with QINGLIAN_UPDATE_GOLDEN=1 (see /work/notes/golden.md), then review the diff."""
    released, _ = released_notebook(_small_source(), QINGLIAN_RULES)
    text = notebook_json(released) + "\n"
    if os.environ.get("QINGLIAN_UPDATE_GOLDEN") == "1":
        RELEASE_GOLDEN.write_text(text, encoding="utf-8")
    assert text == RELEASE_GOLDEN.read_text(encoding="utf-8"), (
        f"{RELEASE_GOLDEN} differs; if the change is intended, rerun with QINGLIAN_UPDATE_GOLDEN=1")


def test_the_release_is_what_nbgraders_own_preprocessors_make_of_the_source() -> None:
    """nbgrader's generate_assignment steps, run in this process on the same source: the same notebook
    and the same checksums (the full command is compared in tests/test_nbgrader_compat.py)."""
    from nbgrader.preprocessors import (
        ClearHiddenTests,
        ClearMarkScheme,
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
    )

    source = _small_source()
    nb = nbformat.from_dict(copy.deepcopy(source))
    resources: dict[str, Any] = {}
    for step in (LockCells(), ClearSolutions(code_stub={"python": ""}, text_stub=""), ClearOutput(),
                 ComputeChecksums(), ClearHiddenTests(), ClearMarkScheme(), ComputeChecksums()):
        nb, resources = step.preprocess(nb, resources)
    ours, saved = released_notebook(source, QINGLIAN_RULES)
    assert notebook_json(ours) == nbformat.writes(nb)
    assert [c.name for c in saved.source] == [c["metadata"]["nbgrader"]["grade_id"] for c in ours["cells"]]
    hidden = {c.name: c for c in saved.source if c.name.endswith("-test")}
    assert hidden and all("BEGIN HIDDEN TESTS" in c.source for c in hidden.values())  # nbgrader keeps them
    assert {c.name for c in saved.grade} == {n for n in hidden} | {
        c["metadata"]["nbgrader"]["grade_id"] for c in ours["cells"] if c["cell_type"] == "markdown"
        and c["metadata"]["nbgrader"].get("grade")}


@pytest.mark.parametrize(("broken", "message"), [
    ("### BEGIN SOLUTION", "缺少 END SOLUTION"),
    ("### BEGIN HIDDEN TESTS", "缺少 END HIDDEN TESTS"),
])
def test_an_unclosed_region_is_refused_as_nbgrader_refuses_it(broken: str, message: str) -> None:
    source = _small_source()
    cell = next(c for c in source["cells"] if broken.split()[-1] in c["source"] and broken in c["source"])
    cell["source"] = cell["source"].replace(broken.replace("BEGIN", "END"), "")
    with pytest.raises(ReleaseError, match=message):
        released_notebook(source, QINGLIAN_RULES)


def test_a_release_into_another_database_than_nbgraders_is_refused(settings: Settings, engine: Engine,
                                                                    released: list[str], tmp_path: Path) -> None:
    config = settings.root / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8")
                      + f"c.CourseDirectory.db_url = {'sqlite:///' + str(tmp_path / 'other.db')!r}\n",
                      encoding="utf-8")
    with pytest.raises(ReleaseError, match="与本次使用的数据库不同"):
        _release(engine, settings, released[0])
