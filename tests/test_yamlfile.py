"""grader.yamlfile: YAML that remembers lines, so every error can be reported as `file:line`."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from grader import yamlfile
from grader.yamlfile import LocatedDict, LocatedList, Problem, YamlFileError, load


def write(tmp_path: Path, text: str, name: str = "file.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_problem_prints_as_file_colon_line_colon_message() -> None:
    assert str(Problem("exams/banks/a.yaml", 12, "缺少 answer")) == "exams/banks/a.yaml:12: 缺少 answer"


def test_mappings_and_lists_know_the_lines_they_start_on(tmp_path: Path) -> None:
    path = write(tmp_path, """
        # 注释行也计入行号
        bank: demo
        items:
          - id: a-001
            answer: A

          - id: a-002
            options:
              A: 正确
              B: 错误
        """)
    data = load(path)

    assert isinstance(data, LocatedDict)
    assert data.line == 2
    assert data.line_of("bank") == 2
    assert data.line_of("items") == 3
    items = data["items"]
    assert isinstance(items, LocatedList)
    assert items.item_lines == [4, 7]
    first, second = items
    assert (first.line, first.line_of("answer")) == (4, 5)
    assert second["options"].line_of("B") == 10


def test_a_key_that_is_absent_is_located_at_its_mapping(tmp_path: Path) -> None:
    path = tmp_path / "item.yaml"
    path.write_text("# 题目\n\nid: x\ntype: single\n", encoding="utf-8")
    data = load(path)
    assert data.line_of("answer") == data.line == 3


def test_scalars_keep_their_yaml_types(tmp_path: Path) -> None:
    data = load(write(tmp_path, """
        points: 2
        weight: 1.5
        answer: false
        empty:
        text: 廉政宣誓
        quoted: "true"
        """))
    assert data == {"points": 2, "weight": 1.5, "answer": False, "empty": None, "text": "廉政宣誓",
                    "quoted": "true"}
    assert type(data["points"]) is int
    assert data["answer"] is False


def test_non_string_keys_are_read_as_strings(tmp_path: Path) -> None:
    data = load(write(tmp_path, "1: 一\ntrue: 是\n"))
    assert list(data) == ["1", "True"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("id: a\nanswer: A\npoints: 2\nanswer: B\n", 4, "重复的键 'answer'"),
        ("items:\n  - id: a\n    source:\n      document: x\n      document: y\n", 5, "重复的键 'document'"),
    ],
    ids=["top-level", "nested"],
)
def test_a_duplicated_key_is_reported_at_its_second_occurrence(tmp_path: Path, text: str, line: int,
                                                               message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(YamlFileError) as caught:
        load(path)
    assert caught.value.problem == Problem(str(path), line, message)
    assert str(caught.value) == f"{path}:{line}: {message}"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("stem: 判断: 信任可以代替监督。\n", 1, "YAML 语法错误：mapping values are not allowed here"),
        ("id: a\noptions: [A, B\nanswer: A\n", 3, "YAML 语法错误：expected ',' or ']', but got ':'"),
        ('stem: "未闭合的引号\nanswer: A\n', 3, "YAML 语法错误：found unexpected end of stream"),
        ("id: a\n\tanswer: A\n", 2, "YAML 语法错误：found character '\\t' that cannot start any token"),
        ("items:\n  - id: a\n   - id: b\n", 3,
         "YAML 语法错误：expected <block end>, but found '<block sequence start>'"),
    ],
    ids=["colon-in-plain-text", "unclosed-bracket", "unclosed-quote", "tab-indent", "bad-indent"],
)
def test_a_syntax_error_is_reported_with_its_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(YamlFileError) as caught:
        load(path)
    assert caught.value.problem == Problem(str(path), line, message)


@pytest.mark.parametrize("text", ["", "\n\n", "# 只有注释\n"])
def test_an_empty_file_is_a_problem_on_line_1(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(YamlFileError) as caught:
        load(path)
    assert caught.value.problem == Problem(str(path), 1, "文件为空")


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system", "!!python/object/new:os.system"])
def test_python_tags_are_never_constructed(tmp_path: Path, tag: str) -> None:
    sentinel = tmp_path / "pwned"
    path = write(tmp_path, f'answer: {tag} ["touch {sentinel}"]\n')
    try:
        data = load(path)
    except (yaml.YAMLError, YamlFileError):
        data = None
    assert not sentinel.exists()
    assert data is None or data["answer"] == [f"touch {sentinel}"]  # at most plain data, never an object


def test_an_unknown_tag_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bank: demo\ntitle: !title 反腐倡廉\n")
    with pytest.raises(YamlFileError) as caught:
        load(path)
    assert caught.value.problem.file == str(path)
    assert caught.value.problem.line == 2


# ---------------------------------------------------------------- aliases: recursion and bombs
# A generated file is a list of layers, one per line: `l3: &l3 [x, *l1, *l0]`. A layer holds
# plain values and aliases to earlier layers, or (a cycle) to itself. The expected outcome is
# worked out here from the shape alone, independently of the loader.

Element = tuple[str, int]  # ("s", n): the plain value vn; ("a", j): an alias to layer j


def layers_text(layers: list[list[Element]]) -> str:
    def shown(element: Element) -> str:
        kind, n = element
        return f"v{n}" if kind == "s" else f"*l{n}"
    return "".join(f"l{i}: &l{i} [{', '.join(shown(e) for e in layer)}]\n" for i, layer in enumerate(layers))


def expanded(layers: list[list[Element]], index: int) -> list[object]:
    return [f"v{n}" if kind == "s" else expanded(layers, n) for kind, n in layers[index]]


def expected_outcome(layers: list[list[Element]]) -> tuple[str, int, int]:
    """("cycle" | "bomb", line, 0) or ("ok", 0, number of values in the expanded document)."""
    sizes: list[int] = []
    added = 0
    for i, layer in enumerate(layers):
        size = 1
        for kind, n in layer:
            if kind == "a" and n == i:
                return "cycle", i + 1, 0
            if kind == "a":
                added += sizes[n]
                if added > yamlfile.MAX_ALIAS_VALUES:
                    return "bomb", i + 1, 0
            size += 1 if kind == "s" else sizes[n]
        sizes.append(size)
    return "ok", 0, 1 + sum(1 + size for size in sizes)  # the top mapping, each key, each layer


@st.composite
def alias_shapes(draw: st.DrawFn) -> list[list[Element]]:
    count = draw(st.integers(1, 30))
    layers: list[list[Element]] = []
    for i in range(count):
        earlier = st.tuples(st.just("a"), st.integers(0, i - 1) | st.just(i - 1)) if i else st.nothing()
        element = st.tuples(st.just("s"), st.integers(0, 9)) | earlier
        layers.append(draw(st.lists(element, min_size=1, max_size=12)))
    cycle = draw(st.none() | st.none() | st.none() | st.integers(0, count - 1))
    if cycle is not None:  # one layer also holds an alias to itself
        layers[cycle].insert(draw(st.integers(0, len(layers[cycle]))), ("a", cycle))
    return layers


class CountedConstructions:
    """Counts the values the loader builds: the work it does, whatever the clock says."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = yamlfile._construct

        def counted(*args: Any) -> Any:
            self.calls += 1
            return original(*args)

        monkeypatch.setattr(yamlfile, "_construct", counted)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layers=alias_shapes())
def test_any_alias_shape_loads_or_is_refused_at_its_line_and_the_work_is_bounded(
        tmp_path: Path, layers: list[list[Element]]) -> None:
    path = tmp_path / "aliases.yaml"
    path.write_text(layers_text(layers), encoding="utf-8")
    outcome, line, values = expected_outcome(layers)
    event(outcome)
    with pytest.MonkeyPatch.context() as monkeypatch:
        counter = CountedConstructions(monkeypatch)
        if outcome == "ok":
            data = load(path)
            assert data == {f"l{i}": expanded(layers, i) for i in range(len(layers))}
            assert counter.calls == values <= len(layers) * 13 + 1 + yamlfile.MAX_ALIAS_VALUES
            return
        with pytest.raises(YamlFileError) as caught:
            load(path)
    assert counter.calls == 0  # refused before anything was built
    assert caught.value.problem.file == str(path)
    assert caught.value.problem.line == line
    assert ("循环引用" if outcome == "cycle" else "别名炸弹") in caught.value.problem.message


@pytest.mark.parametrize("depth", [2, 5, 6, 9, 20, 60])
def test_nested_alias_bombs_of_any_depth_are_refused_without_being_expanded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, depth: int) -> None:
    """The classic "billion laughs": nine copies of the layer before, `depth` times (9**60 values)."""
    layers: list[list[Element]] = [[("s", n) for n in range(9)]] + [[("a", i)] * 9 for i in range(depth - 1)]
    path = tmp_path / "lol.yaml"
    path.write_text(layers_text(layers), encoding="utf-8")
    counter = CountedConstructions(monkeypatch)
    outcome, line, values = expected_outcome(layers)
    if outcome == "ok":  # small enough to be what a trainer meant
        assert len(str(load(path))) > 0
        assert counter.calls == values
        return
    with pytest.raises(YamlFileError) as caught:
        load(path)
    message = f"别名展开后的内容过多（超过 {yamlfile.MAX_ALIAS_VALUES} 个值），疑似“别名炸弹”；请直接写出内容，少用别名"
    assert caught.value.problem == Problem(str(path), line, message)
    assert counter.calls == 0


@pytest.mark.parametrize(("text", "line", "message"), [
    ("a: &a [*a]\n", 1, "别名 *a 引用了包含它自己的内容（循环引用），无法展开"),
    ("a: &a\n  b:\n    c: [1, *a]\n", 3, "别名 *a 引用了包含它自己的内容（循环引用），无法展开"),
    ("a: &a {self: *a}\n", 1, "别名 *a 引用了包含它自己的内容（循环引用），无法展开"),
    ("x: 1\ny: *nowhere\n", 2, "别名 *nowhere 没有定义（前面找不到 &nowhere）"),
], ids=["list-contains-itself", "deep-inside-itself", "mapping-contains-itself", "undefined"])
def test_a_bad_alias_is_reported_at_its_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(YamlFileError) as caught:
        load(path)
    assert caught.value.problem == Problem(str(path), line, message)


def test_nesting_deeper_than_the_limit_is_refused_at_its_line(tmp_path: Path) -> None:
    depth = yamlfile.MAX_DEPTH + 1
    path = write(tmp_path, "a: " + "[" * depth + "]" * depth + "\n")
    with pytest.raises(YamlFileError) as caught:
        load(path)
    assert caught.value.problem == Problem(str(path), 1, f"嵌套超过 {yamlfile.MAX_DEPTH} 层，无法读取")
    write(tmp_path, "a: " + "[" * 10 + "]" * 10 + "\n", "ok.yaml")
    assert load(tmp_path / "ok.yaml")["a"] == [[[[[[[[[[]]]]]]]]]]


def test_a_reused_source_is_a_fresh_copy_with_the_anchor_line(tmp_path: Path) -> None:
    data = load(write(tmp_path, """
        common: &src
          document: 《中国共产党纪律处分条例》（2023）
          clause: 第二十七条
        items:
          - source: *src
          - source: *src
        """))
    first, second = (item["source"] for item in data["items"])
    assert first == second == {"document": "《中国共产党纪律处分条例》（2023）", "clause": "第二十七条"}
    assert first is not second and (first.line, first.line_of("clause")) == (1, 3)  # where the anchor is


def test_a_file_that_cannot_be_read_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "folder.yaml").mkdir()
    for path in (tmp_path / "missing.yaml", tmp_path / "folder.yaml"):
        with pytest.raises(YamlFileError) as caught:
            load(path)
        assert (caught.value.problem.file, caught.value.problem.line) == (str(path), 1)
        assert caught.value.problem.message.startswith("无法读取文件（")
