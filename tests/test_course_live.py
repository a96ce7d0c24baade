"""The course pages' kernel side, without a browser: a learner already known (by a signed link or
as the JupyterHub user) gets the catalogue at once; that path once raised a NameError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest
from nbgrader.api import Student
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from grader.course.identity import token_for, workspace_secret
from grader.course.live import LearnerBar, open_index, open_module
from grader.course.study_codes import issue_study_codes
from grader.gradebook.models import PersonRow, StudyCodeRow, StudyVisitRow, UnitRow
from grader.settings import DB_ENV, ROOT_ENV, Settings
from grader.sitting.codes import load_secret
from grader.staff.roles import system

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "courses"


def _environ(settings: Settings, **more: str) -> dict[str, str]:
    return {ROOT_ENV: str(settings.root), DB_ENV: settings.db_url, **more}


@pytest.fixture
def learner(engine: Engine) -> str:
    with Session(engine) as session, session.begin():
        session.add(Student(id="L001", last_name="张", first_name="三"))
    return "L001"


def _link(settings: Settings, learner: str) -> str:
    return f"learner={learner}&token={token_for(learner, workspace_secret(settings.root))}"


def _has_form(children: tuple[object, ...]) -> bool:
    return any("ql-sign-in" in getattr(w, "_dom_classes", ()) for w in children)


@pytest.mark.parametrize("how", ["link", "hub"])
def test_a_known_learner_gets_the_catalogue_with_signed_links(settings: Settings, learner: str, how: str) -> None:
    known = {"QUERY_STRING": _link(settings, learner)} if how == "link" else {"JUPYTERHUB_USER": learner}
    bar = open_index(courses=DATA, environ=_environ(settings, **known))
    assert bar.learner is not None and bar.learner.name == "张三"
    header = bar.widget.children[0].value
    assert "张三" in header and _link(settings, learner) in header  # 课程目录 keeps the learner
    assert not _has_form(bar.widget.children)


def test_a_stranger_gets_the_sign_in_form(settings: Settings, learner: str) -> None:
    for environ in ({"JUPYTERHUB_USER": "nobody"}, {"QUERY_STRING": "learner=L001&token=forged"}, {}):
        bar = open_index(courses=DATA, environ=_environ(settings, **environ))
        assert bar.learner is None
        assert _has_form(bar.widget.children)


def test_a_module_opened_by_link_records_the_visit_and_shows_progress(settings: Settings, engine: Engine,
                                                                       learner: str) -> None:
    page = open_module("demo_module", courses=DATA, environ=_environ(settings, QUERY_STRING=_link(settings, learner)))
    assert page.learner is not None and page.learner.id == learner
    page.summary()
    assert "自测 0/2 道已答对" in page.progress.value
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(StudyVisitRow)) == 1


def _form_fields(bar: LearnerBar) -> dict[str, Any]:
    return {cls: w for w in bar.widget.children for cls in getattr(w, "_dom_classes", ())}


def test_the_form_signs_in_with_the_personal_study_code_not_the_name(settings: Settings, engine: Engine,
                                                                     learner: str) -> None:
    with Session(engine) as session, session.begin():
        session.add(UnitRow(name="市纪委", parent=None, kind="市直单位"))
        session.flush()
        session.add(PersonRow(id=learner, name="张三", id_number="", unit="市纪委", rank="", category=""))
        session.flush()
        (issued,) = issue_study_codes(session, load_secret(settings.root), [learner], system("t"))
    bar = open_index(courses=DATA, environ=_environ(settings))
    fields = _form_fields(bar)
    assert "ql-name" not in fields and isinstance(fields["ql-code"], widgets.Password)
    fields["ql-number"].value, fields["ql-code"].value = learner, "张三"  # the name is no code
    fields["ql-sign-in"].click()
    assert bar.learner is None and "不正确" in bar.widget.children[-1].value
    fields["ql-code"].value = issued.code
    fields["ql-sign-in"].click()
    assert bar.learner is not None and bar.learner.id == learner
    with Session(engine) as session:
        assert session.get(StudyCodeRow, learner).failed_tries == 0  # type: ignore[union-attr]
