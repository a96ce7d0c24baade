"""The public scoreboard in a real browser: Voila serves it over a small generated city, headless
Chromium reads the city's and a county's pass rates (the library's figures), filters by exam,
drills down to a township and its people, exports the list and reads the .xlsx back. Nothing the
browser receives holds a full name or an ID number."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.city import CitySpec, build_city, plan_city
from grader.city.plan import COUNTY
from grader.roster import mask_name
from grader.scoreboard import Filters, board, people_scores
from grader.scoreboard.chart import percent
from grader.serve import voila_server
from grader.settings import Settings
from tests.browser import chromium_page, free_port, offline, running

REPO = Path(__file__).resolve().parent.parent
# Townships of 10+ people: a smaller unit shows aggregates only, never a per-person list.
SPEC = CitySpec(seed=11, units=20, people=400, attempts=1000, months=6)


def _text(frame: str | bytes) -> str:
    """A websocket frame or a response as text, JSON's \\uXXXX escapes undone."""
    text = frame.decode("utf-8", errors="replace") if isinstance(frame, bytes) else frame
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def _body(response) -> str:  # type: ignore[no-untyped-def]
    try:
        return _text(response.body())
    except Exception:
        return ""


def _row(page, table: str, unit: str) -> list[str]:  # type: ignore[no-untyped-def]
    cells = page.locator(f"{table} tbody tr").filter(has=page.get_by_text(unit, exact=True)).first.locator("td")
    return [c.strip() for c in cells.all_inner_texts()]


def _open(page, unit: str) -> None:  # type: ignore[no-untyped-def]
    option = page.locator(".ql-units option").filter(has_text=re.compile(f"^{re.escape(unit)}（")).first
    page.locator(".ql-units select").select_option(label=option.inner_text())
    page.locator(".ql-open").click()
    page.locator(".ql-crumbs").get_by_text(unit).wait_for()  # the page updates its location last


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_scoreboard_shows_the_librarys_rates_drills_down_masked_and_exports(
        settings: Settings, engine: Engine, tmp_path: Path) -> None:
    plan = plan_city(SPEC)
    with Session(engine) as session, session.begin():
        build_city(session, plan, REPO / "exams")
    with Session(engine) as session:
        everyone, promotion = board(session), board(session, Filters("promotion"))
        county = next(t for t in promotion.units if t.kind == COUNTY and promotion.children(t.unit))
        township = max(promotion.children(county.unit), key=lambda t: t.candidates)
        people = people_scores(session, Filters("promotion"), township.unit)
    port = free_port()
    server = voila_server(settings, REPO / "voila_apps", port, "scoreboard.ipynb", "成绩榜", only_page=True)
    received: list[str] = []
    with chromium_page() as page, running(server, tmp_path / "voila.log", server.ready_url):
        page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: received.append(_text(frame))))
        page.on("response", lambda response: received.append(_body(response)))
        watch = offline(page)  # a LAN without internet: nothing may come from elsewhere
        page.goto(server.urls[0])
        summary = page.locator(".ql-summary")
        summary.get_by_text("全部考试").wait_for()
        assert f"通过率 {percent(everyone.city.rate)}" in summary.inner_text()
        assert _row(page, ".ql-unit-table", county.unit)[5] == percent(everyone.tally(county.unit).rate)

        page.locator(".ql-programme select").select_option(label="职务提升廉政知识测试")
        summary.get_by_text("职务提升廉政知识测试").wait_for()  # the summary is updated last
        assert f"通过率 {percent(promotion.city.rate)}" in summary.inner_text()
        assert _row(page, ".ql-unit-table", county.unit)[3:] == [
            str(county.candidates), str(county.passed), percent(county.rate)]

        _open(page, county.unit)
        assert _row(page, ".ql-unit-table", township.unit)[5] == percent(township.rate)
        _open(page, township.unit)
        shown = [row[0] for row in (r.split("\t") for r in page.locator(".ql-people tbody tr").all_inner_texts())]
        assert shown == [p.name for p in people] and people

        page.locator(".ql-export").click()
        link = page.locator("a.ql-download")
        link.wait_for()
        with page.expect_download() as download:
            link.click()
        path = tmp_path / "export.xlsx"
        download.value.save_as(path)
        page.screenshot(path=str(tmp_path / "scoreboard.png"), full_page=True)
        received.append(page.content())
        watch.assert_clean(page)
    book = load_workbook(path)
    total = next(book["单位"].iter_rows(min_row=2, values_only=True))
    assert total[0] == f"{township.unit}（合计）" and total[3:6] == (township.candidates, township.passed,
                                                                  pytest.approx(township.rate))
    assert [r[0] for r in book["人员"].iter_rows(min_row=2, values_only=True)] == [p.name for p in people]
    everything = "\n".join(received)
    assert all(p.name in everything for p in people)  # the masked names were shown
    full = [p.name for p in plan.people if mask_name(p.name) != p.name]
    assert [n for n in full if n in everything] == []
    assert [p.id_number for p in plan.people if p.id_number in everything] == []
