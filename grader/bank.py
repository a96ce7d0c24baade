"""Question banks: trainer-written YAML files of exam and practice items (docs/bank-format.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader import yamlfile
from grader.scoring import normalize_choice, normalize_fill
from grader.yamlfile import LocatedDict, Problem

ITEM_TYPES: dict[str, str] = {
    "single": "单项选择题",
    "multiple": "多项选择题",
    "truefalse": "判断题",
    "fill": "填空题",
    "essay": "简答题",
}
AREAS: dict[str, str] = {
    "party_school": "党校和行政学院（理想信念教育）",
    "martyrs_cemetery": "烈士陵园（革命传统教育）",
    "red_flag_canal": "红旗渠（创业精神教育）",
    "prison": "监狱（警示教育）",
    "supervision_regulation": "《中国共产党党内监督条例》",
    "discipline_regulation": "《中国共产党纪律处分条例》",
    "local_policy": "本地制度（安阳市《实施意见》）",
}
USES = ("exam", "practice")
TRUEFALSE_OPTIONS = (("A", "正确"), ("B", "错误"))
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LETTERS = "ABCDEFGH"
_ITEM_KEYS = {"id", "type", "area", "fact", "stem", "options", "answer", "rubric", "points", "source",
              "explanation", "use"}


@dataclass(frozen=True)
class Source:
    document: str
    clause: str

    def __str__(self) -> str:
        return f"{self.document} {self.clause}"


@dataclass(frozen=True)
class Item:
    """One question. `key` is canonical: letters for choices, normalised texts for fill."""

    id: str
    type: str
    area: str
    stem: str
    options: tuple[tuple[str, str], ...]
    key: str | tuple[str, ...] | None
    points: float
    source: Source
    explanation: str = ""
    rubric: str = ""
    use: str = "exam"
    fact: str = ""  # 知识点: the one fact the item tests; two items of one fact never share a paper
    bank: str = ""
    file: str = ""
    line: int = 0

    @property
    def letters(self) -> str:
        return "".join(letter for letter, _ in self.options)


@dataclass(frozen=True)
class Bank:
    id: str
    title: str
    file: str
    items: tuple[Item, ...]
    declared_ids: tuple[tuple[str, int], ...] = ()  # every item id written, valid or not, and its line


@dataclass(frozen=True)
class BankCheck:
    """The result of reading banks: whatever items were valid, and every problem found."""

    banks: tuple[Bank, ...]
    problems: tuple[Problem, ...]

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for bank in self.banks for item in bank.items)


class BankError(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)


def _text(raw: LocatedDict, key: str, where: str, problems: list[Problem], *,
          required: bool = True) -> str:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(Problem(where, raw.line, f"缺少 {key}"))
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        problems.append(Problem(where, raw.line_of(key), f"{key} 应为文本"))
        return ""
    return str(value).strip()


def _options(raw: LocatedDict, item_type: str, file: str,
             problems: list[Problem]) -> tuple[tuple[str, str], ...]:
    if item_type == "truefalse":
        if "options" in raw:
            problems.append(Problem(file, raw.line_of("options"), "判断题不写 options（固定为 正确/错误）"))
        return TRUEFALSE_OPTIONS
    if item_type in ("fill", "essay"):
        if "options" in raw:
            problems.append(Problem(file, raw.line_of("options"), f"{ITEM_TYPES[item_type]}不写 options"))
        return ()
    options = raw.get("options")
    if not isinstance(options, LocatedDict) or len(options) < 2:
        problems.append(Problem(file, raw.line_of("options"), "选择题需要至少 2 个选项（A: … B: …）"))
        return ()
    letters = "".join(options)
    if letters != _LETTERS[: len(letters)]:
        problems.append(Problem(file, options.line, f"选项字母应依次为 A、B、C…，实际为 {'、'.join(options)}"))
    for letter, text in options.items():
        if not isinstance(text, str | int | float) or not str(text).strip():
            problems.append(Problem(file, options.line_of(letter), f"选项 {letter} 的内容为空"))
    return tuple((letter, str(text).strip()) for letter, text in options.items())


def _key(raw: LocatedDict, item_type: str, letters: str, file: str,
         problems: list[Problem]) -> str | tuple[str, ...] | None:
    line = raw.line_of("answer")
    answer = raw.get("answer")
    if item_type == "essay":
        if answer is not None:
            problems.append(Problem(file, line, "简答题不写 answer，请写 rubric（评分要点）"))
        if not raw.get("rubric"):
            problems.append(Problem(file, raw.line, "简答题缺少 rubric（评分要点）"))
        return None
    if answer is None or answer == "":
        problems.append(Problem(file, raw.line, "缺少 answer"))
        return None
    if item_type == "truefalse":
        if not isinstance(answer, bool):
            problems.append(Problem(file, line, f"判断题的 answer 应为 true 或 false，而不是 {answer!r}"))
            return None
        return "A" if answer else "B"
    if item_type == "fill":
        accepted = answer if isinstance(answer, list) else [answer]
        keys = tuple(k for k in (normalize_fill(str(a)) for a in accepted) if k)
        if not keys:
            problems.append(Problem(file, line, "填空题的 answer 应为非空的可接受答案列表"))
            return None
        return keys
    text = str(answer).strip()
    key: str | None = normalize_choice(text, letters)
    if key is None:
        bad = [c for c in text if c not in letters and not c.isspace() and c not in ",，、;；"]
        shown = "、".join(f'"{c}"' for c in bad) if bad else f'"{text}"'
        problems.append(Problem(file, line, f"answer {shown} 不是选项（可选 {'、'.join(letters)}）"))
        return None
    if item_type == "single" and len(key) != 1:
        problems.append(Problem(file, line, f'单项选择题只能有一个答案，而 answer 为 "{text}"'))
    if item_type == "multiple" and len(key) < 2:
        problems.append(Problem(file, line, "多项选择题至少应有两个正确选项"))
    return key


def _rubric(raw: LocatedDict, file: str, problems: list[Problem]) -> str:
    """Marking points: one text, or a list of points shown one per line."""
    rubric = raw.get("rubric")
    if isinstance(rubric, list):
        if not all(isinstance(point, str) and point.strip() for point in rubric):
            problems.append(Problem(file, raw.line_of("rubric"), "rubric 的每一条应为非空文本"))
            return ""
        return "\n".join(f"- {point.strip()}" for point in rubric)
    return _text(raw, "rubric", file, problems, required=False)


def _source(raw: LocatedDict, file: str, problems: list[Problem]) -> Source:
    source = raw.get("source")
    if not isinstance(source, LocatedDict):
        problems.append(Problem(file, raw.line_of("source"), "缺少 source（出处：document 与 clause）"))
        return Source("", "")
    document = _text(source, "document", file, problems)
    clause = _text(source, "clause", file, problems)
    return Source(document, clause)


def _fact(raw: LocatedDict, use: str, file: str, problems: list[Problem]) -> str:
    """知识点: required of exam items (the drawer keeps one item per fact on a paper), optional in practice."""
    value = raw.get("fact")
    if use == "exam" and (value is None or (isinstance(value, str) and not value.strip())):
        problems.append(Problem(file, raw.line, "缺少 fact（知识点：本题考查的那一个知识点）"))
        return ""
    return " ".join(_text(raw, "fact", file, problems, required=False).split())


def _points(raw: LocatedDict, file: str, problems: list[Problem]) -> float:
    points = raw.get("points")
    if isinstance(points, bool) or not isinstance(points, int | float) or points <= 0:
        problems.append(Problem(file, raw.line_of("points"), f"points 应为正数，而不是 {points!r}"))
        return 0.0
    return float(points)


def parse_item(raw: object, line: int, bank_id: str, file: str,
               problems: list[Problem]) -> Item | None:
    """Check one raw item; append its problems; return the item only if it had none."""
    if not isinstance(raw, LocatedDict):
        problems.append(Problem(file, line, "题目应为键值映射（id: …, type: …）"))
        return None
    before = len(problems)
    for field in raw:
        if field not in _ITEM_KEYS:
            problems.append(Problem(file, raw.line_of(field), f"未知字段 {field!r}"))
    item_id = _text(raw, "id", file, problems)
    if item_id and not _ID.match(item_id):
        problems.append(Problem(file, raw.line_of("id"), f"题目编号 {item_id!r} 只能含小写字母、数字和连字符"))
    item_type = _text(raw, "type", file, problems)  # "" when unusable: type-dependent checks are skipped
    if item_type and item_type not in ITEM_TYPES:
        problems.append(Problem(file, raw.line_of("type"),
                                f"未知题型 {item_type!r}（可用 {', '.join(ITEM_TYPES)}）"))
        item_type = ""
    area = _text(raw, "area", file, problems)
    if area and area not in AREAS:
        problems.append(Problem(file, raw.line_of("area"), f"未知领域 {area!r}（可用 {', '.join(AREAS)}）"))
    use = _text(raw, "use", file, problems, required=False) or "exam"
    if use not in USES:
        problems.append(Problem(file, raw.line_of("use"), f"use 应为 exam 或 practice，而不是 {use!r}"))
    fact = _fact(raw, use, file, problems)
    stem = _text(raw, "stem", file, problems)
    if item_type == "fill" and stem and "____" not in stem:
        problems.append(Problem(file, raw.line_of("stem"), "填空题的题干应用 ____ 标出空位"))
    options = _options(raw, item_type, file, problems) if item_type else ()
    letters = "".join(letter for letter, _ in options)
    key = _key(raw, item_type, letters, file, problems) if item_type else None
    item = Item(
        id=item_id, type=item_type, area=area, stem=stem, options=options, key=key,
        points=_points(raw, file, problems), source=_source(raw, file, problems),
        explanation=_text(raw, "explanation", file, problems, required=False),
        rubric=_rubric(raw, file, problems),
        use=use, fact=fact, bank=bank_id, file=file, line=raw.line,
    )
    return item if len(problems) == before else None


def load_bank(path: Path, problems: list[Problem]) -> Bank | None:
    """Read one bank file, appending its problems; a bank keeps only its valid items."""
    file = str(path)
    try:
        raw = yamlfile.load(path)
    except yamlfile.YamlFileError as error:
        problems.append(error.problem)
        return None
    if not isinstance(raw, LocatedDict):
        problems.append(Problem(file, 1, "题库文件应为键值映射（bank: …, title: …, items: …）"))
        return None
    bank_id = _text(raw, "bank", file, problems)
    title = _text(raw, "title", file, problems)
    items_raw = raw.get("items")
    if not isinstance(items_raw, yamlfile.LocatedList) or not items_raw:
        problems.append(Problem(file, raw.line_of("items"), "items 应为非空的题目列表"))
        return Bank(bank_id, title, file, ())
    items = [parse_item(r, line, bank_id, file, problems)
             for r, line in zip(items_raw, items_raw.item_lines, strict=True)]
    declared = tuple((str(r["id"]), r.line) for r in items_raw
                     if isinstance(r, LocatedDict) and r.get("id") is not None)
    return Bank(bank_id, title, file, tuple(i for i in items if i is not None), declared)


def _duplicates(banks: Iterable[Bank], problems: list[Problem]) -> None:
    seen_items: dict[str, tuple[str, int]] = {}
    seen_banks: dict[str, Bank] = {}
    for bank in banks:
        if bank.id in seen_banks:
            problems.append(Problem(bank.file, 1, f"题库编号 {bank.id!r} 与 {seen_banks[bank.id].file} 重复"))
        seen_banks.setdefault(bank.id, bank)
        for item_id, line in bank.declared_ids:
            first = seen_items.setdefault(item_id, (bank.file, line))
            if first != (bank.file, line):
                problems.append(Problem(bank.file, line,
                                        f"题目编号 {item_id!r} 重复（首次出现在 {first[0]}:{first[1]}）"))


def check_banks(paths: Iterable[Path]) -> BankCheck:
    """Read every bank and report every problem; never stops at the first one."""
    problems: list[Problem] = []
    banks = [bank for path in paths if (bank := load_bank(path, problems)) is not None]
    _duplicates(banks, problems)
    return BankCheck(tuple(banks), tuple(sorted(problems, key=lambda p: (p.file, p.line))))


def load_banks(paths: Iterable[Path]) -> tuple[Item, ...]:
    """All items of the given banks; raises BankError listing every problem if any."""
    result = check_banks(paths)
    if result.problems:
        raise BankError(result.problems)
    return result.items


def bank_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories into their *.yaml files, sorted."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return files
