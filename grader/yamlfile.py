"""YAML files that remember where each value came from, so errors can say `file:line`.

Aliases (`*name`) are read, but never trusted: a file whose aliases refer to themselves, or
multiply into more values than a trainer could have meant (a "billion laughs"), is refused at
the line of the alias before anything is built, so the work done is bounded by the file's size
plus MAX_ALIAS_VALUES whatever its aliases say."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

try:
    from yaml._yaml import CParser as _CParser
except ImportError:  # PyYAML built without libyaml
    _CParser = None  # type: ignore[assignment,misc]

MAX_ALIAS_VALUES = 100_000  # values aliases may add in all; a bank reusing a source per item needs a few thousand
MAX_DEPTH = 64  # nesting levels; a bank needs 5


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


class _Refused(Exception):
    """Raised inside the composer, which does not know the file's name."""

    def __init__(self, mark: Any, message: str) -> None:  # a pure or a C mark, or none
        super().__init__(message)
        self.line = mark.line + 1 if mark is not None else 1
        self.message = message


class _Alias(yaml.Node):
    """Where an alias was written (PyYAML would hand back the anchored node itself, losing the
    place, and letting a node contain itself)."""

    id = "alias"

    def __init__(self, target: yaml.Node, anchor: str, start_mark: Any, end_mark: Any) -> None:
        super().__init__("", target, start_mark, end_mark)
        self.target = target
        self.anchor = anchor


class _Composing(Composer):
    """PyYAML's composer with the alias and depth checks, over events from either parser."""

    depth = 0
    peek_event: Any  # the parser's
    get_event: Any

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.get_event()
            if event.anchor not in self.anchors:
                raise _Refused(event.start_mark, f"别名 *{event.anchor} 没有定义（前面找不到 &{event.anchor}）")
            return _Alias(self.anchors[event.anchor], str(event.anchor), event.start_mark, event.end_mark)
        if self.depth >= MAX_DEPTH:
            raise _Refused(event.start_mark, f"嵌套超过 {MAX_DEPTH} 层，无法读取")
        self.depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        return node


class _PureLoader(_Composing, yaml.SafeLoader):
    """PyYAML's own scanner and parser: its error messages are the ones users see."""


def _loader(text: str, pure: bool) -> Any:
    """libyaml scans and parses when it is there (in C: banks load about four times faster), the
    checks above compose; PyYAML's own parser words the errors."""
    if pure or _CParser is None:
        return _PureLoader(text)
    return _FastLoader(text)


if _CParser is not None:
    class _FastLoader(_Composing, _CParser, SafeConstructor, Resolver):
        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


class _Budget:
    """Sizes each node once (memoised), so measuring costs the written size, not the expanded one."""

    def __init__(self) -> None:
        self.sizes: dict[int, int] = {}
        self.open: set[int] = set()  # nodes being measured: an alias to one of them is a cycle
        self.added = 0  # values the aliases add when expanded

    def size(self, node: yaml.Node) -> int:
        if isinstance(node, _Alias):
            if id(node.target) in self.open:
                raise _Refused(node.start_mark, f"别名 *{node.anchor} 引用了包含它自己的内容（循环引用），无法展开")
            added = self.size(node.target)
            self.added += added
            if self.added > MAX_ALIAS_VALUES:
                raise _Refused(node.start_mark, f"别名展开后的内容过多（超过 {MAX_ALIAS_VALUES} 个值），"
                                                "疑似“别名炸弹”；请直接写出内容，少用别名")
            return added
        known = self.sizes.get(id(node))
        if known is not None:
            return known
        self.open.add(id(node))
        total = 1 + sum(self.size(child) for child in _children(node))
        self.open.discard(id(node))
        self.sizes[id(node)] = total
        return total


def _construct(node: yaml.Node, file: str, loader: Any) -> Any:
    """One call per value of the expanded document (an alias is its target, built afresh)."""
    while isinstance(node, _Alias):
        node = node.target
    if isinstance(node, yaml.MappingNode):
        mapping = LocatedDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, file, loader)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                key = str(key)
            if key in mapping:
                raise YamlFileError(Problem(file, line, f"重复的键 {key!r}"))
            mapping[key] = _construct(value_node, file, loader)
            mapping.key_lines[key] = line
        return mapping
    if isinstance(node, yaml.SequenceNode):
        items = LocatedList(_construct(child, file, loader) for child in node.value)
        items.line = node.start_mark.line + 1
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        return items
    return loader.construct_object(node)  # scalars: ints, bools, strings


def _compose(text: str, file: str, pure: bool = False) -> Any:
    loader = _loader(text, pure)
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlFileError(Problem(file, 1, "文件为空"))
        _Budget().size(node)
        return _construct(node, file, loader)
    except _Refused as refused:
        raise YamlFileError(Problem(file, refused.line, refused.message)) from None
    finally:
        loader.dispose()


def load(path: Path) -> Any:
    """Parse a YAML file into LocatedDict/LocatedList/scalars; syntax errors carry the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise YamlFileError(Problem(str(path), line, "文件不是 UTF-8 编码（请用 UTF-8 保存）")) from error
    except OSError as error:  # missing, a folder, no permission
        raise YamlFileError(Problem(str(path), 1, f"无法读取文件（{error.strerror or error}）")) from error
    try:
        try:
            return _compose(text, str(path))
        except yaml.YAMLError:  # read again by PyYAML's own parser, whose words and marks are reported
            return _compose(text, str(path), pure=True)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlFileError(Problem(str(path), line, f"YAML 语法错误：{error.problem}")) from error
    except yaml.YAMLError as error:  # e.g. ReaderError: a character YAML does not allow
        line = text[: getattr(error, "position", 0)].count("\n") + 1
        raise YamlFileError(Problem(str(path), line, f"YAML 无法读取：{error}")) from error
