"""The sign-in a staff page shows before anything else (Voila): name and password of a staff account
(grader.staff.accounts.sign_in, with its lockout), or the JupyterHub user mapped to an account when
the page runs under a hub. The page itself is built only for an account whose role may do the
page's action; until then the page holds nothing but the form."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from datetime import datetime

import ipywidgets as widgets
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.staff.accounts import actor_for_hub_user, sign_in
from grader.staff.roles import ACTIONS, ROLES, Actor, StaffError, authorize

Clock = Callable[[], datetime]


def _classed(widget: widgets.Widget, name: str) -> widgets.Widget:
    widget.add_class(name)
    return widget


class StaffGate:
    """`build(actor)` makes the page once a staff member whose role allows `action` has signed in."""

    def __init__(self, engine: Engine, action: str, title: str, build: Callable[[Actor], widgets.Widget], *,
                 environ: Mapping[str, str] | None = None, clock: Clock = datetime.now) -> None:
        self.engine, self.action, self.title, self.build, self.clock = engine, action, title, build, clock
        self.actor: Actor | None = None
        self.name = _classed(widgets.Text(description="姓名"), "ql-staff-name")
        self.password = _classed(widgets.Password(description="密码"), "ql-staff-password")
        go = _classed(widgets.Button(description="登录", button_style="primary"), "ql-staff-signin")
        go.on_click(lambda _: self.sign_in())
        self.who = _classed(widgets.HTML(self._prompt()), "ql-staff-who")
        self.form = widgets.HBox([self.name, self.password, go])
        self.widget = widgets.VBox([widgets.HTML(f"<h2>{html.escape(title)}</h2>"), self.who, self.form])
        hub_user = (environ or {}).get("JUPYTERHUB_USER")
        if hub_user:
            self._hub(hub_user)

    def _prompt(self, error: str = "") -> str:
        roles = "、".join(label for role, label in ROLES.items() if role in ACTIONS[self.action][1])
        note = f"<p>请用本人的工作人员账号登录（{html.escape(roles)}）。</p>"
        return note + (f"<p style='color:#b00'>{html.escape(error)}</p>" if error else "")

    def _hub(self, hub_user: str) -> None:
        with Session(self.engine) as session:
            try:
                self._admit(actor_for_hub_user(session, hub_user))
            except StaffError as error:
                self.who.value = self._prompt(str(error))

    def sign_in(self) -> None:
        with Session(self.engine) as session:
            try:
                actor = sign_in(session, self.name.value, self.password.value, self.clock())
            except StaffError as error:
                session.commit()  # the wrong try is counted
                self.who.value = self._prompt(str(error))
                return
            session.commit()
        self.password.value = ""
        try:
            self._admit(actor)
        except StaffError as error:
            self.who.value = self._prompt(str(error))

    def _admit(self, actor: Actor) -> None:
        authorize(actor, self.action)
        self.actor = actor
        self.who.value = f"<p>当前身份：{html.escape(actor.label)}</p>"
        self.widget.children = [self.who, self.build(actor)]  # the page has its own title
