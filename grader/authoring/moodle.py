"""Banks as Moodle XML (the question bank's "Moodle XML format" import), one category per bank.

single/multiple → multichoice, truefalse → truefalse, fill → shortanswer, essay → essay (the rubric as the
grader information). Moodle's multichoice with several answers gives partial credit (each right choice
100/k %, each wrong one −100 %); qinglian scores all or nothing. The explanation, the fact and the source go
into the general feedback as paragraphs of their own, the area and the use into tags."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from grader.authoring.record import AuthoredBank, Record, UnwritableError, not_xml
from grader.scoring import normalize_choice

QUESTION_TYPES = {"single": "multichoice", "multiple": "multichoice", "truefalse": "truefalse",
                  "fill": "shortanswer", "essay": "essay"}


def html_text(text: str) -> str:
    """Plain text as the HTML Moodle shows: escaped, line breaks as <br>."""
    return html.escape(text, quote=False).replace("\n", "<br>")


def feedback(record: Record, *, rubric: bool = False) -> str:
    """The general feedback: explanation, fact, source (and the rubric where a format has no other place)."""
    parts = [f'<p class="explanation">{html_text(record.explanation)}</p>'] if record.explanation else []
    if rubric and record.rubric:
        parts.append(f'<p class="rubric">评分要点：<br>{html_text(record.rubric)}</p>')
    if record.fact:
        parts.append(f'<p class="fact">知识点：{html_text(record.fact)}</p>')
    parts.append(f'<p class="source">出处：<span class="document">{html_text(record.document)}</span> '
                 f'<span class="clause">{html_text(record.clause)}</span></p>')
    return "".join(parts)


def fraction(record: Record, letter: str) -> str:
    """The grade, in Moodle's percent, of choosing `letter` (a value Moodle's list of grades holds)."""
    assert isinstance(record.answer, str)
    key = normalize_choice(record.answer, record.letters) or ""
    if record.type == "single":
        return "100" if letter in key else "0"
    return f"{100 / len(key):.5f}".rstrip("0").rstrip(".") if letter in key else "-100"


def category_path(bank: AuthoredBank) -> str:
    return "$course$/top/" + (bank.title or bank.id).replace("/", "//")


def _sub(parent: ET.Element, tag: str, text: str = "", **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text:
        element.text = text
    return element


def _text(parent: ET.Element, tag: str, text: str, text_format: str = "html") -> ET.Element:
    element = _sub(parent, tag, format=text_format)
    _sub(element, "text", text)
    return element


def _answers(question: ET.Element, record: Record) -> None:
    if record.type in ("single", "multiple"):
        _sub(question, "single", "true" if record.type == "single" else "false")
        _sub(question, "shuffleanswers", "1")
        _sub(question, "answernumbering", "ABCD")
        for letter, option in zip(record.letters, record.options, strict=True):
            answer = _text(question, "answer", html_text(option))
            answer.set("fraction", fraction(record, letter))
    elif record.type == "truefalse":
        for word in ("true", "false"):
            answer = _text(question, "answer", word, "moodle_auto_format")
            answer.set("fraction", "100" if (word == "true") == record.answer else "0")
    elif record.type == "fill":
        _sub(question, "usecase", "0")
        assert isinstance(record.answer, tuple)
        for accepted in record.answer:
            answer = _text(question, "answer", accepted, "moodle_auto_format")
            answer.set("fraction", "100")
    else:
        for tag, text in (("responseformat", "editor"), ("responserequired", "1"), ("responsefieldlines", "15"),
                          ("attachments", "0")):
            _sub(question, tag, text)
        _text(question, "graderinfo", html_text(record.rubric))


def question(record: Record) -> ET.Element:
    element = ET.Element("question", type=QUESTION_TYPES[record.type])
    _sub(_sub(element, "name"), "text", record.id)
    _text(element, "questiontext", html_text(record.stem))
    _text(element, "generalfeedback", feedback(record))
    _sub(element, "defaultgrade", f"{record.points:g}")
    _sub(element, "penalty", "0")
    _sub(element, "hidden", "0")
    _sub(element, "idnumber", record.id)
    _answers(element, record)
    tags = _sub(element, "tags")
    for tag in (record.area, record.use):
        _sub(_sub(tags, "tag"), "text", tag)
    return element


def write_moodle(banks: Sequence[AuthoredBank]) -> bytes:
    """The Moodle XML of banks; raises UnwritableError for texts XML cannot hold."""
    reasons = [reason for bank in banks for record in bank.records for reason in not_xml(record)]
    if reasons:
        raise UnwritableError(reasons)
    quiz = ET.Element("quiz")
    for bank in banks:
        category = ET.SubElement(quiz, "question", type="category")
        _sub(_sub(category, "category"), "text", category_path(bank))
        _text(category, "info", html_text(f"qinglian 题库 {bank.id}"))
        quiz.extend(question(record) for record in bank.records)
    ET.indent(quiz)
    body: bytes = ET.tostring(quiz, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"
