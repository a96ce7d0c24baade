"""Four processes appending at once keep one chain, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.audit.log import entries
from grader.audit.verify import verify
from grader.settings import Settings
from tests.conftest import REPO


def test_concurrent_appends_from_several_processes_form_one_chain(settings: Settings, engine: Engine) -> None:
    workers = [subprocess.Popen([sys.executable, "-m", "tests.audit_workers", settings.db_url, f"w{i}", "25"],
                                cwd=REPO) for i in range(4)]
    assert [w.wait(timeout=300) for w in workers] == [0, 0, 0, 0]
    with Session(engine) as session:
        log = entries(session)
        report = verify(session)
    assert [e.seq for e in log] == list(range(1, 101))
    assert {e.object_id for e in log} == {f"w{i}-{n}" for i in range(4) for n in range(25)}
    assert report.findings == ()
