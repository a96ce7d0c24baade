"""What the audit log vouches for: each audited table, the columns of a row's state, and their names
in Chinese (verify names a changed column by them). A row's state is its columns as the log keeps
them; a result's state also carries the digest of its item scores, so an item score edited in
ql_item_result changes its result's state."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, inspect, select
from sqlalchemy.orm import Session

from grader.audit.log import canonical, plain
from grader.gradebook import nbgrader_tables
from grader.gradebook.models import (
    CertificateRevocationRow,
    CertificateRow,
    EssayMarkRow,
    GateRecordRow,
    ItemResultRow,
    MarkingSettingRow,
    PersonRow,
    ProctorActionRow,
    PromotionCaseRow,
    ResultFlagClearanceRow,
    ResultRow,
    ScoreReviewRow,
    SittingRow,
    StaffRow,
    UnitRow,
)

Row = Mapping[Any, Any]  # a result row's mapping


@dataclass(frozen=True)
class Audited:
    table: Table
    labels: dict[str, str]
    ignored: frozenset[str] = frozenset()  # columns that change without meaning (sign-in counters)
    unlogged_ok: Callable[[Row], bool] = field(default=lambda row: False)  # rows the log need not know

    @property
    def name(self) -> str:
        return self.table.name

    def key(self, row: Row) -> str:
        return "/".join(str(row[c.name]) for c in self.table.primary_key.columns)

    def label(self, column: str) -> str:
        return self.labels.get(column, column)


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


_GATE = {"person_id": "人员", "kind": "类别", "action": "操作", "replaces": "所更正记录", "happened_on": "日期",
         "recorded_by": "记录人", "recorded_at": "记录时间", "notes": "备注", "text": "承诺内容", "reason": "原因",
         "case_id": "任职事项"}
_RESULT = {"run_id": "评分批次", "assignment": "试卷", "student_id": "人员", "submitted_at": "交卷时间",
           "auto_score": "得分", "max_score": "满分", "needs_manual": "需人工评分", "flagged": "待复核",
           "current": "是否当前成绩", "items": "各题得分"}
_CERT = {"person_id": "人员", "programme": "项目", "facts": "证书内容", "payload": "二维码内容", "key_id": "签发密钥",
         "pdf": "证书文件", "issued_at": "签发时间", "issued_by": "签发人"}
_REVOKE = {"revoked_at": "吊销时间", "revoked_by": "吊销人", "reason": "原因"}
_PERSON = {"name": "姓名", "id_number": "身份证号", "unit": "单位", "rank": "职级", "category": "人员类别"}
_UNIT = {"parent": "上级单位", "kind": "类别", "position": "名单顺序"}
_STAFF = {"name": "姓名", "role": "角色", "os_user": "系统用户", "hub_user": "JupyterHub 用户",
          "password_hash": "密码", "active": "启用", "created_at": "建立时间"}
_CLEAR = {"cleared_by": "解除人", "cleared_at": "解除时间", "reason": "原因"}
_GRADE = {"manual_score": "人工评分", "extra_credit": "加分"}
_MARK = {"assignment": "试卷", "student_id": "人员", "item": "题号", "marker_id": "阅卷人账号", "marker": "阅卷人",
         "round": "评次", "score": "评分", "comment": "评语", "marked_at": "评分时间"}
_MARKING = {"double_marking": "双评", "threshold": "分差阈值", "set_by": "设置人", "set_at": "设置时间"}
_CASE = {"person_id": "人员", "programme": "项目", "position": "拟任职务", "notice_start": "公示开始",
         "notice_end": "公示结束", "decision_on": "任职决定日期", "opened_by": "立项人", "opened_at": "立项时间",
         "state": "状态", "ended_by": "办结人", "ended_at": "办结时间", "end_reason": "办结原因"}
_REVIEW = {"result_id": "所复核成绩", "person_id": "人员", "assignment": "试卷", "requested_by": "受理人",
           "on_behalf": "代为申请", "requested_at": "申请时间", "reason": "理由", "first_marks": "原评分",
           "first_score": "原得分", "marker": "复核阅卷人", "second_marks": "复核评分", "marked_at": "复核评分时间",
           "outcome": "复核结果", "final_score": "最终得分", "decided_by": "决定人", "decided_at": "决定时间",
           "note": "说明"}
_SITTING = {"title": "名称", "opens_at": "开始时间", "closes_at": "结束时间", "duration_minutes": "时长",
            "attempts_allowed": "允许作答次数", "created_by": "建立人", "created_at": "建立时间",
            "switch_limit": "切屏次数上限"}
_PROCTOR = {"sitting_id": "场次", "admission_no": "准考证号", "attempt_id": "作答", "action": "操作",
            "detail": "内容", "reason": "原因", "actor": "操作人", "at": "时间"}

AUDITED: dict[str, Audited] = {a.name: a for a in (
    Audited(_table(GateRecordRow), _GATE),
    Audited(_table(ResultRow), _RESULT),
    Audited(_table(CertificateRow), _CERT),
    Audited(_table(CertificateRevocationRow), _REVOKE),
    Audited(_table(ResultFlagClearanceRow), _CLEAR),
    Audited(_table(PersonRow), _PERSON),
    Audited(_table(UnitRow), _UNIT),
    Audited(_table(StaffRow), _STAFF, frozenset({"failed_tries", "locked_until"})),
    Audited(_table(PromotionCaseRow), _CASE),  # promotion cases and score reviews (grader.records, issue 13)
    Audited(_table(ScoreReviewRow), _REVIEW),
    Audited(_table(EssayMarkRow), _MARK),  # essay marking (grader.marking, issue 14)
    Audited(_table(MarkingSettingRow), _MARKING),
    Audited(_table(SittingRow), _SITTING),  # sittings and what proctors did in them
    Audited(_table(ProctorActionRow), _PROCTOR),
    # nbgrader's own grades: only a manual score is ours to vouch for (formgrader writes it; audit sync logs it)
    Audited(nbgrader_tables.grade, _GRADE, frozenset({"notebook_id", "cell_id", "auto_score", "needs_manual_grade"}),
            unlogged_ok=lambda row: row["manual_score"] is None),
)}


def state_of(audited: Audited, row: Row, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A row's state as the log keeps it."""
    state = {c.name: plain(row[c.name]) for c in audited.table.columns if c.name not in audited.ignored}
    state.update(extra or {})
    return state


_ITEM_COLUMNS = ("position", "item_id", "verdict", "score", "max_score")  # what a result's item digest covers


def _items_digest(rows: list[list[Any]]) -> str:
    """`rows`: each item score's _ITEM_COLUMNS values as the log keeps them."""
    body = canonical(sorted(rows))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _result_items(session: Session, ids: list[int] | None) -> dict[int, str]:
    """The item digest of each result (all of them: `ids` None). Plain tuples of the five columns,
    not mappings of the whole row: a city's million item scores are read several times faster."""
    items: dict[int, list[list[Any]]] = {}
    table = _table(ItemResultRow)
    query = select(table.c.result_id, *(table.c[name] for name in _ITEM_COLUMNS))
    for start in range(0, len(ids) if ids is not None else 1, 500):
        part = query if ids is None else query.where(ItemResultRow.result_id.in_(ids[start:start + 500]))
        for result_id, *values in session.execute(part):  # int, str, str, float and float: JSON as they are
            items.setdefault(result_id, []).append(values)
    return {result: _items_digest(rows) for result, rows in items.items()}


def current_states(session: Session, audited: Audited) -> Iterator[tuple[str, dict[str, Any], Row]]:
    """Every row of an audited table as it stands: (key, state, row)."""
    is_result = audited.name == ResultRow.__tablename__
    digests = _result_items(session, None) if is_result else {}
    for row in session.execute(select(audited.table)).mappings():
        extra = {"items": digests.get(row["id"], _items_digest([]))} if is_result else None
        yield audited.key(row), state_of(audited, row, extra), row


def snapshot(session: Session, orm_row: object) -> dict[str, Any]:
    """The state of one (flushed) ORM row of an audited table."""
    table_name = inspect(orm_row).mapper.local_table.name
    audited = AUDITED[table_name]
    row = {c.name: getattr(orm_row, inspect(orm_row).mapper.get_property_by_column(c).key)
           for c in audited.table.columns}
    extra = None
    if table_name == ResultRow.__tablename__:
        extra = {"items": _result_items(session, [row["id"]]).get(row["id"], _items_digest([]))}
    return state_of(audited, row, extra)


def states_by_key(session: Session, table_name: str, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The current states of some rows of one audited table (single-column keys)."""
    audited = AUDITED[table_name]
    (column,) = audited.table.primary_key.columns
    found: dict[str, dict[str, Any]] = {}
    digests = _result_items(session, [int(k) for k in keys]) if table_name == ResultRow.__tablename__ else {}
    for start in range(0, len(keys), 500):
        chunk = [column.type.python_type(k) for k in keys[start:start + 500]]
        for row in session.execute(select(audited.table).where(column.in_(chunk))).mappings():
            extra = {"items": digests.get(row["id"], _items_digest([]))} if table_name == "ql_result" else None
            found[audited.key(row)] = state_of(audited, row, extra)
    return found
