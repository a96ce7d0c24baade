"""A trainer in a real browser, on a LAN without internet: the item-analysis page is served as
`qinglian serve` serves it (its own Voila, a pre-run kernel), every request outside 127.0.0.1 is
refused and the test fails on any, on a console error or a Voilà error box. Headless Chromium signs
in with a trainer's account (a recorder's is refused), picks the paper, reads every item's
facility, and opens an item's distractor table; all as the library says."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.item_analysis import item_analysis
from grader.item_analysis.text import ratio
from grader.serve import platform_servers
from grader.settings import Settings
from grader.staff.accounts import add_staff
from tests.browser import chromium_page, free_port, offline, running
from tests.graded_papers import grade_simulated
from tests.staff_data import PASSWORD, organiser, sign_in

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_trainer_picks_a_paper_and_sees_the_librarys_facility_and_distractors(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    assignment = released[0]
    grade_simulated(settings, engine, assignment, [f"B{n:03d}" for n in range(20)])
    with Session(engine) as session, session.begin():
        add_staff(session, None, "组织部 管理员", "organiser", password=PASSWORD)
        add_staff(session, organiser("组织部 管理员"), "培训教师 甲", "trainer", password=PASSWORD)
        add_staff(session, organiser("组织部 管理员"), "组织部 李四", "recorder", password=PASSWORD)
    with Session(engine) as session:
        analysis = item_analysis(session, assignment)
    servers = platform_servers(settings, REPO / "courses", REPO / "voila_apps", free_port(), free_port(), "t0ken")
    server = next(s for s in servers if any(a.endswith("item_analysis.ipynb") for a in s.argv))
    with running(server, tmp_path / "voila.log", server.ready_url), chromium_page() as page:
        watch = offline(page)
        page.goto(server.urls[0])
        page.locator(".ql-staff-name input").fill("组织部 李四")
        page.locator(".ql-staff-password input").fill(PASSWORD)
        page.locator(".ql-staff-signin").click()
        page.locator(".ql-staff-who").get_by_text("权限不足").wait_for()
        assert page.locator(".ql-paper").count() == 0
        sign_in(page, "培训教师 甲")
        page.locator(".ql-paper select").select_option(label=f"{analysis.paper.title}（{assignment}，20 人）")
        page.locator(".ql-summary").get_by_text("人数 20").wait_for()
        for item in analysis.items:
            shown = page.locator(f".ql-facility-{item.name}").inner_text().strip()
            assert shown == ratio(item.facility)
            if item.facility is not None:
                assert abs(float(shown) - item.facility) <= 0.005
        choice = next(i for i in analysis.items if i.options)
        page.locator(f".ql-open-{choice.name}").click()
        detail = page.locator(f".ql-detail-{choice.name}")
        detail.wait_for()
        for option in choice.options:
            cells = detail.locator(f"tr.ql-option-{option.option} td").all_inner_texts()
            assert [c.split("（")[0] for c in cells[1:]] == [str(option.upper), str(option.lower),
                                                             str(option.everyone)]
        page.screenshot(path=str(tmp_path / "item_analysis.png"), full_page=True)
        watch.assert_clean(page)
