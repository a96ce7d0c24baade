"""`qinglian record …` and `qinglian status …` as the organisation department runs them."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.cli import main
from grader.records.gate import records_of
from grader.records.xlsx import STATUS_COLUMNS
from grader.settings import Settings
from grader.staff.roles import system
from tests.records_data import DATA, REPO, seed_roster
from tests.staff_data import os_user_as

ME = f"测试 {getpass.getuser()}"  # the staff account the OS user running the tests acts as


def _run(settings: Settings, *args: str) -> tuple[int, str]:
    runner = CliRunner(env={"COLUMNS": "200"})  # rich tables wrap at the terminal's width
    result = runner.invoke(main, [*args, "--root", str(settings.root), "--db", settings.db_url])
    return result.exit_code, result.output


def _status(settings: Settings, target: str, *more: str) -> tuple[int, str]:
    return _run(settings, "status", target, "--programmes", str(DATA / "programmes"), "--courses",
                str(REPO / "courses"), *more)


def test_record_talk_oath_and_commitment_then_the_person_lacks_only_the_exam(
        settings: Settings, engine: Engine, tmp_path: Path) -> None:
    seed_roster(engine)
    os_user_as(settings, "recorder")
    pledge = tmp_path / "承诺书.txt"
    pledge.write_text("本人郑重承诺：严守党的纪律，廉洁从政。\n", encoding="utf-8")
    assert _run(settings, "record", "talk", "P002", "--date", "2026-11-02",
                "--notes", "任前廉政谈话")[0] == 0
    assert _run(settings, "record", "oath", "P002", "--date", "2026-11-03")[0] == 0
    code, said = _run(settings, "record", "commitment", "P002", "--date", "2026-11-03",
                      "--text-file", str(pledge))
    assert code == 0 and "已记录" in said and "廉政公开承诺" in said
    with Session(engine) as session:
        trail = records_of(session, "P002")
    assert [(g.kind, g.happened_on, g.recorded_by) for g in trail] == [
        ("talk", date(2026, 11, 2), ME), ("oath", date(2026, 11, 3), ME), ("commitment", date(2026, 11, 3), ME)]
    assert trail[2].text == pledge.read_text("utf-8").strip()
    out = tmp_path / "p002.xlsx"
    code, shown = _status(settings, "P002", "--programme", "promotion", "--xlsx", str(out))
    assert code == 0 and "缺 1 项" in shown
    rows = list(load_workbook(out).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0] == STATUS_COLUMNS
    assert rows[1][0] == "P002" and rows[1][5] == "未完成" and rows[1][7] == "廉政知识测试"


def test_refusals_are_one_clear_line_and_change_nothing(settings: Settings, engine: Engine) -> None:
    seed_roster(engine)
    os_user_as(settings, "recorder")
    code, said = _run(settings, "record", "talk", "NOBODY", "--date", "2026-11-02")
    assert code == 1 and "名单中没有编号为 'NOBODY' 的人员" in said
    code, said = _run(settings, "record", "oath", "P001", "--date", "2999-01-01")
    assert code == 1 and "晚于今天" in said
    code, said = _run(settings, "record", "commitment", "P001", "--date", "2026-11-02")
    assert code == 2 and "--text-file" in said  # the commitment's text is required
    with Session(engine) as session:
        assert records_of(session, "P001") == []


def test_a_date_is_taken_in_every_form_the_records_page_takes(settings: Settings, engine: Engine) -> None:
    seed_roster(engine)
    os_user_as(settings, "recorder")
    assert _run(settings, "record", "talk", "P003", "--date", "2026年11月2日")[0] == 0
    assert _run(settings, "record", "oath", "P003", "--date", "２０２６／１１／０３")[0] == 0
    code, said = _run(settings, "record", "theory", "P003", "--date", "2026年2月30日")
    assert code == 2 and "没有这一天" in said and "2 月没有 30 日" in said
    with Session(engine) as session:
        assert sorted(r.happened_on for r in records_of(session, "P003")) == [date(2026, 11, 2), date(2026, 11, 3)]


def test_correct_and_withdraw_keep_the_history(settings: Settings, engine: Engine) -> None:
    seed_roster(engine)
    os_user_as(settings, "recorder")
    assert _run(settings, "record", "theory", "P005", "--date", "2026-05-01")[0] == 0
    code, said = _run(settings, "record", "correct", "1", "--reason", "日期误记",
                      "--date", "2026-05-08")
    assert code == 0 and "已更正 #2" in said
    code, said = _run(settings, "record", "correct", "1", "--reason", "再改一次")
    assert code == 1 and "已被记录 #2 更正或撤销" in said
    assert _run(settings, "record", "withdraw", "2", "--reason", "学习未实际举行")[0] == 0
    code, shown = _run(settings, "record", "history", "P005")
    assert code == 0 and "日期误记" in shown and "学习未实际举行" in shown
    with Session(engine) as session:
        trail = records_of(session, "P005")
    assert [(g.action, g.replaces, g.in_force) for g in trail] == [
        ("record", None, False), ("correct", 1, False), ("withdraw", 2, False)]


def test_status_of_a_unit_lists_each_person_and_exports_them(
        settings: Settings, engine: Engine, tmp_path: Path) -> None:
    seed_roster(engine)
    out = tmp_path / "unit.xlsx"
    code, shown = _status(settings, "林州市", "--programme", "induction", "--xlsx", str(out))
    assert code == 0 and "0/2 人已完成" in shown
    rows = list(load_workbook(out).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert [(r[0], r[5]) for r in rows[1:]] == [("P003", "未完成"), ("P004", "未完成")]
    code, said = _status(settings, "火星市")
    assert code == 1 and "既没有编号为 '火星市' 的人员，也没有这个名称的单位" in said


def test_a_case_is_opened_its_steps_recorded_and_a_talk_before_the_notice_refused(
        settings: Settings, engine: Engine, tmp_path: Path) -> None:
    seed_roster(engine)
    cases = ("--programmes", str(DATA / "cases"))
    os_user_as(settings, "organiser")
    code, said = _run(settings, "case", "open", "P002", "--position", "县委办公室副主任",
                      "--notice-start", "2026-11-10", "--notice-end", "2026-11-17", *cases)
    assert code == 0 and "已建立任职事项 #1" in said
    code, said = _run(settings, "case", "step", "1", "talk", "--date", "2026-11-18", *cases)
    assert code == 1 and "记录关口事项" in said  # an organiser opens cases; a recorder records their steps
    os_user_as(settings, "recorder")
    code, said = _run(settings, "case", "step", "1", "talk", "--date", "2026-11-05", *cases)
    assert code == 1 and "廉政谈话日期2026-11-05早于公示开始日期2026-11-10" in "".join(said.split())
    assert _run(settings, "case", "step", "1", "talk", "--date", "2026-11-18", *cases)[0] == 0
    code, shown = _run(settings, "case", "show", "P002", *cases)
    assert code == 0 and "缺廉政知识测试、廉政宣誓、廉政公开承诺" in "".join(shown.split())
    code, listed = _run(settings, "status", "安阳市纪委监委", "--programme", "promotion", *cases, "--courses",
                        str(REPO / "courses"))
    flat = "".join(listed.split())
    assert code == 0 and "P002" in flat and "P001" not in flat  # the unit's open cases, not everyone
    assert "县委办公室副主任" in flat and "0/1项可以任职" in flat
    code, decided = _run(settings, "case", "resits", "P002", "P003", "--on", "2026-11-20", *cases)
    assert code == 0 and "尚未参加首次测试" in decided and "没有办理中的" in "".join(decided.split())
    os_user_as(settings, "organiser")
    code, ended = _run(settings, "case", "end", "1", "--cancel", "--reason", "公示期间有反映")
    assert code == 0 and "已取消任用资格（公示期间有反映）" in ended
    os_user_as(settings, "recorder")
    code, said = _run(settings, "case", "step", "1", "oath", "--date", "2026-11-18", *cases)
    assert code == 1 and "已取消任用资格，不能再记录" in said


def test_a_review_is_asked_for_marked_blind_and_decided_from_the_command_line(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    from tests.records_data import grade_essays, sit

    seed_roster(engine)
    sit(settings, engine, released[0], {"P003": True}, essay="坚持廉洁自律。")
    grade_essays(engine, released[0], "P003", 3)
    cases = ("--programmes", str(DATA / "cases"))
    os_user_as(settings, "organiser")
    code, said = _run(settings, "review", "request", "P003", released[0], "--reason", "本人申请",
                      "--on-behalf", *cases)
    assert code == 0 and "已登记复核申请 #1" in said
    code, sheet = _run(settings, "review", "sheet", "1")
    assert code == 0 and "坚持廉洁自律。" in sheet and "满分 10" in sheet and "3" not in sheet.replace(released[0], "")
    os_user_as(settings, "trainer")
    assert _run(settings, "review", "mark", "1", "--mark", "q09=x")[0] != 0
    essay = sheet.split("（满分")[0].split()[-1]
    assert _run(settings, "review", "mark", "1", "--mark", f"{essay}=3")[0] == 0
    os_user_as(settings, "organiser")
    code, decided = _run(settings, "review", "decide", "1", "--adopt", "second")
    assert code == 0 and "维持原评分，最终得分 19" in decided  # the same mark twice: upheld


def test_a_resit_sitting_seats_only_those_the_rule_allows_and_says_why_not(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    """`qinglian sitting create --resit-of SITTING`: the hook of grader.records.resits."""
    from datetime import datetime, timedelta

    from grader.sitting.seats import create_sitting
    from tests.records_data import sit

    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": False, "P002": True, "P003": False},
        at=datetime.now() - timedelta(days=3))
    opens = datetime.now() - timedelta(days=3, hours=1)
    with Session(engine) as session, session.begin():
        create_sitting(session, "s1", "首次测试", released[:1], ["P001", "P002", "P003"], opens,
                       opens + timedelta(hours=3), 60, secret=bytes(32), created_by=system("t"), now=opens)
    cases = ("--programmes", str(DATA / "cases"))
    os_user_as(settings, "organiser")
    for person in ("P001", "P002"):
        assert _run(settings, "case", "open", person, "--position", "副局长", "--notice-start", "2026-11-10",
                    "--notice-end", "2026-11-17", *cases)[0] == 0
    later = datetime.now() + timedelta(days=7)
    code, said = _run(settings, "sitting", "create", "s2", "--title", "补考", "--assignment", released[1],
                      "--opens", f"{later:%Y-%m-%d %H:%M}", "--closes", f"{later + timedelta(hours=2):%Y-%m-%d %H:%M}",
                      "--duration", "60", "--resit-of", "s1", *cases, "--list", str(tmp_path / "seats.csv"))
    flat = "".join(said.split())
    assert code == 0 and "场次s2：1个座位" in flat, said
    assert "P002不能补考：已通过" in flat and "P003不能补考：没有办理中的" in flat
    assert (tmp_path / "seats.csv").read_text("utf-8-sig").count("\n") == 2  # a header and P001's seat
