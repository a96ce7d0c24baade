"""A promotion case (任职事项) judged against its programme: 可以任职, 缺 …, or 已取消任用资格,
with the reason.

- The test counts on the case's date (its decision date, else today) if it is still valid then
  (`valid_months`), and only tries made since the person's previous case ended (a cancelled
  case's failed tries are not carried into a new one).
- With a re-sit rule (补考): which try counts is the rule's (latest or best); when the tries allowed
  (first try + `max_resits`) are used without a pass, or the window after the first fail closed
  without one, the case is 已取消任用资格.
- The other steps count only if recorded for this case, dated within the order the programme
  sets (the talk after 公示 starts and before the decision), with the text the programme requires."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.gradebook.models import PersonRow
from grader.programmes.evidence import Case, GateRecord, cases_of, for_people, in_force
from grader.programmes.scores import ExamScore, exam_history
from grader.programmes.spec import CASE_DATES, COUNTS, Programme, ResitRule, StepSpec
from grader.programmes.status import ProgrammeStatus, StepStatus, exam_step, months_after, record_detail


@dataclass(frozen=True)
class Tries:
    """A case's test tries and what the re-sit rule makes of them."""

    tries: tuple[ExamScore, ...]  # oldest first, within the case's reach
    counted: ExamScore | None  # the try that counts (latest or best)
    resits_used: int
    resits_left: int | None  # None: no re-sit rule
    window_ends: date | None  # the last day a re-sit may be sat (first fail + window)
    exhausted: str  # "" or why no re-sit can help any more (the case is 已取消任用资格)


def judged_on(case: Case, today: date) -> date:
    return case.decision_on or today


def tries_of(case: Case, rule: ResitRule | None, history: Sequence[ExamScore], since: datetime | None,
             today: date) -> Tries:
    """The tries that belong to the case (since `since`, the end of the person's previous case;
    not after the case's date) and the re-sit rule's reading of them."""
    on = judged_on(case, today)
    tries = tuple(t for t in history if (since is None or t.at is None or t.at >= since)
                  and (t.at is None or t.at.date() <= on))
    if rule is None:
        return Tries(tries, max(tries, key=lambda t: t.score) if tries else None, max(len(tries) - 1, 0), None,
                     None, "")
    first_fail = next((t for t in tries if not t.passed), None)
    window_ends = months_after(first_fail.at.date(), rule.window_months) if first_fail and first_fail.at else None
    if window_ends is not None:  # a try after the window is not a re-sit the rule allows
        tries = tuple(t for t in tries if t.at is None or t.at.date() <= window_ends)
    counted = (tries[-1] if rule.counts == "latest" else max(tries, key=lambda t: t.score)) if tries else None
    used = max(len(tries) - 1, 0)
    left = max(rule.max_resits - used, 0)
    exhausted = ""
    if counted is not None and not counted.passed:
        if left == 0:
            exhausted = (f"{'首次测试' if rule.max_resits == 0 else f'补考 {used} 次后'}仍未通过"
                         f"（规则：补考至多 {rule.max_resits} 次，{COUNTS[rule.counts]}）")
        elif window_ends is not None and today > window_ends:
            exhausted = f"补考期限已过（首次未通过后 {rule.window_months} 个月内，至 {window_ends:%Y-%m-%d}）仍未通过"
    return Tries(tries, counted, used, left, window_ends, exhausted)


def _exam(spec: StepSpec, built: bool, tries: Tries, on: date) -> StepStatus:
    if tries.resits_left is None or tries.counted is None:
        return exam_step(spec, built, tries.tries, on)
    status = exam_step(spec, built, [tries.counted], on)  # the rule decides which try counts
    if not status.done and tries.counted.passed:
        return status  # it passed but has expired
    if not status.done:
        more = f"；还可补考 {tries.resits_left} 次，至 {tries.window_ends:%Y-%m-%d}" if tries.resits_left else ""
        return StepStatus("exam", spec.label, False, None, f"{status.detail}（共 {len(tries.tries)} 次）{more}")
    return status


def order_problem(spec: StepSpec, case: Case, on: date) -> str:
    """Why a step dated `on` does not fit the case's dates ("" if it does)."""
    for key, later in ((spec.after, False), (spec.before, True)):
        bound = case.date_of(key) if key else None
        if bound is None:
            continue
        if (on > bound) if later else (on < bound):
            relation = "晚于" if later else "早于"
            return f"{spec.label}日期 {on:%Y-%m-%d} {relation}{CASE_DATES[key]}日期 {bound:%Y-%m-%d}"
    return ""


def _record(spec: StepSpec, case: Case, records: Sequence[GateRecord]) -> StepStatus:
    matching = [r for r in records if r.kind == spec.record and r.case_id == case.id and r.happened_on is not None]
    if not matching:
        return StepStatus(spec.record, spec.label, False, None, "本事项尚无记录")
    latest = max(matching, key=lambda r: (r.happened_on or date.min, r.id))
    assert latest.happened_on is not None
    problem = order_problem(spec, case, latest.happened_on)
    if not problem and spec.text_required and not (latest.text or "").strip():
        problem = f"{spec.label}缺少全文"
    if problem:
        return StepStatus(spec.record, spec.label, False, None, f"记录 #{latest.id} 不符合要求：{problem}")
    return StepStatus(spec.record, spec.label, True, datetime.combine(latest.happened_on, time()),
                      record_detail(latest))


@dataclass(frozen=True)
class CaseStatus:
    case: Case
    status: ProgrammeStatus  # verdict, steps, reason
    tries: Tries


def _previous_end(cases: Sequence[Case], case: Case) -> datetime | None:
    ended = [c.ended_at for c in cases if c.id < case.id and c.ended_at is not None]
    return max(ended) if ended else None


def case_statuses(session: Session, programme: Programme, cases: Sequence[Case],
                  now: datetime | None = None) -> list[CaseStatus]:
    """Each case judged (a query per table for all of them)."""
    now = now or datetime.now()
    ids = list(dict.fromkeys(c.person_id for c in cases))
    people: dict[str, tuple[str, str]] = {}
    for narrowed in for_people(select(PersonRow.id, PersonRow.name, PersonRow.unit), PersonRow.id, ids):
        people.update((pid, (name, unit)) for pid, name, unit in session.execute(narrowed))
    exams = {s.blueprint: exam_history(session, s.blueprint, ids) for s in programme.steps if s.kind == "exam"}
    records = in_force(session, ids)
    every_case = cases_of(session, ids, programme.id)
    found = []
    for case in cases:
        tries = Tries((), None, 0, None, None, "")
        steps: list[StepStatus] = []
        on = judged_on(case, now.date())
        for spec in programme.steps:
            if spec.kind == "exam":
                built, history = exams[spec.blueprint]
                tries = tries_of(case, programme.resit, history.get(case.person_id, []),
                                 _previous_end(every_case.get(case.person_id, []), case), now.date())
                steps.append(_exam(spec, built, tries, on))
            elif spec.kind == "record":
                steps.append(_record(spec, case, records.get(case.person_id, [])))
        cancelled = (case.end_reason or "已取消") if case.state == "cancelled" else tries.exhausted
        name, unit = people.get(case.person_id, ("", ""))
        found.append(CaseStatus(case, ProgrammeStatus(
            case.person_id, programme.id, programme.title, tuple(steps), name, unit, None, case.id, case.position,
            cancelled), tries))
    return found


def open_case_statuses(session: Session, programme: Programme, person_ids: Sequence[str],
                       now: datetime | None = None) -> list[ProgrammeStatus]:
    """The open cases of these people (a unit list of a programme judged per case), by person id."""
    found = cases_of(session, list(person_ids), programme.id, open_only=True)
    cases = sorted((c for person_cases in found.values() for c in person_cases), key=lambda c: (c.person_id, c.id))
    return [s.status for s in case_statuses(session, programme, cases, now)]
