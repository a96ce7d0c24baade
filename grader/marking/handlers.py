"""The marking pages, thin: read the form, call grader.marking, render. Who may mark is the library's
(grader.staff.roles, action grade.manual); the sign-in is a staff account's own name and password
(grader.room.staff.staff_sign_in, as the proctor's page), kept in a signed cookie that names the account
(grader.room.staff.Staff), re-read from the gradebook on every request (acting) so a disabled account or a
changed role stops at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode, urlsplit

import tornado.web
from sqlalchemy.orm import Session

from grader.marking.marks import mark_answer, parse_score, set_marking
from grader.marking.queue import MarkingError, MarkingQueue, essay, papers, queue
from grader.room.cookie import MAX_AGE_DAYS
from grader.room.staff import Staff, acting, staff_sign_in
from grader.staff.roles import Actor, StaffError, authorize

if TYPE_CHECKING:
    from grader.marking.app import Marking

COOKIE = "ql_marker"  # not the room's ql_staff: cookies do not tell ports apart
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
ERRORS = {400: "请求格式不正确", 403: "请求被拒绝（不是从阅卷页面发出的请求）", 404: "没有这个页面",
          405: "不支持这种请求", 413: "内容太长"}


class MarkingHandler(tornado.web.RequestHandler):
    @property
    def marking(self) -> Marking:
        return cast("Marking", self.settings["marking"])

    @property
    def base(self) -> str:
        return self.marking.base_url

    def get_template_namespace(self) -> dict[str, Any]:
        namespace = super().get_template_namespace()
        namespace["base_url"] = self.base
        return namespace

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Referrer-Policy", "same-origin")
        self.set_header("Cache-Control", "no-store")

    def check_xsrf_cookie(self) -> None:
        origin = self.request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc != self.request.host:
            raise tornado.web.HTTPError(403)
        super().check_xsrf_cookie()

    def staff(self) -> Staff | None:
        return Staff.loads(self.get_signed_cookie(COOKIE, max_age_days=MAX_AGE_DAYS), self.marking.now())

    async def marker(self) -> Actor | None:
        """The signed-in account as it stands now, if it may still mark; otherwise the sign-in page."""
        staff = self.staff()
        if staff is None:
            self.render("signin.html", error="", name="")
            return None

        def current(session: Session) -> Actor:
            return authorize(acting(session, staff), "grade.manual")

        try:
            return await self.marking.run(current)
        except StaffError as error:
            self.clear_cookie(COOKIE, path=self.base)
            self.render("signin.html", error=str(error), name=staff.name)
            return None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.render("error.html", message=ERRORS.get(status_code, "服务器暂时出错，请稍后重试"))


class SignIn(MarkingHandler):
    async def post(self) -> None:
        name, password, now = self.get_body_argument("name", "")[:64], self.get_body_argument("password", "")[:256], \
            self.marking.now()

        def check(session: Session) -> Staff | str:
            try:  # a refusal is returned, not raised: the wrong try is counted and committed
                return staff_sign_in(session, name, password, now, action="grade.manual")
            except StaffError as error:
                return str(error)

        staff = await self.marking.run(check)
        if isinstance(staff, str):
            self.render("signin.html", error=staff, name=name)
            return
        self.set_signed_cookie(COOKIE, staff.dumps(), expires_days=None, httponly=True, samesite="Strict",
                               secure=self.marking.secure_cookies, path=self.base,
                               max_age=int((staff.expires - now).total_seconds()))
        self.redirect(self.base, status=303)


class SignOut(MarkingHandler):
    def post(self) -> None:
        self.clear_cookie(COOKIE, path=self.base)
        self.redirect(self.base, status=303)


async def show_papers(handler: MarkingHandler, actor: Actor, error: str = "") -> None:
    marking, staff_id = handler.marking, actor.staff_id or 0
    found = await marking.run(lambda session: papers(session, marking.settings.root, marking.secret, staff_id))
    handler.render("papers.html", actor=actor, papers=found, error=error)


class PapersPage(MarkingHandler):
    async def get(self) -> None:
        actor = await self.marker()
        if actor is not None:
            await show_papers(self, actor)


class SettingForm(MarkingHandler):
    async def post(self) -> None:
        actor = await self.marker()
        if actor is None:
            return
        assignment = self.get_body_argument("paper", "")
        double = self.get_body_argument("mode", "single") == "double"
        try:
            threshold = parse_score(self.get_body_argument("threshold", "2"), 100, "分差阈值")
            now = self.marking.now()
            await self.marking.run(lambda session: set_marking(session, actor, assignment, double, threshold, now))
        except (MarkingError, StaffError) as error:
            await show_papers(self, actor, str(error))
            return
        self.redirect(self.base, status=303)


def mark_url(base: str, assignment: str, item: str, code: str = "", **extra: str) -> str:
    query = {"paper": assignment, "item": item, **({"code": code} if code else {}), **extra}
    return f"{base}mark?{urlencode(query)}"


class MarkPage(MarkingHandler):
    async def _queue(self, actor: Actor, assignment: str, item: str) -> MarkingQueue:
        marking, staff_id = self.marking, actor.staff_id or 0
        return await marking.run(lambda session: queue(session, marking.settings.root, marking.secret, assignment,
                                                       item, staff_id))

    async def _show(self, actor: Actor, assignment: str, item: str, code: str, *, error: str = "", saved: str = "",
                    typed: tuple[str, str] | None = None) -> None:
        try:
            found = await self._queue(actor, assignment, item)
        except MarkingError as error_:
            self.set_status(404)
            self.render("error.html", message=str(error_))
            return
        answer = found.find(code) if code else found.next_open() or (found.answers[0] if found.answers else None)
        if code and answer is None:
            error, answer = f"没有匿名编号为 {code} 的答卷", found.answers[0] if found.answers else None
        self.xsrf_token  # noqa: B018 -- sets the _xsrf cookie the form sends back
        self.render("mark.html", actor=actor, q=found, answer=answer, error=error, saved=_said(found, saved),
                    typed=typed, url=lambda c, **extra: mark_url(self.base, assignment, item, c, **extra))

    async def get(self) -> None:
        actor = await self.marker()
        if actor is None:
            return
        await self._show(actor, self.get_query_argument("paper", ""), self.get_query_argument("item", ""),
                         self.get_query_argument("code", ""), saved=self.get_query_argument("saved", ""))

    async def post(self) -> None:
        actor = await self.marker()
        if actor is None:
            return
        assignment, item = self.get_body_argument("paper", ""), self.get_body_argument("item", "")
        code, comment = self.get_body_argument("code", ""), self.get_body_argument("comment", "")
        typed = self.get_body_argument("score", "")
        marking, now = self.marking, self.marking.now()

        def save(session: Session) -> str:
            max_points = essay(session, marking.settings.root, assignment, item).max_points
            score = parse_score(typed, max_points, f"{code} 得分")
            return mark_answer(session, actor, marking.settings.root, marking.secret, assignment, item, code,
                               score, comment, now).code

        try:
            saved_code = await marking.run(save)
        except (MarkingError, StaffError) as error:
            await self._show(actor, assignment, item, code, error=str(error), typed=(typed, comment))
            return
        found = await self._queue(actor, assignment, item)
        current = found.find(saved_code)
        following = found.after(current) if current else None
        self.redirect(mark_url(self.base, assignment, item, following.code if following else saved_code,
                               saved=saved_code), status=303)


def _said(found: MarkingQueue, code: str) -> str:
    """What the page says after a save, from the gradebook (the address names only the answer saved)."""
    answer = found.find(code) if code else None
    if answer is None or answer.own is None:
        return ""
    said = f"已保存 {answer.code}：{answer.own.score:g} 分"
    return said + ("；两位阅卷人分差超过阈值，已标记待三评" if answer.flagged else "")
