"""Releasing a paper: nbgrader's own generate_assignment, then a check that no key got out."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from grader.paper.notebook import NOTEBOOK_NAME

if TYPE_CHECKING:  # nbgrader loads only for a release, not for the graders that find released files here
    from traitlets.config import Config

_LEAK_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "normalize_choice(",
                 "normalize_fill(", "fill_accepted(", "评分要点")
_RELEASED_ANSWER = re.compile(r'^q\d+ = ""\s*$')


class ReleaseError(Exception):
    pass


def nbgrader_settings(root: Path) -> Config:
    """The workspace's nbgrader_config.py, loaded the way nbgrader loads it."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    if (root / "nbgrader_config.py").exists():
        config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config())
    return config


def release_path(root: Path, assignment: str) -> Path:
    return root / "release" / assignment / f"{NOTEBOOK_NAME}.ipynb"


def key_leaks(released: dict[str, object]) -> list[str]:
    """Where a released notebook would show a key: empty when it is safe to hand out."""
    leaks = []
    cells = released.get("cells", [])
    assert isinstance(cells, list)
    for number, cell in enumerate(cells):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if any(marker in source for marker in _LEAK_MARKERS):
            leaks.append(f"cell {number}: 含有答案或隐藏测试")
        elif meta.get("solution") and cell["cell_type"] == "code" and not _RELEASED_ANSWER.match(source):
            leaks.append(f"cell {number}: 答题单元格不是空白的 qNN = \"\"")
    return leaks


def release(root: Path, assignment: str) -> Path:
    """Write release/<assignment>/ exactly as `nbgrader generate_assignment` does, registering the
    assignment in nbgrader's gradebook; refuse (and remove the release) if any key is left."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    config = nbgrader_settings(root)
    coursedir = CourseDirectory(config=config, root=str(root))
    coursedir.assignment_id = assignment
    if not (root / "source" / assignment).is_dir():
        raise ReleaseError(f"找不到 source/{assignment}（先运行 qinglian paper build）")
    converter = GenerateAssignment(coursedir=coursedir, config=config)
    converter.force = True
    converter.create_assignment = True
    converter.start()
    path = release_path(root, assignment)
    leaks = key_leaks(json.loads(path.read_text(encoding="utf-8")))
    if leaks:
        path.unlink()
        raise ReleaseError(f"{path}: 发布版仍含答案，已删除：" + "；".join(leaks))
    return path
