"""The course catalogue: module notebooks in courses/, their metadata and practice banks, and
`qinglian course check`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.bank import AREAS, Item, check_banks

PRACTICE_TYPES = frozenset({"single", "multiple", "truefalse"})
REQUIRED_HEADINGS = ("## 学习目标", "## 小结", "## 参考依据")


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    covers: str  # an area id: one of the four bases or the two regulations
    hours: float
    order: int
    path: Path
    practice: tuple[Item, ...]
    checks: tuple[str, ...]  # practice item ids, in the order the notebook asks them
    sections: tuple[str, ...] = ()  # the heading each check is asked under, as `checks`

    def item(self, item_id: str) -> Item:
        for item in self.practice:
            if item.id == item_id:
                return item
        raise KeyError(f"{self.path.name}: 没有自测题 {item_id}")

    def section(self, item_id: str) -> str:
        """The heading (without its #) a self-check is asked under; "" before any heading."""
        return dict(zip(self.checks, self.sections, strict=False)).get(item_id, "")


@dataclass(frozen=True)
class CourseProblem:
    file: str
    cell: int | None
    message: str

    def __str__(self) -> str:
        where = f"cell {self.cell}: " if self.cell is not None else ""
        return f"{self.file}: {where}{self.message}"


class CourseError(Exception):
    def __init__(self, problems: Sequence[CourseProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _check_calls(cells: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    """(cell number, item id, the section heading above it) for every module.check(…) cell."""
    calls, heading = [], ""
    for number, cell in enumerate(cells):
        text = _source(cell).strip()
        if cell.get("cell_type") == "markdown":
            headings = [line for line in text.splitlines() if line.startswith(("## ", "### "))]
            heading = headings[-1].lstrip("#").strip() if headings else heading
        if cell.get("cell_type") == "code" and text.startswith("module.check(") and text.endswith(")"):
            calls.append((number, text[len("module.check("):-1].strip().strip("\"'"), heading))
    return calls


def _metadata_problems(file: str, meta: object) -> list[CourseProblem]:
    if not isinstance(meta, dict):
        return [CourseProblem(file, None,
                              "缺少 notebook 元数据 qinglian（module, title, covers, hours, order, practice）")]
    problems = [CourseProblem(file, None, f"元数据 qinglian 缺少 {key}")
                for key in ("module", "title", "covers", "hours", "order", "practice") if key not in meta]
    if "covers" in meta and meta["covers"] not in AREAS:
        problems.append(CourseProblem(file, None, f"元数据 covers {meta['covers']!r} 不是已知领域"))
    hours = meta.get("hours")
    if "hours" in meta and (isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0):
        problems.append(CourseProblem(file, None, f"元数据 hours 应为正数（学时），而不是 {hours!r}"))
    if "module" in meta and meta["module"] != Path(file).stem:
        problems.append(CourseProblem(file, None,
                                      f"元数据 module {meta['module']!r} 应与文件名 {Path(file).stem!r} 相同"))
    return problems


def _structure_problems(file: str, cells: list[dict[str, Any]], module_id: str) -> list[CourseProblem]:
    problems = []
    setup = f'open_module("{module_id}")'
    if not cells or cells[0].get("cell_type") != "code" or setup not in _source(cells[0]):
        problems.append(CourseProblem(file, 0, f"第一个单元格应为 module = {setup}"))
    markdown = "\n".join(_source(c) for c in cells if c.get("cell_type") == "markdown")
    problems += [CourseProblem(file, None, f"缺少“{h.removeprefix('## ')}”一节（{h}）")
                 for h in REQUIRED_HEADINGS if h not in markdown]
    if not cells or _source(cells[-1]).strip() != "module.summary()":
        problems.append(CourseProblem(file, len(cells) - 1, "最后一个单元格应为 module.summary()"))
    for number, cell in enumerate(cells):
        text = _source(cell).strip()
        allowed = number == 0 or text == "module.summary()" or text.startswith("module.check(")
        if cell.get("cell_type") == "code" and not allowed:
            problems.append(CourseProblem(file, number,
                                          "课程中只允许 open_module、module.check(…) 和 module.summary() 代码单元格"))
        if cell.get("outputs"):
            problems.append(CourseProblem(file, number, "提交的 notebook 不应带输出（请清除输出）"))
    return problems


def _practice_problems(file: str, practice: Path, checks: list[tuple[int, str, str]],
                       exam_items: Sequence[Item], area: object) -> tuple[list[CourseProblem], tuple[Item, ...]]:
    if not practice.exists():
        return [CourseProblem(file, None, f"找不到自测题库 {practice}")], ()
    result = check_banks([practice])
    problems = [CourseProblem(file, None, f"自测题库：{p}") for p in result.problems]
    items = {item.id: item for item in result.items}
    exam_ids = {i.id for i in exam_items}
    exam_stems = {"".join(i.stem.split()) for i in exam_items}
    for item in result.items:
        if item.use != "practice":
            problems.append(CourseProblem(file, None,
                                          f"{item.id}: 课程自测题必须写 use: practice（考试题不得进入课程）"))
        if item.id in exam_ids or "".join(item.stem.split()) in exam_stems:
            problems.append(CourseProblem(file, None, f"{item.id}: 与考试题重复（考试题不得进入课程）"))
        if item.type not in PRACTICE_TYPES:
            problems.append(CourseProblem(file, None, f"{item.id}: 自测题只能是单选、多选或判断题"))
        if item.area != area:
            problems.append(CourseProblem(file, None, f"{item.id}: 领域 {item.area} 与本模块 {area} 不符"))
    for number, item_id, _ in checks:
        if item_id not in items:
            problems.append(CourseProblem(file, number, f"自测题 {item_id!r} 不在 {practice.name} 中"))
    if not checks:
        problems.append(CourseProblem(file, None, "至少需要一道自测题（module.check(…)）"))
    return problems, tuple(items[i] for _, i, _ in checks if i in items)


def read_module(path: Path, exam_items: Sequence[Item] = ()) -> tuple[Module | None, list[CourseProblem]]:
    """Read one module notebook; the module is None when anything is wrong with it."""
    file = str(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (OSError, ValueError, KeyError) as error:
        return None, [CourseProblem(file, None, f"不是有效的 notebook：{error}")]
    meta = nb.get("metadata", {}).get("qinglian")
    problems = _metadata_problems(file, meta)
    if problems:
        return None, problems
    assert isinstance(meta, dict)
    problems += _structure_problems(file, cells, str(meta["module"]))
    checks = _check_calls(cells)
    more, practice = _practice_problems(file, path.parent / str(meta["practice"]), checks, exam_items,
                                        meta["covers"])
    problems += more
    if problems:
        return None, problems
    module = Module(str(meta["module"]), str(meta["title"]), str(meta["covers"]), float(meta["hours"]),
                    int(meta["order"]), path, practice, tuple(i for _, i, _ in checks),
                    tuple(heading for _, _, heading in checks))
    return module, []


def module_paths(courses: Path) -> list[Path]:
    """Module notebooks: every notebook whose metadata names a module (the index page does not)."""
    paths = []
    for path in sorted(courses.glob("*.ipynb")):
        try:
            meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("qinglian", {})
        except (OSError, ValueError):
            paths.append(path)  # unreadable: let read_module report it
            continue
        if not meta.get("index"):
            paths.append(path)
    return paths


SIX_AREAS = ("party_school", "martyrs_cemetery", "red_flag_canal", "prison", "supervision_regulation",
             "discipline_regulation")


def check_catalog(courses: Path, exam_items: Sequence[Item] = (),
                  required: Sequence[str] = SIX_AREAS) -> tuple[list[Module], list[CourseProblem]]:
    """Every module read and checked; `required` areas must each have a module."""
    modules, problems = [], []
    for path in module_paths(courses):
        module, found = read_module(path, exam_items)
        problems += found
        if module is not None:
            modules.append(module)
    covered = {m.covers for m in modules}
    problems += [CourseProblem(str(courses), None, f"没有覆盖 {AREAS[area]} 的课程模块")
                 for area in required if area not in covered and not problems]
    return sorted(modules, key=lambda m: m.order), problems


def load_catalog(courses: Path, required: Sequence[str] = ()) -> list[Module]:
    modules, problems = check_catalog(courses, required=required)
    if problems:
        raise CourseError(problems)
    return modules
