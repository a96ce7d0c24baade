"""What there is to mark: a paper's essays, each essay's answers in the order of their anonymous
codes, the rubric, and the state of each answer as one marker sees it. Under double marking a
marker sees their own marks only, never the other marker's nor the score recorded. The rule that
turns marks into the recorded score is `decide`. Nothing here writes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.autograde.store import NotReleasedError, nbgrader_cells
from grader.gradebook import nbgrader_tables as nb
from grader.gradebook.models import EssayMarkRow, ItemResultRow, MarkingSettingRow, PaperItemRow, PaperRow, ResultRow
from grader.marking.codes import codes_for
from grader.paper.store import source_path

ROUNDS = {1: "一评", 2: "二评", 3: "三评"}
DEFAULT_THRESHOLD = 2.0


class MarkingError(ValueError):
    """What is wrong, in Chinese, saying where."""


@dataclass(frozen=True)
class Setting:
    """Single marking, or double marking with the difference beyond `threshold` points flagged."""

    double: bool = False
    threshold: float = DEFAULT_THRESHOLD

    @property
    def label(self) -> str:
        return f"双评（分差超过 {self.threshold:g} 分须三评）" if self.double else "单评"


@dataclass(frozen=True)
class EssayItem:
    assignment: str
    name: str
    position: int
    stem: str
    rubric: str
    max_points: float


@dataclass(frozen=True)
class Mark:
    round: int
    marker_id: int
    marker: str
    score: float
    comment: str
    marked_at: datetime


@dataclass(frozen=True)
class Decision:
    """What the marks of one answer come to: the score to record (None: not yet), and whether the
    two marks differ by more than the threshold with no third marking yet."""

    score: float | None
    flagged: bool
    comment: str = ""


def decide(marks: Sequence[Mark], setting: Setting) -> Decision:
    """The rule. Single marking: the mark is the score. Double marking: with both marks, their mean
    when they differ by at most the threshold; beyond it the answer is flagged and waits for a third
    marker (neither of the two), whose mark is then the score. The two markers may also agree by
    revising their own marks until they are within the threshold."""
    by_round = {m.round: m for m in marks}
    if not setting.double:
        first = by_round.get(1)
        return Decision(first.score if first else None, False, first.comment if first else "")
    if 3 in by_round:
        return Decision(by_round[3].score, False, by_round[3].comment)
    if 1 not in by_round or 2 not in by_round:
        return Decision(None, False)
    one, two = by_round[1], by_round[2]
    if abs(one.score - two.score) > setting.threshold + 1e-9:
        return Decision(None, True)
    comment = "\n".join(f"{ROUNDS[m.round]}：{m.comment}" for m in (one, two) if m.comment)
    return Decision((one.score + two.score) / 2, False, comment)


@dataclass(frozen=True)
class Answer:
    """One answer as the marker `staff_id` sees it."""

    code: str
    number: int  # 1-based place in the queue
    response: str | None
    own: Mark | None
    recorded: float | None  # the score in nbgrader's gradebook; None under double marking (not shown)
    recorded_comment: str
    state: str
    flagged: bool
    may_mark: bool
    round: int  # the round a mark given now goes into (0: may not mark)


@dataclass(frozen=True)
class MarkingQueue:
    item: EssayItem
    title: str
    setting: Setting
    answers: tuple[Answer, ...]
    mine: int  # answers this marker has marked (single marking: answers with a score recorded)
    decided: int  # answers whose score is recorded
    flagged: int

    def find(self, code: str) -> Answer | None:
        return next((a for a in self.answers if a.code == code), None)

    def after(self, answer: Answer) -> Answer | None:
        return self.answers[answer.number] if answer.number < len(self.answers) else None

    def before(self, answer: Answer) -> Answer | None:
        return self.answers[answer.number - 2] if answer.number > 1 else None

    def next_open(self, answer: Answer | None = None) -> Answer | None:
        """The next answer (after `answer`, wrapping round) that waits for this marker's mark."""
        start = answer.number if answer else 0
        ordered = self.answers[start:] + self.answers[:start]
        return next((a for a in ordered if a.may_mark and a.own is None and a.recorded is None), None)


@dataclass(frozen=True)
class AnswerRow:
    """An answer as stored: whose, its nbgrader grade, its marks (internal to grader.marking)."""

    student_id: str
    grade_id: str
    notebook_id: str
    comment_cell_id: str  # the essay's solution cell, which nbgrader's comment rows name
    response: str | None
    manual_score: float | None
    manual_comment: str | None
    marks: tuple[Mark, ...]


def setting_of(session: Session, assignment: str) -> Setting:
    row = session.get(MarkingSettingRow, assignment)
    return Setting(row.double_marking, row.threshold) if row else Setting()


def rubrics(root: Path, assignment: str) -> dict[str, str]:
    """essay name -> its rubric (评分要点), read from the paper's source notebook on the server."""
    path = source_path(root, assignment)
    if not path.exists():
        return {}
    found = {}
    for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and meta.get("grade") and cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else str(source)
            text = text.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "").strip()
            found[str(meta.get("grade_id"))] = text.removeprefix("评分要点：").strip()
    return found


def essays(session: Session, root: Path, assignment: str) -> tuple[EssayItem, ...]:
    texts = rubrics(root, assignment)
    rows = session.scalars(select(PaperItemRow).where(PaperItemRow.assignment == assignment,
                                                      PaperItemRow.type == "essay").order_by(PaperItemRow.position))
    return tuple(EssayItem(assignment, r.name, r.position, r.stem or "",
                           texts.get(r.name) or f"（未找到评分要点：{source_path(root, assignment)}）", r.points)
                 for r in rows)


def essay(session: Session, root: Path, assignment: str, name: str) -> EssayItem:
    if session.get(PaperRow, assignment) is None:
        raise MarkingError(f"没有名为 {assignment} 的试卷")
    found = next((e for e in essays(session, root, assignment) if e.name == name), None)
    if found is None:
        raise MarkingError(f"试卷 {assignment} 没有简答题 {name}")
    return found


def _mark(row: EssayMarkRow) -> Mark:
    return Mark(row.round, row.marker_id, row.marker, row.score, row.comment, row.marked_at)


def marks_of(session: Session, assignment: str, item: str | None = None,
             student_id: str | None = None) -> dict[tuple[str, str], list[Mark]]:
    """(student, item) -> its marks, in round order."""
    query = select(EssayMarkRow).where(EssayMarkRow.assignment == assignment).order_by(EssayMarkRow.round)
    if item is not None:
        query = query.where(EssayMarkRow.item == item)
    if student_id is not None:
        query = query.where(EssayMarkRow.student_id == student_id)
    found: dict[tuple[str, str], list[Mark]] = {}
    for row in session.scalars(query):
        found.setdefault((row.student_id, row.item), []).append(_mark(row))
    return found


def answer_rows(session: Session, item: EssayItem, student_id: str | None = None) -> list[AnswerRow]:
    """Every graded submission's answer to the essay (or only `student_id`'s), with its nbgrader grade
    and comment. nbgrader keeps an essay cell twice, as a grade cell (the grade's) and as a solution
    cell (the comment's)."""
    try:
        cells = nbgrader_cells(session, item.assignment)
    except NotReleasedError as error:
        raise MarkingError(str(error)) from None
    grade_cell, comment_cell = cells.grade_cells.get(item.name), cells.solution_cells.get(item.name)
    if grade_cell is None or comment_cell is None:
        return []
    g, snb, sub, c = nb.grade, nb.submitted_notebook, nb.submitted_assignment, nb.comment
    query = (select(sub.c.student_id, g.c.id, g.c.notebook_id, g.c.manual_score, c.c.manual_comment)
             .select_from(g).join(snb, snb.c.id == g.c.notebook_id).join(sub, sub.c.id == snb.c.assignment_id)
             .outerjoin(c, (c.c.notebook_id == g.c.notebook_id) & (c.c.cell_id == comment_cell))
             .where(g.c.cell_id == grade_cell, sub.c.assignment_id == cells.assignment_id))
    answers = (select(ResultRow.student_id, ItemResultRow.response)
               .join(ItemResultRow, ItemResultRow.result_id == ResultRow.id)
               .where(ResultRow.assignment == item.assignment, ResultRow.current,
                      ItemResultRow.position == item.position))
    if student_id is not None:
        query, answers = query.where(sub.c.student_id == student_id), answers.where(ResultRow.student_id == student_id)
    rows = session.execute(query).all()
    responses: dict[str, str | None] = {student: response for student, response in session.execute(answers)}
    marks = marks_of(session, item.assignment, item.name, student_id)
    return [AnswerRow(student, grade_id, notebook_id, comment_cell, responses.get(student), manual, comment,
                      tuple(marks.get((student, item.name), ())))
            for student, grade_id, notebook_id, manual, comment in rows]


def candidates(session: Session, item: EssayItem) -> list[str]:
    """The candidates with a graded answer to the essay (what a code is looked up among)."""
    try:
        cells = nbgrader_cells(session, item.assignment)
    except NotReleasedError as error:
        raise MarkingError(str(error)) from None
    g, snb, sub = nb.grade, nb.submitted_notebook, nb.submitted_assignment
    return list(session.scalars(select(sub.c.student_id).select_from(g).join(snb, snb.c.id == g.c.notebook_id)
                                .join(sub, sub.c.id == snb.c.assignment_id)
                                .where(g.c.cell_id == cells.grade_cells.get(item.name, ""),
                                       sub.c.assignment_id == cells.assignment_id)))


def _seen_by(row: AnswerRow, setting: Setting, staff_id: int) -> tuple[str, bool, int, Mark | None]:
    """(state, may mark, round a mark now goes into, own mark) for one marker."""
    if not setting.double:
        own = next((m for m in row.marks if m.marker_id == staff_id), None)
        state = "未评分" if row.manual_score is None else f"已评分 {row.manual_score:g} 分"
        return state, True, 1, own
    own = next((m for m in row.marks if m.marker_id == staff_id), None)
    decision = decide(row.marks, setting)
    rounds = {m.round: m for m in row.marks}
    if own is not None:
        if 3 in rounds and own.round != 3:
            return "已由三评定分", False, 0, own
        state = ("分差超过阈值，待三评" if decision.flagged else
                 "已定分" if decision.score is not None else "待另一位评阅")
        return f"我已{ROUNDS[own.round]}；{state}", True, own.round, own
    if 3 in rounds:
        return "已由三评定分", False, 0, None
    if decision.flagged:
        return "分差超过阈值，待三评", True, 3, None
    if len(rounds) >= 2:
        return "已由两位阅卷人评定", False, 0, None
    return "待评", True, len(rounds) + 1, None


def queue(session: Session, root: Path, secret: bytes, assignment: str, name: str, staff_id: int) -> MarkingQueue:
    """The essay's answers in code order, as the marker `staff_id` sees them."""
    item = essay(session, root, assignment, name)
    paper = session.get(PaperRow, assignment)
    assert paper is not None
    setting = setting_of(session, assignment)
    rows = answer_rows(session, item)
    codes = codes_for(secret, assignment, [r.student_id for r in rows])
    answers = []
    for number, row in enumerate(sorted(rows, key=lambda r: codes[r.student_id]), start=1):
        state, may, round_, own = _seen_by(row, setting, staff_id)
        flagged = decide(row.marks, setting).flagged
        answers.append(Answer(codes[row.student_id], number, row.response, own,
                              None if setting.double else row.manual_score,
                              "" if setting.double else row.manual_comment or "", state, flagged, may, round_))
    decided = sum(1 for r in rows if (decide(r.marks, setting).score if setting.double else r.manual_score)
                  is not None)
    mine = sum(1 for a in answers if (a.own is not None if setting.double else a.recorded is not None))
    return MarkingQueue(item, paper.title, setting, tuple(answers), mine, decided, sum(a.flagged for a in answers))


@dataclass(frozen=True)
class EssayProgress:
    item: EssayItem
    answers: int
    decided: int
    mine: int
    flagged: tuple[str, ...]  # codes of the flagged answers


@dataclass(frozen=True)
class PaperToMark:
    assignment: str
    title: str
    setting: Setting
    marked_any: bool  # once marking has begun the setting is fixed
    essays: tuple[EssayProgress, ...]


def papers(session: Session, root: Path, secret: bytes, staff_id: int) -> tuple[PaperToMark, ...]:
    """Every released paper with essays and graded submissions, with each essay's progress."""
    with_essays = session.scalars(select(PaperItemRow.assignment).where(PaperItemRow.type == "essay")
                                  .group_by(PaperItemRow.assignment).order_by(PaperItemRow.assignment)).all()
    found = []
    for assignment in with_essays:
        paper = session.get(PaperRow, assignment)
        setting = setting_of(session, assignment)
        progress = []
        for item in essays(session, root, assignment):
            try:
                rows = answer_rows(session, item)
            except MarkingError:  # built, not released: nothing to mark yet
                rows = []
            codes = codes_for(secret, assignment, [r.student_id for r in rows])
            decisions = [(r, decide(r.marks, setting)) for r in rows]
            decided = sum(1 for r, d in decisions if (d.score if setting.double else r.manual_score) is not None)
            mine = sum(1 for r in rows if any(m.marker_id == staff_id for m in r.marks)) if setting.double else decided
            flagged = tuple(sorted(codes[r.student_id] for r, d in decisions if d.flagged))
            progress.append(EssayProgress(item, len(rows), decided, mine, flagged))
        if paper is not None and any(p.answers for p in progress):
            marked = bool(session.scalar(select(func.count()).select_from(EssayMarkRow)
                                         .where(EssayMarkRow.assignment == assignment)))
            found.append(PaperToMark(assignment, paper.title, setting, marked, tuple(progress)))
    return tuple(found)
