"""grader.yamlfile: YAML that remembers lines, so every error can be reported as `file:line`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

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
