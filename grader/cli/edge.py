"""What every command shares: the console, the common options, the transaction and the progress bar."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.orm import Session

from grader.gradebook.database import migrate
from grader.gradebook.engine import connect
from grader.settings import Settings
from grader.staff.roles import Actor

T = TypeVar("T")
console = Console(stderr=True)
root_option = click.option("--root", type=click.Path(path_type=Path), default=Path("."), show_default=True,
                           help="工作区（nbgrader 课程目录）")
db_option = click.option("--db", "db_url", envvar="QINGLIAN_DB_URL", default=None,
                         help="数据库 URL（默认：工作区中的 gradebook.db）")


class Failure(click.ClickException):
    def show(self, file: object = None) -> None:
        console.print(f"[red]错误：[/red]{self.message}", highlight=False)


@contextmanager
def transaction(settings: Settings) -> Iterator[Session]:
    engine = connect(settings.db_url)
    try:
        migrate(engine)  # a workspace made by an older qinglian gets the newer tables first
        with Session(engine) as session, session.begin():
            yield session
    finally:
        engine.dispose()


def acting(session: Session) -> Actor:
    """The CLI acts as the staff account mapped to the operating-system user; an unmapped user is refused."""
    import getpass

    from grader.staff.accounts import actor_for_os_user
    from grader.staff.roles import StaffError

    try:
        return actor_for_os_user(session, getpass.getuser())
    except StaffError as error:
        raise Failure(f"{error}；当前系统用户 {getpass.getuser()} 不能操作") from error


@contextmanager
def refused() -> Iterator[None]:
    """A role's refusal becomes a one-line error."""
    from grader.staff.roles import StaffError

    try:
        yield
    except StaffError as error:
        raise Failure(str(error)) from error


def progress_bar(items: Iterable[T], total: int, label: str = "评分", at_least: int = 50) -> Iterator[T]:
    """A progress bar for long work; short work (under `at_least` items) shows none."""
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False, disable=total < at_least) as bar:
        yield from bar.track(items, total=total)

