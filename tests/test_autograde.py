"""Autograde against a real gradebook (SQLite and PostgreSQL): scores, flags, broken
submissions, regrades, and what nbgrader's own API then reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from grader.autograde import autograde
from grader.gradebook.models import GradingIssueRow, ItemResultRow, ResultRow
from grader.paper.notebook import answered_notebook
from grader.paper.store import PaperKey, PaperKeys, load_keys
from grader.release import release_path
from grader.scoring import MAX_ANSWER_CHARS, Verdict
from grader.settings import Settings
from grader.staff.roles import system
from grader.workspace import write_submission

AT = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


def _keys(engine: Engine, assignment: str) -> PaperKeys:
    with Session(engine) as session:
        return load_keys(session, assignment)


def _submit(settings: Settings, assignment: str, student: str, answers: dict[str, str],
            raw: dict[str, str] | None = None) -> Path:
    released = json.loads(release_path(settings.root, assignment).read_text(encoding="utf-8"))
    nb = answered_notebook(released, answers)
    for cell in nb["cells"]:
        name = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if raw and name in raw:
            cell["source"] = raw[name]
    return write_submission(settings.root, assignment, student, nb, AT)


def _right(key: PaperKey) -> str:
    if key.type == "essay":
        return "答案"
    return key.key[0] if isinstance(key.key, tuple) else str(key.key)


def _grade(engine: Engine, settings: Settings, assignment: str):  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        return autograde(session, settings.root, assignment, actor=system("tester"))


def _nbgrader_score(settings: Settings, assignment: str, student: str) -> float:
    with Gradebook(settings.db_url) as gradebook:
        return float(gradebook.find_submission(assignment, student).score)


def test_all_right_scores_every_autograded_point_and_leaves_the_essay_to_a_person(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    _submit(settings, assignment, "s-right", {k.name: _right(k) for k in keys.items})
    report = _grade(engine, settings, assignment)
    graded = report.graded[0]
    essay_points = sum(k.points for k in keys.items if k.type == "essay")
    assert graded.auto_score == keys.total_points - essay_points
    assert graded.needs_manual and not graded.flagged
    assert _nbgrader_score(settings, assignment, "s-right") == keys.total_points - essay_points


def test_odd_but_right_answers_score_like_clean_ones(settings: Settings, engine: Engine,
                                                     released: list[str]) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    full_width = {chr(c): chr(c + 0xFEE0) for c in range(ord("A"), ord("Z") + 1)}
    odd = {}
    for k in keys.items:
        answer = _right(k)
        if k.type == "multiple":
            answer = "，".join(reversed(answer.lower()))
        elif k.type in ("single", "truefalse"):
            answer = f"  {''.join(full_width[c] for c in answer)} "
        elif k.type == "fill":
            answer = f" {answer} "
        odd[k.name] = answer
    _submit(settings, assignment, "s-odd", odd)
    _submit(settings, assignment, "s-clean", {k.name: _right(k) for k in keys.items})
    report = _grade(engine, settings, assignment)
    scores = {g.student: g.auto_score for g in report.graded}
    assert scores["s-odd"] == scores["s-clean"] > 0


def test_wrong_blank_and_unoffered_letters_score_zero(settings: Settings, engine: Engine,
                                                      released: list[str]) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    answers = {}
    for k in keys.items:
        if k.type in ("single", "truefalse"):
            answers[k.name] = next(c for c in k.options if c != k.key)
        elif k.type == "multiple":
            answers[k.name] = str(k.key) + "Z"  # a letter not offered spoils a right set
        else:
            answers[k.name] = ""
    _submit(settings, assignment, "s-wrong", answers)
    graded = _grade(engine, settings, assignment).graded[0]
    assert graded.auto_score == 0
    verdicts = {i.verdict for i in graded.items}
    assert verdicts <= {Verdict.WRONG, Verdict.BLANK}
    assert _nbgrader_score(settings, assignment, "s-wrong") == 0


def test_answer_cell_with_code_is_not_run_scores_zero_and_is_flagged(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    first = keys.items[0]
    sentinel = tmp_path / "executed"
    evil = f'{first.name} = "{_right(first)}"\nopen({str(sentinel)!r}, "w").write("x")'
    _submit(settings, assignment, "s-evil", {k.name: _right(k) for k in keys.items}, raw={first.name: evil})
    graded = _grade(engine, settings, assignment).graded[0]
    assert not sentinel.exists()
    assert graded.items[0].verdict is Verdict.INVALID and graded.items[0].score == 0
    assert graded.flagged
    with Session(engine) as session:
        messages = session.scalars(select(GradingIssueRow.message).where(GradingIssueRow.student_id == "s-evil"))
        assert any(first.name in m for m in messages)


def test_broken_submissions_are_reported_and_the_rest_are_graded(settings: Settings, engine: Engine,
                                                                 released: list[str]) -> None:
    a, b = released
    keys = _keys(engine, a)
    _submit(settings, a, "s-good", {k.name: _right(k) for k in keys.items})
    broken = settings.root / "submitted" / "s-json" / a
    broken.mkdir(parents=True)
    (broken / "paper.ipynb").write_text('{"cells": [', encoding="utf-8")
    (settings.root / "submitted" / "s-missing" / a).mkdir(parents=True)
    (settings.root / "submitted" / "s-file").mkdir(parents=True)
    (settings.root / "submitted" / "s-file" / a).write_text("{}", encoding="utf-8")  # a file where a folder belongs
    other = json.loads(release_path(settings.root, b).read_text(encoding="utf-8"))
    for cell in other["cells"]:  # the B paper's cells handed in as the A paper
        cell["metadata"]["nbgrader"]["grade_id"] = "b-" + cell["metadata"]["nbgrader"]["grade_id"]
    write_submission(settings.root, a, "s-wrongpaper", other, AT)
    report = _grade(engine, settings, a)
    assert [g.student for g in report.graded] == ["s-good"]
    failed = {f.student: f.message for f in report.failed}
    assert set(failed) == {"s-json", "s-missing", "s-wrongpaper", "s-file"}
    assert "notebook" in failed["s-json"] and "paper.ipynb" in failed["s-missing"] and "文件夹" in failed["s-file"]
    assert a in failed["s-wrongpaper"]


def test_changed_locked_cell_is_flagged_as_tampered(settings: Settings, engine: Engine,
                                                    released: list[str]) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    stem = f"{keys.items[0].name}-stem"
    _submit(settings, assignment, "s-tamper", {k.name: _right(k) for k in keys.items}, raw={stem: "改过的题干"})
    graded = _grade(engine, settings, assignment).graded[0]
    assert graded.tampered == (stem,)
    assert graded.flagged


def test_regrade_replaces_the_grade_and_keeps_the_history(settings: Settings, engine: Engine,
                                                         released: list[str]) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    _submit(settings, assignment, "s1", {k.name: _right(k) for k in keys.items})
    first = _grade(engine, settings, assignment).graded[0].auto_score
    _submit(settings, assignment, "s1", {k.name: "" for k in keys.items})
    second = _grade(engine, settings, assignment).graded[0].auto_score
    assert first > 0 and second == 0
    assert _nbgrader_score(settings, assignment, "s1") == 0
    with Session(engine) as session:
        rows = session.execute(select(ResultRow.auto_score, ResultRow.current)
                               .where(ResultRow.student_id == "s1").order_by(ResultRow.id)).all()
        assert [tuple(r) for r in rows] == [(first, False), (0.0, True)]
        assert session.scalar(select(func.count()).select_from(ItemResultRow)) == 2 * len(keys.items)


@pytest.mark.parametrize(("essay_changes", "manual_kept"), [(False, True), (True, False)])
def test_manual_essay_score_survives_a_regrade_only_while_the_essay_is_unchanged(
        settings: Settings, engine: Engine, released: list[str], essay_changes: bool, manual_kept: bool) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    essay = next(k for k in keys.items if k.type == "essay")
    answers = {k.name: _right(k) for k in keys.items}
    _submit(settings, assignment, "s1", answers)
    _grade(engine, settings, assignment)
    with Gradebook(settings.db_url) as gradebook:
        grade = gradebook.find_grade(essay.name, "paper", assignment, "s1")
        grade.manual_score = 7.0
        gradebook.db.commit()
    if essay_changes:
        answers[essay.name] = "另一个答案"
    _submit(settings, assignment, "s1", answers)
    _grade(engine, settings, assignment)
    with Gradebook(settings.db_url) as gradebook:
        grade = gradebook.find_grade(essay.name, "paper", assignment, "s1")
        assert (grade.manual_score == 7.0) is manual_kept
        assert grade.needs_manual_grade is not manual_kept


def _hand_in_json(settings: Settings, assignment: str, student: str, nb: dict[str, object]) -> Path:
    """As write_submission, but with JSON escapes, so a lone surrogate can be in the file at all."""
    path = write_submission(settings.root, assignment, student, {"cells": []}, AT)
    path.write_text(json.dumps(nb), encoding="ascii")
    return path


def _answered(settings: Settings, engine: Engine, assignment: str) -> dict:  # type: ignore[type-arg]
    released = json.loads(release_path(settings.root, assignment).read_text(encoding="utf-8"))
    return answered_notebook(released, {k.name: _right(k) for k in _keys(engine, assignment).items})


def _issues(engine: Engine, run_id: int, student: str) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return [tuple(row) for row in session.execute(  # type: ignore[misc]
            select(GradingIssueRow.kind, GradingIssueRow.message)
            .where(GradingIssueRow.run_id == run_id, GradingIssueRow.student_id == student))]


def test_malformed_cells_are_each_reported_for_themselves_and_the_good_one_is_graded(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    first = keys.items[0].name
    _submit(settings, assignment, "s-good", {k.name: _right(k) for k in keys.items})
    shapes = {"s-meta-list": lambda c: c.update(metadata=["nbgrader"]),
              "s-source-int": lambda c: c.update(source=[f"{first} = ", 1]),
              "s-surrogate": lambda c: c.update(source=f'{first} = "\ud800"'),
              "s-nul": lambda c: c.update(source=f'{first} = "A\\x00"')}
    for student, change in shapes.items():
        nb = _answered(settings, engine, assignment)
        change(next(c for c in nb["cells"] if c["metadata"]["nbgrader"]["grade_id"] == first))
        _hand_in_json(settings, assignment, student, nb)
    report = _grade(engine, settings, assignment)
    graded = {g.student: g for g in report.graded}
    assert not report.failed
    assert not graded["s-good"].flagged
    for student in shapes:
        assert graded[student].flagged and graded[student].items[0].score == 0, student
        assert any(kind == "review" and first in message for kind, message in _issues(engine, report.run_id, student))
    assert graded["s-surrogate"].items[0].response == "\\ud800"  # stored as its escape, on both databases


def test_a_duplicated_answer_cell_is_flagged_and_graded_on_the_last_as_nbgrader_does(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    assignment = released[0]
    first = _keys(engine, assignment).items[0]
    nb = _answered(settings, engine, assignment)
    index = next(n for n, c in enumerate(nb["cells"]) if c["metadata"]["nbgrader"]["grade_id"] == first.name)
    twin = json.loads(json.dumps(nb["cells"][index]))
    twin["source"] = f'{first.name} = ""'
    nb["cells"].insert(index + 1, twin)
    _hand_in_json(settings, assignment, "s-twice", nb)
    graded = _grade(engine, settings, assignment).graded[0]
    assert graded.flagged and graded.items[0].score == 0
    assert any("出现 2 次" in p and first.name in p for p in graded.problems)


def test_a_student_id_not_on_the_roster_is_graded_and_flagged(settings: Settings, engine: Engine,
                                                              released: list[str]) -> None:
    from grader.roster import Person, import_people

    assignment = released[0]
    keys = _keys(engine, assignment)
    with Session(engine) as session, session.begin():
        import_people(session, [Person("P001", "王建国", "410502197503120011", "安阳市纪委监委", "", "市直单位",
                                       "二级调研员", "公务员")], system("测试"))
    for student in ("P001", "P999"):
        _submit(settings, assignment, student, {k.name: _right(k) for k in keys.items})
    report = _grade(engine, settings, assignment)
    graded = {g.student: g for g in report.graded}
    assert report.roster_checked
    assert not graded["P001"].flagged
    assert graded["P999"].flagged and graded["P999"].auto_score == graded["P001"].auto_score
    assert ("review", "考号 P999 不在名单中") in _issues(engine, report.run_id, "P999")


def test_with_no_roster_at_all_the_report_says_ids_went_unchecked(settings: Settings, engine: Engine,
                                                                  released: list[str]) -> None:
    assignment = released[0]
    _submit(settings, assignment, "s1", {k.name: _right(k) for k in _keys(engine, assignment).items})
    report = _grade(engine, settings, assignment)
    assert not report.roster_checked and not report.graded[0].flagged


def test_an_unreadable_timestamp_is_flagged_and_stored_as_unknown(settings: Settings, engine: Engine,
                                                                  released: list[str]) -> None:
    assignment = released[0]
    broken = {"s-garbage": (b"next tuesday-ish", "不是有效的时间"), "s-bytes": (b"\xff\xfe", "不是 UTF-8"),
              "s-empty": (b"  \n", "为空"), "s-huge": (b"9" * 2000, "超过")}
    for student, (content, _) in broken.items():
        path = _submit(settings, assignment, student, {k.name: _right(k) for k in _keys(engine, assignment).items})
        (path.parent / "timestamp.txt").write_bytes(content)
    graded = {g.student: g for g in _grade(engine, settings, assignment).graded}
    for student, (_, reason) in broken.items():
        assert graded[student].submitted_at is None and graded[student].flagged
        assert any("timestamp.txt" in p and reason in p for p in graded[student].problems), student


def test_a_timestamp_with_an_offset_is_stored_as_utc(settings: Settings, engine: Engine,
                                                     released: list[str]) -> None:
    assignment = released[0]
    path = _submit(settings, assignment, "s-tz", {k.name: _right(k) for k in _keys(engine, assignment).items})
    (path.parent / "timestamp.txt").write_text("2026-11-26 17:30:00+08:00", encoding="utf-8")
    graded = _grade(engine, settings, assignment).graded[0]
    assert graded.submitted_at == datetime(2026, 11, 26, 9, 30) and not graded.flagged


def test_a_million_character_answer_scores_zero_and_says_why(settings: Settings, engine: Engine,
                                                             released: list[str]) -> None:
    assignment = released[0]
    keys = _keys(engine, assignment)
    huge = "A" * 1_000_000
    targets = [next(k for k in keys.items if k.type != "essay"), next(k for k in keys.items if k.type == "essay")]
    _submit(settings, assignment, "s-huge", {k.name: _right(k) for k in keys.items},
            raw={k.name: huge if k.type == "essay" else f'{k.name} = "{huge}"' for k in targets})
    graded = _grade(engine, settings, assignment).graded[0]
    assert graded.flagged
    for target in targets:
        item = next(i for i in graded.items if i.name == target.name)
        assert (item.verdict, item.score, item.response) == (Verdict.INVALID, 0.0, None)
        assert any(f"{MAX_ANSWER_CHARS}" in p and target.name in p for p in graded.problems)


def test_a_row_the_database_refuses_costs_only_its_own_submission(settings: Settings, engine: Engine,
                                                                  released: list[str]) -> None:
    """A refusal no check foresaw (here a trigger) rolls back that submission alone."""
    assignment = released[0]
    keys = _keys(engine, assignment)
    for student in ("s-a", "s-poison", "s-b"):
        _submit(settings, assignment, student, {k.name: _right(k) for k in keys.items})
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON ql_result WHEN "
                                       "NEW.student_id = 's-poison' BEGIN SELECT RAISE(ABORT, 'refused'); END")
        else:
            connection.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN IF NEW.student_id = 's-poison' THEN "
                "RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql")
            connection.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON ql_result "
                                       "FOR EACH ROW EXECUTE FUNCTION refuse()")
    report = _grade(engine, settings, assignment)
    assert [g.student for g in report.graded] == ["s-a", "s-b"]
    assert [(f.student, "写入成绩库失败" in f.message) for f in report.failed] == [("s-poison", True)]
    assert _nbgrader_score(settings, assignment, "s-b") > 0
    with Session(engine) as session:
        assert set(session.scalars(select(ResultRow.student_id))) == {"s-a", "s-b"}
        assert session.scalar(select(func.count()).select_from(_nbgrader_submissions(assignment))) == 2


def _nbgrader_submissions(assignment: str):  # type: ignore[no-untyped-def]
    from nbgrader.api import Assignment, SubmittedAssignment

    return (select(SubmittedAssignment.id).join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .where(Assignment.name == assignment).subquery())
