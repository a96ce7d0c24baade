"""A result flagged 待复核 earns no certificate until a person has looked at it and cleared the
flag; the clearing is recorded (who, when, why), once per result, and a regrade is judged afresh."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.autograde import autograde
from grader.certificates.eligibility import Sources, eligible
from grader.certificates.flags import FlagError, clear_flag, open_flags
from grader.cli import main
from grader.gradebook.models import PaperRow, ResultFlagClearanceRow, ResultRow
from grader.paper.notebook import NOTEBOOK_NAME, answered_notebook
from grader.paper.store import load_keys
from grader.records.gate import record_step
from grader.settings import Settings
from grader.staff.roles import system
from grader.workspace import write_submission
from tests.certificates_data import NOW
from tests.flag_workers import clear_in_a_process
from tests.records_data import DATA, REPO, seed_roster, sit
from tests.staff_data import organiser, os_user_as, recorder

SOURCES = Sources(DATA / "programmes", REPO / "courses")
HANDED_IN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
REVIEWER, WHY = "组织部 李四", "核对原始答卷：改动的是题干末尾的空格，不影响作答"


def sit_tampered(settings: Settings, engine: Engine, assignment: str, student: str) -> None:
    """Every answer right, but a locked question cell changed before handing in: graded, flagged."""
    with Session(engine) as session:
        keys = load_keys(session, assignment)
    released = json.loads((settings.root / "release" / assignment / f"{NOTEBOOK_NAME}.ipynb").read_text("utf-8"))
    answers = {k.name: "" if k.type == "essay" else k.key[0] if isinstance(k.key, tuple) else str(k.key)
               for k in keys.items}
    notebook = answered_notebook(released, answers)
    locked = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("locked")
                  and not c["metadata"]["nbgrader"].get("solution"))
    locked["source"] = "".join(locked["source"]) + "（已改动）"
    write_submission(settings.root, assignment, student, notebook, HANDED_IN)
    with Session(engine) as session, session.begin():
        autograde(session, settings.root, assignment, actor=system("test"), students={student})


def refusals(engine: Engine, people: list[str], programme: str = "promotion_test") -> dict[str, str]:
    with Session(engine) as session:
        found, refused = eligible(session, people, programme, SOURCES, NOW)
    return {f.person_id: "eligible" for f in found} | {r.person_id: r.reason for r in refused}


def test_a_flagged_pass_is_refused_naming_the_result_until_a_person_clears_it(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P002": True})
    sit_tampered(settings, engine, released[0], "P001")
    before = refusals(engine, ["P001", "P002"])
    assert before["P002"] == "eligible"
    assert before["P001"].startswith(f"成绩待复核，暂不签发：试卷 {released[0]}（")
    assert "锁定单元格被改动" in before["P001"]
    assert f"qinglian result clear-flag P001 {released[0]}" in before["P001"]

    with Session(engine) as session, session.begin():
        done = clear_flag(session, "P001", released[0], organiser(REVIEWER), WHY, NOW)
    assert (done.cleared_by, done.cleared_at, done.reason) == (REVIEWER, NOW, WHY)
    with Session(engine) as session:
        row = session.get(ResultFlagClearanceRow, done.result_id)
        assert row is not None and (row.cleared_by, row.cleared_at, row.reason) == (REVIEWER, NOW, WHY)
        result = session.get(ResultRow, done.result_id)
        assert result is not None and result.flagged  # the flag stays: the clearing is beside it
    assert refusals(engine, ["P001"]) == {"P001": "eligible"}


def test_clearing_needs_a_name_and_a_reason_and_a_flagged_current_result_and_happens_once(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P002": True})
    sit_tampered(settings, engine, released[0], "P001")
    with Session(engine) as session, session.begin():
        with pytest.raises(FlagError, match="必须写明理由"):
            clear_flag(session, "P001", released[0], organiser(REVIEWER), "  ", NOW)
        with pytest.raises(FlagError, match="没有待复核标记，无需解除"):
            clear_flag(session, "P002", released[0], organiser(REVIEWER), WHY, NOW)
        with pytest.raises(FlagError, match=f"没有 P003 在试卷 {released[0]} 上的成绩"):
            clear_flag(session, "P003", released[0], organiser(REVIEWER), WHY, NOW)
        clear_flag(session, "P001", released[0], organiser(REVIEWER), WHY, NOW)
    with (Session(engine) as session, session.begin(),
          pytest.raises(FlagError, match=f"已于 2026-11-27 10:00 由 {REVIEWER} 解除：{WHY}")):
        clear_flag(session, "P001", released[0], organiser("别人"), "再解除一次", NOW + timedelta(hours=1))


def test_four_reviewers_clearing_one_flag_at_once_record_exactly_one_clearing(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit_tampered(settings, engine, released[0], "P001")
    context = multiprocessing.get_context("spawn")  # a fresh interpreter each, like separate machines
    start, results = context.Barrier(4), context.Queue()
    workers = [context.Process(target=clear_in_a_process,
                               args=(settings.db_url, released[0], f"复核人 {n}", WHY, NOW, start, results))
               for n in range(4)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(kind for kind, _ in outcomes) == ["cleared", "refused", "refused", "refused"]
    assert all("解除" in said for kind, said in outcomes if kind == "refused")
    with Session(engine) as session:
        (row,) = session.scalars(select(ResultFlagClearanceRow)).all()
    assert [row.cleared_by] == [said for kind, said in outcomes if kind == "cleared"]


def test_a_regrade_is_a_new_result_judged_afresh(settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit_tampered(settings, engine, released[0], "P001")
    with Session(engine) as session, session.begin():
        clear_flag(session, "P001", released[0], organiser(REVIEWER), WHY, NOW)
    with Session(engine) as session, session.begin():
        autograde(session, settings.root, released[0], actor=system("test"), students={"P001"})  # graded again
    assert refusals(engine, ["P001"])["P001"].startswith("成绩待复核")


def test_the_gate_certificate_waits_for_its_flagged_exam_too(settings: Settings, engine: Engine,
                                                            released: list[str]) -> None:
    seed_roster(engine)
    sit_tampered(settings, engine, released[0], "P001")
    with Session(engine) as session, session.begin():
        for kind, day in (("talk", 2), ("oath", 6)):
            record_step(session, "P001", kind, datetime(2026, 11, day).date(), recorder(REVIEWER), now=NOW)
        record_step(session, "P001", "commitment", datetime(2026, 11, 25).date(), recorder(REVIEWER),
                    text="本人承诺：廉洁自律。", now=NOW)
    assert refusals(engine, ["P001"], "promotion_gate")["P001"].startswith("成绩待复核")
    with Session(engine) as session, session.begin():
        clear_flag(session, "P001", released[0], organiser(REVIEWER), WHY, NOW)
    assert refusals(engine, ["P001"], "promotion_gate") == {"P001": "eligible"}


def test_flags_on_other_papers_do_not_hold_a_certificate(settings: Settings, engine: Engine,
                                                         released: list[str]) -> None:
    seed_roster(engine)
    sit_tampered(settings, engine, released[0], "P001")
    with Session(engine) as session:
        assert list(open_flags(session, ["P001"], PaperRow.programme == "promotion")) == ["P001"]
        assert open_flags(session, ["P001"], PaperRow.programme == "induction") == {}
        assert open_flags(session, ["P001"], PaperRow.blueprint.in_([])) == {}
        assert list(open_flags(session, None, PaperRow.assignment == released[0])) == ["P001"]
        assert session.scalars(select(PaperRow.programme).where(PaperRow.assignment == released[0])).one() == \
            "promotion"


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_from_the_command_line_issuing_names_the_flag_and_clearing_it_lets_the_certificate_through(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    seed_roster(engine)
    sit_tampered(settings, engine, released[0], "P001")
    ws = ["--root", str(settings.root), "--db", settings.db_url]
    os_user_as(settings, "organiser")
    assert _run("keys", "init", "--issuer", "安阳市演示签发机构", "--root", str(settings.root)).exit_code == 0
    issue = ["cert", "issue", "--person", "P001", "--programme", "promotion_test", "--out", str(tmp_path / "out"),
             "--programmes", str(DATA / "programmes"), "--courses", str(REPO / "courses"), *ws]
    refused = _run(*issue)
    assert refused.exit_code == 1
    assert f"P001：未签发职务提升廉政知识测试证书：成绩待复核，暂不签发：试卷 {released[0]}" in refused.output
    listed = _run("result", "flags", *ws)
    assert listed.exit_code == 0 and f"P001：试卷 {released[0]}" in listed.output
    assert "锁定单元格被改动" in listed.output
    no_reason = CliRunner().invoke(main, ["result", "clear-flag", "P001", released[0], *ws])
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    cleared = _run("result", "clear-flag", "P001", released[0], "--reason", WHY, *ws)
    assert cleared.exit_code == 0 and "已解除 P001" in cleared.output
    again = _run("result", "clear-flag", "P001", released[0], "--reason", WHY, *ws)
    assert again.exit_code == 1 and "已于" in again.output and "Traceback" not in again.output
    issued = _run(*issue)
    assert issued.exit_code == 0, issued.output
    assert list((tmp_path / "out").glob("P001-promotion_test-QL*.pdf"))
