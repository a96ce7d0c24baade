"""The `qinglian` command: parse options, open resources, call one library function, show it.

One module per group of commands; each registers here."""

from __future__ import annotations

import click

from grader.cli import certificates, courses, exams, items, people, records, room, scoreboard, serving, sittings


@click.group()
@click.version_option(package_name="qinglian")
def main() -> None:
    """清廉：廉政教育培训与考试平台。"""


for _command in (exams.init, exams.bank, exams.paper, exams.release, exams.autograde, exams.export, exams.demo,
                 courses.course, courses.progress, serving.serve, room.room, people.roster, sittings.sitting,
                 items.items, records.record, records.status, records.case, records.review, records.dossier,
                 certificates.keys, certificates.cert, certificates.result,
                 scoreboard.scoreboard, scoreboard.city):
    main.add_command(_command)
