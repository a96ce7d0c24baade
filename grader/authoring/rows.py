"""One row of cells ↔ one item: the columns of the spreadsheet template and how each maps to the bank's fields.

A row becomes the raw mapping a YAML bank holds and is checked by `grader.bank.parse_item`, so spreadsheets
and YAML obey one set of rules. Each key's "line" encodes the row and the column it came from, and each of
grader.bank's messages is said again in the spreadsheet's words: `题库.xlsx: 第 7 行 答案: …`."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from grader import bank as bank_lib
from grader.authoring.record import Record, clean, from_raw
from grader.yamlfile import LocatedDict, Problem

LETTERS = "ABCDEFGH"
OPTION_COLUMNS = tuple(f"选项{letter}" for letter in LETTERS)
COLUMNS = ("题号", "题型", "题干", *OPTION_COLUMNS, "答案", "分值", "内容领域", "知识点", "出处文件", "出处条款",
           "解析", "评分要点", "用途")
REQUIRED_COLUMNS = ("题号", "题型", "题干", "答案")
TYPE_LABELS = {"single": "单选", "multiple": "多选", "truefalse": "判断", "fill": "填空", "essay": "简答"}
AREA_LABELS = dict(bank_lib.AREAS)
USE_LABELS = {"exam": "考试", "practice": "练习"}
TRUE_FALSE = {"正确": True, "错误": False}
FILL_SEPARATOR = "｜"
_STRIDE = 32  # a key's line is row * _STRIDE + its column's place in COLUMNS (1-based); 0 means the row
_FIELD_COLUMNS = {"id": "题号", "type": "题型", "stem": "题干", "answer": "答案", "points": "分值", "area": "内容领域",
                  "fact": "知识点", "source": "出处文件", "document": "出处文件", "clause": "出处条款",
                  "explanation": "解析", "rubric": "评分要点", "use": "用途", "options": "选项A"}

# what else a trainer may type for a label (compared after NFKC, without spaces, case-folded)
_TYPE_ALIASES = {**{code: code for code in TYPE_LABELS}, **{v: k for k, v in TYPE_LABELS.items()},
                 **{v: k for k, v in bank_lib.ITEM_TYPES.items()}, "单选题": "single", "多选题": "multiple",
                 "判断题": "truefalse", "填空题": "fill", "简答题": "essay"}
_AREA_ALIASES = {**{code: code for code in AREA_LABELS}, **{v: k for k, v in AREA_LABELS.items()},
                 **{v.split("（")[0]: k for k, v in AREA_LABELS.items()}}  # 监狱, 红旗渠, 本地制度…
_USE_ALIASES = {"exam": "exam", "practice": "practice", "考试": "exam", "考试题": "exam", "练习": "practice",
                "练习题": "practice", "自测": "practice", "自测题": "practice"}
_TF_ALIASES = {"正确": True, "对": True, "√": True, "✓": True, "true": True, "t": True, "是": True,
               "错误": False, "错": False, "×": False, "✗": False, "false": False, "f": False, "否": False}


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one row (or question), said where the trainer will look for it."""

    file: str
    place: str  # "第 7 行", "第 3 题"
    column: str  # "" when the problem is the row's as a whole
    message: str

    def __str__(self) -> str:
        where = f"{self.place} {self.column}" if self.column else self.place
        return f"{self.file}: {where}: {self.message}"


def fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _alias(text: str, aliases: Mapping[str, str]) -> str:
    folded = {fold(k): v for k, v in aliases.items()}
    return folded.get(fold(text), text)


def _line(row: int, column: str) -> int:
    return row * _STRIDE + COLUMNS.index(column) + 1


def _located(row: int, values: Mapping[str, object], columns: Mapping[str, str]) -> LocatedDict:
    mapping = LocatedDict(values)
    mapping.line = row * _STRIDE
    mapping.key_lines = {key: _line(row, columns[key]) for key in values}
    return mapping


def _options(row: int, cells: Mapping[str, str]) -> LocatedDict | None:
    filled = {letter: cells[column] for letter, column in zip(LETTERS, OPTION_COLUMNS, strict=True)
              if cells.get(column)}
    if not filled:
        return None
    options = _located(row, filled, dict(zip(LETTERS, OPTION_COLUMNS, strict=True)))
    options.line = options.key_lines[next(iter(filled))]
    return options


def _answer(item_type: str, text: str, cell: object) -> object:
    if item_type == "truefalse":
        if isinstance(cell, bool):
            return cell
        return _TF_ALIASES.get(fold(text), text)
    if item_type == "fill":
        return [clean(part) for part in re.split(r"[｜|]", text)]
    return text


def _points(cell: object, text: str) -> object:
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return cell
    try:
        number = float(unicodedata.normalize("NFKC", text))
    except ValueError:
        return text
    return number if math.isfinite(number) else text  # "nan", "inf" are words, as in YAML


def to_raw(row: int, cells: Mapping[str, object]) -> LocatedDict:
    """The raw item of one row (column name → cell value), every key located at its column."""
    text = {column: clean(cells.get(column)) for column in COLUMNS}
    item_type = _alias(text["题型"], _TYPE_ALIASES) if text["题型"] else ""
    values: dict[str, object] = {}
    for key, column in (("id", "题号"), ("area", "内容领域"), ("fact", "知识点"), ("stem", "题干"),
                        ("answer", "答案"), ("points", "分值"), ("explanation", "解析"), ("rubric", "评分要点"),
                        ("use", "用途")):
        if text[column]:
            values[key] = text[column]
    if item_type:
        values["type"] = item_type
    if "area" in values:
        values["area"] = _alias(text["内容领域"], _AREA_ALIASES)
    if "use" in values:
        values["use"] = _alias(text["用途"], _USE_ALIASES)
    if "answer" in values or isinstance(cells.get("答案"), bool):
        values["answer"] = _answer(item_type, text["答案"], cells.get("答案"))
    if "points" in values:
        values["points"] = _points(cells.get("分值"), text["分值"])
    if (options := _options(row, text)) is not None:
        values["options"] = options
    if text["出处文件"] or text["出处条款"]:
        source = {key: text[column] for key, column in (("document", "出处文件"), ("clause", "出处条款"))
                  if text[column]}
        located = _located(row, source, _FIELD_COLUMNS)
        located.line = _line(row, "出处文件")
        values["source"] = located
    return _located(row, values, _FIELD_COLUMNS)


def to_cells(record: Record) -> dict[str, object]:
    """The row of one record (column name → cell value); empty cells are ""."""
    answer = record.answer
    if isinstance(answer, bool):
        shown = "正确" if answer else "错误"
    elif isinstance(answer, tuple):
        shown = FILL_SEPARATOR.join(answer)
    else:
        shown = answer or ""
    points = int(record.points) if float(record.points).is_integer() else record.points
    cells: dict[str, object] = {
        "题号": record.id, "题型": TYPE_LABELS[record.type], "题干": record.stem, "答案": shown, "分值": points,
        "内容领域": AREA_LABELS[record.area], "知识点": record.fact, "出处文件": record.document,
        "出处条款": record.clause, "解析": record.explanation, "评分要点": record.rubric,
        "用途": USE_LABELS[record.use],
    }
    cells.update(zip(OPTION_COLUMNS, record.options + ("",) * (len(LETTERS) - len(record.options)), strict=True))
    return cells


def unrepresentable(record: Record) -> str:
    """Why a record cannot be written as a row ("" when it can)."""
    if isinstance(record.answer, tuple) and any(re.search(r"[｜|]", a) for a in record.answer):
        return f"{record.id}：填空题的可接受答案含有 ｜ 或 |，表格中它是答案之间的分隔符"
    return ""


def check_row(row: int, cells: Mapping[str, object], bank_id: str, file: str,
              place: str) -> tuple[Record | None, list[RowProblem]]:
    """The record of one row if grader.bank finds it valid, and every problem said for the spreadsheet."""
    raw = to_raw(row, cells)
    problems: list[Problem] = []
    item = bank_lib.parse_item(raw, raw.line, bank_id, file, problems)
    said = [say(problem, place) for problem in problems]
    return (from_raw(raw) if item is not None else None), said


_AREAS_SHOWN = "、".join(AREA_LABELS.values())
_TYPES_SHOWN = "、".join(TYPE_LABELS.values())
# grader.bank's message → (the column it concerns, None for the one its line names; the spreadsheet's words)
_MESSAGES: tuple[tuple[str, str | None, str], ...] = (
    (r"^缺少 source", "出处文件", "缺少出处（写明文件和条款）"),
    (r"^缺少 fact", "知识点", "考试题必须填写知识点（本题考查的那一个知识点）"),
    (r"^缺少 clause$", "出处条款", "缺少条款（写明条款，如 第十五条）"),
    (r"^缺少 (id|type|stem|area|answer|document)$", "", "不能为空"),
    (r"^未知题型 (.*)（可用 .*）$", "题型", rf"未知题型 \1（可用 {_TYPES_SHOWN}）"),
    (r"^未知领域 (.*)（可用 .*）$", "内容领域", rf"未知内容领域 \1（可用 {_AREAS_SHOWN}）"),
    (r"^use 应为 exam 或 practice，而不是 (.*)$", "用途", r"用途应为 考试 或 练习，而不是 \1"),
    (r"^判断题的 answer 应为 true 或 false，而不是 (.*)$", "答案", r"判断题的答案应为 正确 或 错误，而不是 \1"),
    (r"^points 应为正数，而不是 None$", "分值", "不能为空（填正数，如 2）"),
    (r"^points 应为正数，而不是 (.*)$", "分值", r"应为正数，而不是 \1"),
    (r"^判断题不写 options.*", None, "判断题不填选项（固定为 正确/错误）"),
    (r"^(填空题|简答题)不写 options$", None, r"\1不填选项"),
    (r"^选择题需要至少 2 个选项.*", "选项A", "选择题至少要填 选项A 和 选项B"),
    (r"^选项字母应依次为 A、B、C…，实际为 (.*)$", None, r"选项应从选项A起依次填写，中间不能空（实际填了 \1）"),
    (r"^简答题不写 answer.*", "答案", "简答题不填答案，请填评分要点"),
    (r"^简答题缺少 rubric.*", "评分要点", "简答题必须填写评分要点"),
    (r"^填空题的 answer 应为.*", "答案", f"填空题的答案不能为空（多个可接受的答案用 {FILL_SEPARATOR} 分隔）"),
    (r"^answer (.*) 不是选项（可选 (.*)）$", "答案", r"\1 不是已填写的选项（可选 \2）"),
    (r"^单项选择题只能有一个答案，而 answer 为 (.*)$", "答案", r"单选题只能有一个答案，而答案为 \1"),
    (r"^多项选择题至少应有两个正确选项$", "答案", "多选题至少应有两个正确选项"),
    (r"^题目编号 (.*)$", None, r"题号 \1"),
)


def say(problem: Problem, place: str) -> RowProblem:
    """grader.bank's problem in the spreadsheet's words, at its row and column."""
    index = problem.line % _STRIDE
    column = COLUMNS[index - 1] if index else ""
    message = problem.message
    for pattern, concerns, words in _MESSAGES:
        match = re.match(pattern, message)
        if match is None:
            continue
        if concerns == "":  # 缺少 <key>: the key's own column
            concerns = _FIELD_COLUMNS[match.group(1)]
        column = concerns or column
        message = match.expand(words)
        if pattern.startswith("^选项字母"):  # the first letter left empty before a filled one
            column = next(name for letter, name in zip(LETTERS, OPTION_COLUMNS, strict=True)
                          if letter not in match.group(1))
        break
    return RowProblem(problem.file, place, column, message)
