"""Programmes as data: the shipped files quote the policy and load; bad files are reported by line;
a person's status is cleared or names exactly what is missing (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.programmes import (
    ProgrammeError,
    ProgrammeStatus,
    StepStatus,
    load_programme,
    load_programmes,
    people_status,
    person_status,
    unit_status,
)
from grader.records.gate import correct_step, record_step, withdraw_step
from grader.settings import Settings
from tests.records_data import DATA, REPO, grade_essays, modules, programmes, seed_roster, sit, study
from tests.staff_data import recorder

NOW = datetime(2026, 11, 27, 10, 0)
SEED_TEXT = Path("/work/shared/seed/anyang-implementation-opinions.txt")


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1) if text in line)


def test_the_shipped_programmes_load_and_name_the_shipped_blueprints() -> None:
    shipped = load_programmes(REPO / "exams" / "programmes")
    assert sorted(shipped) == ["induction", "leader_theory", "promotion"]
    assert [s.id for s in shipped["promotion"].steps] == ["exam", "talk", "oath", "commitment"]
    assert {s.kind for s in shipped["induction"].steps} == {"modules", "exam"}
    assert all(s.yearly for s in shipped["leader_theory"].steps)
    assert [p.clause for p in shipped.values()] == ["二（六）3", "二（六）1", "二（六）2"]


@pytest.mark.skipif(not SEED_TEXT.exists(), reason="the seed policy text is not on this machine")
def test_each_programme_quotes_its_clause_of_the_seed_text_exactly() -> None:
    seed = SEED_TEXT.read_text("utf-8")
    for programme in load_programmes(REPO / "exams" / "programmes").values():
        assert programme.basis in seed, programme.id
        assert programme.document in seed or programme.document.endswith("（摘要）》")


def test_a_bad_programme_file_names_every_problem_with_its_line() -> None:
    path = DATA / "bad_programmes" / "unknown_record.yaml"
    with pytest.raises(ProgrammeError) as caught:
        load_programme(path, blueprints={"induction"})
    messages = [str(p) for p in caught.value.problems]
    assert f"{path}:{_line_of(path, 'blueprint: promotion')}: 找不到蓝图 'promotion'" in "\n".join(messages)
    assert f"{path}:{_line_of(path, 'record: handshake')}: record 应为" in "\n".join(messages)
    assert f"{path}:{_line_of(path, 'kind: ceremony')}: kind 应为" in "\n".join(messages)
    assert f"{path}:{_line_of(path, 'yearly: often')}: yearly" in "\n".join(messages)


def test_missing_source_unknown_fields_and_an_empty_step_list_are_each_reported() -> None:
    path = DATA / "bad_programmes" / "no_source.yaml"
    with pytest.raises(ProgrammeError) as caught:
        load_programme(path)
    text = str(caught.value)
    assert f"{path}:{_line_of(path, 'colour')}: 未知字段 'colour'" in text
    assert f"{path}:{_line_of(path, 'steps')}: steps 应为非空列表" in text
    assert f"{path}:{_line_of(path, 'id:')}: id 只能用" in text
    assert "缺少 source" in text


def test_a_yaml_syntax_error_is_reported_with_file_and_line() -> None:
    path = DATA / "bad_programmes" / "syntax.yaml"
    with pytest.raises(ProgrammeError) as caught:
        load_programme(path)
    (problem,) = caught.value.problems
    assert str(problem).startswith(f"{path}:") and "YAML 语法错误" in str(problem)
    assert problem.line > 1  # type: ignore[union-attr]


def test_loading_a_folder_reports_the_problems_of_every_file_at_once() -> None:
    with pytest.raises(ProgrammeError) as caught:
        load_programmes(DATA / "bad_programmes")
    files = {Path(p.file).name for p in caught.value.problems}  # type: ignore[union-attr]
    assert files == {"unknown_record.yaml", "no_source.yaml", "syntax.yaml", "rule_without_basis.yaml"}


def _promotion_sat(settings: Settings, engine: Engine, released: list[str], passes: dict[str, bool]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], passes)


def test_person_with_three_of_four_promotion_steps_is_missing_exactly_the_fourth(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    _promotion_sat(settings, engine, released, {"P001": True})
    promotion = programmes()["promotion"]
    with Session(engine) as session, session.begin():
        record_step(session, "P001", "talk", date(2026, 11, 2), recorder("组织部 李四"), "任前廉政谈话", now=NOW)
        record_step(session, "P001", "commitment", date(2026, 11, 5), recorder("组织部 李四"),
                    text="本人承诺：严格遵守廉洁自律各项规定。", now=NOW)
        status = person_status(session, promotion, "P001", now=NOW)
    assert not status.cleared and status.cleared_at is None
    assert [s.step for s in status.missing] == ["oath"]
    assert [s.label for s in status.missing] == ["廉政宣誓"]
    exam = status.steps[0]
    assert exam.done and exam.at is not None and "及格线 10" in exam.detail
    with Session(engine) as session, session.begin():
        record_step(session, "P001", "oath", date(2026, 11, 6), recorder("组织部 李四"), now=NOW)
        status = person_status(session, promotion, "P001", now=NOW)
    assert status.cleared and status.missing == ()
    assert status.cleared_at == max(s.at for s in status.steps if s.at is not None)


def test_a_failed_exam_is_missing_with_the_best_score_and_no_exam_says_so(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    _promotion_sat(settings, engine, released, {"P001": False})
    promotion = programmes()["promotion"]
    with Session(engine) as session:
        failed = person_status(session, promotion, "P001", now=NOW)
        absent = person_status(session, promotion, "P002", now=NOW)
    assert not failed.steps[0].done and "未达及格线 10" in failed.steps[0].detail
    assert not absent.steps[0].done and absent.steps[0].detail == "尚未参加考试"
    assert [s.step for s in absent.missing] == ["exam", "talk", "oath", "commitment"]


def test_induction_is_cleared_only_with_every_module_and_the_exam_passed(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    _promotion_sat(settings, engine, released, {"P003": True, "P004": True})
    course = modules()
    study(engine, "P003", course)
    study(engine, "P004", course[:-1])
    induction = programmes()["induction"]
    with Session(engine) as session:
        done = person_status(session, induction, "P003", modules=course, now=NOW)
        short = person_status(session, induction, "P004", modules=course, now=NOW)
        unit = unit_status(session, induction, "林州市", modules=course, now=NOW)
        everyone = unit_status(session, induction, "林州市", modules=course, now=NOW, everyone=True)
    assert done.cleared and len(done.steps) == len(course) + 1
    assert [s.step for s in short.missing] == [f"module:{course[-1].id}"]
    assert short.missing[0].label == course[-1].title
    # the unit list shows the new recruits the programme applies to, sub-units included
    assert [(s.person_id, s.cleared) for s in unit] == [("P003", True), ("P004", False)]
    assert [s.person_id for s in everyone] == ["P003", "P004", "P005"]


def test_induction_without_the_course_catalogue_is_refused(engine: Engine) -> None:
    seed_roster(engine)
    with Session(engine) as session, pytest.raises(ProgrammeError, match="课程目录"):
        person_status(session, programmes()["induction"], "P003")


def test_a_correction_keeps_the_history_and_the_status_uses_the_latest(engine: Engine) -> None:
    seed_roster(engine)
    promotion = programmes()["promotion"]
    with Session(engine) as session, session.begin():
        first = record_step(session, "P002", "talk", date(2026, 10, 1), recorder("王五"), "误记日期", now=NOW)
        fixed = correct_step(session, first.id, recorder("李四"),
                             "谈话实际在 10 月 8 日", on=date(2026, 10, 8), now=NOW)
        talk = person_status(session, promotion, "P002", now=NOW).steps[1]
        assert talk.done and talk.at == datetime(2026, 10, 8) and "李四" in talk.detail
        withdraw_step(session, fixed.id, recorder("李四"), "谈话未按规定进行，须重新谈话", now=NOW)
        assert not person_status(session, promotion, "P002", now=NOW).steps[1].done


def test_a_yearly_step_counts_only_in_its_own_year(engine: Engine) -> None:
    seed_roster(engine)
    theory = programmes()["leader_theory"]
    with Session(engine) as session, session.begin():
        record_step(session, "P005", "theory_study", date(2025, 6, 1), recorder("组织部"),
                                                          "市委中心组专题学习", now=NOW)
        record_step(session, "P005", "party_lecture", date(2026, 3, 1), recorder("组织部"), "廉政党课", now=NOW)
        this_year = person_status(session, theory, "P005", now=NOW)
        last_year = person_status(session, theory, "P005", year=2025, now=NOW)
    assert this_year.year == 2026 and [s.step for s in this_year.missing] == ["theory_study"]
    assert this_year.missing[0].label == "2026 年反腐倡廉理论专题学习"
    assert [s.step for s in last_year.missing] == ["party_lecture"]


def test_unknown_people_and_units_are_named(engine: Engine) -> None:
    seed_roster(engine)
    promotion = programmes()["promotion"]
    with Session(engine) as session:
        with pytest.raises(ProgrammeError, match="X999"):
            person_status(session, promotion, "X999")
        with pytest.raises(ProgrammeError, match="火星市"):
            unit_status(session, promotion, "火星市")


_steps = st.lists(st.tuples(st.sampled_from(["exam", "talk", "oath", "module:a", "module:b", "module:c"]),
                            st.booleans(), st.none() | st.datetimes(min_value=datetime(2020, 1, 1),
                                                                    max_value=datetime(2030, 1, 1))),
                  min_size=1, max_size=6, unique_by=lambda s: s[0])


@given(_steps)
def test_cleared_means_nothing_missing_and_the_summary_names_or_counts_every_missing_step(
        raw: list[tuple[str, bool, datetime | None]]) -> None:
    steps = tuple(StepStatus(step, f"标签{step}", done, at if done else None, "") for step, done, at in raw)
    status = ProgrammeStatus("P1", "x", "项目", steps)
    assert status.cleared == (status.missing == ()) == all(done for _, done, _ in raw)
    modules = [s for s in status.missing if s.step.startswith("module:")]
    others = [s for s in status.missing if not s.step.startswith("module:")]
    assert all(s.label in status.missing_summary for s in others)
    assert (f"课程模块 {len(modules)} 个未完成" in status.missing_summary) == (len(modules) > 1)
    times = [s.at for s in steps if s.at is not None]
    assert status.cleared_at == (max(times) if status.cleared and times else None)


def test_a_crowd_read_in_one_pass_gives_the_same_status_as_reading_person_by_person(
        settings: Settings, engine: Engine, released: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.records import gate

    _promotion_sat(settings, engine, released, {"P001": True, "P003": False})
    course = modules()
    study(engine, "P003", course[:3])
    with Session(engine) as session, session.begin():
        record_step(session, "P001", "talk", date(2026, 11, 2), recorder("李四"), now=NOW)
        record_step(session, "P005", "theory_study", date(2026, 3, 2), recorder("李四"), now=NOW)
    people = ["P005", "P001", "P003", "P002"]  # two of them outside the asked-for set below
    with Session(engine) as session:
        by_person = [people_status(session, p, people[:3], modules=course, now=NOW) for p in programmes().values()]
        monkeypatch.setattr(gate, "CROWD", 1)  # three people are now a crowd: one read of each table
        in_one_pass = [people_status(session, p, people[:3], modules=course, now=NOW) for p in programmes().values()]
    assert in_one_pass == by_person
    assert [s.person_id for s in by_person[0]] == people[:3]


def test_an_essay_graded_by_hand_counts_towards_the_pass_mark(
        settings: Settings, engine: Engine, released: list[str]) -> None:
    seed_roster(engine)
    sit(settings, engine, released[0], {"P002": False}, essay="坚持标本兼治、综合治理、惩防并举、注重预防。")
    promotion = programmes()["promotion"]
    with Session(engine) as session:
        waiting = person_status(session, promotion, "P002", now=NOW).steps[0]
    assert not waiting.done and "待人工评分" in waiting.detail
    grade_essays(engine, released[0], "P002", 10)  # the small paper's pass mark is 10; objective answers blank
    with Session(engine) as session:
        graded = person_status(session, promotion, "P002", now=NOW).steps[0]
    assert graded.done and "含人工评分 +10" in graded.detail and "得分 10/26" in graded.detail
