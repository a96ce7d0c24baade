"""The roster: row-level errors that name row and column, ID numbers checked, units in a
hierarchy, and progress by unit."""

from __future__ import annotations

import csv
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.course.catalog import load_catalog
from grader.course.study import learners_progress, record_answer
from grader.gradebook.models import UnitRow
from grader.roster import id_number_valid, import_people, mask_id_number, mask_name, parse_roster, unit_members
from tests.staff_data import ORGANISER

DATA = Path(__file__).resolve().parent / "data"
ROSTER = DATA / "roster" / "roster.csv"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def test_every_bad_row_is_named_by_row_and_column_and_the_good_rows_are_kept() -> None:
    people, problems = parse_roster(ROSTER)
    assert [str(p).split(": ", 1)[1] for p in problems] == [
        "第 3 行 身份证号: 不是有效的 18 位身份证号（校验位不符）",
        "第 5 行 身份证号: 不是有效的 18 位身份证号（校验位不符）",
        "第 6 行 编号: 与第 2 行重复",
        "第 7 行 单位类别: 应为 市直单位、县（市、区）、乡（镇、街道） 之一",
        "第 8 行 姓名: 不能为空",
    ]
    assert [(p.id, p.name) for p in people] == [("R001", "张三"), ("R003", "王,五")]


def test_an_xlsx_roster_reads_like_the_csv(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in ROSTER.read_text(encoding="utf-8").splitlines():
        sheet.append(next(csv.reader([line])))
    path = tmp_path / "roster.xlsx"
    book.save(path)
    (xlsx_people, xlsx_problems), (csv_people, csv_problems) = parse_roster(path), parse_roster(ROSTER)
    assert xlsx_people == csv_people
    assert [(p.row, p.column, p.message) for p in xlsx_problems] == [(p.row, p.column, p.message)
                                                                     for p in csv_problems]


def test_a_missing_column_is_reported_on_the_header(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("编号,姓名\nX1,张三\n", encoding="utf-8")
    people, problems = parse_roster(path)
    assert people == [] and "缺少列：身份证号、单位、职级、人员类别" in str(problems[0])


@given(st.text(alphabet="0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X"))
def test_only_the_right_check_digit_makes_an_id_number_valid(body: str, check: str) -> None:
    right = "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]
    assert id_number_valid(body + check) is (check == right)


def test_masks_hide_personal_data() -> None:
    assert mask_name("张三明") == "张*明" and mask_name("李四") == "李*" and mask_name("欧阳明月") == "欧**月"
    masked = mask_id_number("11010519491231002X")
    assert masked == "110**************X" and "19491231" not in masked


def test_import_builds_the_unit_hierarchy_and_progress_can_be_read_by_unit(engine: Engine) -> None:
    people, _ = parse_roster(ROSTER)
    with Session(engine) as session, session.begin():
        assert import_people(session, people, ORGANISER) == (2, 0)
        assert import_people(session, people, ORGANISER) == (0, 2)  # importing again updates, never duplicates
    (module,) = load_catalog(DATA / "courses")
    with Session(engine) as session, session.begin():
        township = session.get(UnitRow, "城郊乡")
        assert township is not None and (township.parent, township.kind) == ("林州市", "乡（镇、街道）")
        assert unit_members(session, "林州市") == ["R003"]
        for item_id in module.checks:
            record_answer(session, "R003", module, item_id, str(module.item(item_id).key))
        report = learners_progress(session, [module], among=unit_members(session, "林州市"))
    assert [(r.id, r.name, r.hours) for r in report.learners] == [("R003", "王,五", 1.5)]
