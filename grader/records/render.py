"""HTML for the records view, from the plain dataclasses of the library (every text escaped).
Each block and step row carries a class (`ql-programme-<id>`, `ql-step-<step>`, `ql-done` /
`ql-missing`) so a page test can find what it checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from grader.links import linkify_html
from grader.programmes import ProgrammeStatus, StepStatus
from grader.programmes.case_status import CaseStatus
from grader.records.dossier import PersonCard, PersonRecord
from grader.records.gate import ACTIONS, RECORD_KINDS

# JupyterLab's base styles make a link look like the text around it; a staff page's links must read as links
_STYLE = ("<style>.ql-table{border-collapse:collapse;margin:4px 0 12px}.ql-table td,.ql-table th{border:1px solid #ccc;"
          "padding:3px 8px;text-align:left;vertical-align:top}.ql-table th{background:#f3f3f3}"
          ".ql-done .ql-mark{color:#080}.ql-missing .ql-mark{color:#b00}.ql-na,.ql-na .ql-mark{color:#666}"
          ".ql-records a,.ql-records a:visited{color:#0645ad;text-decoration:underline}"
          ".ql-records a:hover{color:#0b0080}</style>")


def _e(value: object) -> str:
    """A cell's text, escaped; web addresses in it (notes, commitments, evidence) as links."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float):
        return f"{value:g}"
    return linkify_html(str(value))


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], css: str = "",
          row_classes: Sequence[str] = ()) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = []
    for number, row in enumerate(rows):
        css_row = f" class='{row_classes[number]}'" if number < len(row_classes) else ""
        body.append(f"<tr{css_row}>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>")
    if not rows:
        body.append(f"<tr><td colspan='{len(headers)}'>（无）</td></tr>")
    return f"<table class='ql-table {css}'><tr>{head}</tr>{''.join(body)}</table>"


def _when(step: StepStatus) -> date | datetime | None:
    """A recorded step happened on a day; an exam or a module was done at a moment."""
    if step.at is None:
        return None
    return step.at.date() if step.step in RECORD_KINDS else step.at


def _verdict(status: ProgrammeStatus) -> str:
    if status.cleared:
        when = f"（{status.cleared_at:%Y-%m-%d}）" if status.cleared_at else ""
        return f"<span style='color:#080'>已完成{when}</span>"
    if not status.applies:
        return f"<span class='ql-na'>不适用（本项目适用于{_e(status.audience)}）</span>"
    return f"<span style='color:#b00'>未完成，缺 {len(status.missing)} 项：{_e(status.missing_summary)}</span>"


def _step_class(status: ProgrammeStatus, step: StepStatus) -> str:
    done = "ql-done" if step.done else "ql-missing" if status.applies else "ql-na"
    return f"ql-step-{step.step.replace(':', '-')} {done}"


def _mark(status: ProgrammeStatus, step: StepStatus) -> str:
    return "✓ 已完成" if step.done else "✗ 未完成" if status.applies else "— 不适用"


def _detail(status: ProgrammeStatus, step: StepStatus) -> str:
    """A step not done in a programme that is not the person's owes nothing: its "尚未完成…" would
    read as a debt."""
    return step.detail if step.done or status.applies else "无需完成"


def programme_html(status: ProgrammeStatus) -> str:
    """One programme for one person: the verdict, then every step with its evidence. A programme
    that does not apply to the person says so in grey: nothing is missing that was owed."""
    rows = [(_mark(status, s), s.label, _when(s), _detail(status, s)) for s in status.steps]
    classes = [_step_class(status, s) for s in status.steps]
    rows_html = table(("状态", "环节", "时间", "说明"), rows, "ql-steps", classes)
    for mark in ("✓", "✗", "—"):
        rows_html = rows_html.replace(f"<td>{mark}", f"<td class='ql-mark'>{mark}")
    state = "ql-cleared" if status.cleared else "ql-not-cleared" if status.applies else "ql-not-applicable"
    return (f"<div class='ql-programme-{status.programme} {state}'><h4>{_e(status.title)}：{_verdict(status)}</h4>"
            f"{rows_html}</div>")


def case_html(found: CaseStatus) -> str:
    """One promotion case: its post, dates and verdict (可以任职 / 缺 … / 已取消任用资格 with the
    reason), then every step with its evidence."""
    case, status = found.case, found.status
    state = ("ql-case-cancelled" if status.cancelled else "ql-case-cleared" if status.cleared
             else "ql-case-missing")
    colour = "#080" if status.cleared else "#b00"
    reason = f"（{_e(status.cancelled)}）" if status.cancelled else ""
    ended = f" · {_e(case.state_text)}：{_e(case.ended_by)}，{_e(case.end_reason)}" if case.ended_at else ""
    rows = [(_mark(status, st), st.label, _when(st), st.detail) for st in status.steps]
    steps = table(("状态", "环节", "时间", "说明"), rows, "ql-steps", [_step_class(status, st) for st in status.steps])
    for mark in ("✓", "✗"):
        steps = steps.replace(f"<td>{mark}", f"<td class='ql-mark'>{mark}")
    return (f"<div class='ql-case ql-case-{case.id} {state}'><h4>任职事项 #{case.id} 拟任{_e(case.position)}："
            f"<span class='ql-case-verdict' style='color:{colour}'>{_e(status.verdict)}</span>{reason}</h4>"
            f"<p>公示 {_e(case.notice_start)} 至 {_e(case.notice_end)} · 任职决定 {_e(case.decision_on) or '未定'} · "
            f"立项 {_e(case.opened_by)}（{_e(case.opened_at)}）{ended}</p>{steps}</div>")


def _marks(marks: dict[str, float] | None) -> str:
    return "、".join(f"{name} {points:g}" for name, points in (marks or {}).items())


def _review_rows(record: PersonRecord) -> list[tuple[object, ...]]:
    """Both marks, the outcome and who decided, for each score review."""
    return [(r.id, r.assignment, f"{'组织部门代为申请' if r.on_behalf else '本人申请'}（受理人 {r.requested_by}）",
             r.reason, f"{r.first_score:g}（{_marks(r.first_marks)}）",
             _marks(r.second_marks) + (f"（{r.marker}）" if r.marker else ""),
             r.state + (f"，最终得分 {r.final_score:g}" if r.final_score is not None else ""),
             f"{r.decided_by or ''}{('：' + r.note) if r.note else ''}") for r in record.reviews]


def card_html(card: PersonCard) -> str:
    return (f"<h3 class='ql-person-name'>{_e(card.name)}（{_e(card.id)}）</h3>"
            f"<p>单位：{_e(card.unit)} · 职级：{_e(card.rank)} · 人员类别：{_e(card.category)} · "
            f"身份证号：{_e(card.id_number)}（已隐去）</p>")


def person_html(record: PersonRecord) -> str:
    """The whole record of one person, section by section."""
    parts = [_STYLE, card_html(record.person), "<h3>培训项目与晋升关口</h3>"]
    parts += [programme_html(s) for s in record.programmes]
    if record.cases:
        parts.append("<h3>任职事项</h3>" + "".join(case_html(c) for c in record.cases))
    parts.append("<h3>学习进度</h3>" + table(
        ("模块", "自测答对", "学时", "完成时间"),
        [(m.title, f"{m.passed}/{m.total}", f"{m.credited_hours:g}/{m.hours:g}", m.completed_at) for m in record.study],
        "ql-study"))
    parts.append("<h3>考试成绩</h3>" + table(
        ("试卷", "版本", "交卷时间", "评分时间", "得分", "及格线", "结果", "说明"),
        [(e.title + f"（{e.assignment}）", e.version, e.submitted_at, e.graded_at, f"{e.score:g}/{e.max_score:g}",
          e.pass_mark, "及格" if e.passed else "未及格",
          ("当前成绩" if e.current else "已被重新评分取代") + (f"；含人工评分 {e.manual:+g}" if e.manual else "")
          + ("；有答案待人工评分" if e.pending else ""))
         for e in record.exams], "ql-exams"))
    if record.reviews:
        parts.append("<h3>成绩复核</h3>" + table(
            ("复核号", "试卷", "申请", "理由", "原评分", "复核评分", "结果", "决定人"), _review_rows(record),
            "ql-reviews"))
    parts.append("<h3>考试场次</h3>" + table(
        ("场次", "准考证号", "试卷", "第几次", "开始", "交卷", "交卷方式"),
        [(a.sitting, a.admission_no, a.assignment, a.number, a.started_at, a.submitted_at,
          {"candidate": "本人交卷", "timeout": "到时自动交卷"}.get(a.submitted_how or "", "未交卷"))
         for a in record.attempts], "ql-attempts"))
    parts.append("<h3>关口记录（全部留痕）</h3>" + table(
        ("记录号", "事项", "操作", "日期", "记录人", "记录时间", "备注", "承诺内容", "原因", "状态"),
        [(g.id, g.label, ACTIONS.get(g.action, g.action) + (f" #{g.replaces}" if g.replaces else ""),
          g.happened_on, g.recorded_by, g.recorded_at, g.notes, g.text, g.reason,
          "有效" if g.in_force else "已失效") for g in record.gate], "ql-gate"))
    parts.append("<h3>证书</h3>" + table(
        ("证书编号", "证书", "签发时间", "签发人", "状态"),
        [(c.serial, c.title, c.issued_at, c.issued_by, c.revoked or "有效") for c in record.certificates],
        "ql-certificates"))
    return "".join(parts)


def unit_html(unit: str, statuses: Sequence[ProgrammeStatus]) -> str:
    """A unit's list: everyone, cleared or what they miss."""
    done = sum(s.cleared for s in statuses)
    cases = any(s.case_id is not None for s in statuses)  # a programme judged per promotion case: its open cases
    rows = [(s.person_id, s.name, s.unit, *((s.position,) if cases else ()),
             s.verdict if s.case_id is not None else s.state, s.cleared_at.date() if s.cleared_at else None,
             s.missing_summary if s.applies else "") for s in statuses]
    classes = [f"ql-row-{s.person_id} {'ql-done' if s.cleared else 'ql-missing' if s.applies else 'ql-na'}"
               for s in statuses]
    title = statuses[0].title if statuses else ""
    headers = ("编号", "姓名", "单位", *(("拟任职务",) if cases else ()), "状态", "完成时间", "未完成的环节")
    return (f"{_STYLE}<h4>{_e(unit)} · {_e(title)}：{done}/{len(statuses)} {'项' if cases else '人'}已完成</h4>"
            + table(headers, rows, "ql-unit-list", classes))
