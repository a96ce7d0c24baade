"""The records app's widgets driven from Python (the browser test drives the same app in Chromium):
finding a person, recording and withdrawing a step, a unit's list and its `.xlsx`."""

from __future__ import annotations

import base64
import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.gradebook.models import PersonRow
from grader.programmes import unit_status
from grader.records.gate import records_of
from grader.records.view import RecordsApp, open_records
from grader.records.xlsx import STATUS_COLUMNS, status_rows
from grader.settings import DB_ENV, ROOT_ENV, Settings
from tests.records_data import DATA, REPO, modules, programmes, seed_roster, sit
from tests.staff_data import recorder

NOW = datetime(2026, 11, 27, 10, 0)


def _app(engine: Engine) -> RecordsApp:
    return RecordsApp(engine, programmes(), modules(), clock=lambda: NOW, actor=recorder("组织部 李四"))


def _workbook_rows(link_html: str) -> list[tuple[object, ...]]:
    match = re.search(r"base64,([A-Za-z0-9+/=]+)", link_html)
    assert match, link_html
    sheet = load_workbook(io.BytesIO(base64.b64decode(match.group(1)))).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_recording_a_talk_in_the_view_changes_the_persons_status(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": True})
    app = _app(engine)
    app.query.value = "王建国"
    app.search()
    assert app.person_id == "P001"
    assert "ql-step-talk ql-missing" in app.person.value and "ql-step-exam ql-done" in app.person.value
    app.gate.kind.value, app.gate.on.value, app.gate.notes.value = "talk", "2026-11-20", "任前廉政谈话"
    app.gate._save()
    assert "已记录" in app.gate.status.value
    assert "ql-step-talk ql-done" in app.person.value and "任前廉政谈话" in app.person.value
    with Session(engine) as session:
        (talk,) = records_of(session, "P001")
    assert (talk.kind, talk.recorded_by, talk.recorded_at) == ("talk", "组织部 李四", NOW)
    app.gate.which.value, app.gate.reason.value = talk.id, "谈话对象有误"
    app.gate._fix(withdrawing=True)
    assert "已撤销记录" in app.gate.fix_status.value and "ql-step-talk ql-missing" in app.person.value


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_refused_step_shows_why_and_records_nothing(engine: Engine) -> None:
    seed_roster(engine)
    app = _app(engine)
    app.show_person("P002")
    app.gate.kind.value, app.gate.on.value = "commitment", "2026-11-20"
    app.gate._save()
    assert "承诺内容不能为空" in app.gate.status.value
    app.gate.kind.value, app.gate.on.value = "oath", "2026-13-01"
    app.gate._save()
    assert "没有这一天" in app.gate.status.value
    app.gate.on.value = "11月30日"
    app.gate._save()
    assert "日期应写成 2026年11月30日" in app.gate.status.value
    with Session(engine) as session:
        assert records_of(session, "P002") == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_person_view_shows_the_id_number_only_masked(engine: Engine) -> None:
    seed_roster(engine)
    app = _app(engine)
    app.show_person("P003")
    with Session(engine) as session:
        full = session.scalars(select(PersonRow.id_number).where(PersonRow.id == "P003")).one()
    assert full not in app.person.value and f"{full[:3]}{'*' * 14}{full[-1]}" in app.person.value


def test_a_units_export_reads_back_as_its_list(settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P003": True, "P004": False})
    app = _app(engine)
    app.unit.value, app.programme.value = "林州市", "induction"
    app.export_unit()
    rows = _workbook_rows(app.unit_link.value)
    with Session(engine) as session:
        expected = status_rows(unit_status(session, programmes()["induction"], "林州市", modules=modules(), now=NOW))
    assert rows[0] == STATUS_COLUMNS
    assert [dict(zip(STATUS_COLUMNS, r, strict=True)) for r in rows[1:]] == [
        {k: (v if v != "" else None) for k, v in row.items()} for row in expected]
    assert "ql-row-P003 ql-missing" in app.unit_table.value and "0/2 人已完成" in app.unit_table.value


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_searching_finds_by_part_of_a_name_and_exports_the_matches(engine: Engine) -> None:
    seed_roster(engine)
    app = _app(engine)
    app.query.value = "欧阳"
    app.search()
    assert app.person_id == "P005"
    rows = _workbook_rows(app.found.value)
    assert [r[:2] for r in rows[1:]] == [("P005", "欧阳海峰")] and "*" in str(rows[1][2])
    app.query.value = "不存在的人"
    app.search()
    assert "没有编号或姓名包含" in app.found.value


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_app_finds_the_shipped_programmes_and_courses_beside_voila_apps(
        settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO / "voila_apps")  # where Voila starts the page's kernel
    app = open_records({ROOT_ENV: str(settings.root), DB_ENV: settings.db_url})
    assert app is not None
    assert sorted(app.programmes) == ["induction", "leader_theory", "promotion"] and len(app.modules) == 6


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_broken_programme_files_are_shown_as_an_error_not_a_blank_page(
        settings: Settings, engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    app = open_records({ROOT_ENV: str(settings.root), DB_ENV: settings.db_url},
                       programmes=DATA / "bad_programmes", courses=REPO / "courses")
    assert app is None
    assert "无法读取培训项目或课程目录" in capsys.readouterr().out


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("typed", ["2026年11月20日", "2026-11-20", "2026/11/20", "2026.11.20", " 2026 年 11 月 20 日 "])
def test_a_step_dated_in_any_common_form_is_recorded_on_that_day(engine: Engine, typed: str) -> None:
    seed_roster(engine)
    app = _app(engine)
    app.show_person("P002")
    app.gate.kind.value, app.gate.on.value = "oath", typed
    app.gate._save()
    assert "已记录" in app.gate.status.value
    with Session(engine) as session:
        assert [g.happened_on for g in records_of(session, "P002")] == [date(2026, 11, 20)]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_programme_that_does_not_apply_reads_not_applicable_not_missing(engine: Engine) -> None:
    seed_roster(engine)
    app = _app(engine)
    app.show_person("P001")  # 公务员, not 新录用公务员: the induction programme is not his
    induction = re.search(r"<div class='ql-programme-induction [^']*'>.*?</div>", app.person.value)
    assert induction is not None
    block = induction.group()
    assert "ql-not-applicable" in block and "不适用（本项目适用于人员类别为新录用公务员）" in block
    assert "✗ 未完成" not in block and "未完成，缺" not in block and "ql-missing" not in block
    assert "color:#b00" not in block and "尚未完成" not in block and "无需完成" in block
    promotion = re.search(r"<div class='ql-programme-promotion [^']*'>.*?</div>", app.person.value)
    assert promotion is not None and "ql-not-cleared" in promotion.group() and "未完成" in promotion.group()
    app.everyone.value, app.unit.value, app.programme.value = True, "安阳市纪委监委", "induction"
    app.export_unit()
    assert "ql-row-P001 ql-na" in app.unit_table.value
    assert [r[5] for r in _workbook_rows(app.unit_link.value)[1:]] == ["不适用", "不适用"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_units_are_offered_city_offices_first_then_each_county_with_its_townships(engine: Engine) -> None:
    seed_roster(engine)
    app = _app(engine)
    assert list(app.unit.options) == [("安阳市纪委监委", "安阳市纪委监委"), ("林州市", "林州市"),
                                      ("\u3000城郊乡", "城郊乡")]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_address_in_a_note_is_a_link_that_ends_at_the_chinese_text(engine: Engine) -> None:
    seed_roster(engine)
    app = _app(engine)
    app.show_person("P002")
    app.gate.kind.value, app.gate.notes.value = "oath", "见通知（http://www.ay.gov.cn/a/1.html）。"
    app.gate._save()
    assert "（<a class='ql-link' href='http://www.ay.gov.cn/a/1.html'" in app.person.value
    assert "1.html</a>）。" in app.person.value
    assert ".ql-records a" in app.person.value  # links styled as links (JupyterLab's base style hides them)


def test_the_page_acts_only_as_a_signed_in_staff_member(engine: Engine) -> None:
    """A typed name is no identity: nothing is recorded until a staff member signs in, and then
    their role decides (a recorder records steps; only an organiser opens a case)."""
    from grader.records.gate import records_of
    from grader.staff.accounts import add_staff

    seed_roster(engine)
    with Session(engine) as session, session.begin():
        add_staff(session, None, "组织部 管理员", "organiser", password="管理员的密码-2026")
    app = RecordsApp(engine, programmes(), modules(), clock=lambda: NOW)
    app.show_person("P001")
    app.gate.kind.value, app.gate.on.value = "talk", "2026-11-20"
    app.gate._save()
    assert "请先以工作人员身份登录" in app.gate.status.value and "尚未登录" in app.who.value
    app.staff_name.value, app.staff_password.value = "组织部 管理员", "不对"
    app.sign_in()
    assert "姓名或密码不正确" in app.who.value and app.actor is None
    app.staff_password.value = "管理员的密码-2026"
    app.sign_in()
    assert "管理员 组织部 管理员" in app.who.value and app.staff_password.value == ""
    app.gate._save()
    assert "记录关口事项" in app.gate.status.value  # an organiser may not record a step
    with Session(engine) as session:
        assert records_of(session, "P001") == []
