"""Course modules: the four education bases and the two regulations, with recorded study."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.course.catalog import CourseError, CourseProblem, Module, check_catalog, load_catalog

if TYPE_CHECKING:
    from grader.course.live import LiveModule


def open_module(module_id: str) -> LiveModule:
    """The first cell of a course notebook (imports the widgets only where they are shown)."""
    from grader.course.live import open_module as open_live

    return open_live(module_id)


__all__ = ["CourseError", "CourseProblem", "Module", "check_catalog", "load_catalog", "open_module"]
