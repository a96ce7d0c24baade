"""个人廉政档案: a person's whole record as one printable A4 PDF (fpdf2), in the certificates' font
(Noto Sans CJK SC, embedded as a subset: grader.certificates.fonts): who they are (ID number
masked), every programme and where they stand, promotion cases, tests with scores and their
history (regrades and reviews), talks, oaths, commitments with their full text, certificates.

The pages are built as a list of blocks (headings, lines, tables) first, so that the font subset
is cut from exactly the characters the pages print, and a character the font lacks is refused
by name rather than printed as a box."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy.orm import Session

from grader.course.catalog import Module
from grader.programmes.spec import Programme
from grader.records.dossier import PersonRecord, person_record
from grader.records.gate import ACTIONS
from grader.records.review import OUTCOMES

_FONT = "dossier"
TITLE = "个人廉政档案"


@dataclass(frozen=True)
class Block:
    kind: str  # heading | line | table | text
    texts: tuple[str, ...]  # a heading's or line's text; a table's header cells
    rows: tuple[tuple[str, ...], ...] = ()
    widths: tuple[float, ...] = ()  # a table's column widths (mm)


def _day(at: date | datetime | None) -> str:
    return "" if at is None else f"{at:%Y-%m-%d}"


def _person(record: PersonRecord, now: datetime) -> Iterator[Block]:
    p = record.person
    yield Block("title", (TITLE,))
    yield Block("line", (f"姓名：{p.name}　　编号：{p.id}　　身份证号：{p.id_number}",))
    yield Block("line", (f"单位：{p.unit}　　职级：{p.rank}　　人员类别：{p.category}",))
    yield Block("line", (f"生成时间：{now:%Y-%m-%d %H:%M}（由成绩库中的记录生成，记录只增不改，更正和撤销均留痕）",))


def _programmes(record: PersonRecord) -> Iterator[Block]:
    yield Block("heading", ("一、培训项目",))
    for s in record.programmes:
        yield Block("line", (f"{s.title}：{s.verdict}" + (f"（缺：{s.missing_summary}）" if s.missing else ""),))
        yield Block("table", ("环节", "状态", "时间", "说明"),
                    tuple((st.label, "已完成" if st.done else "未完成", _day(st.at), st.detail) for st in s.steps),
                    (36, 16, 22, 106))


def _cases(record: PersonRecord) -> Iterator[Block]:
    yield Block("heading", ("二、任职事项",))
    if not record.cases:
        yield Block("line", ("无",))
    for c in record.cases:
        case, status = c.case, c.status
        yield Block("line", (f"事项 #{case.id}　拟任职务：{case.position}　状态：{status.verdict}"
                             + (f"（{status.cancelled}）" if status.cancelled else ""),))
        yield Block("line", (f"公示：{_day(case.notice_start)} 至 {_day(case.notice_end)}　任职决定："
                             f"{_day(case.decision_on) or '未定'}　立项：{case.opened_by}（{case.opened_at:%Y-%m-%d}）"
                             + (f"　{case.state_text}：{case.ended_by}，{case.end_reason}" if case.ended_at else ""),))
        yield Block("table", ("环节", "状态", "时间", "说明"),
                    tuple((st.label, "已完成" if st.done else "未完成", _day(st.at), st.detail)
                          for st in status.steps), (36, 16, 22, 106))


def _exams(record: PersonRecord) -> Iterator[Block]:
    yield Block("heading", ("三、考试成绩及历次记录",))
    if not record.exams:
        yield Block("line", ("尚无考试成绩",))
    else:
        yield Block("table", ("试卷", "交卷时间", "评分时间", "得分", "及格线", "结果", "记录"),
                    tuple((f"{e.title}（{e.version}卷）", _day(e.submitted_at), _day(e.graded_at),
                           f"{e.score:g}/{e.max_score:g}", f"{e.pass_mark:g}", "通过" if e.passed else "未通过",
                           "当前成绩" if e.current else "历史记录（已被重新评分或再次交卷取代）")
                          for e in record.exams), (44, 20, 20, 18, 14, 14, 50))
    for r in record.reviews:
        second = "、".join(f"{k} {v:g}" for k, v in (r.second_marks or {}).items()) or "尚未评分"
        first = "、".join(f"{k} {v:g}" for k, v in r.first_marks.items())
        who = "组织部门代为申请" if r.on_behalf else "本人申请"
        yield Block("line", (f"成绩复核 #{r.id}（试卷 {r.assignment}，{who}，受理人 {r.requested_by}，"
                             f"{r.requested_at:%Y-%m-%d}）理由：{r.reason}",))
        outcome = (f"{OUTCOMES[r.outcome]}，最终得分 {r.final_score:g}，决定人 {r.decided_by}"
                   f"（{_day(r.decided_at)}）{('：' + r.note) if r.note else ''}" if r.outcome else r.state)
        yield Block("line", (f"　原评分：{first}（总分 {r.first_score:g}）；复核评分：{second}"
                             f"{'（' + r.marker + '）' if r.marker else ''}；结果：{outcome}",))


def _gate(record: PersonRecord) -> Iterator[Block]:
    yield Block("heading", ("四、廉政谈话、廉政宣誓、廉政公开承诺及其他记录",))
    if not record.gate:
        yield Block("line", ("尚无记录",))
        return
    yield Block("table", ("记录号", "事项", "操作", "日期", "记录人", "备注/原因", "有效"),
                tuple((f"#{g.id}", g.label + (f"（事项 #{g.case_id}）" if g.case_id else ""),
                       ACTIONS[g.action] + (f" #{g.replaces}" if g.replaces else ""), _day(g.happened_on),
                       g.recorded_by, g.reason or g.notes, "是" if g.in_force else "否") for g in record.gate),
                (16, 40, 20, 20, 24, 46, 14))
    for g in record.gate:
        if g.text:
            replaced = "" if g.in_force else "，已被取代"
            yield Block("line", (f"承诺书全文（记录 #{g.id}，{_day(g.happened_on)}{replaced}）：",))
            yield Block("text", (g.text,))


def _certificates(record: PersonRecord, now: datetime) -> Iterator[Block]:
    yield Block("heading", ("五、证书",))
    if not record.certificates:
        yield Block("line", ("尚无证书",))
        return
    yield Block("table", ("证书编号", "项目", "签发时间", "签发人", "有效期至", "状态"),
                tuple((c.serial, c.title, _day(c.issued_at), c.issued_by, c.valid_until or "长期",
                       c.revoked or ("已过期" if c.valid_until and c.valid_until < f"{now:%Y-%m-%d}" else "有效"))
                      for c in record.certificates), (32, 46, 22, 24, 22, 34))


def _study(record: PersonRecord) -> Iterator[Block]:
    if record.study:
        yield Block("heading", ("六、课程学习",))
        yield Block("table", ("模块", "自测", "学时", "完成时间"),
                    tuple((m.title, f"{m.passed}/{m.total}", f"{m.credited_hours:g}/{m.hours:g}", _day(m.completed_at))
                          for m in record.study), (100, 24, 28, 28))


def blocks(record: PersonRecord, now: datetime) -> list[Block]:
    return [*_person(record, now), *_programmes(record), *_cases(record), *_exams(record), *_gate(record),
            *_certificates(record, now), *_study(record)]


def texts(page: Sequence[Block]) -> list[str]:
    """Every text the pages print (the font subset is cut from these)."""
    return [t for b in page for t in (*b.texts, *(cell for row in b.rows for cell in row))] + [TITLE]


def _table(pdf: object, block: Block) -> None:
    from fpdf import FPDF
    from fpdf.enums import WrapMode
    from fpdf.fonts import FontFace

    assert isinstance(pdf, FPDF)
    pdf.set_font(_FONT, size=8)
    heading = FontFace(emphasis="", fill_color=(235, 235, 235))  # one face of the CJK font: no bold
    with pdf.table(col_widths=block.widths, text_align="LEFT", line_height=4.6, first_row_as_headings=True,
                   headings_style=heading, wrapmode=WrapMode.CHAR, width=sum(block.widths)) as table:
        for cells in (block.texts, *block.rows):
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.ln(2)


def render(record: PersonRecord, font: object, now: datetime | None = None) -> bytes:
    """The dossier as PDF bytes. `font` is a grader.certificates.fonts.CertificateFont; a character
    it lacks is refused (ValueError naming it), never printed as a box."""
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    from grader.certificates.fonts import CertificateFont

    assert isinstance(font, CertificateFont)
    now = now or datetime.now()
    page = blocks(record, now)
    refusal = font.refusal({"档案": "".join(texts(page))})
    if refusal:
        raise ValueError(refusal)
    with font.subset(texts(page)) as path:
        pdf = FPDF(format="A4", unit="mm")
        pdf.set_title(f"{TITLE} {record.person.name}")
        pdf.set_creator("qinglian")
        pdf.set_creation_date(now)
        pdf.add_font(_FONT, "", str(path))
        for loaded in pdf.fonts.values():  # as the certificates do: the subset's boxes are right already
            if hasattr(loaded, "ttfont"):
                loaded.ttfont.recalcBBoxes = False
        pdf.set_margins(15, 15, 15)
        pdf.set_auto_page_break(True, 15)
        pdf.add_page()
        for block in page:
            if block.kind == "title":
                pdf.set_font(_FONT, size=20)
                pdf.cell(0, 14, block.texts[0], align="C", new_x="LMARGIN", new_y="NEXT")
            elif block.kind == "heading":
                pdf.ln(2)
                pdf.set_font(_FONT, size=13)
                pdf.cell(0, 9, block.texts[0], new_x="LMARGIN", new_y="NEXT")
            elif block.kind in ("line", "text"):
                pdf.set_font(_FONT, size=10 if block.kind == "line" else 9)
                pdf.multi_cell(0, 5.5, block.texts[0], wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
            else:
                _table(pdf, block)
        return bytes(pdf.output())


def dossier_pdf(session: Session, person_id: str, programmes: Mapping[str, Programme], modules: Sequence[Module],
                now: datetime | None = None) -> bytes:
    """`qinglian dossier PERSON --pdf FILE` and the records page: the person's dossier as PDF bytes.
    ProgrammeError for an unknown person; FontError when the certificates' font is not installed."""
    now = now or datetime.now()
    record = person_record(session, person_id, programmes, modules, now=now)
    return render(record, _font(), now)


@cache
def _font() -> object:
    """The font's character map, read once per process (a third of a second each time otherwise)."""
    from grader.certificates.fonts import CertificateFont, find_cjk_font

    return CertificateFont(find_cjk_font())
