"""`qinglian city` and `qinglian scoreboard` as an organisation department would run them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.cli import main
from grader.scoreboard import Filters, Period, board
from grader.scoreboard.chart import percent
from grader.settings import Settings

REPO = Path(__file__).resolve().parent.parent


def _run(settings: Settings, *args: str) -> tuple[int, str]:
    runner = CliRunner(env={"COLUMNS": "200"})  # rich tables wrap at the terminal's width
    result = runner.invoke(main, [*args, "--root", str(settings.root), "--db", settings.db_url])
    return result.exit_code, result.output


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_generated_city_is_listed_and_exported_with_the_librarys_figures(
        settings: Settings, engine: Engine, tmp_path: Path) -> None:
    code, said = _run(settings, "city", "--people", "120", "--units", "12", "--attempts", "400", "--exams",
                      str(REPO / "exams"), "--courses", str(REPO / "courses"))
    assert code == 0 and "已生成 12 个单位、120 人" in said
    with Session(engine) as session:
        scores = board(session, Filters("promotion", Period.parse("2025")))
    county = next(t for t in scores.units if t.kind == "县（市、区）")
    code, said = _run(settings, "scoreboard", "--programme", "promotion", "--period", "2025", "--unit", county.unit)
    assert code == 0
    line = next(line for line in said.splitlines() if f" {county.unit} " in line)
    assert [cell.strip() for cell in line.strip("│ ").split("│")][2:] == [
        str(county.people), str(county.candidates), str(county.passed), percent(county.rate)]
    path = tmp_path / "榜.xlsx"
    assert _run(settings, "scoreboard", "--programme", "promotion", "--period", "2025", "--unit", county.unit,
                "--to", str(path))[0] == 0
    first = next(load_workbook(path)["单位"].iter_rows(min_row=2, values_only=True))
    assert first[0] == f"{county.unit}（合计）" and first[3:5] == (county.candidates, county.passed)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bad_choices_are_refused_in_one_line(settings: Settings, engine: Engine) -> None:
    assert _run(settings, "scoreboard", "--period", "2025-13") == (
        1, "错误：无法识别的统计期间 '2025-13'（应为 2025、2025-Q1 或 2025-03）\n")
    assert _run(settings, "scoreboard", "--unit", "不存在") == (1, "错误：没有名为 不存在 的单位\n")
    assert _run(settings, "city", "--units", "6", "--exams", str(REPO / "exams"))[1].startswith("错误：单位数 6 太少")
