"""The audit log: an untouched gradebook verifies clean; every edit made behind the library's back
(an UPDATE, a DELETE, an INSERT, a cut log) is named by `qinglian audit verify`, on SQLite and
PostgreSQL; certificate issuing refuses what the log does not vouch for; checkpoints catch a
rewritten chain."""

from __future__ import annotations

import getpass
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from grader.audit.verify import verify
from grader.certificates.eligibility import Sources
from grader.certificates.issue import Selection, issue_certificates
from grader.certificates.keys import init_keys
from grader.certificates.revocation import revoke
from grader.cli import main
from grader.records.gate import record_step
from grader.settings import Settings
from grader.staff.accounts import add_staff
from tests.records_data import DATA, REPO, seed_roster, sit
from tests.staff_data import ORGANISER, os_user_as, recorder

SOURCES = Sources(DATA / "programmes", REPO / "courses")
NOW = datetime(2026, 11, 25, 10, 0)


def _cli(settings: Settings, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--root", str(settings.root), "--db", settings.db_url])
    return result.exit_code, result.output


def _world(settings: Settings, engine: Engine, assignment: str) -> dict[str, str]:
    """A roster, two graded candidates, gate records, a certificate issued and one revoked."""
    with Session(engine) as session, session.begin():
        add_staff(session, None, "组织部 管理员", "organiser", os_user="nobody-else")
    seed_roster(engine)
    sit(settings, engine, assignment, {"P001": True, "P002": True})
    init_keys(settings.root, "测试签发机构", NOW)
    with Session(engine) as session, session.begin():
        talk = record_step(session, "P001", "talk", date(2026, 11, 2), recorder(), now=NOW)
        batch = issue_certificates(session, settings.root, Selection(person="P001", programme="promotion_test"),
                                   SOURCES, ORGANISER, NOW)
        (first,) = [o.issued for o in batch.outcomes if o.issued]
        revoke(session, first.serial, "成绩更正", ORGANISER, NOW)
        again = issue_certificates(session, settings.root, Selection(person="P002", programme="promotion_test"),
                                   SOURCES, ORGANISER, NOW)
        (second,) = [o.issued for o in again.outcomes if o.issued]
    return {"talk": str(talk.id), "revoked": first.serial, "kept": second.serial}


def test_an_untouched_gradebook_verifies_clean_and_exits_0(settings: Settings, engine: Engine,
                                                          released: list[str]) -> None:
    _world(settings, engine, released[0])
    with Session(engine) as session:
        report = verify(session)
    assert report.findings == () and report.entries > 10
    os_user_as(settings, "auditor")
    code, said = _cli(settings, "audit", "verify")
    assert code == 0, said


def test_verify_names_every_edit_made_behind_the_librarys_back(settings: Settings, engine: Engine,
                                                               released: list[str]) -> None:
    made = _world(settings, engine, released[0])
    os_user_as(settings, "auditor")  # its two entries (an account, its role) are the last ones
    with engine.begin() as db:
        db.execute(text("UPDATE ql_gate_record SET happened_on = :d WHERE id = :i"),
                   {"d": date(2026, 10, 2), "i": int(made["talk"])})
        db.execute(text("DELETE FROM ql_certificate_revocation WHERE serial = :s"), {"s": made["revoked"]})
        result_id = db.execute(text("SELECT id FROM ql_result WHERE student_id = 'P002' AND current")).scalar_one()
        db.execute(text("UPDATE ql_result SET auto_score = 88 WHERE id = :i"), {"i": result_id})
        forged = db.execute(text(
            "INSERT INTO ql_gate_record (person_id, kind, action, happened_on, recorded_by, recorded_at, notes, reason)"
            " VALUES ('P003', 'oath', 'record', '2026-11-01', '伪造', '2026-11-01 09:00:00', '', '') RETURNING id"))
        forged_id = forged.scalar_one()
        last = db.execute(text("SELECT max(seq) FROM ql_audit")).scalar_one()
        db.execute(text("DELETE FROM ql_audit WHERE seq > :s"), {"s": last - 2})
    code, said = _cli(settings, "audit", "verify")
    assert code == 1
    assert f"ql_gate_record #{made['talk']}：日期 2026-11-02 被改为 2026-10-02，没有对应的审计记录" in said
    assert f"ql_certificate_revocation #{made['revoked']}：该行已被删除，没有对应的审计记录" in said
    assert f"ql_result #{result_id}：得分" in said and "被改为 88" in said
    assert f"ql_gate_record #{forged_id}：审计日志中没有这一行" in said
    assert f"审计日志最后 2 条（第 {last - 1}–{last} 条）被删除" in said
    assert "ql_staff #2：审计日志中没有这一行" in said  # what the cut entries vouched for


def test_cert_issue_refuses_a_person_whose_score_was_edited_and_names_the_row(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    _world(settings, engine, released[0])
    sit(settings, engine, released[0], {"P003": True})
    with engine.begin() as db:
        result_id = db.execute(text("SELECT id FROM ql_result WHERE student_id = 'P003' AND current")).scalar_one()
        db.execute(text("UPDATE ql_result SET auto_score = 99 WHERE id = :i"), {"i": result_id})
    os_user_as(settings, "organiser")
    code, said = _cli(settings, "cert", "issue", "--person", "P003", "--programme", "promotion_test",
                      "--programmes", str(DATA / "programmes"), "--courses", str(REPO / "courses"))
    assert code == 1
    assert "与审计日志不符" in said and f"ql_result #{result_id}：得分" in said and "被改为 99" in said


def test_a_checkpoint_catches_a_chain_rewritten_after_it(settings: Settings, engine: Engine, released: list[str],
                                                        tmp_path: Path) -> None:
    _world(settings, engine, released[0])
    os_user_as(settings, "auditor")
    point = tmp_path / "checkpoint.json"
    assert _cli(settings, "audit", "checkpoint", "--to", str(point))[0] == 0
    assert _cli(settings, "audit", "verify", "--checkpoint", str(point))[0] == 0
    with engine.begin() as db:  # rewrite the whole chain consistently: only the checkpoint can tell
        from grader.audit.log import GENESIS, chain, entries

        with Session(bind=db) as session:
            log = entries(session)
        previous = GENESIS
        for entry in log:
            actor = "别人" if entry.seq == 1 else entry.actor
            body = entry.__class__(**{**entry.__dict__, "actor": actor}).body()
            previous = chain(previous, body)
            db.execute(text("UPDATE ql_audit SET actor = :a, hash = :h WHERE seq = :s"),
                       {"a": actor, "h": previous, "s": entry.seq})
        db.execute(text("UPDATE ql_audit_head SET hash = :h"), {"h": previous})
    code, said = _cli(settings, "audit", "verify")
    assert code == 0, said  # consistent, so without the checkpoint nothing shows
    code, said = _cli(settings, "audit", "verify", "--checkpoint", str(point))
    assert code == 1 and "检查点" in said and "被改写" in said


def test_the_cli_refuses_an_unmapped_os_user(settings: Settings, engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        add_staff(session, None, "组织部 管理员", "organiser", os_user=f"not-{getpass.getuser()}")
    code, said = _cli(settings, "audit", "verify")
    assert code != 0 and f"系统用户 {getpass.getuser()} 没有对应的工作人员账号" in said


def test_manual_scores_from_formgrader_are_logged_by_sync_and_a_later_edit_is_flagged(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    from grader.audit.sync import sync_manual_grades
    from tests.staff_data import trainer

    seed_roster(engine)
    sit(settings, engine, released[0], {"P001": True}, essay="廉洁从政，首先要守住底线。")

    def formgrader(points: float) -> str:  # formgrader writes nbgrader's own table, not through us
        with engine.begin() as db:
            grade = db.execute(text("SELECT id FROM grade ORDER BY id LIMIT 1")).scalar_one()
            db.execute(text("UPDATE grade SET manual_score = :p WHERE id = :i"), {"p": points, "i": grade})
        return str(grade)

    grade = formgrader(3)
    with Session(engine) as session:
        assert verify(session).findings == (f"grade #{grade}：审计日志中没有这一行，是绕过平台写入的",)
    with Session(engine) as session, session.begin():
        assert sync_manual_grades(session, trainer(), hub_user="trainer1") == 1
    with Session(engine) as session:
        assert verify(session).findings == ()
    formgrader(5)
    with Session(engine) as session:
        assert verify(session).findings == (f"grade #{grade}：人工评分 3.0 被改为 5.0，没有对应的审计记录",)


def test_the_auditor_searches_by_person_actor_action_and_time_and_exports_a_workbook(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    from grader.audit.checkpoint import write_checkpoint
    from grader.audit.search import Query, entries_xlsx, last_checkpoint, search
    from grader.certificates.keys import load_signer
    from grader.staff.roles import StaffError
    from tests.staff_data import auditor

    made = _world(settings, engine, released[0])
    with Session(engine) as session, session.begin():
        about = search(session, auditor(), Query(person="P001"))
        assert {e.action for e in about} >= {"roster.import", "grade.run", "gate.record", "cert.issue", "cert.revoke"}
        assert all(e.action != "cert.issue" or e.object_id != made["kept"] for e in about)  # P002's is not P001's
        assert [e.object_id for e in search(session, auditor(), Query(action="gate"))] == [made["talk"]]
        assert {e.actor for e in search(session, auditor(), Query(actor="管理员"))} == {"组织部 管理员"}
        assert search(session, auditor(), Query(since=datetime(2027, 1, 1))) == []
        with pytest.raises(StaffError):
            search(session, recorder(), Query())
        assert last_checkpoint(session) is None
        write_checkpoint(session, load_signer(settings.root), tmp_path / "c.json", NOW, auditor())
        assert last_checkpoint(session) == NOW
        sheet = load_workbook(BytesIO(entries_xlsx(search(session, auditor(), Query())))).active
    assert sheet is not None and sheet["A1"].value == "序号" and sheet.max_row > 10
