"""A pre-run page's first view is drawn from the HTML, before Voila's scripts load, and gives way
to the live page once its widget is drawn (grader/pages/snapshot.py, the page template, qinglian.js)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import ipywidgets as widgets
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.pages.snapshot import MARK, snapshot_html
from grader.serve import voila_server
from grader.settings import Settings
from tests.browser import chromium_page, free_port, offline, running


def _text(html: str) -> str:
    """What a reader would read: the text of the HTML, tags dropped."""
    parts: list[str] = []

    class Reader(HTMLParser):
        def handle_data(self, data: str) -> None:
            parts.append(data)

    Reader(convert_charrefs=True).feed(html)
    return "".join(parts)


CASES = [  # (widget, what the snapshot must hold, what it must not)
    (widgets.HTML("<b class='x'>成绩榜</b>"), ["<b class='x'>成绩榜</b>", "widget-html-content"], []),
    (widgets.Button(description="查询"), ['<button class="jupyter-button widget-button" disabled>查询</button>'], []),
    (widgets.Dropdown(options=[("全市", 1), ("林州市", 2)], value=2, description="单位"),
     ["<option selected>林州市</option>", "<select disabled>", ">单位</label>"], ["全市"]),
    (widgets.Text(value="<script>x</script>", placeholder="编号"),
     ['value="&lt;script&gt;x&lt;/script&gt;"', 'placeholder="编号"'], ["<script>"]),
    (widgets.Password(value="secret-pass", description="密码"), ['type="password"'], ["secret-pass"]),
    (widgets.Textarea(value="承诺书\n全文"), ["<textarea disabled", "承诺书\n全文"], []),
    (widgets.Checkbox(value=True, description="含下级单位"), ["checked", "含下级单位"], []),
    (widgets.VBox([widgets.HTML("甲"), widgets.HBox([widgets.HTML("乙")])], layout=widgets.Layout()),
     ['class="widget-box widget-vbox"', 'class="widget-box widget-hbox"', "甲", "乙"], []),
    (widgets.VBox([widgets.HTML("看得见"), widgets.HTML("看不见", layout=widgets.Layout(display="none"))]),
     ["看得见"], ["看不见"]),
]


@pytest.mark.parametrize(("widget", "present", "absent"), CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_a_snapshot_draws_what_the_widget_shows_and_nothing_it_hides(widget: widgets.Widget, present: list[str],
                                                                      absent: list[str]) -> None:
    html = snapshot_html(widget)
    assert html.startswith(MARK)
    for part in present:
        assert part in html
    for part in absent:
        assert part not in html


def test_a_snapshot_names_the_root_view_it_waits_for_and_shows_the_chosen_tab() -> None:
    tabs = widgets.Tab([widgets.HTML("第一页"), widgets.HTML("第二页")], selected_index=1)
    tabs.set_title(0, "查询")
    tabs.set_title(1, "核验")
    page = widgets.VBox([tabs])
    page.add_class("ql-certificates-app")
    html = snapshot_html(page)
    assert 'data-root="ql-certificates-app"' in html
    assert "第二页" in html and "第一页" not in html
    assert _text(html).startswith("查询核验")


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text(), st.text())
def test_no_text_a_reader_typed_can_add_markup_to_a_snapshot(value: str, description: str, placeholder: str) -> None:
    html = snapshot_html(widgets.VBox([widgets.Text(value=value, description=description, placeholder=placeholder),
                                       widgets.Button(description=description)]))
    outside = re.sub(r'"[^"]*"', '""', html)  # attribute values, quotes escaped, cannot hold a tag
    tags = re.findall(r"<(/?[a-z]+)", outside)
    assert set(tags) <= {"div", "/div", "label", "/label", "input", "button", "/button"}


PAGE = """import ipywidgets as widgets
from grader.pages.snapshot import show
page = widgets.VBox([widgets.HTML("<h3 class='ql-demo-title'>本单位通过率</h3>"),
                     widgets.Dropdown(options=["2026 年", "2025 年"], description="期间"),
                     widgets.Password(value="never-on-screen")])
page.add_class("ql-demo")
show(page)
"""


@pytest.fixture(scope="module")
def page_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("snapshot")
    (base / "ws").mkdir()  # the page reads no workspace; the server is started as every page's is
    settings_ = Settings.resolve(base / "ws", f"sqlite:///{base / 'ws' / 'gradebook.db'}", environ={})
    folder = base / "pages"
    folder.mkdir()
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "id": "page", "metadata": {},
                           "outputs": [], "source": PAGE}],
                "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
                "nbformat": 4, "nbformat_minor": 5}
    (folder / "demo.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    server = voila_server(settings_, folder, free_port(), "demo.ipynb", "demo", 1, only_page=True)
    with running(server, base / "voila.log", server.ready_url):
        yield server


def test_the_first_view_is_on_screen_without_any_of_voilas_scripts(page_server) -> None:  # type: ignore[no-untyped-def]
    with chromium_page() as page:
        watch = offline(page)
        page.route("**/voila/static/**", lambda route: route.abort())  # type: ignore[attr-defined]
        page.goto(page_server.urls[0])  # type: ignore[attr-defined]
        title = page.locator(".ql-snapshot .ql-demo-title")  # type: ignore[attr-defined]
        title.wait_for(state="visible")
        assert title.inner_text() == "本单位通过率"
        box = title.bounding_box()  # at the top of the first screen: Voila's spinner does not push it down
        assert box is not None and box["y"] < 200
        assert not page.locator("#loading").is_visible()  # type: ignore[attr-defined]
        assert page.locator(".ql-snapshot select").is_disabled()  # type: ignore[attr-defined]
        assert "never-on-screen" not in page.content()  # type: ignore[attr-defined]
        assert watch.outside == []


def test_the_live_page_replaces_its_first_view(page_server) -> None:  # type: ignore[no-untyped-def]
    with chromium_page() as page:
        watch = offline(page)
        page.goto(page_server.urls[0])  # type: ignore[attr-defined]
        live = page.locator(".jp-OutputArea-output .ql-demo .ql-demo-title")  # type: ignore[attr-defined]
        live.wait_for(state="visible")
        page.locator(".jp-OutputArea-output .ql-demo select").wait_for(state="visible")  # type: ignore[attr-defined]
        assert page.locator(".ql-snapshot").count() == 0  # type: ignore[attr-defined]
        assert page.locator(".ql-demo-title").count() == 1  # type: ignore[attr-defined]
        assert page.locator(".jp-OutputArea-output .ql-demo select").is_enabled()  # type: ignore[attr-defined]
        watch.assert_clean(page)


def test_the_page_template_draws_only_our_own_snapshots() -> None:
    template = (Path(__file__).resolve().parent.parent / "grader" / "pages" / "jupyter" / "voila" / "templates"
                / "qinglian" / "index.html.j2").read_text(encoding="utf-8")
    assert MARK.replace('"', "") in template.replace('"', "")
