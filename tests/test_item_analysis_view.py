"""The item-analysis page's widgets on a real gradebook, and its notebook run top to bottom."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.course.execute import execute_notebook
from grader.item_analysis import item_analysis
from grader.item_analysis.text import ratio
from grader.item_analysis.view import ItemAnalysisPage
from grader.settings import Settings
from tests.graded_papers import grade_simulated

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "voila_apps" / "item_analysis.ipynb"


def _cell(page: ItemAnalysisPage, name: str) -> widgets.Widget:
    return next(c for c in page.table.children if name in c._dom_classes)


def test_choosing_a_paper_shows_its_figures_and_an_item_opens_its_distractor_table(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    assignment = released[0]
    grade_simulated(settings, engine, assignment, [f"V{n:03d}" for n in range(15)])
    with Session(engine) as session:
        analysis = item_analysis(session, assignment)
    page = ItemAnalysisPage(engine)
    assert [value for _, value in page.chooser.options] == [assignment]
    page.chooser.value = assignment
    assert "人数 15" in page.summary.value
    for item in analysis.items:
        assert f">{ratio(item.facility)}<" in _cell(page, f"ql-facility-{item.name}").value
        flags = _cell(page, f"ql-flags-{item.name}")
        assert "、".join(item.flags) in flags.value
        assert ("ql-flagged" in flags._dom_classes) == bool(item.flags)
    first = analysis.items[0]
    page.open(first.name)
    (panel,) = page.detail.children
    top = first.options[0]
    share = f"{top.upper}（{top.upper / analysis.paper.group_size:.0%}）"
    assert f"<tr class='ql-option-{top.option}'>" in panel.value and share in panel.value
    essay = next(i for i in analysis.items if i.type == "essay")
    page.open(essay.name)
    assert "没有选项分析" in page.detail.children[0].value


def test_a_workspace_without_graded_papers_says_so(engine: Engine) -> None:
    page = ItemAnalysisPage(engine)
    assert page.chooser.options == ()
    assert "还没有评分结果的试卷" in page.widget.children[0].value


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_notebook_runs_clean_on_a_graded_workspace(settings: Settings, engine: Engine,
                                                        released: list[str]) -> None:
    grade_simulated(settings, engine, released[0], ["N001", "N002", "N003"])
    assert execute_notebook(NOTEBOOK, settings) == []
