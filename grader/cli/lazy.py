"""A click group that imports a command's module only when that command runs.

`qinglian --help` lists every command from the names and one-line helps kept beside the import paths, so
it loads no command module; tests/test_cli_startup.py checks that each kept help equals the command's own."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click


class LazyGroup(click.Group):
    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # name -> ("module:attribute", one-line help)
        self.lazy: dict[str, tuple[str, str]] = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            self.add_command(self.load(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def load(self, cmd_name: str) -> click.Command:
        path, _ = self.lazy[cmd_name]
        module_name, attribute = path.split(":")
        module = importlib.import_module(module_name if "." in module_name else f"grader.cli.{module_name}")
        command = getattr(module, attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{path} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The listing from the kept helps; a command already loaded speaks for itself."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.get(name)
            if command is not None:
                if command.hidden:
                    continue
                rows.append((name, command.get_short_help_str(limit)))
            else:
                # a bare command shortens the kept help exactly as the real one would
                rows.append((name, click.Command(name, help=self.lazy[name][1]).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def without_iri_grammar() -> None:
    """jsonschema (under nbformat) checks the "iri" format with rfc3987_syntax when it is installed, which
    compiles a Lark grammar at import: seconds for every command that reads a notebook. No notebook schema
    uses that format, so the CLI marks the module absent and jsonschema skips that one check."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
