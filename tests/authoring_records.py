"""Generated bank items (Hypothesis) for the authoring tests: any Unicode an XML file can hold, line breaks included,
in stems, options, answers, explanations and rubrics."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from grader import bank as bank_lib
from grader.authoring.record import Record, clean, to_mapping
from grader.scoring import normalize_fill
from grader.yamlfile import LocatedDict, LocatedList, Problem

# XML 1.0 holds no C0 controls but tab and line breaks, no surrogates and not U+FFFE/U+FFFF
CHARACTERS = st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff",
                           include_characters="\n\t")
TEXT = st.text(CHARACTERS, min_size=1, max_size=30).map(clean).filter(bool)
LINE = TEXT.map(lambda text: " ".join(text.split())).filter(bool)
FILL_ANSWER = TEXT.filter(lambda text: "｜" not in text and "|" not in text and normalize_fill(text) is not None)
IDS = st.from_regex(r"[a-z0-9][a-z0-9-]{0,15}", fullmatch=True)


def located(value: Any, line: int = 1) -> Any:
    """A plain YAML value as grader.yamlfile reads it (mappings and lists that know a line)."""
    if isinstance(value, dict):
        mapping = LocatedDict({k: located(v, line) for k, v in value.items()})
        mapping.line, mapping.key_lines = line, dict.fromkeys(value, line)
        return mapping
    if isinstance(value, list):
        items = LocatedList(located(v, line) for v in value)
        items.line, items.item_lines = line, [line] * len(value)
        return items
    return value


def valid(record: Record) -> bool:
    """Whether grader.bank accepts the record as a YAML item (the generators aim at valid items)."""
    problems: list[Problem] = []
    return bank_lib.parse_item(located(to_mapping(record)), 1, "b", "b.yaml", problems) is not None


@st.composite
def _choice(draw: st.DrawFn, item_type: str) -> tuple[tuple[str, ...], str]:
    options = tuple(draw(st.lists(TEXT, min_size=2, max_size=8)))
    letters = "ABCDEFGH"[: len(options)]
    if item_type == "single":
        letter = draw(st.sampled_from(letters))
        return options, draw(st.sampled_from([letter, letter.lower(), chr(ord(letter) + 0xFEE0)]))  # Ｂ full width
    chosen = draw(st.lists(st.sampled_from(letters), min_size=2, max_size=len(letters), unique=True))
    return options, draw(st.sampled_from(["", "、", ","])).join(chosen)


@st.composite
def records(draw: st.DrawFn, item_id: str | None = None) -> Record:
    item_type = draw(st.sampled_from(sorted(bank_lib.ITEM_TYPES)))
    stem = draw(TEXT)
    options: tuple[str, ...] = ()
    answer: Any = None
    rubric = ""
    if item_type in ("single", "multiple"):
        options, answer = draw(_choice(item_type))
    elif item_type == "truefalse":
        answer = draw(st.booleans())
    elif item_type == "fill":
        stem = clean(f"{stem}____{draw(st.text(CHARACTERS, max_size=10))}")
        answer = tuple(draw(st.lists(FILL_ANSWER, min_size=1, max_size=3)))
    else:
        rubric = draw(TEXT | st.lists(LINE, min_size=1, max_size=4).map(lambda ps: "\n".join(f"- {p}" for p in ps)))
    use = draw(st.sampled_from(bank_lib.USES))
    return Record(
        id=item_id or draw(IDS), type=item_type, stem=stem, options=options, answer=answer,
        points=draw(st.integers(1, 2000)) / draw(st.sampled_from([1, 2, 4, 10])),
        area=draw(st.sampled_from(sorted(bank_lib.AREAS))), document=draw(TEXT), clause=draw(TEXT),
        fact=draw(LINE) if use == "exam" else draw(LINE | st.just("")),
        explanation=draw(TEXT | st.just("")), rubric=rubric, use=use,
    )


@st.composite
def record_lists(draw: st.DrawFn) -> list[Record]:
    ids = draw(st.lists(IDS, min_size=1, max_size=4, unique=True))
    return [draw(records(item_id)) for item_id in ids]
