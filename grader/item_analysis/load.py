"""The responses item analysis needs, read from the gradebook: the current graded result of every
candidate of one paper, with manual scores (formgrader) taking the place of automatic ones."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import column, func, select, table
from sqlalchemy.orm import Session

from grader.gradebook.models import ItemResultRow, PaperItemRow, PaperRow, ResultRow
from grader.item_analysis.stats import ItemAnalysis, ItemSpec, PaperResponses, Sheet, analyse
from grader.scoring import CHOICE_TYPES

# nbgrader's tables, read without importing nbgrader (seconds of start-up in a page kernel)
_GRADE = table("grade", column("notebook_id"), column("cell_id"), column("manual_score"))
_CELL = table("base_cell", column("id"), column("name"))
_SUB_NB = table("submitted_notebook", column("id"), column("assignment_id"))
_SUB = table("submitted_assignment", column("id"), column("assignment_id"), column("student_id"))
_ASSIGNMENT = table("assignment", column("id"), column("name"))


class ItemAnalysisError(Exception):
    pass


@dataclass(frozen=True)
class GradedPaper:
    """A paper with current graded results, as offered for analysis."""

    assignment: str
    title: str
    candidates: int


def graded_papers(session: Session) -> list[GradedPaper]:
    rows = session.execute(
        select(PaperRow.assignment, PaperRow.title, func.count(ResultRow.id))
        .join(ResultRow, (ResultRow.assignment == PaperRow.assignment) & ResultRow.current)
        .group_by(PaperRow.assignment, PaperRow.title).order_by(PaperRow.assignment))
    return [GradedPaper(a, t, int(n)) for a, t, n in rows]


def _manual_scores(session: Session, assignment: str) -> dict[tuple[str, str], float]:
    """(student, grade cell name) -> the score a person gave in formgrader."""
    rows = session.execute(
        select(_SUB.c.student_id, _CELL.c.name, _GRADE.c.manual_score)
        .select_from(_GRADE).join(_SUB_NB, _SUB_NB.c.id == _GRADE.c.notebook_id)
        .join(_SUB, _SUB.c.id == _SUB_NB.c.assignment_id)
        .join(_ASSIGNMENT, _ASSIGNMENT.c.id == _SUB.c.assignment_id)
        .join(_CELL, _CELL.c.id == _GRADE.c.cell_id)
        .where(_ASSIGNMENT.c.name == assignment, _GRADE.c.manual_score.is_not(None)))
    return {(student, name): float(score) for student, name, score in rows}


def _specs(session: Session, assignment: str) -> tuple[ItemSpec, ...]:
    rows = session.scalars(select(PaperItemRow).where(PaperItemRow.assignment == assignment)
                           .order_by(PaperItemRow.position))
    return tuple(ItemSpec(r.position, r.name, r.item_id, r.type, r.stem or "", r.points, _options(r)) for r in rows)


def _options(row: PaperItemRow) -> tuple[tuple[str, str], ...]:
    if row.type not in CHOICE_TYPES:
        return ()
    texts = list(row.option_texts or [])  # papers built before option texts were stored have none
    return tuple((letter, texts[i] if i < len(texts) else "") for i, letter in enumerate(row.options))


def paper_responses(session: Session, assignment: str) -> PaperResponses:
    """Every current result of the paper, candidates in student id order. An item's score is the
    manual one where a grader gave one (its grade cell is the item's name, or name-test for an
    autograded item a grader overrode), otherwise the automatic one; an essay nobody has graded yet
    has no score (None). Extra credit is not an item score and is left out."""
    paper = session.get(PaperRow, assignment)
    if paper is None:
        raise ItemAnalysisError(f"没有名为 {assignment} 的试卷（可用 qinglian paper build 组卷）")
    specs = _specs(session, assignment)
    index = {s.position: i for i, s in enumerate(specs)}
    manual = _manual_scores(session, assignment)
    found: dict[str, tuple[list[float | None], list[str | None]]] = {}
    rows = session.execute(
        select(ResultRow.student_id, ItemResultRow.position, ItemResultRow.score, ItemResultRow.response)
        .join(ItemResultRow, ItemResultRow.result_id == ResultRow.id)
        .where(ResultRow.assignment == assignment, ResultRow.current))
    for student, position, score, response in rows:
        scores, responses = found.setdefault(student, ([None] * len(specs), [None] * len(specs)))
        if position in index:
            name = specs[index[position]].name
            given = manual.get((student, name), manual.get((student, f"{name}-test")))
            scores[index[position]] = given if given is not None else score
            responses[index[position]] = response
    sheets = tuple(Sheet(student, tuple(scores), tuple(responses))
                   for student, (scores, responses) in sorted(found.items()))
    return PaperResponses(assignment, paper.title, paper.pass_mark, specs, sheets)


def item_analysis(session: Session, assignment: str) -> ItemAnalysis:
    """`qinglian items` and the item-analysis page: the statistics of one paper's current results."""
    return analyse(paper_responses(session, assignment))
