"""The `qinglian` command: parse options, open resources, call one library function, show it.

One module per group of commands; each registers here."""

from __future__ import annotations

import click

from grader.cli import courses, exams, people, serving, sittings


@click.group()
@click.version_option(package_name="qinglian")
def main() -> None:
    """清廉：廉政教育培训与考试平台。"""


for _command in (exams.init, exams.bank, exams.paper, exams.release, exams.autograde, exams.export, exams.demo,
                 courses.course, courses.progress, serving.serve, people.roster, sittings.sitting):
    main.add_command(_command)
