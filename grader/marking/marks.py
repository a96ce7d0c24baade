"""Giving a mark (the rules of a write): a trainer's score within 0…max and a comment for one answer,
kept in ql_essay_mark; the score the marks come to (grader.marking.queue.decide) written into
nbgrader's own grade table (manual_score) and comment table (manual_comment), as formgrader writes
them, so formgrader, `qinglian export` and every score read later agree. Every change is appended
to the audit log under the signed-in marker's account. The caller commits."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import uuid4

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from grader.audit import log as audit_log
from grader.audit.tables import states_by_key
from grader.gradebook import nbgrader_tables as nb
from grader.gradebook.models import EssayMarkRow, MarkingSettingRow, PaperRow
from grader.marking.codes import codes_for, normal_code
from grader.marking.queue import (
    ROUNDS,
    AnswerRow,
    Decision,
    EssayItem,
    MarkingError,
    Setting,
    answer_rows,
    candidates,
    decide,
    essay,
    setting_of,
)
from grader.staff.roles import Actor, authorize

MAX_COMMENT = 2000
MAX_THRESHOLD = 100.0
_NUMBER = re.compile(r"[0-9]+(\.[0-9])?")


def parse_score(text: str, max_points: float, where: str = "得分") -> float:
    """A score as typed (half-width or full-width digits): a number 0…max with at most one decimal."""
    typed = unicodedata.normalize("NFKC", text).strip()
    if not typed:
        raise MarkingError(f"{where}：请填写分数（0 至 {max_points:g} 分）")
    if not _NUMBER.fullmatch(typed):
        raise MarkingError(f"{where}：“{text.strip()[:20]}”不是分数，请填写 0 至 {max_points:g} 之间的数，最多一位小数")
    score = float(typed)
    if not 0 <= score <= max_points:
        raise MarkingError(f"{where}：{score:g} 分超出范围，本题满分 {max_points:g} 分（可填 0 至 {max_points:g}）")
    return score


def _check(score: float, comment: str, item: EssayItem) -> None:
    where = f"{item.assignment} {item.name}"
    if not math.isfinite(score) or not 0 <= score <= item.max_points:
        raise MarkingError(f"{where}：得分 {score:g} 超出范围 0–{item.max_points:g}")
    if len(comment) > MAX_COMMENT:
        raise MarkingError(f"{where}：评语不能超过 {MAX_COMMENT} 字（现有 {len(comment)} 字）")


def set_marking(session: Session, actor: Actor, assignment: str, double: bool, threshold: float,
                now: datetime | None = None) -> Setting:
    """Single or double marking for a paper's essays; fixed once the paper's first mark is given."""
    authorize(actor, "grade.manual")
    now = now or datetime.now()
    if session.get(PaperRow, assignment) is None:
        raise MarkingError(f"没有名为 {assignment} 的试卷")
    if not math.isfinite(threshold) or not 0 <= threshold <= MAX_THRESHOLD:
        raise MarkingError(f"{assignment}：分差阈值须在 0 至 {MAX_THRESHOLD:g} 分之间（收到 {threshold:g}）")
    if session.scalar(select(EssayMarkRow.id).where(EssayMarkRow.assignment == assignment).limit(1)) is not None:
        label = setting_of(session, assignment).label
        raise MarkingError(f"试卷 {assignment} 已开始评分（{label}），不能再更改评分方式")
    row = session.get(MarkingSettingRow, assignment)
    if row is None:
        row = MarkingSettingRow(assignment=assignment)
        session.add(row)
    row.double_marking, row.threshold, row.set_by, row.set_at = double, float(threshold), actor.name, now
    audit_log.record(session, actor, "grade.manual.setting", [row], now)
    return Setting(double, float(threshold))


@dataclass(frozen=True)
class Marked:
    """What a mark did: the round it went into, and what the answer's marks now come to (under
    double marking the marker is shown whether it is flagged, not the score recorded)."""

    code: str
    round: int
    score: float
    decision: Decision


def _hold_paper(session: Session, assignment: str) -> None:
    """On SQLite the database's write lock, taken before anything is read: under WAL a transaction
    that has read cannot start writing once another has committed. (PostgreSQL holds the answer.)"""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(MarkingSettingRow).where(MarkingSettingRow.assignment == assignment)
                        .values(threshold=MarkingSettingRow.threshold))


def _hold(session: Session, grade_id: str) -> None:
    """The answer held until commit (its nbgrader grade row): two markers of one answer go one at a time."""
    session.execute(update(nb.grade).where(nb.grade.c.id == grade_id)
                    .values(needs_manual_grade=nb.grade.c.needs_manual_grade))


def _find(session: Session, secret: bytes, item: EssayItem, code: str) -> str:
    """The candidate whose answer has this code."""
    codes = codes_for(secret, item.assignment, candidates(session, item))
    wanted = normal_code(code)
    found = next((student for student, their in codes.items() if their == wanted), None)
    if found is None:
        raise MarkingError(f"试卷 {item.assignment} {item.name} 没有匿名编号为 {code} 的答卷")
    return found


def _answer(session: Session, item: EssayItem, student_id: str) -> AnswerRow:
    (row,) = answer_rows(session, item, student_id)
    return row


def _round_for(row: AnswerRow, setting: Setting, actor: Actor) -> int:
    """The round this marker's mark goes into, refused when the answer is not theirs to mark."""
    rounds = {m.round: m for m in row.marks}
    if not setting.double:
        return 1
    own = next((m for m in row.marks if m.marker_id == actor.staff_id), None)
    if own is not None:
        if 3 in rounds and own.round != 3:
            raise MarkingError(f"已由 {rounds[3].marker} 三评定分，{ROUNDS[own.round]}不能再改")
        return own.round
    if 3 in rounds:
        raise MarkingError(f"这份答卷已由 {rounds[3].marker} 三评定分")
    if len(rounds) < 2:
        return len(rounds) + 1
    if decide(row.marks, setting).flagged:
        return 3
    raise MarkingError("这份答卷已由两位阅卷人评定，分差在阈值之内，无需三评")


def _write_mark(session: Session, actor: Actor, row: AnswerRow, item: EssayItem, round_: int, score: float,
                comment: str, now: datetime) -> None:
    mark = session.scalar(select(EssayMarkRow).where(
        EssayMarkRow.assignment == item.assignment, EssayMarkRow.item == item.name,
        EssayMarkRow.student_id == row.student_id, EssayMarkRow.round == round_))
    if mark is None:
        mark = EssayMarkRow(assignment=item.assignment, item=item.name, student_id=row.student_id, round=round_)
        session.add(mark)
    assert actor.staff_id is not None
    mark.marker_id, mark.marker, mark.score = actor.staff_id, actor.name, score
    mark.comment, mark.marked_at = comment, now
    audit_log.record(session, actor, "grade.manual", [mark], now)


def _record(session: Session, actor: Actor, row: AnswerRow, decision: Decision, now: datetime) -> None:
    """nbgrader's grade and comment as formgrader would write them; the grade's new state logged."""
    session.execute(update(nb.grade).where(nb.grade.c.id == row.grade_id)
                    .values(manual_score=decision.score, needs_manual_grade=decision.score is None))
    comment = decision.comment or None
    where = (nb.comment.c.notebook_id == row.notebook_id) & (nb.comment.c.cell_id == row.comment_cell_id)
    if session.scalar(select(nb.comment.c.id).where(where)) is None:
        session.execute(insert(nb.comment).values(id=uuid4().hex, notebook_id=row.notebook_id,
                                                  cell_id=row.comment_cell_id,
                                                  auto_comment=None, manual_comment=comment))
    else:
        session.execute(update(nb.comment).where(where).values(manual_comment=comment))
    if decision.score != row.manual_score:
        state = states_by_key(session, "grade", [row.grade_id])[row.grade_id]
        audit_log.append(session, actor, "grade.manual", "grade", row.grade_id, state, now=now)
        from grader.summary import settle

        settle(session)  # the mark in the scoreboard's summaries (grader.summary)


def mark_answer(session: Session, actor: Actor, root: Path, secret: bytes, assignment: str, name: str, code: str,
                score: float, comment: str = "", now: datetime | None = None) -> Marked:
    """The signed-in trainer's mark for the answer with anonymous code `code` to essay `name`."""
    authorize(actor, "grade.manual")
    if actor.staff_id is None:
        raise MarkingError("评分须由已登录的工作人员账号进行")
    now = now or datetime.now()
    _hold_paper(session, assignment)
    item = essay(session, root, assignment, name)
    comment = comment.strip()
    _check(score, comment, item)
    student = _find(session, secret, item, code)
    _hold(session, _answer(session, item, student).grade_id)
    row = _answer(session, item, student)  # read again now that it is held
    setting = setting_of(session, assignment)
    round_ = _round_for(row, setting, actor)
    _write_mark(session, actor, row, item, round_, score, comment, now)
    session.flush()
    decision = decide(_answer(session, item, student).marks, setting)
    _record(session, actor, row, decision, now)
    return Marked(normal_code(code), round_, score, decision)
