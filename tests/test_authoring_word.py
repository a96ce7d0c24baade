"""The Word reader over generated questions: any item written in the common layout, options one a paragraph or
several on a line, labels as 答案： or 【答案】, the type written or left to be inferred, reads back as it was."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from grader.authoring import importing
from grader.authoring.record import Record
from grader.authoring.rows import AREA_LABELS, TYPE_LABELS, USE_LABELS
from tests.authoring_records import IDS, valid

# Chinese text as trainers write it: CJK, Chinese punctuation and inner spaces (a paragraph never starts with a
# question number, an option letter or a label, which the layout reserves)
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
TEXT = st.text(CJK | st.sampled_from(list("，。？；（）《》“”、 ")), min_size=1, max_size=20).map(str.strip).filter(
    lambda t: bool(t) and not t.startswith(("（", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十")))
TEXT = TEXT.filter(lambda t: not any(t.startswith(label) for label in ("题号", "题型", "答案", "解析", "出处", "知识点",
                                                                       "分值", "内容领域", "用途", "评分要点")))

NAME = TEXT.filter(lambda t: not set(t) & set("《》（）"))  # a document's name, a clause: 出处 splits at 》 and （


@st.composite
def word_records(draw: st.DrawFn, item_id: str) -> Record:
    item_type = draw(st.sampled_from(sorted(TYPE_LABELS)))
    stem, options, answer, rubric = draw(TEXT), (), None, ""
    if item_type in ("single", "multiple"):
        options = tuple(draw(st.lists(TEXT, min_size=2, max_size=8)))
        letters = "ABCDEFGH"[: len(options)]
        size = 1 if item_type == "single" else draw(st.integers(2, len(letters)))
        answer = "".join(sorted(draw(st.lists(st.sampled_from(letters), min_size=size, max_size=size, unique=True))))
    elif item_type == "truefalse":
        answer = draw(st.booleans())
    elif item_type == "fill":
        stem = f"{stem}____{draw(TEXT)}"
        answer = tuple(draw(st.lists(TEXT, min_size=1, max_size=3)))
    else:
        rubric = "\n".join(draw(st.lists(TEXT, min_size=1, max_size=3)))
    use = draw(st.sampled_from(sorted(USE_LABELS)))
    return Record(item_id, item_type, stem, options, answer, float(draw(st.integers(1, 20))),
                  draw(st.sampled_from(sorted(AREA_LABELS))), f"《{draw(NAME)}》", f"第{draw(NAME)}条",
                  " ".join(draw(TEXT).split()), draw(TEXT | st.just("")), rubric, use)


def _answer(record: Record) -> str:
    if isinstance(record.answer, bool):
        return "正确" if record.answer else "错误"
    if isinstance(record.answer, tuple):
        return "｜".join(record.answer)
    return record.answer or ""


def _paragraphs(number: int, record: Record, data: st.DataObject) -> list[str]:
    label = data.draw(st.sampled_from(["{}：", "【{}】"]))
    lines = [f"{number}. {record.stem}"]
    options = [f"{letter}. {text}" for letter, text in zip(record.letters, record.options, strict=True)]
    lines += ["    ".join(options)] if options and data.draw(st.booleans()) else options
    fields = {"答案": _answer(record), "分值": f"{record.points:g}", "内容领域": AREA_LABELS[record.area],
              "用途": USE_LABELS[record.use], "题号": record.id, "解析": record.explanation,
              "出处": f"{record.document}{record.clause}", "知识点": record.fact}
    if record.type in ("single", "multiple", "essay") or data.draw(st.booleans()):
        fields["题型"] = TYPE_LABELS[record.type]  # a single with two letters would be read as a multiple
    for name, value in fields.items():
        if value:
            lines.append(label.format(name) + value)
    if record.rubric:
        first, *rest = record.rubric.split("\n")
        lines += [label.format("评分要点") + first, *rest]
    return lines


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(IDS, min_size=1, max_size=4, unique=True), st.data())
def test_generated_questions_written_in_the_common_layout_read_back(
        tmp_path_factory: pytest.TempPathFactory, ids: list[str], data: st.DataObject) -> None:
    records = [data.draw(word_records(item_id)) for item_id in ids]
    assume(all(valid(record) for record in records))
    document = docx.Document()
    document.add_paragraph("培训测试题")
    for number, record in enumerate(records, start=1):
        for line in _paragraphs(number, record, data):
            document.add_paragraph(line)
    path = tmp_path_factory.mktemp("word") / "题.docx"
    document.save(str(path))
    result = importing.check_rows(path, importing.read_rows(path), bank_id="word")
    assert result.problems == ()
    assert list(result.bank.records) == records


def test_the_type_is_inferred_when_not_written(tmp_path: Path) -> None:
    document = docx.Document()
    for line in ["1. 甲乙？", "A. 甲", "B. 乙", "答案：AB", "2. 甲是乙。", "答案：对", "3. 甲____。", "答案：乙",
                 "4. 简述甲。", "评分要点：乙（2分）", "5. 甲乙？", "A. 甲", "B. 乙", "答案：B"]:
        document.add_paragraph(line)
    path = tmp_path / "题.docx"
    document.save(str(path))
    rows = importing.read_rows(path).rows
    assert [cells["题型"] for _, cells in rows] == ["多选", "判断", "填空", "简答", "单选"]
    assert [cells["分值"] for _, cells in rows] == [3, 1, 2, 10, 2]


def test_lines_before_the_first_question_hold_for_every_question_that_does_not_say_its_own(tmp_path: Path) -> None:
    document = docx.Document()
    for line in ["《监察法》测试题", "内容领域：监狱（警示教育）", "出处文件：《中华人民共和国监察法》（2024年修正）",
                 "用途：练习", "1. 甲是乙。", "答案：对", "出处条款：第三条", "2. 甲是丙。", "答案：错", "用途：考试",
                 "内容领域：红旗渠", "出处：《中华人民共和国刑法》第三百八十二条", "知识点：甲"]:
        document.add_paragraph(line)
    path = tmp_path / "题.docx"
    document.save(str(path))
    result = importing.check_rows(path, importing.read_rows(path, area="party_school"), bank_id="word")
    assert result.problems == ()
    first, second = result.bank.records
    assert (first.area, first.use, first.document, first.clause) == (
        "prison", "practice", "《中华人民共和国监察法》（2024年修正）", "第三条")
    assert (second.area, second.use, second.document, second.clause) == (
        "red_flag_canal", "exam", "《中华人民共和国刑法》", "第三百八十二条")
