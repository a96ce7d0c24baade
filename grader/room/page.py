"""What the exam page shows, built from what grader.sitting returns: labels and numbers formatted
for the candidate. Nothing here decides anything; no key reaches it (AttemptView holds none)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from grader.sitting.attempt import AttemptView
from grader.sitting.briefing import Briefing
from grader.sitting.results import ResultView

TYPE_LABELS = {"single": "单选", "multiple": "多选", "truefalse": "判断", "fill": "填空", "essay": "简答"}


def points(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@dataclass(frozen=True)
class ItemPage:
    number: int
    position: int
    type: str
    label: str
    stem: str
    points_text: str
    options: tuple[tuple[str, str], ...]
    value: str  # the candidate's answer as shown to them
    marked: bool
    saved_text: str  # HH:MM:SS of the last save, "" if never saved


@dataclass(frozen=True)
class RulePage:
    label: str
    count: int
    points_text: str
    text: str


@dataclass(frozen=True)
class ResultPage:
    score_text: str
    total_text: str
    pass_mark_text: str
    passed: bool | None
    note: str

    def as_json(self) -> dict[str, object]:
        return {"score_text": self.score_text, "total_text": self.total_text, "pass_mark_text": self.pass_mark_text,
                "passed": self.passed, "note": self.note}


@dataclass(frozen=True)
class ExamPage:
    attempt_id: int
    admission_no: str
    name: str
    unit: str
    sitting_title: str
    paper_title: str
    duration_minutes: int
    deadline_text: str
    remaining_ms: int
    total_text: str
    pass_mark_text: str
    rules: tuple[RulePage, ...]
    items: tuple[ItemPage, ...]
    max_length: int
    submitted: bool
    submitted_text: str
    result: ResultPage | None


def result_page(result: ResultView | None) -> ResultPage | None:
    """The result as the paper allows it to be shown (None: the organiser publishes it)."""
    if result is None or not result.shown:
        return None
    if not result.graded:
        return ResultPage("—", points(result.total), points(result.pass_mark), None, "正在评分，请稍后刷新页面查看。")
    passed = {"passed": True, "failed": False}.get(result.status)
    note = result.status_text if result.status == "pending_manual" else ""
    if result.flagged:
        note = f"{note}答卷已标记待复核，成绩以复核结果为准。"
    return ResultPage(points(result.score), points(result.total), points(result.pass_mark), passed, note)


def exam_page(view: AttemptView, briefing: Briefing, result: ResultView | None, now: datetime,
              max_length: int) -> ExamPage:
    marked = set(view.marked)
    items = tuple(ItemPage(p.number, p.item.position, p.item.type, TYPE_LABELS.get(p.item.type, p.item.type),
                           p.item.stem, points(p.item.points), p.options, view.answers.get(p.item.position, ""),
                           p.item.position in marked,
                           f"{view.saved_at[p.item.position]:%H:%M:%S}" if p.item.position in view.saved_at else "")
                  for p in view.items)
    rules = tuple(RulePage(section.name, section.items, "、".join(points(p) for p in section.points_each),
                           section.rule) for section in briefing.sections)
    submitted = view.submitted_at is not None
    return ExamPage(view.attempt_id, view.admission_no, briefing.name, briefing.unit, briefing.sitting_title,
                    briefing.paper_title, briefing.duration_minutes, f"{view.deadline:%H:%M:%S}",
                    int(view.remaining(now).total_seconds() * 1000), points(briefing.total),
                    points(briefing.pass_mark) if briefing.show_score else "", rules, items, max_length, submitted,
                    f"{view.submitted_at:%Y-%m-%d %H:%M:%S}" if view.submitted_at else "",
                    result_page(result) if submitted else None)
