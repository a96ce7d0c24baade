"""Papers on disk (nbgrader source notebooks) and in the gradebook (keys, server side only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from grader.bank import Item, Source, bank_files, check_banks, load_banks
from grader.blueprint import Blueprint, load_blueprint
from grader.gradebook.models import PaperItemRow, PaperRow, ResultRow
from grader.paper.check import PaperProblem, check_items, check_paper
from grader.paper.draw import DrawError, Paper, PaperItem, draw_papers
from grader.paper.notebook import NOTEBOOK_NAME, notebook_json, paper_notebook
from grader.scoring import blank_context
from grader.yamlfile import Problem


@dataclass(frozen=True)
class PaperKey:
    """What autograde needs to know about one item of a paper."""

    position: int
    name: str
    item_id: str
    type: str
    points: float
    options: str
    key: str | tuple[str, ...] | None
    beside: tuple[str, str] = ("", "")  # a fill item's words beside the blank (grader.scoring.blank_context)


@dataclass(frozen=True)
class PaperKeys:
    assignment: str
    title: str
    total_points: float
    pass_mark: float
    items: tuple[PaperKey, ...]


class PaperError(Exception):
    pass


def source_path(root: Path, assignment: str) -> Path:
    return root / "source" / assignment / f"{NOTEBOOK_NAME}.ipynb"


def _rows(paper: Paper) -> tuple[PaperRow, list[PaperItemRow]]:
    bp = paper.blueprint
    row = PaperRow(assignment=paper.assignment, blueprint=bp.id, programme=bp.programme,
                   title=bp.title, version=paper.version, seed=bp.seed, total_points=paper.total_points,
                   pass_mark=bp.pass_mark, duration_minutes=bp.duration_minutes,
                   show_score=bp.show_score, built_at=datetime.now(UTC).replace(tzinfo=None))
    items = [PaperItemRow(assignment=paper.assignment, position=e.position, name=e.name,
                          item_id=e.item.id, type=e.item.type, area=e.item.area, points=e.points,
                          options=e.item.letters,
                          key=None if e.item.key is None else
                          list(e.item.key) if isinstance(e.item.key, tuple) else [e.item.key],
                          source=str(e.item.source), stem=e.item.stem,
                          option_texts=[text for _, text in e.item.options])
             for e in paper.items]
    return row, items


def record_paper(session: Session, paper: Paper) -> None:
    """Store the paper's keys. Rebuilding a paper that already has graded results is refused
    when its items changed: those results were graded against the old key."""
    row, items = _rows(paper)
    old = [(i.item_id, i.key) for i in session.scalars(
        select(PaperItemRow).where(PaperItemRow.assignment == paper.assignment)
        .order_by(PaperItemRow.position))]
    graded = session.scalar(select(exists().where(ResultRow.assignment == paper.assignment)))
    if graded and old != [(i.item_id, i.key) for i in items]:
        raise PaperError(f"试卷 {paper.assignment} 已有评分结果，不能用不同的题目重新组卷；请修改蓝图的 id 或 seed")
    session.execute(delete(PaperItemRow).where(PaperItemRow.assignment == paper.assignment))
    session.execute(delete(PaperRow).where(PaperRow.assignment == paper.assignment))
    session.flush()
    session.add(row)
    session.flush()
    session.add_all(items)


def load_keys(session: Session, assignment: str) -> PaperKeys:
    paper = session.get(PaperRow, assignment)
    if paper is None:
        raise PaperError(f"没有名为 {assignment} 的试卷（先运行 qinglian paper build）")
    rows = session.scalars(select(PaperItemRow).where(PaperItemRow.assignment == assignment)
                           .order_by(PaperItemRow.position))
    items = tuple(PaperKey(r.position, r.name, r.item_id, r.type, r.points, r.options,
                           None if r.key is None else tuple(r.key) if r.type == "fill" else r.key[0],
                           blank_context(r.stem or "") if r.type == "fill" else ("", ""))
                  for r in rows)
    return PaperKeys(assignment, paper.title, paper.total_points, paper.pass_mark, items)


def recorded_items(session: Session, assignment: str, facts: Mapping[str, str]) -> tuple[PaperItem, ...]:
    """A built paper's items as recorded (stem, options, key), each with its fact as the banks
    now give it (`facts`: item id → fact; an item no longer in the banks has none)."""
    rows = list(session.scalars(select(PaperItemRow).where(PaperItemRow.assignment == assignment)
                                .order_by(PaperItemRow.position)))
    if not rows:
        raise PaperError(f"没有名为 {assignment} 的试卷（先运行 qinglian paper build）")
    items = []
    for r in rows:
        key: str | tuple[str, ...] | None = (None if r.key is None else tuple(r.key) if r.type == "fill"
                                             else "".join(r.key))
        item = Item(id=r.item_id, type=r.type, area=r.area, stem=r.stem or "",
                    options=tuple(zip(r.options, r.option_texts or [], strict=False)), key=key, points=r.points,
                    source=Source(r.source, ""), fact=facts.get(r.item_id, ""))
        items.append(PaperItem(r.position, r.name, item, r.points))
    return tuple(items)


@dataclass(frozen=True)
class CheckedPaper:
    assignment: str
    items: int
    problems: tuple[PaperProblem, ...]


def check_built(session: Session, assignment: str, banks: Sequence[Path]) -> CheckedPaper:
    """`qinglian paper check ASSIGNMENT`: a paper already built, its facts read from the banks."""
    facts = {item.id: item.fact for item in check_banks(bank_files(banks)).items}
    items = recorded_items(session, assignment, facts)
    return CheckedPaper(assignment, len(items), check_items(assignment, items))


def check_blueprint(blueprint_path: Path, banks: Sequence[Path]) -> list[CheckedPaper]:
    """`qinglian paper check BLUEPRINT`: the papers `paper build` would make, checked."""
    blueprint = load_blueprint(blueprint_path)
    papers = draw_papers(blueprint, load_banks(bank_files(banks)))
    return [CheckedPaper(p.assignment, len(p.items), check_paper(p)) for p in papers]


def build_papers(session: Session, root: Path, blueprint: Blueprint,
                 items: Sequence[Item]) -> list[Path]:
    """Draw the blueprint's papers, write their source notebooks and record their keys
    (DrawError, located in the blueprint, when the banks cannot supply them)."""
    paths = []
    for paper in draw_papers(blueprint, items):
        record_paper(session, paper)
        path = source_path(root, paper.assignment)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(notebook_json(paper_notebook(paper)) + "\n", encoding="utf-8")  # as nbformat.write
        paths.append(path)
    return paths


def build_from_files(session: Session, root: Path, blueprint_path: Path,
                     banks: Sequence[Path]) -> list[Path]:
    """`qinglian paper build`: read and check the blueprint and the banks, then build."""
    blueprint = load_blueprint(blueprint_path)
    absent = [path for path in banks if not path.exists()]
    if absent:
        raise DrawError([Problem(blueprint.file, blueprint.bank_line(blueprint.banks[0]),
                                 f"找不到题库文件或目录 {path}（请用 --banks 指定）") for path in absent])
    return build_papers(session, root, blueprint, load_banks(bank_files(banks)))
