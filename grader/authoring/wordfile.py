"""Questions written in Word in the common layout, read into the template's columns.

    一、单项选择题                    (optional: sets the type of the questions after it)
    1. 题干（可以接着写几段）
    A. 选项   B. 选项                 (one option a paragraph, or several on one line)
    答案：B                           (判断：正确/错误；填空：可接受的答案用 ｜ 分隔)
    解析：……                          (may go on over the next paragraphs)
    出处：《文件》（版本）第十五条     (or 出处文件：/出处条款：)
    知识点：……   分值：2   内容领域：…   用途：练习   题型：多选   题号：law-151   评分要点：…

Before the first question, 内容领域：, 用途： and 出处文件： lines hold for every question that does not say its
own (then a question may give only 出处条款：). Labels may also be written 【答案】. Without 题型 the type
follows from the rest: options and one answer letter is 单选, several letters 多选, 正确/错误 判断, a rubric
简答, else 填空. Without 分值 each type takes its usual points; without 题号 the question becomes
<bank>-<number>."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.authoring.record import clean
from grader.authoring.rows import LETTERS, fold
from grader.authoring.rows import RowProblem as Problem
from grader.authoring.xlsx import SheetRows

DEFAULT_POINTS = {"单选": 2, "多选": 3, "判断": 1, "填空": 2, "简答": 10}
LABELS = ("题号", "题型", "答案", "解析", "出处文件", "出处条款", "出处", "知识点", "分值", "内容领域", "用途",
          "评分要点")
DOCUMENT_DEFAULTS = ("内容领域", "用途", "出处文件")  # written before the first question, they hold for all
_LABEL = "|".join(LABELS)
_FIELD = re.compile(rf"^(?:【\s*({_LABEL})\s*】|({_LABEL})\s*[：:])\s*(.*)$", re.S)
_QUESTION = re.compile(r"^(\d{1,4})\s*[.．、](?!\d)\s*(.+)$", re.S)
_OPTION = re.compile(r"^[（(]?([A-H])[)）]?\s*[.．、:：]\s*(.*)$", re.S)
_NEXT_OPTION = re.compile(r"\s+(?=[（(]?[B-H][)）]?\s*[.．、:：])")
_SECTION = re.compile(r"^[一二三四五六七八九十]+\s*[、.．]\s*(单项选择|多项选择|单选|多选|判断|填空|简答)题?")
_SECTION_TYPES = {"单项选择": "单选", "多项选择": "多选"}
_TRUE_FALSE = {fold(word) for word in ("正确", "错误", "对", "错", "√", "×", "✓", "✗")}


@dataclass
class _Question:
    """One question while its paragraphs are read (private and mutable; the boundary is SheetRows)."""

    stem: list[str]
    section_type: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    last: str = "题干"

    def add(self, key: str, text: str) -> None:
        self.fields.setdefault(key, []).append(text)
        self.last = key

    def go_on(self, text: str) -> None:
        if self.last == "题干":
            self.stem.append(text)
        else:
            self.fields[self.last].append(text)

    def text(self, key: str) -> str:
        return "\n".join(part for part in self.fields.get(key, []) if part)


def split_source(text: str) -> tuple[str, str]:
    """出处 → (文件, 条款): the document ends at the last 》 and the editions in brackets after it."""
    end = text.rfind("》")
    if end < 0:
        head, _, tail = text.rpartition(" ")
        return (head.strip(), tail.strip()) if head.strip() else (text.strip(), "")
    end += 1
    while True:
        rest = text[end:].lstrip()
        if not rest or rest[0] not in "（(":
            break
        depth, index = 0, len(text) - len(rest)
        for index in range(len(text) - len(rest), len(text)):
            depth += {"（": 1, "(": 1, "）": -1, ")": -1}.get(text[index], 0)
            if depth == 0:
                break
        end = index + 1
    return text[:end].strip(), text[end:].strip()


def _type(question: _Question) -> str:
    given = question.text("题型") or question.section_type
    if given:
        return given
    answer = fold(question.text("答案"))
    if any(f"选项{letter}" in question.fields for letter in LETTERS):
        return "多选" if len(set(answer) & set(LETTERS.lower())) > 1 else "单选"
    if answer in _TRUE_FALSE:
        return "判断"
    essay = question.text("评分要点") or (not answer and "____" not in "".join(question.stem))
    return "简答" if essay else "填空"


def _cells(question: _Question, defaults: dict[str, str]) -> dict[str, object]:
    item_type = _type(question)
    cells: dict[str, object] = {key: question.text(key) for key in question.fields}
    cells["题干"] = "\n".join(question.stem)
    cells["题型"] = item_type
    cells.setdefault("分值", DEFAULT_POINTS.get(item_type, ""))
    if "出处" in cells:
        document, clause = split_source(str(cells.pop("出处")))
        cells.setdefault("出处文件", document)
        cells.setdefault("出处条款", clause)
    for key, value in defaults.items():
        cells.setdefault(key, value)
    return {key: value for key, value in cells.items() if clean(value)}


def _options(question: _Question, text: str) -> bool:
    """Read a paragraph of options ("A. …", or "A. … B. …" on one line); False if it is none."""
    parts = _NEXT_OPTION.split(text)
    matches = [_OPTION.match(part) for part in parts]
    if not matches or any(m is None for m in matches):
        return False
    for match in matches:
        assert match is not None
        question.add(f"选项{match.group(1)}", match.group(2).strip())
    return True


def _read(question: _Question, text: str, auto_numbered: bool) -> bool:
    """Add a paragraph to a question; False when it cannot be read as part of it."""
    if field_match := _FIELD.match(text):
        question.add(field_match.group(1) or field_match.group(2), field_match.group(3).strip())
        return True
    if (question.last == "题干" or question.last.startswith("选项")) and _options(question, text):
        return True
    if auto_numbered:
        return False
    question.go_on(text)
    return True


def _paragraphs(path: Path) -> list[tuple[str, bool]] | Problem:
    """Each paragraph's text and whether Word numbers it itself (automatic numbering, text not in the file)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, ValueError, KeyError, OSError) as error:
        return Problem(str(path), "第 1 段", "", f"无法读取 Word 文件（{error}；请另存为 .docx）")
    return [(clean(paragraph.text), _auto_numbered(paragraph)) for paragraph in document.paragraphs]


def _auto_numbered(paragraph: Any) -> bool:
    """Whether Word numbers the paragraph itself, directly or through its style (List Number…)."""
    properties = paragraph._p.pPr
    if properties is not None and properties.numPr is not None:
        return True
    style = paragraph.style
    while style is not None:
        style_properties = style.element.pPr
        if style_properties is not None and style_properties.numPr is not None:
            return True
        style = style.base_style
    return False


def _place(number: int, question: _Question) -> str:
    stem = "".join(question.stem)
    return f"第 {number} 题（“{stem[:24]}{'…' if len(stem) > 24 else ''}”）"


def read_docx(path: Path, *, area: str = "") -> SheetRows:
    """The questions of a Word file; `area` is the 内容领域 of those that do not say theirs (nor the file)."""
    paragraphs = _paragraphs(path)
    if isinstance(paragraphs, Problem):
        return SheetRows("", "", (), (paragraphs,), unit="题")
    questions: list[_Question] = []
    problems: list[Problem] = []
    section = ""
    defaults = {"内容领域": area} if area else {}
    for index, (text, auto_numbered) in enumerate(paragraphs, start=1):
        if not text:
            continue
        current = questions[-1] if questions else None
        if section_match := _SECTION.match(text):
            section = _SECTION_TYPES.get(section_match.group(1), section_match.group(1))
        elif question_match := _QUESTION.match(text):
            questions.append(_Question([question_match.group(2).strip()], section))
        elif current is None and (default := _FIELD.match(text)) and default.group(2) in DOCUMENT_DEFAULTS:
            defaults[default.group(2)] = default.group(3).strip()  # before the first question: for them all
        elif (current is None or not _read(current, text, auto_numbered)) and auto_numbered:
            problems.append(Problem(str(path), f"第 {index} 段（“{text[:14]}”）", "",
                                    "用了 Word 的自动编号，编号不在文字里：请把编号改为手写的“1. ”“A. ”"))
    rows = tuple((number, _cells(q, defaults)) for number, q in enumerate(questions, start=1))
    places = tuple((number, _place(number, q)) for number, q in enumerate(questions, start=1))
    names = (("出处文件", "出处"), ("出处条款", "出处"))  # written on one line, split by split_source
    return SheetRows("", "", rows, tuple(problems), unit="题", places=places, names=names, numbered=True)
