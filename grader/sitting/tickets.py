"""Admission tickets (准考证): one printable A4 page per candidate with admission number, exam code,
name, unit, sitting, time, place and the rules, in the certificates' embedded CJK font.

Codes exist only in the list written when the sitting was made or its codes reissued (the
database keeps HMACs), so the tickets are printed from that list."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.gradebook.models import PaperRow, SittingCandidateRow, SittingRow
from grader.sitting.errors import SittingError
from grader.sitting.seats import people
from grader.sitting.signin import SEAT_TRIES

_FONT = "cjk"


@dataclass(frozen=True)
class Ticket:
    admission_no: str
    code: str
    name: str
    unit: str
    sitting_title: str
    paper_title: str
    opens_at: datetime
    closes_at: datetime
    duration_minutes: int
    place: str
    switch_limit: int | None

    @property
    def rules(self) -> tuple[str, ...]:
        switches = (f"切换页面或窗口达 {self.switch_limit} 次将自动交卷" if self.switch_limit
                    else "切换页面或窗口会被记录")
        return (
            "凭本准考证上的准考证号和考试码进入考场网页；考试码只印在本证上，请勿告诉他人。",
            f"考试码连续输错 {SEAT_TRIES} 次，该准考证号锁定 10 分钟，可请监考人员解锁。",
            f"作答时长 {self.duration_minutes} 分钟，时间以服务器为准，到时自动交卷。",
            "每题作答后自动保存，显示“已保存”即已记入成绩库；刷新页面或断网后重新进入，答案和剩余时间不变。",
            "多选题须选出全部正确选项才得分；填空题不区分全角半角和英文大小写，空格不影响评分。",
            f"考试期间请勿离开考试页面，{switches}；禁止复制、粘贴。",
            "交卷前请核对未答和标记的题目，交卷后不能再修改。",
        )


def read_codes(path: Path) -> dict[str, str]:
    """准考证号 -> 考试码 from the list sitting create / reissue-codes wrote (Excel may have saved it
    again and dropped a code's leading zeros: they are put back)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise SittingError(f"{path}: 无法读取考试码名单（{error}）") from error
    if rows and not {"准考证号", "考试码"} <= set(rows[0]):
        raise SittingError(f"{path}: 缺少“准考证号”或“考试码”列")
    codes = {}
    for line, row in enumerate(rows, start=2):
        number, code = (row.get("准考证号") or "").strip(), (row.get("考试码") or "").strip()
        if not number or not code.isdigit():
            raise SittingError(f"{path}:{line}: 考试码应为数字，实为“{code}”")
        codes[number] = code.zfill(6)
    return codes


def tickets_for(session: Session, sitting_id: str, codes: Mapping[str, str], place: str) -> list[Ticket]:
    """A ticket for every seat of the sitting that the list gives a code for, by admission number."""
    sitting = session.get(SittingRow, sitting_id)
    if sitting is None:
        raise SittingError(f"没有场次 {sitting_id}")
    seats = list(session.scalars(select(SittingCandidateRow).where(SittingCandidateRow.sitting_id == sitting_id,
                                                                  SittingCandidateRow.admission_no.in_(list(codes)))
                                 .order_by(SittingCandidateRow.admission_no)))
    unknown = sorted(set(codes) - {s.admission_no for s in seats})
    if unknown:
        raise SittingError(f"名单中的准考证号不属于场次 {sitting_id}：{'、'.join(unknown[:5])}")
    known = people(session, (s.student_id for s in seats))
    titles = {p.assignment: p.title for p in session.scalars(select(PaperRow))}
    return [Ticket(s.admission_no, codes[s.admission_no], known[s.student_id].name if s.student_id in known else "",
                   known[s.student_id].unit if s.student_id in known else "", sitting.title,
                   titles.get(s.assignment, s.assignment), sitting.opens_at, sitting.closes_at,
                   sitting.duration_minutes, place, sitting.switch_limit) for s in seats]


def _fields(ticket: Ticket) -> list[tuple[str, str]]:
    when = f"{ticket.opens_at:%Y年%m月%d日 %H:%M} 至 {ticket.closes_at:%H:%M}" if (
        ticket.opens_at.date() == ticket.closes_at.date()) else (
        f"{ticket.opens_at:%Y年%m月%d日 %H:%M} 至 {ticket.closes_at:%Y年%m月%d日 %H:%M}")
    return [("姓　　名", ticket.name), ("单　　位", ticket.unit), ("准考证号", ticket.admission_no),
            ("考 试 码", ticket.code), ("考试时间", when), ("考试地点", ticket.place or "—"),
            ("试　　卷", ticket.paper_title)]


def ticket_pdf(tickets: Sequence[Ticket]) -> bytes:
    """All tickets in one PDF, a page each; refused, naming the character, if the font lacks one."""
    from grader.certificates.fonts import CertificateFont, FontError, find_cjk_font

    try:
        font = CertificateFont(find_cjk_font())
    except FontError as error:
        raise SittingError(str(error)) from error
    texts = [text for t in tickets for text in (t.sitting_title, *(f"{k}{v}" for k, v in _fields(t)), *t.rules)]
    for ticket in tickets:
        refusal = font.refusal(dict(_fields(ticket)))
        if refusal:
            raise SittingError(f"{ticket.admission_no}: {refusal}")
    with font.subset([*texts, "准考证考试须知（）"]) as path:
        return _render(tickets, path)


def _render(tickets: Sequence[Ticket], font: Path) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_creator("qinglian")
    pdf.set_title("准考证")
    pdf.add_font(_FONT, "", str(font))
    for ticket in tickets:
        pdf.add_page()
        pdf.set_font(_FONT, size=26)
        pdf.set_xy(15, 24)
        pdf.cell(180, 14, "准 考 证", align="C")
        pdf.set_font(_FONT, size=14)
        pdf.set_xy(25, 42)
        pdf.multi_cell(160, 8, ticket.sitting_title, align="C", wrapmode=WrapMode.CHAR)
        y = pdf.get_y() + 8
        for label, value in _fields(ticket):
            big = label in ("准考证号", "考 试 码")
            pdf.set_font(_FONT, size=18 if big else 13)
            pdf.set_xy(30, y)
            pdf.cell(32, 11 if big else 9, label)
            pdf.set_xy(66, y)
            pdf.multi_cell(118, 11 if big else 9, value, align="L", wrapmode=WrapMode.CHAR)
            y = pdf.get_y() + 2
        pdf.set_font(_FONT, size=13)
        pdf.set_xy(25, y + 6)
        pdf.cell(160, 8, "考试须知")
        pdf.set_font(_FONT, size=10.5)
        pdf.set_xy(25, y + 15)
        for number, rule in enumerate(ticket.rules, start=1):
            pdf.set_x(25)
            pdf.multi_cell(160, 6, f"{number}. {rule}", align="L", wrapmode=WrapMode.CHAR)
        pdf.set_line_width(0.6)
        pdf.rect(15, 15, 180, pdf.get_y() - 15 + 8)  # drawn last: as tall as what it frames
    missing = [chr(c) for loaded in pdf.fonts.values() for c in getattr(loaded, "missing_glyphs", [])]
    if missing:
        raise SittingError(f"准考证字体缺字：{'、'.join(missing)}")
    return bytes(pdf.output())
