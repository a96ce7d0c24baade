"""Locked cells as grading compares them: a cell saved exactly as released is unchanged without
hashing, any other form of the same text is still unchanged (nbgrader's checksum decides), and a
change to any one line of any locked cell is found, whichever form its source is saved in."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.autograde.submission import Layout, layout_of, parse_submission
from tests.test_submission import released_notebook


@pytest.fixture(scope="module")
def released() -> dict[str, Any]:
    return released_notebook(0)


@pytest.fixture(scope="module")
def layout(released: dict[str, Any]) -> Layout:
    return layout_of(released, "small-a")


def _locked(nb: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("locked")]


def _lines(source: str | list[str]) -> list[str]:
    return (source if isinstance(source, str) else "".join(source)).splitlines(keepends=True)


def test_the_release_keeps_its_locked_sources_as_saved(released: dict[str, Any], layout: Layout) -> None:
    for cell in _locked(released):
        assert layout.locked[cell["metadata"]["nbgrader"]["grade_id"]].raw_source == cell["source"]


@settings(max_examples=60, deadline=None)
@given(data=st.data(), as_text=st.booleans())
def test_the_same_text_in_another_form_is_not_tampered(released: dict[str, Any], layout: Layout,
                                                       data: st.DataObject, as_text: bool) -> None:
    nb = copy.deepcopy(released)
    cell = data.draw(st.sampled_from(_locked(nb)))
    lines = _lines(cell["source"])
    cell["source"] = "".join(lines) if as_text else lines
    assert parse_submission(json.dumps(nb), layout).tampered == ()


@settings(max_examples=60, deadline=None)
@given(data=st.data(), as_text=st.booleans(), extra=st.text(min_size=1, max_size=5))
def test_a_change_to_any_line_of_a_locked_cell_is_tampered(released: dict[str, Any], layout: Layout,
                                                           data: st.DataObject, as_text: bool, extra: str) -> None:
    nb = copy.deepcopy(released)
    cell = data.draw(st.sampled_from(_locked(nb)))
    lines = _lines(cell["source"]) or [""]
    at = data.draw(st.integers(0, len(lines) - 1))
    lines[at] += extra
    cell["source"] = "".join(lines) if as_text else lines
    grade_id = cell["metadata"]["nbgrader"]["grade_id"]
    assert parse_submission(json.dumps(nb), layout).tampered == (grade_id,)
