"""`qinglian sitting create --switch-limit`, `reissue-codes` and `tickets`, end to end on a workspace;
the tickets read back with pdftotext."""

from __future__ import annotations

import csv
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.orm import Session

from grader.cli import main
from grader.gradebook.engine import connect
from grader.gradebook.models import SittingRow
from grader.sitting.codes import load_secret
from grader.sitting.errors import SittingError
from grader.sitting.signin import sign_in

REPO = Path(__file__).resolve().parent.parent


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    runner = CliRunner()
    root = tmp_path / "ws"
    assert runner.invoke(main, ["init", str(root)]).exit_code == 0
    runner.invoke(main, ["paper", "build", str(REPO / "tests/data/integration/small.yaml"),
                         "--banks", str(REPO / "exams/banks"), "--root", str(root)])
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        gradebook.add_student("P1", last_name="张", first_name="伟")
        gradebook.add_student("P2", last_name="欧阳", first_name="娜娜")
    seats = root.parent / "seats.csv"
    result = runner.invoke(main, ["sitting", "create", "s1", "--title", "2026年12月职务提升廉政知识测试",
                                  "--assignment", "small-a", "--opens", "2026-12-01 09:00", "--closes",
                                  "2026-12-01 11:00", "--duration", "60", "--switch-limit", "3",
                                  "--list", str(seats), "--root", str(root)])
    assert result.exit_code == 0, result.output
    return root


def _sign_in(root: Path, admission_no: str, code: str) -> int | str:
    engine = connect(f"sqlite:///{root / 'gradebook.db'}")
    try:
        with Session(engine) as session:
            try:
                return sign_in(session, load_secret(root), admission_no, code, client="t",
                               now=datetime(2026, 12, 1, 9, 5)).attempt_id
            except SittingError as error:
                return str(error)
            finally:
                session.commit()
    finally:
        engine.dispose()


def test_tickets_print_one_page_per_candidate_with_code_place_and_rules(workspace: Path) -> None:
    seats = workspace.parent / "seats.csv"
    pdf = workspace.parent / "tickets.pdf"
    result = CliRunner().invoke(main, ["sitting", "tickets", "s1", "--codes", str(seats), "--pdf", str(pdf),
                                       "--place", "市委党校三楼机房", "--root", str(workspace)])
    assert result.exit_code == 0, result.output
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    rows = _rows(seats)
    assert len([p for p in pages if p.strip()]) == len(rows) == 2
    for page, row in zip(pages, rows, strict=False):
        flat = "".join(page.split())
        for expected in (row["准考证号"], row["考试码"], row["姓名"], "2026年12月职务提升廉政知识测试",
                         "2026年12月01日09:00至11:00", "市委党校三楼机房", "集成测试小试卷", "准考证",
                         "切换页面或窗口达3次将自动交卷", "多选题须选出全部正确选项才得分"):
            assert expected in flat, (expected, flat)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts and " yes " in fonts  # embedded


def test_tickets_refuse_a_list_from_another_sitting_or_without_codes(workspace: Path) -> None:
    bad = workspace.parent / "bad.csv"
    bad.write_text("准考证号,考试码\nzz-0001,123456\n", encoding="utf-8-sig")
    args = ["sitting", "tickets", "s1", "--codes", str(bad), "--pdf", str(workspace.parent / "t.pdf"),
            "--root", str(workspace)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "zz-0001" in "".join(result.output.split())
    bad.write_text("准考证号,考试码\ns1-0001,abc\n", encoding="utf-8-sig")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "bad.csv:2:考试码应为数字" in "".join(result.output.split())


def test_create_records_the_switch_limit_and_reissue_gives_old_seats_working_codes(workspace: Path) -> None:
    engine = connect(f"sqlite:///{workspace / 'gradebook.db'}")
    with Session(engine) as session:
        sitting = session.get(SittingRow, "s1")
        assert sitting is not None and sitting.switch_limit == 3
    with engine.begin() as connection:  # as migration 0009 leaves seats made with PBKDF2 codes
        connection.execute(text("UPDATE ql_sitting_candidate SET code_hash = 'pbkdf2:00'"))
    engine.dispose()
    old = _rows(workspace.parent / "seats.csv")
    assert "新的考试码" in str(_sign_in(workspace, old[0]["准考证号"], old[0]["考试码"]))
    fresh = workspace.parent / "fresh.csv"
    result = CliRunner().invoke(main, ["sitting", "reissue-codes", "s1", "--list", str(fresh),
                                       "--root", str(workspace)])
    assert result.exit_code == 0 and "换发 2 个考试码" in result.output
    rows = _rows(fresh)
    assert [r["准考证号"] for r in rows] == [r["准考证号"] for r in old] and rows[0]["姓名"] == "张伟"
    assert isinstance(_sign_in(workspace, rows[0]["准考证号"], rows[0]["考试码"]), int)
