"""The `qinglian` command as a user runs it: messages, exit codes, files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

REPO = Path(__file__).resolve().parent.parent
BAD_ANSWER = """bank: cli
title: 命令行测试
items:
  - id: cli-1
    type: single
    area: prison
    stem: 题干
    options: {A: 甲, B: 乙, C: 丙, D: 丁}
    answer: E
    points: 2
    source: {document: 文件, clause: 一}
"""


def test_bank_check_reports_file_and_line_and_exits_1(tmp_path: Path) -> None:
    bank = tmp_path / "bank.yaml"
    bank.write_text(BAD_ANSWER, encoding="utf-8")
    result = CliRunner().invoke(main, ["bank", "check", str(bank)])
    assert result.exit_code == 1
    assert f'{bank}:9: answer "E" 不是选项（可选 A、B、C、D）' in result.output


def test_bank_check_of_the_shipped_banks_passes() -> None:
    result = subprocess.run([str(Path(sys.executable).parent / "qinglian"), "bank", "check", "exams/banks"],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 个问题" in result.stderr


def test_build_release_grade_export_from_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    root = tmp_path / "ws"
    assert runner.invoke(main, ["init", str(root)]).exit_code == 0
    built = runner.invoke(main, ["paper", "build", str(REPO / "tests/data/integration/small.yaml"),
                                 "--banks", str(REPO / "exams/banks"), "--root", str(root)])
    assert built.exit_code == 0, built.output
    assert (root / "source" / "small-a" / "paper.ipynb").exists()
    assert runner.invoke(main, ["release", "small-a", "--root", str(root)]).exit_code == 0
    broken = root / "submitted" / "s1" / "small-a"
    broken.mkdir(parents=True)
    (broken / "paper.ipynb").write_text("not json", encoding="utf-8")
    graded = runner.invoke(main, ["autograde", "small-a", "--root", str(root)])
    assert graded.exit_code == 1  # a submission failed: said, not hidden
    assert "s1" in graded.output and "未评分" in graded.output
    exported = runner.invoke(main, ["export", "--root", str(root), "--to", str(tmp_path / "g.csv")])
    assert exported.exit_code == 0
    assert (tmp_path / "g.csv").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("blueprint_text, message", [
    ("id: x\nprogramme: induction\ntitle: t\nbanks: [nosuch]\nversions: 1\nduration_minutes: 1\npass_mark: 1\n"
     "sections:\n  - {type: single, count: 1, points: 1}\n", "nosuch"),
    ("id: x\nprogramme: other\n", "programme"),
])
def test_paper_build_errors_name_the_problem(tmp_path: Path, blueprint_text: str, message: str) -> None:
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text(blueprint_text, encoding="utf-8")
    runner = CliRunner()
    runner.invoke(main, ["init", str(tmp_path / "ws")])
    result = runner.invoke(main, ["paper", "build", str(blueprint), "--banks", str(REPO / "exams/banks"),
                                  "--root", str(tmp_path / "ws")])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_autograde_of_an_unknown_paper_says_so(tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["init", str(tmp_path / "ws")])
    result = runner.invoke(main, ["autograde", "nosuch", "--root", str(tmp_path / "ws")])
    assert result.exit_code == 1 and "nosuch" in result.output


def test_sitting_create_writes_an_excel_clean_seat_list_with_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    root = tmp_path / "ws"
    runner.invoke(main, ["init", str(root)])
    runner.invoke(main, ["paper", "build", str(REPO / "tests/data/integration/small.yaml"),
                         "--banks", str(REPO / "exams/banks"), "--root", str(root)])
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        gradebook.add_student("P1", last_name="张,伟", first_name="")
        gradebook.add_student("P2", last_name="李", first_name="四")
    seats = tmp_path / "seats.csv"
    args = ["sitting", "create", "s1", "--title", "场次", "--assignment", "small-a", "--assignment", "small-b",
            "--opens", "2026-12-01 09:00", "--closes", "2026-12-01 11:00", "--duration", "60",
            "--list", str(seats), "--root", str(root)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    with seats.open(encoding="utf-8-sig", newline="") as handle:
        import csv

        rows = list(csv.DictReader(handle))
    assert [(r["准考证号"], r["姓名"], r["试卷"]) for r in rows] == [("s1-0001", "张,伟", "small-a"),
                                                                 ("s1-0002", "李四", "small-b")]
    assert all(len(r["考试码"]) == 6 for r in rows)
    assert runner.invoke(main, args).exit_code == 1  # the same sitting twice is refused
