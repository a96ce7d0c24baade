"""What a learner sees in a course page (served by Voila): sign-in (roster number and personal
study code, or the JupyterHub user), self-checks with instant
feedback, and the module's progress. The kernel runs on the server, so every judgement and every
record is made here; the browser only sends the chosen letters."""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import quote

import ipywidgets as widgets
from IPython.display import display
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from grader.bank import Item
from grader.course.catalog import Module, load_catalog, read_module
from grader.course.identity import Learner, SignInError, known_learner, sign_in_with_code, token_for, workspace_secret
from grader.course.study import CheckResult, ModuleProgress, progress, record_answer, record_visit
from grader.gradebook.engine import connect
from grader.settings import Settings
from grader.sitting.codes import load_secret


def _chooser(item: Item) -> tuple[widgets.Widget, Callable[[], str]]:
    labels = [(f"{letter}. {text}", letter) for letter, text in item.options]
    if item.type == "multiple":
        boxes = [widgets.Checkbox(description=label, value=False, indent=False,
                                  layout=widgets.Layout(width="auto")) for label, _ in labels]
        return widgets.VBox(boxes), lambda: "".join(letter for box, (_, letter) in zip(boxes, labels, strict=True)
                                                    if box.value)
    radio = widgets.RadioButtons(options=labels, value=None, layout=widgets.Layout(width="auto"))
    return radio, lambda: radio.value or ""


class LearnerBar:
    """The top of every course page: who is studying. Signs the learner in (or takes them from
    JupyterHub or a signed link) and tells the page when they are known."""

    def __init__(self, engine: Engine, root: Path, environ: Mapping[str, str], title: str) -> None:
        self.engine, self.title, self.root = engine, title, root
        self.secret = workspace_secret(root)
        self.widget = widgets.VBox()
        self.widget.add_class("ql-header")
        self.on_learner: Callable[[Learner], None] = lambda _: None
        with Session(engine) as session:
            self.learner = known_learner(session, environ, self.secret)

    def start(self, on_learner: Callable[[Learner], None]) -> None:
        """Show who is studying, or the sign-in form. Separate from construction because the page's
        callback may use the bar itself (its links): a learner known from the link or from JupyterHub
        is announced at once, before a constructor would have returned."""
        self.on_learner = on_learner
        if self.learner:
            self._known(self.learner)
        else:
            self._form()

    def link(self, notebook: str) -> str:
        assert self.learner is not None
        token = token_for(self.learner.id, self.secret)
        return f"{notebook}?learner={quote(self.learner.id)}&token={token}"

    def _known(self, learner: Learner) -> None:
        self.learner = learner
        self.widget.children = [widgets.HTML(
            f"<h3>{html.escape(self.title)}</h3><p>当前学员：<b>{html.escape(learner.name)}</b>"
            f"（{html.escape(learner.id)}） · <a href='{self.link('index.ipynb')}'>课程目录</a></p>")]
        self.on_learner(learner)

    def _form(self) -> None:
        number = widgets.Text(placeholder="学员编号", description="编号")
        code = widgets.Password(placeholder="六位数字", description="学习码")
        button = widgets.Button(description="登录", button_style="primary")
        status = widgets.HTML("<p>请用名单上的编号和本人的学习码（由组织部门发放）登录，学习记录才会保存。"
                              "连续输错 5 次，学习码锁定 15 分钟。</p>")
        number.add_class("ql-number")
        code.add_class("ql-code")
        button.add_class("ql-sign-in")

        def submit(_: object) -> None:
            with Session(self.engine) as session:
                try:
                    learner = sign_in_with_code(session, load_secret(self.root), number.value, code.value)
                except SignInError as error:
                    session.commit()  # the wrong try counts towards the lockout
                    status.value = f"<p style='color:#b00'>{html.escape(str(error))}</p>"
                    return
                session.commit()
            code.value = ""
            self._known(learner)

        button.on_click(submit)
        self.widget.children = [widgets.HTML(f"<h3>{html.escape(self.title)}</h3>"), number, code, button, status]


class LiveModule:
    """One course page: created by `open_module` in the notebook's first cell."""

    def __init__(self, module: Module, engine: Engine, root: Path, environ: Mapping[str, str]) -> None:
        self.module, self.engine = module, engine
        self.progress = widgets.HTML()
        self.progress.add_class("ql-progress")
        self.bar = LearnerBar(engine, root, environ, module.title)
        self.bar.start(self._signed_in)
        display(self.bar.widget)

    @property
    def learner(self) -> Learner | None:
        return self.bar.learner

    def _signed_in(self, learner: Learner) -> None:
        with Session(self.engine) as session, session.begin():
            record_visit(session, learner.id, self.module)
        self._refresh(learner)

    def _refresh(self, learner: Learner | None = None) -> None:
        learner = learner or self.learner
        if learner is None:
            self.progress.value = "<p>登录后显示学习进度。</p>"
            return
        with Session(self.engine) as session:
            (row,) = progress(session, learner.id, [self.module])
        done = (f"已完成，记 {row.credited_hours:g} 学时（{row.completed_at:%Y-%m-%d %H:%M}）" if row.complete
                else f"自测 {row.passed}/{row.total} 道已答对；全部答对后记 {row.hours:g} 学时")
        self.progress.value = f"<p><b>本模块学习进度：</b>{done}</p>"

    def check(self, item_id: str) -> None:
        """A self-check: answer; a right answer gets the explanation, a wrong one where to re-read."""
        item = self.module.item(item_id)
        chooser, value = _chooser(item)
        button = widgets.Button(description="提交答案")
        feedback = widgets.HTML()
        feedback.add_class("ql-feedback")

        def submit(_: object) -> None:
            learner = self.learner
            if learner is None:
                feedback.value = "<p style='color:#b00'>请先在页面顶部登录。</p>"
                return
            try:
                with Session(self.engine) as session, session.begin():
                    result = record_answer(session, learner.id, self.module, item_id, value())
            except SQLAlchemyError:
                feedback.value = "<p style='color:#b00'>保存失败，答案未记录，请重试。</p>"
                return
            feedback.value = self._feedback(result)
            self._refresh()

        button.on_click(submit)
        box = widgets.VBox([widgets.HTML(f"<p><b>自测</b>（{_kind(item)}）：{html.escape(item.stem)}</p>"),
                            chooser, button, feedback])
        box.add_class("ql-check")
        box.add_class(f"ql-check-{item_id}")
        display(box)

    @staticmethod
    def _feedback(result: CheckResult) -> str:
        if result.blank:
            return "<p style='color:#b00'>请先选择答案。</p>"
        if not result.correct:
            return ("<p style='color:#b00'><b>回答不正确，</b>可以重新作答。</p>"
                    f"<p>提示：{html.escape(result.hint)}</p>")
        parts = ["<p style='color:#080'><b>回答正确。</b></p>",
                 f"<p>解析：{html.escape(result.explanation)}</p>" if result.explanation else ""]
        if result.credited_hours is not None:
            parts.append(f"<p style='color:#080'>本模块自测全部答对，已记 {result.credited_hours:g} 学时。</p>")
        return "".join(parts)

    def summary(self) -> None:
        self._refresh()
        display(self.progress)


def _kind(item: Item) -> str:
    return {"single": "单选", "multiple": "多选", "truefalse": "判断"}.get(item.type, item.type)


def open_module(module_id: str, *, courses: Path | None = None,
                environ: Mapping[str, str] | None = None) -> LiveModule:
    """The first cell of every course notebook. Settings come from the environment `qinglian
    serve` gives the kernel: QINGLIAN_ROOT (the workspace) and QINGLIAN_DB_URL."""
    env = os.environ if environ is None else environ
    settings = Settings.for_kernel(env)
    folder = courses or Path.cwd()
    module, problems = read_module(folder / f"{module_id}.ipynb")
    if module is None:
        raise RuntimeError("\n".join(str(p) for p in problems))
    return LiveModule(module, connect(settings.db_url), settings.root, env)


def _progress_table(bar: LearnerBar, rows: list[ModuleProgress]) -> str:
    lines = ["<table class='ql-modules'><tr><th>模块</th><th>学时</th><th>自测</th><th>状态</th></tr>"]
    for row in rows:
        status = f"已完成（{row.completed_at:%Y-%m-%d}）" if row.complete else "未完成"
        lines.append(f"<tr><td><a href='{bar.link(row.module + '.ipynb')}'>{html.escape(row.title)}</a></td>"
                     f"<td>{row.hours:g}</td><td>{row.passed}/{row.total}</td><td>{status}</td></tr>")
    total = sum(r.credited_hours for r in rows)
    done = sum(1 for r in rows if r.complete)
    lines.append(f"</table><p>已完成 {done}/{len(rows)} 个模块，累计 {total:g} 学时。"
                 "全部六个模块完成是上岗前廉政培训的要求之一。</p>")
    return "".join(lines)


def open_index(*, courses: Path | None = None, environ: Mapping[str, str] | None = None) -> LearnerBar:
    """The course index page: sign in, then every module with a link and the learner's progress."""
    env = os.environ if environ is None else environ
    settings = Settings.for_kernel(env)
    modules = load_catalog(courses or Path.cwd())
    engine = connect(settings.db_url)
    table = widgets.HTML("<p>登录后显示课程目录和学习进度。</p>")
    table.add_class("ql-index")

    bar = LearnerBar(engine, settings.root, env, "廉政教育课程")

    def show(learner: Learner) -> None:
        with Session(engine) as session:
            table.value = _progress_table(bar, progress(session, learner.id, modules))

    bar.start(show)
    display(widgets.VBox([bar.widget, table]))
    return bar
