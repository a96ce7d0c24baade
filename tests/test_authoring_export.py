"""Moodle XML and GIFT exports, read back (the XML with the standard library, GIFT with the small reader below)
and compared item by item with the banks they came from."""

from __future__ import annotations

import dataclasses
import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings

from grader.authoring.gift import write_gift
from grader.authoring.moodle import write_moodle
from grader.authoring.record import AuthoredBank, Record, read_banks
from grader.authoring.samples import EXAMPLES
from grader.cli import main
from grader.scoring import normalize_choice
from tests.authoring_records import record_lists, valid

ROOT = Path(__file__).resolve().parent.parent
BANKS = ROOT / "exams" / "banks"
MOODLE_TYPES = {"multichoice", "truefalse", "shortanswer", "essay"}
# Moodle's grades for an answer (question_bank::fraction_options_full), in percent
MOODLE_FRACTIONS = {100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571,
                    12.5, 11.11111, 10, 5, 0}


def _plain(markup: str) -> str:
    """The text of the HTML the exports write (escaped text, <br> for line breaks)."""
    return "\n".join(html.unescape(part) for part in markup.split("<br>"))


def _feedback(markup: str) -> dict[str, str]:
    parts = dict(re.findall(r'<p class="(\w+)">(.*?)</p>', markup))
    source = re.fullmatch(r'出处：<span class="document">(.*)</span> <span class="clause">(.*)</span>', parts["source"])
    assert source is not None
    return {"explanation": _plain(parts.get("explanation", "")), "fact": _plain(parts.get("fact", "").removeprefix(
        "知识点：")), "rubric": _plain(parts.get("rubric", "").removeprefix("评分要点：<br>")),
        "document": _plain(source.group(1)), "clause": _plain(source.group(2))}


def expected(record: Record, *, points: bool = True) -> Record:
    """What an export can say of a record: choice keys as canonical letters, no blank fill answers."""
    answer = record.answer
    if record.type in ("single", "multiple"):
        assert isinstance(answer, str)
        answer = normalize_choice(answer, record.letters)
    elif isinstance(answer, tuple):
        answer = tuple(a for a in answer if a)
    return dataclasses.replace(record, answer=answer, points=record.points if points else 0.0)


def read_moodle(data: bytes) -> list[tuple[str, list[Record]]]:
    """(category, records) of a Moodle XML file."""
    quiz = ET.fromstring(data)
    assert quiz.tag == "quiz"
    found: list[tuple[str, list[Record]]] = []
    for question in quiz.findall("question"):
        kind = question.get("type")
        if kind == "category":
            found.append((question.findtext("category/text", ""), []))
            continue
        assert kind in MOODLE_TYPES
        found[-1][1].append(_moodle_record(question, kind))
    return found


def _moodle_record(question: ET.Element, kind: str) -> Record:
    answers = [(a.findtext("text", ""), float(a.get("fraction", "0"))) for a in question.findall("answer")]
    options: tuple[str, ...] = ()
    if kind == "multichoice":
        single = question.findtext("single") == "true"
        item_type = "single" if single else "multiple"
        options = tuple(_plain(text) for text, _ in answers)
        weights = [weight for _, weight in answers]
        assert all(abs(w) in MOODLE_FRACTIONS or round(abs(w), 5) in MOODLE_FRACTIONS for w in weights)
        assert round(sum(w for w in weights if w > 0), 3) == 100
        answer: object = "".join("ABCDEFGH"[i] for i, (_, weight) in enumerate(answers) if weight > 0)
    elif kind == "truefalse":
        item_type, answer = "truefalse", next(text for text, weight in answers if weight == 100) == "true"
    elif kind == "shortanswer":
        item_type, answer = "fill", tuple(text for text, _ in answers)
    else:
        item_type, answer = "essay", None
    notes = _feedback(question.findtext("generalfeedback/text", ""))
    tags = [tag.findtext("text", "") for tag in question.findall("tags/tag")]
    assert question.findtext("idnumber") == question.findtext("name/text")
    return Record(
        id=question.findtext("name/text", ""), type=item_type, stem=_plain(question.findtext("questiontext/text", "")),
        options=options, answer=answer, points=float(question.findtext("defaultgrade", "0")), area=tags[0],
        document=notes["document"], clause=notes["clause"], fact=notes["fact"], explanation=notes["explanation"],
        rubric=_plain(question.findtext("graderinfo/text", "")), use=tags[1])  # type: ignore[arg-type]


# --- a small GIFT reader: enough of the format to read back what the export writes ---------------------------------

def _chars(text: str) -> list[tuple[str, bool]]:
    """Each character and whether it was escaped (\\~ \\= \\# \\{ \\} \\: \\\\, and \\n for a line break)."""
    out, index = [], 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text):
            escaped = text[index + 1]
            out.append(("\n" if escaped == "n" else escaped, True))
            index += 2
        else:
            out.append((text[index], False))
            index += 1
    return out


def _find(chars: list[tuple[str, bool]], mark: str, start: int = 0) -> int:
    for index in range(start, len(chars) - len(mark) + 1):
        if all(chars[index + i] == (ch, False) for i, ch in enumerate(mark)):
            return index
    return -1


def _joined(chars: list[tuple[str, bool]]) -> str:
    return "".join(ch for ch, _ in chars)


def _gift_answers(chars: list[tuple[str, bool]]) -> list[tuple[str, str]]:
    """(mark, text) of each answer: mark is "=", "~" or "~%w%"."""
    starts = [i for i, c in enumerate(chars) if c in (("=", False), ("~", False))]
    answers = []
    for start, end in zip(starts, [*starts[1:], len(chars)], strict=False):
        text = _joined(chars[start + 1:end]).strip()
        mark = chars[start][0]
        if weight := re.match(r"%(-?[\d.]+)%", text):
            mark, text = f"~{weight.group(1)}", text[weight.end():]
        answers.append((mark, text))
    return answers


def _gift_question(comment: str, body: str) -> Record:
    chars = _chars(body)
    assert _joined(chars[:2]) == "::"
    title_end = _find(chars, "::", 2)
    item_id = _joined(chars[2:title_end])
    rest = chars[title_end + 2:]
    assert _joined(rest[:6]) == "[html]"
    opening = _find(rest, "{")
    closing = max(i for i, c in enumerate(rest) if c == ("}", False))
    inside = rest[opening + 1:closing]
    split = _find(inside, "####")
    notes = _feedback(_joined(inside[split + 4:]).strip())
    answers = _gift_answers(inside[:split])
    plain = _joined(inside[:split]).strip()
    options: tuple[str, ...] = ()
    answer: object
    if plain in ("TRUE", "FALSE"):
        item_type, answer = "truefalse", plain == "TRUE"
    elif not plain:
        item_type, answer = "essay", None
    elif all(mark == "=" for mark, _ in answers):
        item_type, answer = "fill", tuple(text for _, text in answers)
    else:
        item_type = "single" if any(mark == "=" for mark, _ in answers) else "multiple"
        options = tuple(_plain(text) for _, text in answers)
        right = [mark == "=" or (mark.startswith("~") and mark[1:] and float(mark[1:]) > 0) for mark, _ in answers]
        answer = "".join("ABCDEFGH"[i] for i, ok in enumerate(right) if ok)
    meta = re.fullmatch(r"// (\S+)：分值 ([\d.]+)，内容领域 (\w+)，用途 (\w+)", comment)
    assert meta is not None and meta.group(1) == item_id
    return Record(item_id, item_type, _plain(_joined(rest[6:opening])), options, answer,  # type: ignore[arg-type]
                  float(meta.group(2)), meta.group(3), notes["document"], notes["clause"], notes["fact"],
                  notes["explanation"], notes["rubric"] if item_type == "essay" else "", meta.group(4))


def read_gift(text: str) -> list[tuple[str, list[Record]]]:
    """(category, records) of a GIFT file: questions are separated by blank lines; // starts a comment line."""
    found: list[tuple[str, list[Record]]] = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = block.strip("\n").split("\n")
        comments = [line for line in lines if line.startswith("//")]
        body = "\n".join(line for line in lines if not line.startswith("//")).strip()
        if body.startswith("$CATEGORY:"):
            found.append((body.removeprefix("$CATEGORY:").strip(), []))
        elif body:
            found[-1][1].append(_gift_question(comments[-1], body))
    return found


# --- the tests ---------------------------------------------------------------------------------------------------

def _categories(banks: tuple[AuthoredBank, ...]) -> list[tuple[str, list[Record]]]:
    return [(f"$course$/top/{bank.title}", [expected(r) for r in bank.records]) for bank in banks]


def test_every_shipped_bank_reads_back_from_moodle_xml() -> None:
    banks = read_banks([BANKS])
    assert read_moodle(write_moodle(banks)) == _categories(banks)


def test_every_shipped_bank_reads_back_from_gift() -> None:
    banks = read_banks([BANKS])
    assert read_gift(write_gift(banks).decode("utf-8")) == _categories(banks)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record_lists())
def test_generated_items_read_back_from_moodle_xml_and_gift(records: list[Record]) -> None:
    assume(all(valid(record) for record in records))
    banks = (AuthoredBank("generated", "生成/题库", tuple(records)),)
    wanted = [("$course$/top/生成//题库", [expected(r) for r in records])]
    assert read_moodle(write_moodle(banks)) == wanted
    assert read_gift(write_gift(banks).decode("utf-8")) == wanted


def test_a_multiple_choice_item_gives_moodle_partial_grades_and_minus_100_for_a_wrong_choice() -> None:
    multiple = EXAMPLES[1]  # ACE of five
    quiz = ET.fromstring(write_moodle((AuthoredBank("x", "x", (multiple,)),)))
    fractions = [a.get("fraction") for a in quiz.findall("question[@type='multichoice']/answer")]
    assert fractions == ["33.33333", "-100", "33.33333", "-100", "33.33333"]
    assert "~%33.33333%" in write_gift((AuthoredBank("x", "x", (multiple,)),)).decode()


def test_an_essay_carries_its_rubric_as_grader_information() -> None:
    quiz = ET.fromstring(write_moodle((AuthoredBank("x", "x", (EXAMPLES[4],)),)))
    assert quiz.findtext("question[@type='essay']/graderinfo/text", "").startswith("- 定位：理想信念教育基地")


@pytest.mark.parametrize("suffix", [".xml", ".gift"])
def test_cli_exports_every_bank_of_a_folder(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"banks{suffix}"
    result = CliRunner().invoke(main, ["bank", "export", str(BANKS), "--to", str(target)])
    assert result.exit_code == 0, result.output
    banks = read_banks([BANKS])
    assert f"已导出 {len(banks)} 个题库、{sum(len(b.records) for b in banks)} 道题到" in result.output
    reader = read_moodle if suffix == ".xml" else (lambda data: read_gift(data.decode("utf-8")))
    assert [category for category, _ in reader(target.read_bytes())] == [c for c, _ in _categories(banks)]


def test_cli_exports_the_banks_of_the_working_folder_when_given_none(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["bank", "export", "--to", str(tmp_path / "all.gift")])
    assert result.exit_code == 0, result.output
    assert len(read_gift((tmp_path / "all.gift").read_text(encoding="utf-8"))) == len(read_banks([BANKS]))
    monkeypatch.chdir(tmp_path)
    missing = CliRunner().invoke(main, ["bank", "export", "--to", "all.gift"])
    assert missing.exit_code == 1 and "请给出题库文件或目录" in missing.output


def test_cli_refuses_to_export_a_bank_with_problems_or_to_an_unknown_format(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = ROOT / "tests" / "data" / "banks" / "bad" / "unknown-type.yaml"
    refused = runner.invoke(main, ["bank", "export", str(bad), "--to", str(tmp_path / "x.xml")])
    assert refused.exit_code == 1 and not (tmp_path / "x.xml").exists()
    assert f"{bad}:" in refused.output and "未知题型 'choice'" in refused.output
    assert "题库有 1 个问题，未导出（先用 qinglian bank check 检查）" in refused.output
    unknown = runner.invoke(main, ["bank", "export", str(BANKS), "--to", str(tmp_path / "x.pdf")])
    assert unknown.exit_code == 1 and "不支持导出为 .pdf（可用 .xlsx、.xml、.gift）" in unknown.output
    several = runner.invoke(main, ["bank", "export", str(BANKS), "--to", str(tmp_path / "x.xlsx")])
    assert several.exit_code == 1 and "Excel 表格一次导出一个题库" in several.output
