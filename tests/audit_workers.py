"""A process appending to the audit log (several run at once in test_audit_concurrency)."""

from __future__ import annotations

import sys

from sqlalchemy.orm import Session

from grader.audit.log import append
from grader.gradebook.engine import connect
from grader.staff.roles import system


def main(db_url: str, name: str, count: int) -> None:
    engine = connect(db_url)
    for n in range(count):
        with Session(engine) as session, session.begin():
            append(session, system(name), "test.append", "test", f"{name}-{n}", {"n": n})
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
