"""Releasing a paper: the notebook and gradebook rows nbgrader's `generate_assignment` would produce,
made directly (no nbgrader, nbformat or kernel: milliseconds), then a check that no key got out.

nbgrader's pipeline for generate_assignment is, per cell: LockCells, ClearSolutions, ClearOutput,
ComputeChecksums, SaveCells (the gradebook rows), ClearHiddenTests, ClearMarkScheme, ComputeChecksums.
`released_notebook` applies the same steps in the same order; the rows go through nbgrader's own tables
(`record_release`), so `nbgrader autograde`, `export` and formgrader accept the workspace as if nbgrader
had released it. tests/test_nbgrader_compat.py compares cells and rows with a real generate_assignment.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.paper.notebook import NOTEBOOK_NAME, Notebook, notebook_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from traitlets.config import Config

_LEAK_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "normalize_choice(",
                 "normalize_fill(", "fill_accepted(", "评分要点")
_RELEASED_ANSWER = re.compile(r'^q\d+ = ""\s*$')
# what nbgrader's CourseDirectory.ignore leaves behind when it copies an assignment's other files
_IGNORED = (".ipynb_checkpoints", "__pycache__", "feedback")
# nbgrader options the direct release follows; any other option of these classes needs nbgrader itself
_FOLLOWED = {"ClearSolutions": {"code_stub", "text_stub", "begin_solution_delimeter", "end_solution_delimeter"},
             "ClearHiddenTests": {"begin_test_delimeter", "end_test_delimeter"},
             "CourseDirectory": {"course_id", "db_url", "root"}}
_NOT_FOLLOWED = ("GenerateAssignment", "IncludeHeaderFooter", "LockCells", "ClearMarkScheme", "InstantiateTests",
                 "ClearOutput", "ClearOutputPreprocessor", "Exporter", "NotebookExporter")


class ReleaseError(Exception):
    pass


@dataclass(frozen=True)
class ReleaseRules:
    """The nbgrader options a release follows (nbgrader's defaults unless nbgrader_config.py sets them)."""

    course_id: str = "default_course"
    db_url: str | None = None  # CourseDirectory.db_url, when the workspace names one
    code_stub: str = "# YOUR CODE HERE\nraise NotImplementedError()"
    text_stub: str = "YOUR ANSWER HERE"
    begin_solution: str = "BEGIN SOLUTION"
    end_solution: str = "END SOLUTION"
    begin_tests: str = "BEGIN HIDDEN TESTS"
    end_tests: str = "END HIDDEN TESTS"


@dataclass(frozen=True)
class SourceCell:
    """A row of nbgrader's source_cell table: a locked, grade or solution cell as released."""

    name: str
    cell_type: str
    locked: bool
    source: str
    checksum: str


@dataclass(frozen=True)
class GradeCell:
    name: str
    max_score: float
    cell_type: str


@dataclass(frozen=True)
class ReleasedCells:
    """What SaveCells writes to the gradebook for one notebook."""

    kernelspec: str
    grade: tuple[GradeCell, ...]
    solution: tuple[str, ...]
    source: tuple[SourceCell, ...]


def nbgrader_settings(root: Path) -> Config:
    """The workspace's nbgrader_config.py, loaded the way nbgrader loads it."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    if (root / "nbgrader_config.py").exists():
        config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config())
    return config


def release_rules(root: Path) -> ReleaseRules:
    """The release options of the workspace's nbgrader_config.py; refused when it sets one that only
    nbgrader's own generate_assignment applies (a header notebook, other preprocessors, ...)."""
    config = nbgrader_settings(root)
    unsupported = [f"{section}.{key}" for section in config for key in config[section]
                   if section in _NOT_FOLLOWED or (section in _FOLLOWED and key not in _FOLLOWED[section])]
    if unsupported:
        raise ReleaseError(f"{root / 'nbgrader_config.py'}: qinglian release 不支持设置 {'、'.join(unsupported)}"
                           "；请改用 nbgrader generate_assignment 发布")
    code_stub = config.ClearSolutions.get("code_stub", {"python": ReleaseRules.code_stub})
    if isinstance(code_stub, dict) and "python" not in code_stub:
        raise ReleaseError(f"{root / 'nbgrader_config.py'}: ClearSolutions.code_stub 没有 python 的答题占位")
    defaults = ReleaseRules()
    return ReleaseRules(
        course_id=config.CourseDirectory.get("course_id", defaults.course_id),
        db_url=config.CourseDirectory.get("db_url"),
        code_stub=code_stub["python"] if isinstance(code_stub, dict) else str(code_stub),
        text_stub=config.ClearSolutions.get("text_stub", defaults.text_stub),
        begin_solution=config.ClearSolutions.get("begin_solution_delimeter", defaults.begin_solution),
        end_solution=config.ClearSolutions.get("end_solution_delimeter", defaults.end_solution),
        begin_tests=config.ClearHiddenTests.get("begin_test_delimeter", defaults.begin_tests),
        end_tests=config.ClearHiddenTests.get("end_test_delimeter", defaults.end_tests))


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


# ---- nbgrader's per-cell rules (nbgrader.utils and nbgrader.preprocessors), on plain dicts ----

def _meta(cell: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = cell["metadata"].get("nbgrader", {})
    return meta


def _is_grade(cell: dict[str, Any]) -> bool:
    return bool(_meta(cell).get("grade", False))


def _is_solution(cell: dict[str, Any]) -> bool:
    return bool(_meta(cell).get("solution", False))


def _is_locked(cell: dict[str, Any]) -> bool:
    if "nbgrader" not in cell["metadata"] or _is_solution(cell):
        return False
    return _is_grade(cell) or bool(_meta(cell).get("locked", False))


def checksum(cell: dict[str, Any]) -> str:
    """nbgrader.utils.compute_checksum."""
    digest = hashlib.md5()
    for part in (cell["source"], cell["cell_type"], str(_is_grade(cell)), str(_is_solution(cell)),
                 str(_is_locked(cell)), _meta(cell)["grade_id"]):
        digest.update(part.encode("utf-8"))
    if _is_grade(cell):
        digest.update(str(float(_meta(cell)["points"])).encode("utf-8"))
    return digest.hexdigest()


def _lock(cell: dict[str, Any]) -> None:
    """LockCells with nbgrader's defaults."""
    if _is_solution(cell):
        cell["metadata"]["deletable"] = False
    elif _is_grade(cell) or _is_locked(cell):
        cell["metadata"]["deletable"] = False
        cell["metadata"]["editable"] = False


def _cut(source: str, begin: str, end: str, stub: list[str] | None) -> tuple[str, bool]:
    """The region between lines holding `begin` and `end` replaced by `stub` (indented like the begin
    line) or removed: ClearSolutions' and ClearHiddenTests' line rule, errors included."""
    lines: list[str] = []
    inside = found = False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise ReleaseError(f"嵌套的 {begin}")
            inside = found = True
            if stub is not None:
                indent = re.match(r"\s*", line)
                lines.extend((indent.group(0) if indent else "") + part for part in stub)
        elif end in line:
            inside = False
        elif not inside:
            lines.append(line)
    if inside:
        raise ReleaseError(f"缺少 {end}")
    return "\n".join(lines), found


def _clear_solution(cell: dict[str, Any], rules: ReleaseRules) -> None:
    stub = rules.code_stub if cell["cell_type"] == "code" else rules.text_stub
    cell["source"], replaced = _cut(cell["source"], rules.begin_solution, rules.end_solution, stub.split("\n"))
    if replaced and not _is_solution(cell):
        raise ReleaseError(f"单元格 {cell.get('id')}: 非答题单元格含有 {rules.begin_solution}")
    if _is_solution(cell) and not replaced:
        cell["source"] = stub


def _clear_output(cell: dict[str, Any]) -> None:
    if cell["cell_type"] == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
        cell["metadata"].pop("collapsed", None)
        cell["metadata"].pop("scrolled", None)


def _stamp(cell: dict[str, Any]) -> None:
    """ComputeChecksums."""
    if _is_grade(cell) or _is_solution(cell) or _is_locked(cell):
        _meta(cell)["checksum"] = checksum(cell)
        _meta(cell)["cell_type"] = cell["cell_type"]


def _check_metadata(cells: list[dict[str, Any]]) -> None:
    """The part of CheckCellMetadata a generated paper can fail: unique grade ids, points on grade cells."""
    seen: set[str] = set()
    for cell in cells:
        if "nbgrader" not in cell["metadata"]:
            continue
        grade_id = _meta(cell).get("grade_id")
        if not grade_id or grade_id in seen:
            raise ReleaseError(f"单元格 {cell.get('id')}: grade_id {grade_id!r} 缺失或重复")
        seen.add(grade_id)
        if _is_grade(cell) and not isinstance(_meta(cell).get("points"), int | float):
            raise ReleaseError(f"单元格 {grade_id}: 评分单元格缺少 points")


def _source_text(cell: dict[str, Any]) -> None:
    if isinstance(cell["source"], list):
        cell["source"] = "".join(cell["source"])


def released_notebook(source: Notebook, rules: ReleaseRules) -> tuple[Notebook, ReleasedCells]:
    """The released notebook and the rows SaveCells records, as generate_assignment makes them. Pure."""
    nb = json.loads(json.dumps(source))
    cells: list[dict[str, Any]] = nb["cells"]
    for cell in cells:
        _source_text(cell)
        _lock(cell)
        _clear_solution(cell, rules)
        _clear_output(cell)
    nb["metadata"].pop("celltoolbar", None)
    _check_metadata(cells)
    for cell in cells:
        _stamp(cell)
    saved = ReleasedCells(
        kernelspec=json.dumps(nb["metadata"].get("kernelspec", {})),
        grade=tuple(GradeCell(_meta(c)["grade_id"], float(_meta(c)["points"]), c["cell_type"])
                    for c in cells if _is_grade(c)),
        solution=tuple(_meta(c)["grade_id"] for c in cells if _is_solution(c)),
        source=tuple(SourceCell(_meta(c)["grade_id"], c["cell_type"], _is_locked(c), c["source"],
                                _meta(c)["checksum"]) for c in cells
                     if _is_grade(c) or _is_solution(c) or _is_locked(c)))
    for cell in cells:
        cell["source"], removed = _cut(cell["source"], rules.begin_tests, rules.end_tests, None)
        if removed and not _is_grade(cell):
            raise ReleaseError(f"单元格 {cell.get('id')}: 非评分单元格含有 {rules.begin_tests}")
        _stamp(cell)
    _check_metadata(cells)
    return nb, saved


def _write(root: Path, assignment: str, nb: Notebook) -> Path:
    """release/<assignment>/ replaced as generate_assignment --force does: the notebook and the source
    folder's other files, each readable by all (nbgrader's permissions 644)."""
    source_dir, dest = root / "source" / assignment, root / "release" / assignment
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for path in source_dir.rglob("*"):
        if path.is_file() and path.suffix != ".ipynb" and not set(path.relative_to(source_dir).parts) & set(_IGNORED):
            target = dest / path.relative_to(source_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
    path = release_path(root, assignment)
    path.write_text(notebook_json(nb) + "\n", encoding="utf-8")
    for written in dest.rglob("*"):
        if written.is_file():
            written.chmod(0o644)
    return path


def release(session: Session, root: Path, assignment: str) -> Path:
    """Write release/<assignment>/ and nbgrader's gradebook rows exactly as `nbgrader generate_assignment
    --force` does, in the caller's transaction; refuse, writing nothing, if any key would be left."""
    from grader.paper.nbgrader_rows import record_release

    source_path = root / "source" / assignment / f"{NOTEBOOK_NAME}.ipynb"
    if not source_path.is_file():
        raise ReleaseError(f"找不到 source/{assignment}（先运行 qinglian paper build）")
    rules = release_rules(root)
    using = session.get_bind().engine.url.render_as_string(hide_password=False)
    if rules.db_url is not None and rules.db_url != using:
        raise ReleaseError(f"{root / 'nbgrader_config.py'}: nbgrader 的成绩库是 {rules.db_url}，"
                           "与本次使用的数据库不同（请用 --db 或 QINGLIAN_DB_URL 指定同一个）")
    nb, saved = released_notebook(json.loads(source_path.read_text(encoding="utf-8")), rules)
    leaks = key_leaks(nb)
    if leaks:
        raise ReleaseError(f"{release_path(root, assignment)}: 发布版仍含答案，未发布：" + "；".join(leaks))
    record_release(session, assignment, NOTEBOOK_NAME, saved, rules.course_id)
    return _write(root, assignment, nb)
