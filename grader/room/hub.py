"""The exam room as a JupyterHub-managed service (`qinglian room --hub-service`).

The hub starts `qinglian room` itself and tells it, in JUPYTERHUB_SERVICE_* variables, its name,
prefix (/services/<name>/), address and API token. Candidates reach it through the hub's proxy
and sign in to the room with the hub's OAuth (jupyterhub.services.auth.HubOAuthenticated): a hub
user whose name is a roster student id with a seat in a sitting open now enters without a code,
and no single-user server is started for anyone. A hub user mapped to a staff account may open the
proctor page with that account's role (grader.room.staff decides). Admission number and code still
work (`?code`), for candidates with no hub account. The room's secrets stay in the workspace, which
only the room's process reads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import tornado.web
from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler, HubOAuthenticated, UserNotAllowed

from grader.room import handlers, proctor
from grader.room.app import Route, make_app
from grader.room.cookie import CandidateSession
from grader.room.service import RoomOptions
from grader.room.staff import hub_staff
from grader.settings import Settings
from grader.sitting.errors import SittingError
from grader.sitting.signin import admit_hub_user
from grader.staff.roles import StaffError

SERVICE_NAME = "JUPYTERHUB_SERVICE_NAME"
SERVICE_URL = "JUPYTERHUB_SERVICE_URL"
SERVICE_PREFIX = "JUPYTERHUB_SERVICE_PREFIX"
API_TOKEN = "JUPYTERHUB_API_TOKEN"


class HubConfigError(Exception):
    """What is missing from the hub's environment, in Chinese."""


@dataclass(frozen=True)
class HubService:
    name: str
    prefix: str  # /services/<name>/
    address: str
    port: int


def hub_service(environ: Mapping[str, str] = os.environ) -> HubService | None:
    """The service the hub started this process as, or None when no hub did."""
    name = environ.get(SERVICE_NAME, "")
    if not name or not environ.get(API_TOKEN):
        return None
    url = urlsplit(environ.get(SERVICE_URL, ""))
    if url.port is None:
        raise HubConfigError(f"{SERVICE_URL} 未设置或没有端口：请在 jupyterhub_config.py 的服务 {name} 中写上 url，"
                             "例如 'http://127.0.0.1:10101'")
    prefix = environ.get(SERVICE_PREFIX) or f"/services/{name}/"
    return HubService(name, prefix if prefix.endswith("/") else f"{prefix}/", url.hostname or "127.0.0.1", url.port)


def make_hub_app(settings: Settings, options: RoomOptions, auth: HubOAuth | None = None) -> tornado.web.Application:
    """The room under `options.base_url` (the service prefix), signing candidates and staff in
    through the hub. `auth` defaults to one configured from the hub's environment."""
    base = options.base_url if options.base_url.endswith("/") else f"{options.base_url}/"
    app = make_app(settings, options, extra_routes=hub_routes(base))
    app.settings["hub_auth"] = auth or HubOAuth(base_url=base)
    return app


def hub_routes(base: str) -> list[Route]:
    """Listed before the room's own routes, so these take the sign-in, exam and proctor pages."""
    return [(base, HubSignInPage), (f"{base}exam", HubExamPage), (f"{base}hub/enter", HubEnter),
            (f"{base}oauth_callback", OAuthCallback), (f"{base}proctor", HubProctorPage),
            (f"{base}hub/proctor", HubProctor)]


class HubHandler(HubOAuthenticated, handlers.RoomHandler):  # type: ignore[misc]
    """Identified by the hub (GET only). The room's own XSRF handling stays in force: these pages
    render the room's forms, which post to the room's handlers."""

    xsrf_token = tornado.web.RequestHandler.xsrf_token
    check_xsrf_cookie = handlers.RoomHandler.check_xsrf_cookie

    @property
    def hub_auth(self) -> HubOAuth:
        return cast(HubOAuth, self.settings["hub_auth"])

    @hub_auth.setter
    def hub_auth(self, auth: HubOAuth) -> None:  # HubAuthenticated's setter; the app's instance is used
        pass

    async def prepare(self) -> None:
        """Ask the hub who this is without blocking the event loop (the mixin's
        get_current_user would wait for the hub's API on the loop's thread)."""
        model = await self.hub_auth.get_user(self, sync=False)
        try:
            self.current_user = self.check_hub_user(model) if model else None
        except UserNotAllowed:
            raise tornado.web.HTTPError(403) from None


class HubSignInPage(handlers.SignInPage):
    def get(self) -> None:
        if self.candidate() is None and self.get_query_argument("code", None) is None:
            self.redirect(f"{self.base}hub/enter")
            return
        super().get()


class HubExamPage(handlers.ExamPage):
    async def get(self) -> None:
        if self.candidate() is None:
            self.redirect(f"{self.base}hub/enter")
            return
        await super().get()


class HubEnter(HubHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        name = str(cast(dict[str, Any], self.current_user)["name"])
        room, now, client = self.room, self.room.now(), self.request.remote_ip or ""
        try:
            view = await self.db(lambda session: admit_hub_user(session, name, client=client, now=now))
        except SittingError as error:
            self.render("signin.html", error=f"JupyterHub 账号 {name}：{error}",
                        notice="持准考证的考生可在下面输入准考证号和考试码。", admission_no="")
            return
        expires = now + timedelta(hours=room.options.session_hours)
        self.set_candidate(CandidateSession(view.sitting_id, view.admission_no, view.attempt_id, expires), now)
        self.redirect(f"{self.base}exam", status=303)


class OAuthCallback(HubOAuthCallbackHandler):  # type: ignore[misc]
    @property
    def hub_auth(self) -> HubOAuth:
        return cast(HubOAuth, self.settings["hub_auth"])

    @hub_auth.setter
    def hub_auth(self, auth: HubOAuth) -> None:
        pass


class HubProctorPage(proctor.ProctorPage):
    async def get(self) -> None:
        if self.staff() is None and self.get_query_argument("local", None) is None:
            self.redirect(f"{self.base}hub/proctor")
            return
        await super().get()


class HubProctor(HubHandler, proctor.StaffHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        now, user = self.room.now(), cast(dict[str, Any], self.current_user)
        try:
            staff = await self.room.gradebook.run(lambda session: hub_staff(session, user, now))
        except StaffError as error:
            self.render("proctor_login.html", error=str(error), name="")
            return
        self.admit(staff, now)
