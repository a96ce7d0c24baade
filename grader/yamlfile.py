"""YAML files that remember where each value came from, so errors can say `file:line`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class LocatedDict(dict[str, Any]):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list[Any]):
    line: int
    item_lines: list[int]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, reported as `file:line: message`."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class YamlFileError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _construct(node: yaml.Node, file: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        mapping = LocatedDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, file)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                key = str(key)
            if key in mapping:
                raise YamlFileError(Problem(file, line, f"重复的键 {key!r}"))
            mapping[key] = _construct(value_node, file)
            mapping.key_lines[key] = line
        return mapping
    if isinstance(node, yaml.SequenceNode):
        items = LocatedList(_construct(child, file) for child in node.value)
        items.line = node.start_mark.line + 1
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        return items
    return yaml.SafeLoader("").construct_object(node)  # scalars: ints, bools, strings


def load(path: Path) -> Any:
    """Parse a YAML file into LocatedDict/LocatedList/scalars; syntax errors carry the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise YamlFileError(Problem(str(path), line, "文件不是 UTF-8 编码（请用 UTF-8 保存）")) from error
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is None:
            raise YamlFileError(Problem(str(path), 1, "文件为空"))
        return _construct(node, str(path))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlFileError(Problem(str(path), line, f"YAML 语法错误：{error.problem}")) from error
    except yaml.YAMLError as error:  # e.g. ReaderError: a character YAML does not allow
        line = text[: getattr(error, "position", 0)].count("\n") + 1
        raise YamlFileError(Problem(str(path), line, f"YAML 无法读取：{error}")) from error
