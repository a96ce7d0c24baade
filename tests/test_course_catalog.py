"""`qinglian course check`: a broken course is rejected with `file: cell N: message`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grader.bank import bank_files, check_banks
from grader.course.catalog import check_catalog, load_catalog

DATA = Path(__file__).resolve().parent / "data" / "courses"
REPO = Path(__file__).resolve().parent.parent


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "courses"
    shutil.copytree(DATA, target)
    return target


def _edit(courses: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    path = courses / "demo_module.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    change(nb)
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_fixture_module_is_read_with_its_checks_and_hours() -> None:
    (module,) = load_catalog(DATA)
    assert (module.id, module.covers, module.hours) == ("demo_module", "party_school", 1.5)
    assert module.checks == ("p-demo-001", "p-demo-002")


def _drop_hours(nb: dict[str, Any]) -> None:
    del nb["metadata"]["qinglian"]["hours"]


def _unknown_check(nb: dict[str, Any]) -> None:
    nb["cells"][4]["source"] = 'module.check("p-demo-999")'


def _extra_code(nb: dict[str, Any]) -> None:
    nb["cells"][3] = {"cell_type": "code", "metadata": {}, "source": "import os", "outputs": [],
                      "execution_count": None, "id": "x"}


def _no_summary_section(nb: dict[str, Any]) -> None:
    nb["cells"][6]["source"] = "## 总结"


def _no_metadata(nb: dict[str, Any]) -> None:
    del nb["metadata"]["qinglian"]


@pytest.mark.parametrize(("change", "expected"), [
    (_drop_hours, "demo_module.ipynb: 元数据 qinglian 缺少 hours"),
    (_no_metadata, "demo_module.ipynb: 缺少 notebook 元数据 qinglian"),
    (_unknown_check, "demo_module.ipynb: cell 4: 自测题 'p-demo-999' 不在 demo_module.yaml 中"),
    (_extra_code, "demo_module.ipynb: cell 3: 课程中只允许 open_module"),
    (_no_summary_section, "demo_module.ipynb: 缺少“小结”一节"),
])
def test_a_broken_module_is_rejected_with_where_and_what(tmp_path: Path, change: Callable[[dict[str, Any]], None],
                                                        expected: str) -> None:
    courses = _copy(tmp_path)
    _edit(courses, change)
    modules, problems = check_catalog(courses, required=())
    assert modules == []
    assert any(str(p).endswith(expected) or expected in str(p) for p in problems), [str(p) for p in problems]


def test_an_exam_item_in_a_course_is_rejected(tmp_path: Path) -> None:
    courses = _copy(tmp_path)
    exam = check_banks(bank_files([REPO / "exams" / "banks"])).items[0]
    practice = courses / "practice" / "demo_module.yaml"
    practice.write_text(practice.read_text(encoding="utf-8").replace("id: p-demo-001", f"id: {exam.id}")
                        .replace('module.check("p-demo-001")', ""), encoding="utf-8")
    _edit(courses, lambda nb: nb["cells"][4].update(source=f'module.check("{exam.id}")'))
    _, problems = check_catalog(courses, [exam], required=())
    assert any("与考试题重复" in str(p) for p in problems)


def test_a_practice_item_marked_exam_is_rejected(tmp_path: Path) -> None:
    courses = _copy(tmp_path)
    practice = courses / "practice" / "demo_module.yaml"
    practice.write_text(practice.read_text(encoding="utf-8").replace("use: practice", "use: exam", 1),
                        encoding="utf-8")
    _, problems = check_catalog(courses, required=())
    assert any("必须写 use: practice" in str(p) for p in problems)


def test_missing_bases_are_named_when_all_six_are_required() -> None:
    _, problems = check_catalog(DATA)
    assert any("烈士陵园" in str(p) for p in problems)
