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
from grader.sitting.presentation import PresentedItem

Clock = Callable[[], datetime]


def server_now() -> datetime:
    return datetime.now()


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


class ExamRoom:
    def __init__(self, engine: Engine, root: Path, clock: Clock = server_now, hub_user: str | None = None) -> None:
        self.engine, self.root, self.clock = engine, root, clock
        self.lock = threading.Lock()  # the countdown thread and the page never write at once
        self.view: AttemptView | None = None
        self.show_score = False
        self.answers: dict[int, str] = {}
        self.inputs: list[widgets.Widget] = []
        self.nav: dict[int, widgets.Button] = {}
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
            lambda session: start_or_resume(session, number.value, code.value, self.clock()), status))
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
        self._paper(title)

    def _paper(self, title: str) -> None:
        view = self.view
        assert view is not None
        self.answers = dict(view.answers)
        self.countdown = widgets.HTML()
        self.countdown.add_class("ql-countdown")
        header = widgets.HTML(f"<h2>{html.escape(title)}</h2><p>准考证号 {html.escape(view.admission_no)}</p>")
        items = [self._item(p) for p in view.items]
        self.nav = {p.item.position: widgets.Button(description=str(p.number), layout=widgets.Layout(width="3em"))
                    for p in view.items}
        for p in view.items:
            self._mark(p.item.position)
        navigator = widgets.HBox(list(self.nav.values()), layout=widgets.Layout(flex_flow="row wrap"))
        navigator.add_class("ql-nav")
        self.submit_area = widgets.VBox()
        self.result = widgets.HTML()
        self.result.add_class("ql-result")
        self._submit_button()
        self.widget.children = [header, self.countdown, navigator, *items, self.submit_area, self.result]
        if view.submitted_at is not None:
            self._closed(view.submitted_at)
            return
        threading.Thread(target=self._tick, daemon=True).start()

    def _item(self, p: PresentedItem) -> widgets.Widget:
        status = widgets.HTML()
        status.add_class("ql-status")
        field = _input(p, self.answers.get(p.item.position, ""), lambda value: self._save(p, value, status))
        self.inputs.append(field)
        box = widgets.VBox([widgets.HTML(f"<p><b>{p.number}.</b> {html.escape(p.item.stem)}"
                                         f"（{p.item.points:g} 分）</p>"), field, status])
        box.add_class("ql-item")
        box.add_class(f"ql-item-{p.number}")
        return box

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
            try:
                with Session(self.engine) as session, session.begin():
                    submit(session, self.root, self.view, self.clock(), how=how)
            except SittingError:
                pass  # already submitted (the other browser, or the clock): show the result
            from grader.autograde import autograde  # nbgrader is heavy: loaded at submission only

            with Session(self.engine) as session, session.begin():
                report = autograde(session, self.root, self.view.assignment, actor="exam-room", workers=1,
                                   students=[self.view.student_id])
        self._closed(self.clock(), report.graded[0].auto_score if report.graded else None)

    def _closed(self, at: datetime, score: float | None = None) -> None:
        for field in self.inputs:
            for child in [field, *getattr(field, "children", ())]:
                child.disabled = True
        self.submit_area.children = []
        shown = (f"客观题得分：<b>{score:g}</b> 分（简答题由阅卷人评分）。"
                 if score is not None and self.show_score else "")
        self.result.value = f"<p style='color:#080'>已交卷（{at:%Y-%m-%d %H:%M:%S}）。{shown}</p>"
        self.countdown.value = ""

    def _tick(self) -> None:
        view = self.view
        assert view is not None
        stop = threading.Event()
        while not stop.wait(1.0):
            left = view.deadline - self.clock()
            if self.result.value:
                return
            if left.total_seconds() <= 0:
                self._submit("timeout")
                return
            minutes, seconds = divmod(int(left.total_seconds()), 60)
            self.countdown.value = f"<p><b>剩余时间 {minutes:02d}:{seconds:02d}</b>（以服务器时间为准）</p>"


def open_room(environ: Mapping[str, str] | None = None) -> ExamRoom:
    """voila_apps/exam_room.ipynb: the workspace and database come from `qinglian serve`."""
    env = os.environ if environ is None else environ
    settings = Settings.for_kernel(env)
    room = ExamRoom(connect(settings.db_url), settings.root, hub_user=env.get("JUPYTERHUB_USER") or None)
    display(room.widget)
    return room
