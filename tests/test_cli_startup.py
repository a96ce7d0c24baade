"""`qinglian` loads only what the command run needs: the listing imports no command module, and opening
an up-to-date gradebook imports neither alembic nor nbgrader."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from grader.cli import COMMANDS, main

HEAVY = ("nbgrader", "nbformat", "sqlalchemy", "alembic", "jsonschema", "tornado", "fpdf")


def _loaded_after(code: str, cwd: Path) -> set[str]:
    """The top-level modules a fresh interpreter has loaded after running `code`."""
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_help_lists_every_command_without_importing_heavy_libraries(tmp_path: Path) -> None:
    code = ("from grader.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit as stop:\n    assert stop.code == 0\n")
    loaded = _loaded_after(code, tmp_path)
    assert not loaded & set(HEAVY)
    assert not {m for m in sys.modules if m.startswith("grader.cli.") and m != "grader.cli.lazy"} & loaded


def test_help_shows_every_command_name_with_its_own_help() -> None:
    result = CliRunner().invoke(main, ["--help"], terminal_width=400)
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"  {name} " in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_kept_help_is_the_commands_own(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert command is not None and command.name == name
    assert COMMANDS[name][1] == command.get_short_help_str(limit=10**6)


def test_every_top_level_command_in_the_cli_modules_is_listed() -> None:
    """A command added to a module but not to COMMANDS would silently vanish from `qinglian`."""
    listed = {path for path, _ in COMMANDS.values()}
    for module_file in (Path(__file__).resolve().parent.parent / "grader" / "cli").glob("*.py"):
        if module_file.stem == "__init__":
            continue
        module = importlib.import_module(f"grader.cli.{module_file.stem}")
        values = vars(module)
        inner = {id(c) for v in values.values() if isinstance(v, click.Group) for c in v.commands.values()}
        for attribute, value in values.items():
            mine = isinstance(value, click.Command) and getattr(value.callback, "__module__", "") == module.__name__
            if mine and id(value) not in inner:
                assert f"{module_file.stem}:{attribute}" in listed, f"grader/cli/{module_file.stem}.py:{attribute}"


def test_a_command_on_an_up_to_date_gradebook_imports_neither_alembic_nor_nbgrader(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from grader.gradebook.database import migrate

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    engine = create_engine(url)
    migrate(engine)
    engine.dispose()
    code = ("from sqlalchemy import create_engine\nfrom grader.gradebook.database import migrate, up_to_date\n"
            f"engine = create_engine({url!r})\nassert up_to_date(engine)\nmigrate(engine)\n")
    loaded = _loaded_after(code, tmp_path)
    assert "sqlalchemy" in loaded
    assert not loaded & {"alembic", "nbgrader", "nbformat"}
