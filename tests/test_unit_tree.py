"""Units are listed as the hierarchy the roster describes: the 市直单位, then each 县（市、区）
followed by its 乡（镇、街道）, siblings in the order the roster first names them (not by name)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbgrader.api import Student
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from grader.gradebook.models import PersonRow, UnitRow
from grader.roster import Person, import_people, unit_tree
from tests.staff_data import ORGANISER

names = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40), min_size=1, max_size=3)


@st.composite
def rosters(draw: st.DrawFn) -> list[Person]:
    """Rows of offices, counties and townships in any order (a township may come before its county)."""
    units = draw(st.lists(names, min_size=1, max_size=12, unique=True))
    kinds = draw(st.lists(st.sampled_from(["county", "township", "office"]), min_size=len(units),
                          max_size=len(units)))
    counties = [u for u, kind in zip(units, kinds, strict=True) if kind == "county"]
    rows: list[tuple[str, str, str]] = []
    for unit, kind in zip(units, kinds, strict=True):
        if kind == "county":
            rows.append((unit, "", "县（市、区）"))
        elif kind == "township" and counties:
            rows.append((unit, draw(st.sampled_from(counties)), "乡（镇、街道）"))
        else:
            rows.append((unit, "", "市直单位"))
    rows = draw(st.permutations(rows))
    return [Person(f"P{n:03d}", "张三", "410502197503120011", unit, parent, kind, "科员", "公务员")
            for n, (unit, parent, kind) in enumerate(rows)]


def _expected(people: list[Person]) -> list[tuple[str, int]]:
    seen: dict[str, tuple[str, str]] = {}  # name -> (kind, parent), in order first named
    for person in people:
        if person.parent:
            seen.setdefault(person.parent, ("县（市、区）", ""))
        seen.setdefault(person.unit, (person.kind, person.parent))
    offices = [(name, 0) for name, (kind, _) in seen.items() if kind == "市直单位"]
    tree = [(name, 0) for name, (kind, parent) in seen.items() if kind == "县（市、区）" and not parent]
    return offices + [line for county, _ in tree for line in [(county, 0)] + [
        (name, 1) for name, (_, parent) in seen.items() if parent == county]]


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=rosters())
def test_units_are_listed_in_hierarchy_then_roster_order(engine: Engine, people: list[Person]) -> None:
    with Session(engine) as session, session.begin():
        session.execute(delete(PersonRow))
        session.execute(delete(Student))
        session.execute(delete(UnitRow).where(UnitRow.parent.is_not(None)))
        session.execute(delete(UnitRow))
        import_people(session, people, ORGANISER)
    with Session(engine) as session:
        assert [(line.name, line.depth) for line in unit_tree(session)] == _expected(people)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_second_import_puts_new_units_after_the_known_ones(engine: Engine) -> None:
    first = [Person("P1", "张三", "410502197503120011", "林州市", "", "县（市、区）", "科员", "公务员")]
    later = [Person("P2", "李四", "410502197503120011", "城郊乡", "林州市", "乡（镇、街道）", "科员", "公务员"),
             Person("P3", "王五", "410502197503120011", "安阳市纪委监委", "", "市直单位", "科员", "公务员"),
             Person("P4", "赵六", "410502197503120011", "东姚镇", "林州市", "乡（镇、街道）", "科员", "公务员")]
    for batch in (first, later):
        with Session(engine) as session, session.begin():
            import_people(session, batch, ORGANISER)
    with Session(engine) as session:
        assert [(line.name, line.depth) for line in unit_tree(session)] == [
            ("安阳市纪委监委", 0), ("林州市", 0), ("城郊乡", 1), ("东姚镇", 1)]
