"""The candidate's side of the room: parse the request, call grader.sitting off the event loop,
render the page or answer JSON. Every refusal comes from the library, in its words."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeGuard, TypeVar, cast
from urllib.parse import urlsplit

import orjson
import tornado.web
from sqlalchemy.orm import Session

from grader.room.cookie import CANDIDATE_COOKIE, MAX_AGE_DAYS, CandidateSession
from grader.room.page import ExamPage as ExamPageData
from grader.room.page import exam_page, result_page
from grader.room.service import Room
from grader.room.worker import Busy
from grader.scoring import MAX_ANSWER_CHARS
from grader.sitting.answers import mark, save
from grader.sitting.attempt import resume
from grader.sitting.briefing import exam_entry
from grader.sitting.errors import SittingError
from grader.sitting.events import record_event
from grader.sitting.results import ResultView, result_view
from grader.sitting.signin import admit
from grader.sitting.submission import grade_attempt, submit_attempt

log = logging.getLogger("grader.room")
T = TypeVar("T")
MAX_FIELD = 64  # admission numbers and codes are short; anything longer is not one
MAX_POSITION = 2**31  # a paper position fits the database's integer; a larger number is not one
EVENT_KINDS = ("blur", "hidden")
ERRORS = {400: "请求格式不正确", 401: "登录已失效，请重新进入考场", 403: "请求被拒绝（不是从考场页面发出的请求）",
          404: "没有这个页面", 405: "不支持这种请求", 413: "内容太长", 503: "考场正忙，请稍候，页面会自动重试"}
RETRY_AFTER_SECONDS = 2  # a 503's Retry-After: room.js and the benchmark wait at least this long
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def is_position(value: object) -> TypeGuard[int]:
    return type(value) is int and -MAX_POSITION < value < MAX_POSITION


def remaining_ms(deadline: datetime, now: datetime) -> int:
    return max(0, int((deadline - now).total_seconds() * 1000))


class RoomHandler(tornado.web.RequestHandler):
    """What every page and endpoint shares: the room, the clock, the cookie, JSON, errors."""

    @property
    def room(self) -> Room:
        return cast(Room, self.settings["room"])

    @property
    def base(self) -> str:
        return self.room.options.base_url

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

    def compute_etag(self) -> str | None:
        return None  # every reply is no-store: hashing each body would buy nothing

    async def db(self, work: Callable[[Session], T]) -> T:
        """`work` in the gradebook's thread pool; 503 (Retry-After) when the pool's queue is full."""
        try:
            return await self.room.gradebook.run(work)
        except Busy:
            raise tornado.web.HTTPError(503, "gradebook queue full") from None

    def reply(self, data: dict[str, Any]) -> None:
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(orjson.dumps(data))

    def check_xsrf_cookie(self) -> None:
        """Tornado's token, and a cross-site Origin refused outright (a browser sends it on POST)."""
        origin = self.request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc != self.request.host:
            raise tornado.web.HTTPError(403, "cross-site request from %s", origin)
        super().check_xsrf_cookie()

    def candidate(self) -> CandidateSession | None:
        value = self.get_signed_cookie(CANDIDATE_COOKIE, max_age_days=MAX_AGE_DAYS)
        return CandidateSession.loads(value, self.room.now())

    def need_candidate(self) -> CandidateSession:
        who = self.candidate()
        if who is None:
            raise tornado.web.HTTPError(401)
        return who

    def set_candidate(self, who: CandidateSession, now: datetime) -> None:
        self.set_signed_cookie(CANDIDATE_COOKIE, who.dumps(), expires_days=None, httponly=True, samesite="Strict",
                               secure=self.room.options.secure_cookies, path=self.base,
                               max_age=int((who.expires - now).total_seconds()))

    def json_body(self) -> dict[str, Any]:
        try:
            body = orjson.loads(self.request.body or b"{}")
        except orjson.JSONDecodeError:
            raise tornado.web.HTTPError(400) from None
        if not isinstance(body, dict):
            raise tornado.web.HTTPError(400)
        return body

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, Busy):  # backpressure, not a fault: the 503 is logged as a failure
            super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if isinstance(kwargs.get("exc_info", (None, None))[1], Busy):  # any handler's gradebook call
            status_code = 503
            self.set_status(status_code)
        message = ERRORS.get(status_code, "服务器暂时出错，请稍后重试")
        if status_code == 503:
            self.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
        if self.request.path.startswith(f"{self.base}api/"):
            self.reply({"error": message})
            return
        self.render("error.html", message=message)


class SignInPage(RoomHandler):
    def get(self) -> None:
        if self.candidate() is not None:
            self.redirect(f"{self.base}exam")
            return
        self.render("signin.html", error="", notice="", admission_no="")


class SignIn(RoomHandler):
    async def post(self) -> None:
        admission_no = self.get_body_argument("admission_no", "")[:MAX_FIELD]
        code = self.get_body_argument("code", "")[:MAX_FIELD]
        room, now, client = self.room, self.room.now(), self.request.remote_ip or ""
        try:
            view = await self.db(lambda session: admit(
                session, room.code_secret, admission_no, code, client=client, now=now,
                client_limit=room.options.client_limit))
        except SittingError as error:
            self.render("signin.html", error=str(error), notice="", admission_no=admission_no.strip())
            return
        expires = now + timedelta(hours=room.options.session_hours)
        self.set_candidate(CandidateSession(view.sitting_id, view.admission_no, view.attempt_id, expires), now)
        self.redirect(f"{self.base}exam", status=303)


class SignOut(RoomHandler):
    """Leave the room (an exam hall's computer serves candidate after candidate)."""

    def post(self) -> None:
        self.clear_cookie(CANDIDATE_COOKIE, path=self.base)
        self.redirect(self.base, status=303)


class ExamPage(RoomHandler):
    async def get(self) -> None:
        who = self.candidate()
        if who is None:
            self.render("signin.html", error="", notice="请输入准考证号和考试码进入考场。", admission_no="")
            return
        now = self.room.now()

        def load(session: Session) -> ExamPageData:
            view, about = exam_entry(session, who.attempt_id, who.admission_no)
            result = result_view(session, who.attempt_id) if view.submitted_at is not None else None
            return exam_page(view, about, result, now, MAX_ANSWER_CHARS)

        try:
            page = await self.db(load)
        except SittingError as error:
            self.clear_cookie(CANDIDATE_COOKIE, path=self.base)
            self.render("signin.html", error=str(error), notice="", admission_no="")
            return
        self.xsrf_token  # noqa: B018 -- sets the _xsrf cookie the page's script sends back
        self.render("exam.html", exam=page)


class AnswerApi(RoomHandler):
    async def post(self) -> None:
        who, body = self.need_candidate(), self.json_body()
        position, value = body.get("position"), body.get("value")
        if not is_position(position) or not isinstance(value, str):
            raise tornado.web.HTTPError(400)
        now = self.room.now()
        saved = await self.db(lambda session: save(session, who.attempt_id, who.admission_no, position, value, now))
        self.reply({"saved": saved.accepted, "reason": saved.reason,
                     "saved_at": f"{saved.saved_at:%H:%M:%S}" if saved.saved_at else "",
                     "remaining_ms": remaining_ms(saved.deadline, now) if saved.deadline else None,
                     "closed": saved.closed})


class MarkApi(RoomHandler):
    async def post(self) -> None:
        who, body = self.need_candidate(), self.json_body()
        position, marked = body.get("position"), body.get("marked")
        if not is_position(position) or not isinstance(marked, bool):
            raise tornado.web.HTTPError(400)
        now = self.room.now()
        try:
            await self.db(lambda session: mark(session, who.attempt_id, who.admission_no, position, marked, now))
        except SittingError as error:
            self.reply({"done": False, "reason": str(error)})
            return
        self.reply({"done": True})


class EventApi(RoomHandler):
    async def post(self) -> None:
        who, body = self.need_candidate(), self.json_body()
        kind = body.get("kind")
        if kind not in EVENT_KINDS:
            raise tornado.web.HTTPError(400)
        room, now = self.room, self.room.now()
        try:
            outcome = await self.db(lambda session: record_event(
                session, room.settings.root, who.attempt_id, who.admission_no, str(kind), now))
        except SittingError as error:
            self.reply({"closed": False, "reason": str(error)})
            return
        if outcome.submitted:
            await grade(room, who.attempt_id)
        self.reply({"count": outcome.count, "limit": outcome.limit, "closed": outcome.submitted,
                     "reason": "切换窗口次数达到上限，已自动交卷" if outcome.submitted else ""})


class SubmitApi(RoomHandler):
    async def post(self) -> None:
        who = self.need_candidate()
        room, now = self.room, self.room.now()
        if room.gradebook.grading_busy():  # come back later: nothing is handed in yet
            raise tornado.web.HTTPError(503, "grading queue full")
        try:
            await self.db(lambda session: submit_attempt(
                session, room.settings.root, who.attempt_id, now, how="candidate", admission_no=who.admission_no))
        except SittingError as error:
            if not await self._submitted_before(who, now):  # refused for another reason: the page says why
                self.reply({"submitted": False, "reason": str(error)})
                return
        result = await grade(room, who.attempt_id)
        view = await self.db(lambda session: resume(session, who.attempt_id, who.admission_no, now))
        shown = result_page(result)
        self.reply({"submitted": True, "submitted_text": f"{view.submitted_at:%Y-%m-%d %H:%M:%S}",
                     "result": shown.as_json() if shown else None})

    async def _submitted_before(self, who: CandidateSession, now: datetime) -> bool:
        """A second 交卷 (another tab, a retry after a lost reply) shows the result again."""
        try:
            view = await self.db(lambda session: resume(session, who.attempt_id, who.admission_no, now))
        except SittingError:
            return False
        return view.submitted_at is not None


async def grade(room: Room, attempt_id: int) -> ResultView | None:
    """The attempt's result, grading it first (in the grading pool) if no grading has yet."""
    result = await room.gradebook.run(lambda session: result_view(session, attempt_id))
    if result.graded:
        return result
    try:
        return await room.gradebook.grade(partial(grade_attempt, root=room.settings.root, attempt_id=attempt_id,
                                                  actor="exam-room"))
    except Exception:  # one submission's grading must not take the room down; the sweep regrades
        log.exception("grading attempt %s failed", attempt_id)
        return None
