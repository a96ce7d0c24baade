"""The exam room as candidates see it (served by Voila): sign in, the paper in their own order,
a countdown on the server's clock, every answer saved to the gradebook before it shows 已保存,
and submission with confirmation. The browser never receives a key: the room loads none."""

from __future__ import annotations

import html
import os
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

import ipywidgets as widgets
from IPython.display import display
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from grader.gradebook.engine import connect
from grader.gradebook.models import PaperRow
from grader.settings import Settings
from grader.sitting.attempt import (
    AttemptView,
    SittingError,
    save_answer,
    start_for_user,
    start_or_resume,
    submit,
    unanswered,
)
from grader.sitting.codes import load_secret
from grader.sitting.presentation import PresentedItem

Clock = Callable[[], datetime]


def server_now() -> datetime:
    return datetime.now()


def clock_html(left_seconds: int, deadline: datetime) -> str:
    """The countdown, run by the browser (a CSS animation of an integer property) from the seconds
    the server says are left. The kernel then sends nothing while a candidate reads, so a page's
    kernel stays idle and an abandoned one (a reload cannot shut its kernel down) can be culled; the
    server re-anchors the clock at every sign-in and every save."""
    left = max(0, int(left_seconds))
    return (
        "<style>"
        "@property --ql-left{syntax:'<integer>';inherits:true;initial-value:0}"
        "@property --ql-min{syntax:'<integer>';inherits:true;initial-value:0}"
        "@property --ql-sec{syntax:'<integer>';inherits:true;initial-value:0}"
        f"@keyframes ql-clock-{left}{{from{{--ql-left:{left}}}to{{--ql-left:0}}}}"
        f".ql-clock{{animation:ql-clock-{left} {left}s linear forwards;"
        "--ql-min:calc(var(--ql-left) / 60 - 0.5);--ql-sec:calc(var(--ql-left) - var(--ql-min) * 60);"
        "counter-reset:ql-min var(--ql-min) ql-sec var(--ql-sec)}"
        ".ql-clock::after{content:counter(ql-min,decimal-leading-zero) ':' counter(ql-sec,decimal-leading-zero)}"
        ".ql-nav .widget-button{margin:2px}"
        "</style>"
        f"<p><b>剩余时间 <span class='ql-clock' data-left='{left}'></span></b>"
        f"（{deadline:%H:%M:%S} 结束，以服务器时间为准）</p>"
    )


def _input(p: PresentedItem, current: str, on_change: Callable[[str], None]) -> widgets.Widget:
    kind = p.item.type
    if kind in ("single", "truefalse"):
        radio = widgets.RadioButtons(options=[(f"{s}. {t}", s) for s, t in p.options], value=current or None,
                                     layout=widgets.Layout(width="auto"))
        radio.observe(lambda change: on_change(change["new"] or ""), names="value")
        return radio
    if kind == "multiple":
        boxes = [widgets.Checkbox(description=f"{s}. {t}", value=s in current, indent=False,
                                  layout=widgets.Layout(width="auto")) for s, t in p.options]

        def changed(_: object) -> None:
            on_change("".join(s for box, (s, _t) in zip(boxes, p.options, strict=True) if box.value))

        for box in boxes:
            box.observe(changed, names="value")
        return widgets.VBox(boxes)
    field = (widgets.Textarea(value=current, continuous_update=False, layout=widgets.Layout(width="90%", height="8em"))
             if kind == "essay" else widgets.Text(value=current, continuous_update=False))
    field.observe(lambda change: on_change(change["new"]), names="value")
    return field


def _close(widget: widgets.Widget) -> None:
    """Free a question's widgets when the candidate moves on (each one is a comm the kernel keeps)."""
    for child in getattr(widget, "children", ()):
        _close(child)
    for part in (getattr(widget, "layout", None), getattr(widget, "style", None)):
        if isinstance(part, widgets.Widget):
            part.close()
    widget.close()


class ExamRoom:
    """One question at a time (as Moodle's quizzes do by default): a page holds a few dozen widgets
    instead of several hundred, which is what lets one server seat hundreds of candidates."""

    def __init__(self, engine: Engine, root: Path, clock: Clock = server_now, hub_user: str | None = None) -> None:
        self.engine, self.root, self.clock = engine, root, clock
        self.lock = threading.Lock()  # the deadline timer and the page never write at once
        self.view: AttemptView | None = None
        self.show_score = False
        self.closed = False
        self.answers: dict[int, str] = {}
        self.current: widgets.Widget | None = None
        self.nav: dict[int, widgets.Button] = {}
        self.timer: threading.Timer | None = None
        self.widget = widgets.VBox()
        self.widget.add_class("ql-room")
        self._sign_in_form()
        if hub_user:
            self._enter(lambda session: start_for_user(session, hub_user, self.clock()), self.status)

    def _sign_in_form(self) -> None:
        number = widgets.Text(description="准考证号")
        code = widgets.Password(description="考试码")
        enter = widgets.Button(description="进入考试", button_style="primary")
        status = widgets.HTML()
        number.add_class("ql-admission")
        code.add_class("ql-code")
        enter.add_class("ql-enter")
        status.add_class("ql-sign-in-status")

        self.status = status
        enter.on_click(lambda _: self._enter(
            lambda session: start_or_resume(session, number.value, code.value, self.clock(),
                                            secret=load_secret(self.root)), status))
        self.widget.children = [widgets.HTML("<h2>廉政知识考试</h2><p>请输入准考证号和考试码。</p>"),
                                number, code, enter, status]

    def _enter(self, start: Callable[[Session], AttemptView], status: widgets.HTML) -> None:
        try:
            with self.lock, Session(self.engine) as session, session.begin():
                self.view = start(session)
                paper = session.get(PaperRow, self.view.assignment)
                title, self.show_score = (paper.title, paper.show_score) if paper else ("", False)
        except SittingError as error:
            status.value = f"<p style='color:#b00'>{html.escape(str(error))}</p>"
            return
        for old in self.widget.children:
            _close(old)
        self._paper(title)

    def _paper(self, title: str) -> None:
        view = self.view
        assert view is not None
        self.answers = dict(view.answers)
        self.countdown = widgets.HTML()
        self.countdown.add_class("ql-countdown")
        header = widgets.HTML(f"<h2>{html.escape(title)}</h2><p>准考证号 {html.escape(view.admission_no)}"
                              f"，共 {len(view.items)} 题</p>")
        layout, style = widgets.Layout(width="3.2em"), widgets.ButtonStyle()  # shared: one model each, not 46
        self.nav = {p.item.position: widgets.Button(description=str(p.number), layout=layout, style=style)
                    for p in view.items}
        for index, p in enumerate(view.items):
            self.nav[p.item.position].on_click(lambda _, index=index: self._show(index))
            self._mark(p.item.position)
        navigator = widgets.HBox(list(self.nav.values()), layout=widgets.Layout(flex_flow="row wrap"))
        navigator.add_class("ql-nav")
        self.question = widgets.VBox()
        previous, following = widgets.Button(description="上一题"), widgets.Button(description="下一题")
        previous.add_class("ql-previous")
        following.add_class("ql-next")
        previous.on_click(lambda _: self._step(-1))
        following.on_click(lambda _: self._step(1))
        self.submit_area = widgets.VBox()
        self.result = widgets.HTML()
        self.result.add_class("ql-result")
        self._submit_button()
        self.widget.children = [header, self.countdown, navigator, self.question,
                                widgets.HBox([previous, following]), self.submit_area, self.result]
        self.index = 0
        self._show(0)
        if view.submitted_at is not None:
            self._closed(view.submitted_at)
            return
        self._rewind_clock()
        left = (view.deadline - self.clock()).total_seconds()
        self.timer = threading.Timer(max(0.0, left), self._submit, args=("timeout",))
        self.timer.daemon = True
        self.timer.start()

    def _rewind_clock(self) -> None:
        assert self.view is not None
        left = (self.view.deadline - self.clock()).total_seconds()
        self.countdown.value = clock_html(int(left), self.view.deadline)

    def _step(self, by: int) -> None:
        assert self.view is not None
        self._show(min(max(0, self.index + by), len(self.view.items) - 1))

    def _show(self, index: int) -> None:
        assert self.view is not None
        if self.current is not None and index == self.index:
            return
        self.index = index
        p = self.view.items[index]
        status = widgets.HTML()
        status.add_class("ql-status")
        field = _input(p, self.answers.get(p.item.position, ""), lambda value: self._save(p, value, status))
        if self.closed:
            for child in [field, *getattr(field, "children", ())]:
                child.disabled = True
        box = widgets.VBox([widgets.HTML(f"<p><b>{p.number}.</b> {html.escape(p.item.stem)}"
                                         f"（{p.item.points:g} 分）</p>"), field, status])
        box.add_class("ql-item")
        box.add_class(f"ql-item-{p.number}")
        old, self.current = self.current, box
        self.question.children = [box]
        if old is not None:
            _close(old)
        for position, button in self.nav.items():
            button.tooltip = "当前题" if position == p.item.position else None

    def _mark(self, position: int) -> None:
        answered = bool(self.answers.get(position, "").strip())
        self.nav[position].button_style = "success" if answered else ""

    def _save(self, p: PresentedItem, value: str, status: widgets.HTML) -> None:
        assert self.view is not None
        status.value = "<span style='color:#888'>保存中…</span>"
        try:
            with self.lock, Session(self.engine) as session, session.begin():
                saved = save_answer(session, self.view, p.item.position, value, self.clock())
        except SQLAlchemyError:
            status.value = "<span style='color:#b00'>保存失败（未保存），请再选一次</span>"
            return
        if not saved.accepted:
            status.value = f"<span style='color:#b00'>未保存：{html.escape(saved.reason)}</span>"
            return
        self.answers[p.item.position] = value
        status.value = f"<span style='color:#080'>已保存 {self.clock():%H:%M:%S}</span>"
        self._mark(p.item.position)
        self._rewind_clock()

    def _submit_button(self) -> None:
        button = widgets.Button(description="交卷", button_style="danger")
        button.add_class("ql-submit")
        button.on_click(lambda _: self._confirm())
        self.submit_area.children = [button]

    def _confirm(self) -> None:
        assert self.view is not None
        view = AttemptView(**{**self.view.__dict__, "answers": self.answers})
        missing = unanswered(view)
        text = (f"还有 {len(missing)} 题未作答：{'、'.join(map(str, missing))}。" if missing else "全部题目已作答。")
        confirm = widgets.Button(description="确认交卷", button_style="danger")
        cancel = widgets.Button(description="继续作答")
        confirm.add_class("ql-confirm")
        confirm.on_click(lambda _: self._submit("candidate"))
        cancel.on_click(lambda _: self._submit_button())
        self.submit_area.children = [widgets.HTML(f"<p>{text}交卷后不能再修改。</p>"), widgets.HBox([confirm, cancel])]

    def _submit(self, how: str) -> None:
        assert self.view is not None
        with self.lock:
            if self.closed:
                return
            if self.timer is not None:
                self.timer.cancel()
            try:
                with Session(self.engine) as session, session.begin():
                    submit(session, self.root, self.view, self.clock(), how=how)
            except SittingError:
                pass  # already submitted (the other browser, or the sweep): show the result
            from grader.autograde import autograde  # nbgrader is heavy: loaded at submission only

            with Session(self.engine) as session, session.begin():
                report = autograde(session, self.root, self.view.assignment, actor="exam-room", workers=1,
                                   students=[self.view.student_id])
        self._closed(self.clock(), report.graded[0].auto_score if report.graded else None)

    def _closed(self, at: datetime, score: float | None = None) -> None:
        self.closed = True
        if self.current is not None:
            for field in self.current.children:
                for child in [field, *getattr(field, "children", ())]:
                    child.disabled = True
        self.submit_area.children = []
        shown = (f"客观题得分：<b>{score:g}</b> 分（简答题由阅卷人评分）。"
                 if score is not None and self.show_score else "")
        self.result.value = f"<p style='color:#080'>已交卷（{at:%Y-%m-%d %H:%M:%S}）。{shown}</p>"
        self.countdown.value = ""


def open_room(environ: Mapping[str, str] | None = None) -> ExamRoom:
    """voila_apps/exam_room.ipynb: the workspace and database come from `qinglian serve`."""
    env = os.environ if environ is None else environ
    settings = Settings.for_kernel(env)
    room = ExamRoom(connect(settings.db_url), settings.root, hub_user=env.get("JUPYTERHUB_USER") or None)
    display(room.widget)
    return room
