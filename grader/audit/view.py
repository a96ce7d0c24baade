"""The auditor's page (voila_apps/audit.ipynb): sign in, search the log by person, actor, action and
time, download what was found as .xlsx, and verify the whole gradebook against the log, shown with
the date of the last checkpoint. Thin: every rule is in grader.audit and grader.staff."""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import ipywidgets as widgets
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.audit.log import Entry
from grader.audit.search import Query, action_label, entries_xlsx, last_checkpoint, search
from grader.gradebook.engine import connect
from grader.pages.snapshot import show
from grader.settings import Settings
from grader.staff.roles import Actor, StaffError, authorize
from grader.workbook import download_link

Clock = Callable[[], datetime]
SHOWN = 200  # rows on the page; the workbook holds every match


def _classed(widget: widgets.Widget, css: str) -> widgets.Widget:
    widget.add_class(css)
    return widget


def _message(text: str, ok: bool = False) -> str:
    return f"<p style='color:{'#080' if ok else '#b00'}'>{html.escape(text)}</p>"


def _when(text: str, end: bool) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        day = datetime.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"时间应为 2026-11-30 或 2026-11-30 09:00，而不是 {text!r}") from error
    return day.replace(hour=23, minute=59, second=59) if end and len(text) <= 10 else day


def entries_html(entries: Sequence[Entry]) -> str:
    cells = "".join(
        f"<tr><td>{e.seq}</td><td>{e.at:%Y-%m-%d %H:%M:%S}</td><td>{html.escape(e.actor)}</td>"
        f"<td>{html.escape(action_label(e.action))}</td><td>{html.escape(e.object_type)} #{html.escape(e.object_id)}"
        f"</td><td>{'成功' if e.outcome == 'ok' else html.escape(e.outcome)}</td></tr>" for e in entries[:SHOWN])
    more = f"<p>共 {len(entries)} 条，页面显示前 {SHOWN} 条，全部见下载的表格</p>" if len(entries) > SHOWN else ""
    return ("<table class='ql-audit-table'><tr><th>序号</th><th>时间</th><th>操作人</th><th>操作</th><th>对象</th>"
            f"<th>结果</th></tr>{cells}</table>{more}")


class AuditApp:
    def __init__(self, engine: Engine, clock: Clock = datetime.now, actor: Actor | None = None) -> None:
        self.engine, self.clock, self.actor = engine, clock, actor
        self.name = _classed(widgets.Text(description="姓名"), "ql-staff-name")
        self.password = _classed(widgets.Password(description="密码"), "ql-staff-password")
        self.who = _classed(widgets.HTML(self._who()), "ql-staff-who")
        go = _classed(widgets.Button(description="登录"), "ql-staff-signin")
        go.on_click(lambda _: self.sign_in())
        self.person = _classed(widgets.Text(description="人员编号"), "ql-audit-person")
        self.by = _classed(widgets.Text(description="操作人"), "ql-audit-actor")
        self.action = _classed(widgets.Text(description="操作", placeholder="如 gate、cert.issue"), "ql-audit-action")
        self.since = _classed(widgets.Text(description="起", placeholder="2026-11-01"), "ql-audit-since")
        self.until = _classed(widgets.Text(description="止", placeholder="2026-11-30"), "ql-audit-until")
        find = _classed(widgets.Button(description="查询"), "ql-audit-search")
        find.on_click(lambda _: self.find())
        check = _classed(widgets.Button(description="核验成绩库"), "ql-audit-verify")
        check.on_click(lambda _: self.check())
        self.results = _classed(widgets.HTML(), "ql-audit-results")
        self.link = _classed(widgets.HTML(), "ql-audit-xlsx")
        self.verdict = _classed(widgets.HTML(), "ql-audit-verdict")
        self.widget = widgets.VBox([
            widgets.HTML("<h2>审计日志（审计员）</h2>"), self.who, widgets.HBox([self.name, self.password, go]),
            widgets.HTML("<h3>查询</h3>"), widgets.HBox([self.person, self.by, self.action]),
            widgets.HBox([self.since, self.until, find]), self.link, self.results,
            widgets.HTML("<h3>核验</h3>"), check, self.verdict])
        self.widget.add_class("ql-audit")

    def _who(self) -> str:
        return (f"<p>当前身份：{html.escape(self.actor.label)}</p>" if self.actor
                else "<p style='color:#b00'>尚未登录：请以审计员身份登录</p>")

    def sign_in(self) -> None:
        from grader.staff.accounts import sign_in

        with Session(self.engine) as session:
            try:
                self.actor = sign_in(session, self.name.value, self.password.value, self.clock())
            except StaffError as error:
                session.commit()  # the wrong try is counted
                self.who.value = self._who() + _message(str(error))
                return
            session.commit()
        self.password.value = ""
        self.who.value = self._who()

    def _acting(self) -> Actor:
        if self.actor is None:
            raise StaffError("请先以审计员身份登录（页面上方）")
        return self.actor

    def find(self) -> None:
        try:
            query = Query(self.person.value, self.by.value, self.action.value, _when(self.since.value, False),
                          _when(self.until.value, True), limit=10000)
            with Session(self.engine) as session:
                found = search(session, self._acting(), query)
        except (StaffError, ValueError) as error:
            self.results.value, self.link.value = _message(str(error)), ""
            return
        self.results.value = entries_html(found) if found else "<p>没有符合条件的记录</p>"
        name = f"审计日志-{self.clock():%Y%m%d-%H%M}.xlsx"
        self.link.value = download_link(name, entries_xlsx(found), f"下载 {name}（{len(found)} 条）", "ql-audit-xlsx")

    def check(self) -> None:
        from grader.audit.verify import verify

        try:
            with Session(self.engine) as session:
                authorize(self._acting(), "audit.verify")
                report = verify(session)
                last = last_checkpoint(session)
        except StaffError as error:
            self.verdict.value = _message(str(error))
            return
        since = (f"最近一次检查点签署于 {last:%Y-%m-%d %H:%M}" if last
                 else "尚未签署过检查点（qinglian audit checkpoint）")
        if report.clean:
            self.verdict.value = _message(f"审计日志 {report.entries} 条，哈希链完整，受审计的表与日志一致；{since}。"
                                          "与离线保存的检查点比对请用 qinglian audit verify --checkpoint", ok=True)
            return
        items = "".join(f"<li>{html.escape(f)}</li>" for f in report.findings)
        self.verdict.value = (f"<p style='color:#b00'>发现 {len(report.findings)} 处问题（{html.escape(since)}）：</p>"
                              f"<ul class='ql-audit-findings'>{items}</ul>")


def open_audit(environ: Mapping[str, str] | None = None) -> AuditApp:
    """voila_apps/audit.ipynb: the workspace and database from `qinglian serve`; behind JupyterHub
    the staff account mapped to the hub user."""
    from grader.staff.accounts import actor_for_hub_user

    env = os.environ if environ is None else environ
    engine = connect(Settings.for_kernel(env).db_url)
    actor = None
    if env.get("JUPYTERHUB_USER"):
        try:
            with Session(engine) as session:
                actor = actor_for_hub_user(session, env["JUPYTERHUB_USER"])
        except StaffError:
            actor = None
    app = AuditApp(engine, actor=actor)
    show(app.widget)  # its first view is drawn before the widget scripts load
    return app
