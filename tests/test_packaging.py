"""environment.yml stays in step with pyproject.toml; the package ships what it needs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _bound(requirement: str) -> str:
    match = re.search(r">=\s*([\w.]+)", requirement)
    return match.group(1) if match else ""


def test_environment_yml_pins_the_same_lower_bounds_as_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r): _bound(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d): _bound(d) for d in env["dependencies"] if isinstance(d, str)}
    assert {name: conda.get(name) for name in wanted} == wanted
    assert f">={project['requires-python'].lstrip('>=')}" in next(d for d in env["dependencies"]
                                                                 if isinstance(d, str) and d.startswith("python"))


def test_every_dependency_has_a_lower_bound() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert [r for r in project["dependencies"] if ">=" not in r] == []


def test_migrations_and_type_marker_are_package_data() -> None:
    package = REPO / "grader"
    assert (package / "py.typed").exists()
    assert list((package / "gradebook" / "migrations" / "versions").glob("0001_*.py"))
