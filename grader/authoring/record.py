"""An item as its author wrote it (`Record`), read from and written to the YAML bank format.

A Record keeps what `grader.bank.Item` normalises away (the fill answers as written, the choice letters as
typed), so a bank exported to a spreadsheet and imported again is the same bank. Texts are stripped and their
line breaks are `\\n`, as `grader.bank` reads them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grader import bank as bank_lib
from grader import yamlfile
from grader.yamlfile import LocatedDict

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # XML 1.0 (and so xlsx) cannot hold
Answer = str | bool | tuple[str, ...] | None  # letters / true-false / accepted fill answers / essay (none)


@dataclass(frozen=True)
class Record:
    id: str
    type: str
    stem: str
    options: tuple[str, ...]  # texts of A, B, C… in order; empty for true-false, fill and essay
    answer: Answer
    points: float
    area: str
    document: str
    clause: str
    fact: str = ""
    explanation: str = ""
    rubric: str = ""  # a list of marking points is kept as lines "- point", as grader.bank shows it
    use: str = "exam"

    @property
    def letters(self) -> str:
        return "ABCDEFGH"[: len(self.options)]


@dataclass(frozen=True)
class AuthoredBank:
    id: str
    title: str
    records: tuple[Record, ...]


class UnwritableError(Exception):
    """Records a format cannot hold; each reason names the item."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("\n".join(reasons))
        self.reasons = tuple(reasons)


def not_xml(record: Record) -> list[str]:
    """Why a record cannot go into an XML file (xlsx, Moodle XML): characters XML 1.0 cannot hold."""
    texts = {"题干": record.stem, "解析": record.explanation, "评分要点": record.rubric, "知识点": record.fact,
             "出处文件": record.document, "出处条款": record.clause,
             "答案": "".join(record.answer) if isinstance(record.answer, tuple | str) else "",
             **{f"选项{letter}": text for letter, text in zip(record.letters, record.options, strict=True)}}
    return [f"{record.id}：{name} 含有 XML 文件不能保存的控制字符"
            for name, text in texts.items() if _NOT_XML.search(text)]


def clean(value: object) -> str:
    """A cell's or a scalar's text: stripped, line breaks as `\\n`, an integral float without `.0`."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _rubric(raw: object) -> str:
    if isinstance(raw, list):
        return "\n".join(f"- {clean(point)}" for point in raw)
    return clean(raw)


def _answer(item_type: str, raw: object) -> Answer:
    if item_type == "essay" or raw is None:
        return None
    if item_type == "truefalse":
        return bool(raw)
    if item_type == "fill":
        return tuple(clean(a) for a in (raw if isinstance(raw, list) else [raw]))
    return clean(raw)


def from_raw(raw: LocatedDict) -> Record:
    """The record of one raw item of a bank that `grader.bank` found valid."""
    item_type = clean(raw.get("type"))
    options = raw.get("options")
    source = raw.get("source")
    assert isinstance(source, dict)
    return Record(
        id=clean(raw.get("id")), type=item_type, stem=clean(raw.get("stem")),
        options=tuple(clean(text) for text in options.values()) if isinstance(options, dict) else (),
        answer=_answer(item_type, raw.get("answer")), points=float(raw["points"]),
        area=clean(raw.get("area")), document=clean(source.get("document")), clause=clean(source.get("clause")),
        fact=" ".join(clean(raw.get("fact")).split()), explanation=clean(raw.get("explanation")),
        rubric=_rubric(raw.get("rubric")), use=clean(raw.get("use")) or "exam",
    )


def rubric_points(rubric: str) -> list[str] | None:
    """The marking points of a rubric written as lines "- point", or None when it is plain text."""
    lines = rubric.split("\n")
    points = [line[2:] for line in lines if line.startswith("- ")]
    if len(points) != len(lines) or not all(p and p == p.strip() for p in points):
        return None
    return points


def _number(points: float) -> int | float:
    return int(points) if float(points).is_integer() else points


def to_mapping(record: Record) -> dict[str, Any]:
    """The YAML mapping of one record, keys in the order the shipped banks use."""
    mapping: dict[str, Any] = {"id": record.id, "type": record.type, "area": record.area}
    if record.fact:
        mapping["fact"] = record.fact
    mapping["stem"] = record.stem
    if record.options:
        mapping["options"] = dict(zip(record.letters, record.options, strict=True))
    if record.answer is not None:
        mapping["answer"] = list(record.answer) if isinstance(record.answer, tuple) else record.answer
    mapping["points"] = _number(record.points)
    mapping["source"] = {"document": record.document, "clause": record.clause}
    if record.explanation:
        mapping["explanation"] = record.explanation
    if record.rubric:
        mapping["rubric"] = rubric_points(record.rubric) or record.rubric
    mapping["use"] = record.use
    return mapping


class _Dumper(yaml.SafeDumper):
    """Multi-line texts as literal blocks (`|`) and items indented, as the shipped banks are written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_Dumper.add_representer(str, _text)


def dump_bank(bank: AuthoredBank, note: str = "") -> str:
    """The YAML text of a bank; `note` becomes a comment line at the top."""
    body = {"bank": bank.id, "title": bank.title, "items": [to_mapping(r) for r in bank.records]}
    text = yaml.dump(body, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000, indent=2)
    header = "".join(f"# {line}\n" for line in note.splitlines())
    return header + text.replace("\n  - id: ", "\n\n  - id: ").replace("items:\n\n", "items:\n")


def read_banks(paths: Iterable[Path]) -> tuple[AuthoredBank, ...]:
    """The records of valid banks; raises grader.bank.BankError listing every problem if any bank has one."""
    files = bank_lib.bank_files(paths)
    result = bank_lib.check_banks(files)
    if result.problems:
        raise bank_lib.BankError(result.problems)
    return tuple(_read(path) for path in files)


def _read(path: Path) -> AuthoredBank:
    raw = yamlfile.load(path)
    items: Sequence[LocatedDict] = raw["items"]
    return AuthoredBank(clean(raw["bank"]), clean(raw["title"]), tuple(from_raw(item) for item in items))
