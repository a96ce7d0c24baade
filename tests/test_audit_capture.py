"""Issue 12.5: formgrader writes manual scores without us; `qinglian export` and `qinglian status`
capture each one they see into the audit log, in their own transaction, so verify stays clean and
names only what changed after the last capture. Attributed to the OS user's account when its role
may capture, otherwise to the platform naming the command and the OS user; the JupyterHub user is
named where the environment gives one."""

from __future__ import annotations

import getpass
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from grader.audit.log import entries
from grader.audit.verify import verify
from grader.cli import main
from grader.settings import Settings
from tests.records_data import DATA, REPO, seed_roster, sit
from tests.staff_data import os_user_as


def _formgrader(engine: Engine, points: float) -> str:
    """What formgrader does: nbgrader's own grade table, not through the platform."""
    with engine.begin() as db:
        grade = db.execute(text("SELECT id FROM grade ORDER BY id LIMIT 1")).scalar_one()
        db.execute(text("UPDATE grade SET manual_score = :p WHERE id = :i"), {"p": points, "i": grade})
    return str(grade)


def _cli(settings: Settings, *args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner(env=env).invoke(main, [*args, "--root", str(settings.root), "--db", settings.db_url])
    assert result.exit_code == 0, result.output
    return result.output


def _captured(engine: Engine, grade: str) -> list[tuple[str, str, float]]:
    with Session(engine) as session:
        return [(e.actor, e.action, json.loads(e.state)["manual_score"]) for e in entries(session)
                if e.object_type == "grade" and e.object_id == grade]


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_export_and_status_capture_formgraders_manual_scores_so_verify_stays_clean(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": True}, essay="廉洁从政，首先要守住底线。")
    os_user_as(settings, "trainer")
    grade = _formgrader(engine, 3)
    said = _cli(settings, "export", "--to", str(settings.root / "grades.csv"), env={"JUPYTERHUB_USER": "trainer1"})
    assert "1 个人工评分已记入审计日志" in said
    with Session(engine) as session:
        assert verify(session).findings == ()
    _formgrader(engine, 5)
    os_user_as(settings, "recorder")  # may read the status, may not capture: the platform does, naming them
    _cli(settings, "status", "P001", "--programmes", str(DATA / "programmes"), "--courses", str(REPO / "courses"))
    with Session(engine) as session:
        assert verify(session).findings == ()
    first, second = _captured(engine, grade)
    assert first == (f"测试 {getpass.getuser()}", "grade.manual（formgrader，JupyterHub 用户 trainer1）", 3.0)
    assert second == (f"qinglian status（记录员 测试 {getpass.getuser()}）", "grade.manual（formgrader）", 5.0)
    _cli(settings, "export", "--to", str(settings.root / "grades.csv"))
    assert len(_captured(engine, grade)) == 2  # nothing new: nothing logged twice
    _formgrader(engine, 4)
    with Session(engine) as session:
        assert verify(session).findings == (f"grade #{grade}：人工评分 5.0 被改为 4.0，没有对应的审计记录",)
