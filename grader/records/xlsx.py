"""Lists from the records view as `.xlsx` workbooks Excel opens cleanly (openpyxl): a bold,
frozen header row, columns wide enough for Chinese text, dates as dates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from grader.programmes import ProgrammeStatus
from grader.records.dossier import PersonCard, PersonRecord
from grader.records.gate import ACTIONS
from grader.workbook import workbook

Row = Mapping[str, object]
STATUS_COLUMNS = ("编号", "姓名", "单位", "培训项目", "年度", "状态", "完成时间", "未完成的环节")
PEOPLE_COLUMNS = ("编号", "姓名", "身份证号（已隐去）", "单位", "职级", "人员类别")
GATE_COLUMNS = ("记录号", "事项", "操作", "日期", "记录人", "记录时间", "备注", "承诺内容", "原因", "更正/撤销的记录",
                "是否有效")


def status_rows(statuses: Sequence[ProgrammeStatus]) -> list[dict[str, object]]:
    """One row per person and programme: cleared, or the missing steps by name."""
    return [{"编号": s.person_id, "姓名": s.name, "单位": s.unit, "培训项目": s.title, "年度": s.year or "",
             "状态": s.state,
             "完成时间": s.cleared_at.date() if s.cleared_at else None,
             "未完成的环节": s.missing_summary} for s in statuses]


def people_rows(people: Sequence[PersonCard]) -> list[dict[str, object]]:
    return [{"编号": p.id, "姓名": p.name, "身份证号（已隐去）": p.id_number, "单位": p.unit, "职级": p.rank,
             "人员类别": p.category} for p in people]


def gate_rows(record: PersonRecord) -> list[dict[str, object]]:
    return [{"记录号": g.id, "事项": g.label, "操作": ACTIONS.get(g.action, g.action), "日期": g.happened_on,
             "记录人": g.recorded_by, "记录时间": g.recorded_at, "备注": g.notes, "承诺内容": g.text or "",
             "原因": g.reason, "更正/撤销的记录": g.replaces or "", "是否有效": "有效" if g.in_force else "已失效"}
            for g in record.gate]


def xlsx_bytes(title: str, columns: Sequence[str], rows: Sequence[Row]) -> bytes:
    """A one-sheet workbook: the header, then the rows (missing cells left blank)."""
    return workbook([(title, columns, [[row.get(column) for column in columns] for row in rows])])


def write_xlsx(path: Path, title: str, columns: Sequence[str], rows: Sequence[Row]) -> Path:
    path.write_bytes(xlsx_bytes(title, columns, rows))
    return path
