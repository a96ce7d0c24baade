"""The organisation department in a real browser, on a LAN without internet: the records page is
served as `qinglian serve` serves it (its own Voila, token, a pre-run kernel), every request
outside 127.0.0.1 is refused and the test fails on any, on a console error or a Voilà error box.
Headless Chromium finds a cadre who has passed the test, taken the oath and made the commitment,
records their 廉政谈话 with the date written the Chinese way and sees them cleared, sees the
induction programme, which is not his, as 不适用 in grey; then opens their unit (units offered in
hierarchy order), exports its list and reads the downloaded `.xlsx` back."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.programmes import unit_status
from grader.records.gate import record_step, records_of
from grader.records.xlsx import STATUS_COLUMNS, status_rows
from grader.serve import Server, platform_servers
from grader.settings import COURSES_ENV, PROGRAMMES_ENV, Settings
from tests.browser import chromium_page, free_port, offline, running
from tests.records_data import DATA, REPO, programmes, seed_roster, sit
from tests.staff_data import PASSWORD, add_staff, organiser, recorder, sign_in

UNIT = "安阳市纪委监委"


def _seed(settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": True, "P002": True})
    with Session(engine) as session, session.begin():
        record_step(session, "P001", "oath", date(2026, 11, 3), recorder("组织部 王五"), "任前宣誓")
        record_step(session, "P001", "commitment", date(2026, 11, 3), recorder("组织部 王五"),
                    text="本人郑重承诺：严守政治纪律，廉洁从政，接受监督。")
        add_staff(session, None, "组织部 管理员", "organiser", password=PASSWORD)
        add_staff(session, organiser("组织部 管理员"), "组织部 李四", "recorder", password=PASSWORD)


def _records_server(settings: Settings) -> Server:
    """The records page's server as `qinglian serve` makes it, reading the test programmes."""
    servers = platform_servers(settings, REPO / "courses", REPO / "voila_apps", free_port(), free_port(), "t0ken")
    server = next(s for s in servers if any(a.endswith("records.ipynb") for a in s.argv))
    return dataclasses.replace(server, env={**server.env, PROGRAMMES_ENV: str(DATA / "programmes"),
                                            COURSES_ENV: str(REPO / "courses")})


def _color(locator) -> str:  # type: ignore[no-untyped-def]
    return str(locator.evaluate("e => getComputedStyle(e).color"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_record_a_talk_see_the_status_change_and_export_a_units_list(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    _seed(settings, engine, released)
    server = _records_server(settings)
    today = date.today()
    with running(server, tmp_path / "voila.log", server.ready_url), chromium_page() as page:
        watch = offline(page)
        page.goto(server.urls[0])
        sign_in(page, "组织部 李四")
        page.locator(".ql-search input").fill("王建国")
        page.locator(".ql-search-go").click()
        page.locator(".ql-person-name").get_by_text("王建国").wait_for()
        promotion = page.locator(".ql-programme-promotion")
        assert "ql-not-cleared" in (promotion.get_attribute("class") or "")
        assert promotion.locator(".ql-missing").count() == 1
        promotion.locator(".ql-step-talk.ql-missing").wait_for()
        induction = page.locator(".ql-programme-induction.ql-not-applicable")
        assert "不适用" in induction.locator("h4").inner_text() and induction.locator(".ql-missing").count() == 0
        assert _color(induction.locator("h4 .ql-na")) == "rgb(102, 102, 102)"  # grey, not the red of 未完成
        page.locator(".ql-gate-kind select").select_option(label="廉政谈话")
        page.locator(".ql-gate-date input").fill(f"{today.year}年{today.month}月{today.day}日")
        page.locator(".ql-gate-notes textarea").fill("任前廉政谈话，谈话人：市纪委")
        page.locator(".ql-gate-save").click()
        page.locator(".ql-gate-status").get_by_text("已记录").wait_for()
        page.locator(".ql-programme-promotion.ql-cleared .ql-step-talk.ql-done").wait_for()
        page.screenshot(path=str(tmp_path / "person.png"), full_page=True)
        page.locator(".ql-person").screenshot(path=str(tmp_path / "record.png"))
        induction.screenshot(path=str(tmp_path / "not_applicable.png"))

        page.get_by_role("tab", name="单位名单").click()
        offered = page.locator(".ql-unit select option").all_inner_texts()
        assert [o.strip() for o in offered if o.strip()] == ["安阳市纪委监委", "林州市", "城郊乡"]
        page.locator(".ql-unit select").select_option(label=UNIT)
        page.locator(".ql-unit-programme select").select_option(label=programmes()["promotion"].title)
        page.locator(".ql-unit-export").click()
        link = page.locator("a.ql-unit-xlsx")
        link.wait_for()
        page.locator(".ql-unit-table .ql-row-P001.ql-done").wait_for()
        with page.expect_download() as download_info:
            link.click()
        download = download_info.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        assert "underline" in link.evaluate("a => getComputedStyle(a).textDecorationLine")  # reads as a link
        assert _color(link) != _color(page.locator(".ql-unit-table h4"))
        page.screenshot(path=str(tmp_path / "unit.png"), full_page=True)
        watch.assert_clean(page)
    assert saved.suffix == ".xlsx" and UNIT in saved.name
    sheet = load_workbook(saved).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    with Session(engine) as session:
        (talk,) = [g for g in records_of(session, "P001") if g.kind == "talk"]
        expected = status_rows(unit_status(session, programmes()["promotion"], UNIT, now=datetime.now()))
    assert (talk.recorded_by, talk.notes, talk.happened_on) == ("组织部 李四", "任前廉政谈话，谈话人：市纪委",
                                                                 date.today())
    assert rows[0] == STATUS_COLUMNS
    assert [(r[0], r[5], r[7]) for r in rows[1:]] == [(e["编号"], e["状态"], e["未完成的环节"] or None)
                                                      for e in expected]
    assert [r[5] for r in rows[1:]] == ["已完成", "未完成"]  # P001 cleared by the talk; P002 has only the test
