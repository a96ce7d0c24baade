"""qinglian's light copy of nbgrader's tables names nbgrader's own columns, with the same types."""

from __future__ import annotations

from nbgrader.api import Base

from grader.gradebook import nbgrader_tables


def test_every_light_table_has_nbgraders_columns_and_types() -> None:
    for name, light in nbgrader_tables.metadata.tables.items():
        theirs = Base.metadata.tables[name]
        assert [c.name for c in light.columns] == [c.name for c in theirs.columns], name
        for ours, real in zip(light.columns, theirs.columns, strict=True):
            assert repr(ours.type) == repr(real.type), f"{name}.{ours.name}"
            assert ours.primary_key == real.primary_key and ours.nullable == real.nullable, f"{name}.{ours.name}"


def test_the_light_tables_are_the_ones_qinglian_touches() -> None:
    assert set(nbgrader_tables.metadata.tables) == {
        "assignment", "notebook", "base_cell", "grade_cells", "solution_cells", "student",
        "submitted_assignment", "submitted_notebook", "grade", "comment", "course", "source_cell", "task_cells"}
