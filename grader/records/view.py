"""The organisation department's records app (voila_apps/records.ipynb): find a person and read
their whole record, record a gate step (or correct or withdraw one), open a promotion case and
record its steps, print the person's 个人廉政档案 (PDF), list a unit's people (or, for a
programme judged per case, its open cases) as cleared or missing what, and take any list away
as `.xlsx`. A staff view: names in full, ID
numbers masked. Every change goes through grader.records.gate, so it is recorded with who,
when and why."""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import ipywidgets as widgets
from IPython.display import display
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from grader.course.catalog import Module
from grader.dates import DateError, parse_date
from grader.gradebook.engine import connect
from grader.pages.snapshot import show
from grader.programmes import Programme, ProgrammeError, ProgrammeStatus, unit_status
from grader.records import render, xlsx
from grader.records.cases import open_case, record_case_step
from grader.records.dossier import PersonRecord, find_people, load_requirements, person_record
from grader.records.gate import RECORD_KINDS, RecordError, correct_step, record_step, withdraw_step
from grader.roster import unit_tree
from grader.settings import Settings, content_folders
from grader.staff.roles import Actor, StaffError
from grader.workbook import download_link

Clock = Callable[[], datetime]


def _classed(widget: widgets.Widget, css: str) -> widgets.Widget:
    widget.add_class(css)
    return widget


def _error(text: str) -> str:
    return f"<p style='color:#b00'>{html.escape(text)}</p>"


def _ok(text: str) -> str:
    return f"<p style='color:#080'>{html.escape(text)}</p>"


def parse_day(text: str) -> date:
    try:
        return parse_date(text)
    except DateError as error:
        raise RecordError(str(error)) from None


class GateForm:
    """Record a gate step for the person on screen, or correct or withdraw one of their records."""

    def __init__(self, app: RecordsApp) -> None:
        self.app = app
        self.kind = _classed(widgets.Dropdown(options=[(v, k) for k, v in RECORD_KINDS.items()], description="事项"),
                             "ql-gate-kind")
        self.on = _classed(widgets.Text(value=f"{app.clock():%Y-%m-%d}", description="日期",
                                        placeholder="如 2026年11月30日 或 2026-11-30"), "ql-gate-date")
        self.notes = _classed(widgets.Textarea(description="备注"), "ql-gate-notes")
        self.text = _classed(widgets.Textarea(description="承诺全文", placeholder="仅廉政公开承诺：承诺书全文",
                                              layout=widgets.Layout(width="80%", height="6em")), "ql-gate-text")
        save = _classed(widgets.Button(description="记录", button_style="primary"), "ql-gate-save")
        self.status = _classed(widgets.HTML(), "ql-gate-status")
        save.on_click(lambda _: self._save())
        self.which = _classed(widgets.Dropdown(description="记录号", options=[]), "ql-fix-record")
        self.reason = _classed(widgets.Text(description="原因"), "ql-fix-reason")
        self.new_on = _classed(widgets.Text(description="新日期", placeholder="不改则留空"), "ql-fix-date")
        correct = _classed(widgets.Button(description="更正日期"), "ql-fix-correct")
        withdraw = _classed(widgets.Button(description="撤销记录", button_style="warning"), "ql-fix-withdraw")
        self.fix_status = _classed(widgets.HTML(), "ql-fix-status")
        correct.on_click(lambda _: self._fix(withdrawing=False))
        withdraw.on_click(lambda _: self._fix(withdrawing=True))
        self.widget = widgets.VBox([
            widgets.HTML("<h3>记录关口事项</h3>"), self.kind, self.on, self.notes, self.text, save,
            self.status, widgets.HTML("<h4>更正或撤销一条记录（原记录保留）</h4>"), self.which, self.new_on,
            self.reason, widgets.HBox([correct, withdraw]), self.fix_status])
        self.widget.layout.display = "none"

    def show_for(self, record: PersonRecord) -> None:
        self.widget.layout.display = ""
        self.which.options = [(f"#{g.id} {g.label} {g.happened_on}", g.id) for g in record.gate if g.in_force]

    def _save(self) -> None:
        person = self.app.person_id
        if person is None:
            return
        try:
            with Session(self.app.engine) as session, session.begin():
                saved = record_step(session, person, str(self.kind.value), parse_day(self.on.value),
                                    self.app.acting(), self.notes.value, self.text.value or None,
                                    now=self.app.clock())
        except (RecordError, StaffError) as error:
            self.status.value = _error(str(error))
            return
        except SQLAlchemyError:
            self.status.value = _error("保存失败，未记录，请重试")
            return
        self.notes.value = self.text.value = ""
        self.status.value = _ok(f"已记录 #{saved.id}：{saved.label} {saved.happened_on}（记录人 {saved.recorded_by}）")
        self.app.show_person(person)

    def _fix(self, withdrawing: bool) -> None:
        person, record_id = self.app.person_id, self.which.value
        if person is None or record_id is None:
            self.fix_status.value = _error("请先选择要更正或撤销的记录")
            return
        try:
            with Session(self.app.engine) as session, session.begin():
                if withdrawing:
                    done = withdraw_step(session, int(record_id), self.app.acting(), self.reason.value,
                                         now=self.app.clock())
                else:
                    on = parse_day(self.new_on.value) if self.new_on.value.strip() else None
                    done = correct_step(session, int(record_id), self.app.acting(), self.reason.value, on=on,
                                        now=self.app.clock())
        except (RecordError, StaffError) as error:
            self.fix_status.value = _error(str(error))
            return
        except SQLAlchemyError:
            self.fix_status.value = _error("保存失败，未修改，请重试")
            return
        self.reason.value = self.new_on.value = ""
        self.fix_status.value = _ok(f"已{'撤销' if withdrawing else '更正'}记录 #{record_id}（新记录 #{done.id}）")
        self.app.show_person(person)


class CaseForm:
    """Open a promotion case (任职事项) for the person on screen, and record its talk, oath and
    commitment; the library refuses a date outside the order the programme sets, with the reason."""

    def __init__(self, app: RecordsApp) -> None:
        self.app = app
        self.case_programmes = [p for p in app.programmes.values() if p.cases]
        self.programme = _classed(widgets.Dropdown(options=[(p.title, p.id) for p in self.case_programmes],
                                                   description="项目"), "ql-case-programme")
        self.position = _classed(widgets.Text(description="拟任职务"), "ql-case-position")
        self.notice_start = _classed(widgets.Text(description="公示开始", placeholder="如 2026-11-10"),
                                     "ql-case-notice-start")
        self.notice_end = _classed(widgets.Text(description="公示结束"), "ql-case-notice-end")
        self.decision = _classed(widgets.Text(description="任职决定", placeholder="可留空，稍后确定"),
                                 "ql-case-decision")
        opener = _classed(widgets.Button(description="建立任职事项", button_style="primary"), "ql-case-open")
        self.open_status = _classed(widgets.HTML(), "ql-case-open-status")
        self.which = _classed(widgets.Dropdown(description="事项", options=[]), "ql-case-which")
        self.kind = _classed(widgets.Dropdown(options=[(RECORD_KINDS[k], k) for k in ("talk", "oath", "commitment")],
                                              description="环节"), "ql-case-kind")
        self.on = _classed(widgets.Text(value=f"{app.clock():%Y-%m-%d}", description="日期"), "ql-case-date")
        self.notes = _classed(widgets.Textarea(description="备注"), "ql-case-notes")
        self.text = _classed(widgets.Textarea(description="承诺全文", placeholder="仅廉政公开承诺：承诺书全文",
                                              layout=widgets.Layout(width="80%", height="6em")), "ql-case-text")
        save = _classed(widgets.Button(description="记录环节", button_style="primary"), "ql-case-save")
        self.step_status = _classed(widgets.HTML(), "ql-case-step-status")
        opener.on_click(lambda _: self._open())
        save.on_click(lambda _: self._record())
        self.widget = widgets.VBox([
            widgets.HTML("<h3>任职事项</h3>"), self.programme, self.position, self.notice_start, self.notice_end,
            self.decision, opener, self.open_status,
            widgets.HTML("<h4>记录任职事项的环节（廉政知识测试在考场完成）</h4>"), self.which, self.kind, self.on,
            self.notes, self.text, save, self.step_status])
        self.widget.layout.display = "none"

    def show_for(self, record: PersonRecord) -> None:
        self.widget.layout.display = "" if self.case_programmes else "none"
        self.which.options = [(f"#{c.case.id} 拟任{c.case.position}（{c.status.verdict}）", c.case.id)
                              for c in record.cases if c.case.state == "open"]

    def _chosen_programme(self) -> Programme:
        return self.app.programmes[str(self.programme.value)]

    def _open(self) -> None:
        person = self.app.person_id
        if person is None or not self.case_programmes:
            return
        try:
            decision = parse_day(self.decision.value) if self.decision.value.strip() else None
            with Session(self.app.engine) as session, session.begin():
                case = open_case(session, self._chosen_programme(), person, self.position.value,
                                 parse_day(self.notice_start.value), parse_day(self.notice_end.value),
                                 self.app.acting(), decision, now=self.app.clock())
        except (RecordError, StaffError) as error:
            self.open_status.value = _error(str(error))
            return
        except SQLAlchemyError:
            self.open_status.value = _error("保存失败，未立项，请重试")
            return
        self.open_status.value = _ok(f"已建立任职事项 #{case.id}：拟任{case.position}")
        self.app.show_person(person)
        self.which.value = case.id

    def _record(self) -> None:
        person, case_id = self.app.person_id, self.which.value
        if person is None or case_id is None:
            self.step_status.value = _error("请先建立或选择一个办理中的任职事项")
            return
        try:
            with Session(self.app.engine) as session, session.begin():
                saved = record_case_step(session, self._chosen_programme(), int(case_id), str(self.kind.value),
                                         parse_day(self.on.value), self.app.acting(), self.notes.value,
                                         self.text.value or None, now=self.app.clock())
        except (RecordError, StaffError) as error:
            self.step_status.value = _error(str(error))
            return
        except SQLAlchemyError:
            self.step_status.value = _error("保存失败，未记录，请重试")
            return
        self.notes.value = self.text.value = ""
        self.step_status.value = _ok(f"已记录 #{saved.id}：{saved.label} {saved.happened_on}（任职事项 #{case_id}）")
        self.app.show_person(person)
        self.which.value = case_id


class RecordsApp:
    def __init__(self, engine: Engine, programmes: Mapping[str, Programme], modules: Sequence[Module],
                 clock: Clock = datetime.now, actor: Actor | None = None) -> None:
        self.engine, self.programmes, self.modules, self.clock = engine, dict(programmes), list(modules), clock
        self.person_id: str | None = None
        self.actor = actor
        self.gate = GateForm(self)
        self.cases = CaseForm(self)
        self.tabs = self._tabs()  # shown once a staff member has signed in: no names, no ID numbers before
        self.widget = widgets.VBox([widgets.HTML("<h2>廉政教育记录（组织部门）</h2>"), self._sign_in(),
                                    *([self.tabs] if actor else [])])
        self.widget.add_class("ql-records")

    def acting(self) -> Actor:
        """Who the page acts as: the signed-in staff member (the library checks what their role may do)."""
        if self.actor is None:
            raise StaffError("请先以工作人员身份登录（页面上方）")
        return self.actor

    def _sign_in(self) -> widgets.Widget:
        self.staff_name = _classed(widgets.Text(description="姓名"), "ql-staff-name")
        self.staff_password = _classed(widgets.Password(description="密码"), "ql-staff-password")
        go = _classed(widgets.Button(description="登录"), "ql-staff-signin")
        self.who = _classed(widgets.HTML(self._who()), "ql-staff-who")
        go.on_click(lambda _: self.sign_in())
        return widgets.VBox([self.who, widgets.HBox([self.staff_name, self.staff_password, go])])

    def _who(self) -> str:
        return (f"<p>当前身份：{html.escape(self.actor.label)}</p>" if self.actor
                else "<p style='color:#b00'>尚未登录：记录、立项须以工作人员身份登录</p>")

    def sign_in(self) -> None:
        from grader.staff.accounts import sign_in

        with Session(self.engine) as session:
            try:
                self.actor = sign_in(session, self.staff_name.value, self.staff_password.value, self.clock())
            except StaffError as error:
                session.commit()  # the wrong try is counted
                self.who.value = self._who() + _error(str(error))
                return
            session.commit()
        self.staff_password.value = ""
        self.who.value = self._who()
        if self.tabs not in self.widget.children:
            self.widget.children = (*self.widget.children, self.tabs)

    def _tabs(self) -> widgets.Tab:
        tabs = widgets.Tab(children=[self._person_panel(), self._unit_panel()])
        tabs.set_title(0, "人员")
        tabs.set_title(1, "单位名单")
        return tabs

    # ---- people

    def _person_panel(self) -> widgets.Widget:
        self.query = _classed(widgets.Text(placeholder="编号或姓名", description="查找", continuous_update=False),
                              "ql-search")
        go = _classed(widgets.Button(description="查询", button_style="primary"), "ql-search-go")
        self.matches = _classed(widgets.Dropdown(description="人员", options=[]), "ql-matches")
        self.found = _classed(widgets.HTML(), "ql-found")
        self.person = _classed(widgets.HTML(), "ql-person")
        self.person_export = _classed(widgets.HTML(), "ql-person-export")
        self.dossier_go = _classed(widgets.Button(description="生成个人廉政档案（PDF）"), "ql-dossier-make")
        self.dossier_go.layout.display = "none"
        self.dossier_link = _classed(widgets.HTML(), "ql-dossier")
        self.dossier_go.on_click(lambda _: self.make_dossier())
        go.on_click(lambda _: self.search())
        self.query.observe(lambda _: self.search(), names="value")  # Enter or leaving the field
        self.matches.observe(self._chosen, names="value")
        return widgets.VBox([widgets.HBox([self.query, go]), self.matches, self.found, self.person,
                             self.person_export, widgets.HBox([self.dossier_go, self.dossier_link]),
                             self.cases.widget, self.gate.widget])

    def _chosen(self, change: Mapping[str, object]) -> None:
        if change["new"]:
            self.show_person(str(change["new"]))

    def search(self) -> None:
        if not self.query.value.strip():
            self.found.value = _error("请输入编号或姓名")
            return
        with Session(self.engine) as session:
            people = find_people(session, self.query.value)
        self.found.value = (f"<p>找到 {len(people)} 人。</p>"
                            + download_link("人员名单.xlsx", xlsx.xlsx_bytes("人员名单", xlsx.PEOPLE_COLUMNS,
                                                                                xlsx.people_rows(people)),
                                                   "导出名单（Excel）", "ql-found-download")
                            if people else _error(f"名单中没有编号或姓名包含 {self.query.value.strip()!r} 的人员"))
        self.matches.options = [(f"{p.id} {p.name}（{p.unit}）", p.id) for p in people]
        self.matches.value = people[0].id if people else None

    def show_person(self, person_id: str) -> None:
        with Session(self.engine) as session:
            record = person_record(session, person_id, self.programmes, self.modules, now=self.clock())
        self.person_id = person_id
        self.person.value = render.person_html(record)
        self.person_export.value = " · ".join([
            download_link(f"{person_id}-培训与关口.xlsx", xlsx.xlsx_bytes(
                "培训与关口", xlsx.STATUS_COLUMNS, xlsx.status_rows(record.programmes)), "导出培训与关口状态（Excel）"),
            download_link(f"{person_id}-关口记录.xlsx", xlsx.xlsx_bytes(
                "关口记录", xlsx.GATE_COLUMNS, xlsx.gate_rows(record)), "导出关口记录（Excel）", "ql-gate-download")])
        self.gate.show_for(record)
        self.cases.show_for(record)
        self.dossier_go.layout.display = ""
        self.dossier_link.value = ""

    def make_dossier(self) -> None:
        """个人廉政档案 as a PDF link (the certificates' font; a second or so, so only on request)."""
        from grader.certificates.fonts import FontError
        from grader.records.dossier_pdf import dossier_pdf

        person = self.person_id
        if person is None:
            return
        try:
            with Session(self.engine) as session:
                data = dossier_pdf(session, person, self.programmes, self.modules, now=self.clock())
        except (FontError, ValueError, ProgrammeError) as error:
            self.dossier_link.value = _error(str(error))
            return
        self.dossier_link.value = download_link(f"{person}-个人廉政档案.pdf", data, "下载个人廉政档案（PDF）",
                                                "ql-dossier-pdf", mime="application/pdf")

    # ---- units

    def _unit_panel(self) -> widgets.Widget:
        with Session(self.engine) as session:
            tree = unit_tree(session)
        # a township indented under its county (U+3000, which a <select> keeps)
        self.unit = _classed(widgets.Dropdown(options=[("\u3000" * u.depth + u.name, u.name) for u in tree],
                                              description="单位", value=None), "ql-unit")
        self.programme = _classed(widgets.Dropdown(options=[(p.title, p.id) for p in self.programmes.values()],
                                                   description="项目"), "ql-unit-programme")
        self.year = _classed(widgets.IntText(value=self.clock().year, description="年度"), "ql-unit-year")
        self.everyone = _classed(widgets.Checkbox(description="单位中所有人（不按适用人员筛选）", indent=False),
                                 "ql-unit-all")
        show = _classed(widgets.Button(description="查看", button_style="primary"), "ql-unit-show")
        export = _classed(widgets.Button(description="导出 Excel"), "ql-unit-export")
        self.unit_table = _classed(widgets.HTML(), "ql-unit-table")
        self.unit_link = _classed(widgets.HTML(), "ql-unit-download")
        show.on_click(lambda _: self.show_unit())
        export.on_click(lambda _: self.export_unit())
        return widgets.VBox([self.unit, self.programme, self.year, self.everyone, widgets.HBox([show, export]),
                             self.unit_link, self.unit_table])

    def _unit_statuses(self) -> list[ProgrammeStatus] | None:
        if not self.unit.value or not self.programme.value:
            self.unit_table.value = _error("请选择单位和培训项目")
            return None
        try:
            with Session(self.engine) as session:
                return unit_status(session, self.programmes[str(self.programme.value)], str(self.unit.value),
                                   modules=self.modules, year=int(self.year.value), now=self.clock(),
                                   everyone=bool(self.everyone.value))
        except ProgrammeError as error:
            self.unit_table.value = _error(str(error))
            return None

    def show_unit(self) -> None:
        statuses = self._unit_statuses()
        if statuses is not None:
            self.unit_table.value = render.unit_html(str(self.unit.value), statuses)

    def export_unit(self) -> None:
        statuses = self._unit_statuses()
        if statuses is None:
            return
        self.unit_table.value = render.unit_html(str(self.unit.value), statuses)
        name = f"{self.unit.value}-{self.programmes[str(self.programme.value)].title}"
        data = xlsx.xlsx_bytes(name, xlsx.STATUS_COLUMNS, xlsx.status_rows(statuses))
        self.unit_link.value = download_link(f"{name}.xlsx", data, f"下载 {name}.xlsx（{len(statuses)} 人）",
                                                    "ql-unit-xlsx")


def _hub_actor(engine: Engine, hub_user: str) -> Actor | None:
    """Behind JupyterHub, the staff account mapped to the hub user; otherwise sign in on the page."""
    from grader.staff.accounts import actor_for_hub_user

    if not hub_user:
        return None
    try:
        with Session(engine) as session:
            return actor_for_hub_user(session, hub_user)
    except StaffError:
        return None


def open_records(environ: Mapping[str, str] | None = None, *, programmes: Path | None = None,
                 courses: Path | None = None) -> RecordsApp | None:
    """voila_apps/records.ipynb. The workspace and database come from `qinglian serve`
    (QINGLIAN_ROOT, QINGLIAN_DB_URL); the programme files and the course catalogue from
    QINGLIAN_PROGRAMMES / QINGLIAN_COURSES, else the repository beside voila_apps/
    (grader.settings.content_folders)."""
    from grader.course.catalog import CourseError

    env = os.environ if environ is None else environ
    settings = Settings.for_kernel(env)
    default_programmes, default_courses = content_folders(env)
    try:
        loaded, modules = load_requirements(programmes or default_programmes, courses or default_courses)
    except (ProgrammeError, CourseError) as error:
        display(widgets.HTML(_error(f"无法读取培训项目或课程目录：{error}")))
        return None
    engine = connect(settings.db_url)
    app = RecordsApp(engine, loaded, modules, actor=_hub_actor(engine, env.get("JUPYTERHUB_USER", "")))
    show(app.widget)  # its first view is drawn before the widget scripts load
    return app
